#include "services/compliance_auditing/policy/content_screen.h"

#include "services/compliance_auditing/policy/policy_test_util.h"

namespace arrears::compliance::policy {
namespace {

using namespace testing;  // NOLINT: test helpers
using ::arrears::testing::StatusIs;
using ::testing::HasSubstr;

std::vector<std::string> RuleIds(const std::vector<ScreenMatch>& matches) {
  std::vector<std::string> ids;
  for (const ScreenMatch& m : matches) ids.push_back(m.rule->id);
  return ids;
}

class ContentScreenTest : public ::testing::Test {
 protected:
  std::vector<std::string> Hits(absl::string_view text, ScreenContext context = {}) {
    absl::StatusOr<std::vector<ScreenMatch>> matches = screen_->Screen(text, context);
    EXPECT_TRUE(matches.ok()) << matches.status();
    return matches.ok() ? RuleIds(*matches) : std::vector<std::string>{"<error>"};
  }
  std::unique_ptr<ContentScreen> screen_ = ShippedScreen();
};

TEST_F(ContentScreenTest, EnglishTable) {
  struct Case {
    const char* text;
    std::vector<std::string> rules;
  };
  const Case cases[] = {
      {"Your payment is due on Friday.", {}},
      {"Pay now OR ELSE.", {"en.threat.1"}},
      {"We will KILL you", {"en.violence.1"}},
      {"Improve your skills", {}},  // "kill" only as a word
      {"you are a Deadbeat", {"en.insult.1"}},
      {"This is the police department", {"en.impersonation.police.1"}},
      {"I am a court officer", {"en.impersonation.court.1"}},
      {"A federal agent will call", {"en.impersonation.government.1"}},
      {"First", {}},  // "irs" only as a word
      {"You will be ARRESTED tomorrow; you will be arrested", {"en.false_legal.1"}},
      {"We know where you live, idiot", {"en.threat.1", "en.insult.1"}},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.text);
    EXPECT_EQ(Hits(c.text), c.rules);
  }
}

TEST_F(ContentScreenTest, ChineseTable) {
  struct Case {
    const char* text;
    std::vector<std::string> rules;
  };
  const Case cases[] = {
      {"您的账单将于周五到期。", {}},
      {"再不还钱后果自负", {"cn.threat.1"}},
      {"小心打断你的腿", {"cn.violence.1"}},
      {"你这个老赖", {"cn.insult.1"}},
      {"我是警察，请配合", {"cn.impersonation.police.1"}},
      {"我们是法院的", {"cn.impersonation.court.1"}},
      {"这是政府部门通知", {"cn.impersonation.government.1"}},
      {"不还钱就让你坐牢", {"cn.false_legal.1"}},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.text);
    EXPECT_EQ(Hits(c.text), c.rules);
  }
}

TEST_F(ContentScreenTest, OffsetsAreUtf8ByteOffsetsInTextOrder) {
  absl::StatusOr<std::vector<ScreenMatch>> matches =
      screen_->Screen("老赖 you LOSER", ScreenContext{});
  ASSERT_TRUE(matches.ok());
  ASSERT_EQ(matches->size(), 2u);
  EXPECT_EQ((*matches)[0].rule->id, "cn.insult.1");
  EXPECT_EQ((*matches)[0].offset, 0u);
  EXPECT_EQ((*matches)[0].length, 6u);
  EXPECT_EQ((*matches)[1].rule->id, "en.insult.1");
  EXPECT_EQ((*matches)[1].offset, 11u);
}

TEST_F(ContentScreenTest, ConditionalRulesNeedTheirContext) {
  EXPECT_TRUE(Hits("Your loan is overdue").empty());
  EXPECT_EQ(Hits("Your loan is overdue", {.to_third_party = true}),
            std::vector<std::string>{"en.third_party.1"});
  EXPECT_EQ(Hits("他的贷款逾期了", {.to_third_party = true}),
            std::vector<std::string>{"cn.third_party.1"});
  EXPECT_TRUE(Hits("We will file a lawsuit").empty());
  EXPECT_EQ(Hits("We will file a lawsuit", {.debt_time_barred = true}),
            std::vector<std::string>{"en.time_barred.1"});
  EXPECT_EQ(Hits("我们将起诉你", {.debt_time_barred = true}),
            std::vector<std::string>{"cn.time_barred.1"});
}

TEST_F(ContentScreenTest, RejectsInvalidUtf8) {
  EXPECT_THAT(screen_->Screen("\xE8\x80", {}), StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(screen_->Screen("\xC0\xAF", {}), StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(screen_->Screen("\xED\xA0\x80", {}), StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST_F(ContentScreenTest, OptOutNotice) {
  EXPECT_TRUE(screen_->HasOptOutNotice("Reply STOP to opt out"));
  EXPECT_TRUE(screen_->HasOptOutNotice("回复TD退订"));
  EXPECT_FALSE(screen_->HasOptOutNotice("Please call us"));
  EXPECT_FALSE(screen_->HasOptOutNotice("nonstop"));
}

TEST(ContentScreenLoadTest, ErrorsNameTheField) {
  const std::string ok_notices =
      "version: '1'\nopt_out_notices:\n  - {language: en, phrases: [stop]}\n";
  EXPECT_THAT(ContentScreen::FromYaml("opt_out_notices: []\n", "r.yaml"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("r.yaml: version")));
  EXPECT_THAT(
      ContentScreen::FromYaml(ok_notices + "rules:\n  - {id: a, category: RUDE, language: en, "
                                           "phrases: [x]}\n",
                              "r.yaml"),
      StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("rules[0].category")));
  EXPECT_THAT(
      ContentScreen::FromYaml(ok_notices + "rules:\n  - {id: a, category: THREAT, language: en, "
                                           "phrases: [x]}\n  - {id: a, category: THREAT, "
                                           "language: en, phrases: [y]}\n",
                              "r.yaml"),
      StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("rules[1].id: duplicate")));
  EXPECT_THAT(
      ContentScreen::FromYaml(ok_notices + "rules:\n  - {id: a, category: THREAT, language: en, "
                                           "phrases: []}\n",
                              "r.yaml"),
      StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("rules[0].phrases")));
  EXPECT_THAT(
      ContentScreen::FromYaml(ok_notices + "rules:\n  - {id: a, category: THREAT, language: en, "
                                           "applies_when: sometimes, phrases: [x]}\n",
                              "r.yaml"),
      StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("rules[0].applies_when")));
  EXPECT_THAT(ContentScreen::FromYaml("version: [", "r.yaml"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("r.yaml")));
}

}  // namespace
}  // namespace arrears::compliance::policy

namespace arrears::compliance::policy {
namespace {

using namespace testing;  // NOLINT: test helpers

TEST(ScreenMessageTest, TemplatesScreenedPerPack) {
  auto engine = ShippedEngine();
  v1::ScreenMessageRequest r;
  r.set_text("Please call us about your account.");
  r.set_channel(common::v1::CHANNEL_SMS);
  r.set_counterparty(common::v1::COUNTERPARTY_DEBTOR);

  r.add_pack_ids("cn-default");
  v1::ScreenMessageResponse cn = engine->ScreenMessage(r);
  EXPECT_TRUE(cn.passed());
  ASSERT_EQ(cn.policies_size(), 1);

  r.clear_pack_ids();  // every pack: Regulation F wants an opt-out notice
  v1::ScreenMessageResponse all = engine->ScreenMessage(r);
  EXPECT_FALSE(all.passed());
  EXPECT_THAT(all.reason_codes(), ::testing::ElementsAre("MISSING_OPT_OUT_NOTICE"));
  ASSERT_EQ(all.matches_size(), 1);
  EXPECT_EQ(all.matches(0).category(), "MISSING_OPT_OUT");

  r.set_text("骗子！Reply STOP to opt out");
  v1::ScreenMessageResponse insult = engine->ScreenMessage(r);
  EXPECT_FALSE(insult.passed());
  EXPECT_THAT(insult.reason_codes(),
              ::testing::ElementsAre("PROHIBITED_WORDING", "PROHIBITED_WORDING:cn.insult.1"));
  ASSERT_EQ(insult.matches_size(), 1);
  EXPECT_EQ(insult.matches(0).matched_text(), "骗子");

  r.set_counterparty(common::v1::COUNTERPARTY_UNRELATED_THIRD_PARTY);
  r.set_text("Tell him his loan is overdue. Reply STOP to opt out");
  EXPECT_THAT(engine->ScreenMessage(r).reason_codes(),
              ::testing::Contains("THIRD_PARTY_DISCLOSURE"));

  r.add_pack_ids("xx-unknown");
  EXPECT_THAT(engine->ScreenMessage(r).reason_codes(),
              ::testing::Contains("UNKNOWN_INPUT:pack_ids"));
}

}  // namespace
}  // namespace arrears::compliance::policy
