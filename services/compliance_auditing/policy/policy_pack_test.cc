#include "services/compliance_auditing/policy/policy_pack.h"

#include "services/compliance_auditing/policy/policy_test_util.h"

namespace arrears::compliance::policy {
namespace {

using namespace testing;  // NOLINT: test helpers
using ::arrears::testing::IsOkAndHolds;
using ::arrears::testing::StatusIs;
using ::testing::HasSubstr;

TEST(PolicyPackTest, ShippedCnDefault) {
  const PolicyPack pack = ShippedPack("cn-default.yaml");
  EXPECT_EQ(pack.pack_id, "cn-default");
  EXPECT_EQ(pack.version, "2026.3");
  EXPECT_EQ(pack.jurisdiction, "CN");
  EXPECT_EQ(pack.retention_years, 5);
  EXPECT_EQ(pack.contact_window.start_second, 8 * 3600);
  EXPECT_EQ(pack.contact_window.end_second, 22 * 3600);
  EXPECT_FALSE(pack.gentle_window_enabled);
  EXPECT_EQ(pack.max_unanswered_dials_per_contact_point, 6);
  EXPECT_EQ(pack.max_connected_calls_per_debtor, 3);
  EXPECT_EQ(pack.max_conversations_per_debtor, 3);
  EXPECT_EQ(pack.max_field_visits_per_debtor, 1);
  EXPECT_EQ(pack.field_visit_min_staff, 2);
  EXPECT_TRUE(pack.call_recording_required);
  EXPECT_TRUE(pack.IsDeniedPrivateChannel(common::v1::CHANNEL_SOCIAL_MEDIA_PRIVATE));
}

TEST(PolicyPackTest, ShippedUsRegF) {
  const PolicyPack pack = ShippedPack("us-regf-default.yaml");
  EXPECT_EQ(pack.pack_id, "us-regf-default");
  EXPECT_EQ(pack.retention_years, 3);
  EXPECT_EQ(pack.contact_window.end_second, 21 * 3600);
  EXPECT_EQ(pack.max_calls_per_debt_in_7_days, 7);
  EXPECT_TRUE(pack.conversation_blocks_7_days);
  EXPECT_TRUE(pack.NeedsOptOutNotice(common::v1::CHANNEL_SMS));
  EXPECT_TRUE(pack.NeedsOptOutNotice(common::v1::CHANNEL_EMAIL));
  EXPECT_FALSE(pack.WindowApplies(common::v1::CHANNEL_LETTER));
  EXPECT_EQ(pack.third_party_max_contacts_per_person, 1);
}

TEST(PolicyPackTest, GentleHouseWindow) {
  const std::string text =
      absl::StrReplaceAll(ReadPackText("cn-default.yaml"), {{"enabled: false", "enabled: true"}});
  absl::StatusOr<PolicyPack> pack = ParsePolicyPack(text, "house.yaml");
  ASSERT_TRUE(pack.ok()) << pack.status();
  EXPECT_TRUE(pack->gentle_window_enabled);
  EXPECT_EQ(pack->contact_window.end_second, 21 * 3600);
}

TEST(PolicyPackTest, ParseTimeOfDay) {
  EXPECT_THAT(ParseTimeOfDay("08:00", "f"), IsOkAndHolds(8 * 3600));
  EXPECT_THAT(ParseTimeOfDay("21:30:15", "f"), IsOkAndHolds(21 * 3600 + 30 * 60 + 15));
  EXPECT_THAT(ParseTimeOfDay("24:00", "f"), IsOkAndHolds(24 * 3600));
  for (const char* bad : {"8:00", "24:01", "12:60", "noon", "12", "12:00:00:00"}) {
    EXPECT_THAT(ParseTimeOfDay(bad, "field.x"),
                StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("field.x")))
        << bad;
  }
}

TEST(PolicyPackTest, ValidationNamesTheField) {
  const std::string base = ReadPackText("cn-default.yaml");
  struct Case {
    std::string from, to, field;
  };
  const Case cases[] = {
      {"start: \"08:00\"", "start: \"8am\"", "contact_window.start"},
      {"end: \"22:00\"", "end: \"07:00\"", "contact_window.end"},
      {"pack_id: cn-default", "pack_id: \"\"", "pack_id"},
      {"version: \"2026.3\"", "", "version"},
      {"retention_years: 5", "retention_years: 0", "retention_years"},
      {"unanswered_dials_per_contact_point: 6", "unanswered_dials_per_contact_point: -1",
       "daily_caps.unanswered_dials_per_contact_point"},
      {"denied_channels: [SOCIAL_MEDIA_PRIVATE]", "denied_channels: [CARRIER_PIGEON]",
       "denied_channels[0]"},
      {"allowed: [DEBTOR,", "allowed: [NEIGHBOUR,", "counterparties.allowed[0]"},
      {"min_staff: 2", "min_stafff: 2", "field_visits.min_stafff: unknown field"},
      {"screen_content: true", "screen_content: maybe", "screen_content"},
      {"    end: \"21:00\"", "    end: \"23:00\"", "house_options.gentle_window.end"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.field);
    ASSERT_NE(base.find(c.from), std::string::npos) << c.from;
    const std::string text = absl::StrReplaceAll(base, {{c.from, c.to}});
    EXPECT_THAT(ParsePolicyPack(text, "cn.yaml"),
                StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr(c.field)));
  }
  EXPECT_THAT(LoadPolicyPack("/nonexistent/pack.yaml"), StatusIs(absl::StatusCode::kNotFound));
}

TEST(PolicyEngineCreateTest, RejectsDuplicatePacksAndNoScreen) {
  const PolicyPack cn = ShippedPack("cn-default.yaml");
  EXPECT_THAT(PolicyEngine::Create({cn, cn}, ShippedScreen()),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("duplicate")));
  EXPECT_THAT(PolicyEngine::Create({cn}, nullptr),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("screen")));
  EXPECT_THAT(PolicyEngine::Create({}, ShippedScreen()),
              StatusIs(absl::StatusCode::kInvalidArgument));
  auto loaded = PolicyEngine::Load({PackPath("cn-default.yaml"), PackPath("us-regf-default.yaml")},
                                   PackPath("screening-rules.yaml"));
  ASSERT_TRUE(loaded.ok()) << loaded.status();
  EXPECT_EQ((*loaded)->packs().size(), 2u);
}

}  // namespace
}  // namespace arrears::compliance::policy
