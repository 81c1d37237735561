// The debtor's status in both shipped packs: deceased, bankruptcy (filed or
// of unknown stage), and the time-bar with each pack's limitation period, at
// exact anniversaries.
#include "services/compliance_auditing/policy/policy_test_util.h"

namespace arrears::compliance::policy {
namespace {

using namespace testing;  // NOLINT: test helpers
using ::arrears::testing::StatusIs;
using ::testing::HasSubstr;
using ::testing::Not;

using common::v1::ContactPurpose;
using common::v1::Counterparty;

constexpr ContactPurpose kCollection = common::v1::CONTACT_PURPOSE_COLLECTION;
constexpr ContactPurpose kServiceNotice = common::v1::CONTACT_PURPOSE_SERVICE_NOTICE;
constexpr ContactPurpose kLegalNotice = common::v1::CONTACT_PURPOSE_LEGAL_NOTICE;
constexpr Counterparty kDebtor = common::v1::COUNTERPARTY_DEBTOR;
constexpr Counterparty kAttorney = common::v1::COUNTERPARTY_ATTORNEY;
constexpr Counterparty kGuarantor = common::v1::COUNTERPARTY_GUARANTOR;

// One customer living in `jurisdiction`, at 10:00 local on a weekday.
class StatusRulesTest : public ::testing::Test {
 protected:
  void LiveIn(absl::string_view jurisdiction, absl::string_view zone) {
    history_.AddJurisdiction(kCustomer, jurisdiction);
    history_.AddTimeZone(kCustomer, zone);
    zone_ = std::string(zone);
  }
  v1::CheckContactRequest Request(Counterparty counterparty, ContactPurpose purpose) const {
    v1::CheckContactRequest r = CallRequest(Local(zone_, 2026, 5, 4, 10));
    r.set_counterparty(counterparty);
    r.set_purpose(purpose);
    if (counterparty != kDebtor) r.set_related_contact_id("estate-rep-1");
    return r;
  }
  v1::ContactDecision Check(const v1::CheckContactRequest& r) const {
    return engine_->CheckContact(r, history_, FromTimestamp(r.proposed_time()));
  }

  std::unique_ptr<PolicyEngine> engine_ = ShippedEngine();
  InMemoryContactHistory history_;
  std::string zone_;
};

struct StatusCase {
  Counterparty counterparty;
  ContactPurpose purpose;
  v1::Verdict verdict;
  // Empty for ALLOW.
  const char* code;
};

std::string Trace(const StatusCase& c) {
  return absl::StrCat(common::v1::Counterparty_Name(c.counterparty), " ",
                      common::v1::ContactPurpose_Name(c.purpose));
}

// --- Deceased: the same in both packs ---

class DeceasedTest : public StatusRulesTest, public ::testing::WithParamInterface<bool> {
 protected:
  void SetUp() override {
    if (GetParam()) {
      LiveIn("US", "America/New_York");
    } else {
      LiveIn("CN", "Asia/Shanghai");
    }
  }
};

TEST_P(DeceasedTest, OnlyNoticesToTheEstatesRepresentative) {
  const StatusCase cases[] = {
      {kDebtor, kCollection, v1::VERDICT_DENY, "DEBTOR_DECEASED"},
      // The debtor's own contact points, whatever the purpose.
      {kDebtor, kServiceNotice, v1::VERDICT_DENY, "DEBTOR_DECEASED"},
      {kDebtor, kLegalNotice, v1::VERDICT_DENY, "DEBTOR_DECEASED"},
      {kAttorney, kLegalNotice, v1::VERDICT_ALLOW, ""},
      {kAttorney, kServiceNotice, v1::VERDICT_ALLOW, ""},
      {kAttorney, kCollection, v1::VERDICT_DENY, "DEBTOR_DECEASED"},
      {kGuarantor, kCollection, v1::VERDICT_DENY, "DEBTOR_DECEASED"},
      {kGuarantor, kLegalNotice, v1::VERDICT_DENY, "DEBTOR_DECEASED"},
  };
  for (const StatusCase& c : cases) {
    SCOPED_TRACE(Trace(c));
    // Alive: every one of these is allowed (the rule adds, never changes).
    EXPECT_THAT(Check(Request(c.counterparty, c.purpose)), VerdictIs(v1::VERDICT_ALLOW));
  }
  history_.SetDeceased(kCustomer, true);
  for (const StatusCase& c : cases) {
    SCOPED_TRACE(Trace(c));
    const v1::ContactDecision d = Check(Request(c.counterparty, c.purpose));
    EXPECT_THAT(d, VerdictIs(c.verdict));
    if (c.verdict != v1::VERDICT_ALLOW) {
      EXPECT_THAT(d, HasCode(c.code));
      ASSERT_EQ(d.pack_verdicts_size(), 1);
      EXPECT_EQ(d.pack_verdicts(0).verdict(), v1::VERDICT_DENY);
    }
  }
}

TEST_P(DeceasedTest, FailsClosedWithoutTheRepresentativesContact) {
  history_.SetDeceased(kCustomer, true);
  v1::CheckContactRequest r = Request(kAttorney, kLegalNotice);
  r.clear_related_contact_id();
  const v1::ContactDecision d = Check(r);
  EXPECT_THAT(d, VerdictIs(v1::VERDICT_DENY));
  EXPECT_THAT(d, HasCode("UNKNOWN_INPUT:related_contact_id"));
  r = Request(kAttorney, kLegalNotice);
  r.set_purpose(common::v1::CONTACT_PURPOSE_UNSPECIFIED);
  EXPECT_THAT(Check(r), HasCode("UNKNOWN_INPUT:purpose"));
}

INSTANTIATE_TEST_SUITE_P(BothPacks, DeceasedTest, ::testing::Bool(),
                         [](const ::testing::TestParamInfo<bool>& info) {
                           return info.param ? "UsRegF" : "CnDefault";
                         });

// --- Bankruptcy: a stay in the US, a hold in CN ---

TEST_F(StatusRulesTest, UsBankruptcyFiledIsAnAutomaticStay) {
  LiveIn("US", "America/New_York");
  const StatusCase cases[] = {
      {kDebtor, kCollection, v1::VERDICT_DENY, "BANKRUPTCY_STAY"},
      {kDebtor, kServiceNotice, v1::VERDICT_DENY, "BANKRUPTCY_STAY"},
      {kDebtor, kLegalNotice, v1::VERDICT_ALLOW, ""},
      {kGuarantor, kCollection, v1::VERDICT_DENY, "BANKRUPTCY_STAY"},
      {kAttorney, kLegalNotice, v1::VERDICT_ALLOW, ""},
  };
  for (const StatusCase& c : cases) {
    SCOPED_TRACE(Trace(c));
    EXPECT_THAT(Check(Request(c.counterparty, c.purpose)), VerdictIs(v1::VERDICT_ALLOW));
  }
  history_.SetBankruptcy(kCustomer, BankruptcyState::kFiled);
  for (const StatusCase& c : cases) {
    SCOPED_TRACE(Trace(c));
    const v1::ContactDecision d = Check(Request(c.counterparty, c.purpose));
    EXPECT_THAT(d, VerdictIs(c.verdict));
    if (c.verdict != v1::VERDICT_ALLOW) {
      EXPECT_THAT(d, HasCode(c.code));
    }
    EXPECT_THAT(d, Not(HasCode("BANKRUPTCY_HOLD")));
  }
}

TEST_F(StatusRulesTest, CnBankruptcyFiledHoldsCollectionButNotNotices) {
  LiveIn("CN", "Asia/Shanghai");
  const StatusCase cases[] = {
      {kDebtor, kCollection, v1::VERDICT_DENY, "BANKRUPTCY_HOLD"},
      {kGuarantor, kCollection, v1::VERDICT_DENY, "BANKRUPTCY_HOLD"},
      {kDebtor, kServiceNotice, v1::VERDICT_ALLOW, ""},
      {kDebtor, kLegalNotice, v1::VERDICT_ALLOW, ""},
  };
  history_.SetBankruptcy(kCustomer, BankruptcyState::kFiled);
  for (const StatusCase& c : cases) {
    SCOPED_TRACE(Trace(c));
    const v1::ContactDecision d = Check(Request(c.counterparty, c.purpose));
    EXPECT_THAT(d, VerdictIs(c.verdict));
    if (c.verdict != v1::VERDICT_ALLOW) {
      EXPECT_THAT(d, HasCode(c.code));
    }
    EXPECT_THAT(d, Not(HasCode("BANKRUPTCY_STAY")));
  }
  // Discharged or dismissed: collection resumes.
  history_.SetBankruptcy(kCustomer, BankruptcyState::kNone);
  EXPECT_THAT(Check(Request(kDebtor, kCollection)), VerdictIs(v1::VERDICT_ALLOW));
}

class UnknownBankruptcyTest : public StatusRulesTest, public ::testing::WithParamInterface<bool> {};

TEST_P(UnknownBankruptcyTest, FailsClosedForCollectionButNotForLegalNotices) {
  if (GetParam()) {
    LiveIn("US", "America/New_York");
  } else {
    LiveIn("CN", "Asia/Shanghai");
  }
  history_.SetBankruptcy(kCustomer, BankruptcyState::kUnknown);
  const v1::ContactDecision d = Check(Request(kDebtor, kCollection));
  EXPECT_THAT(d, VerdictIs(v1::VERDICT_DENY));
  EXPECT_THAT(d, HasCode("UNKNOWN_INPUT"));
  EXPECT_THAT(d, HasCode("UNKNOWN_INPUT:bankruptcy_status"));
  EXPECT_THAT(d, Not(HasCode("BANKRUPTCY_STAY")));
  EXPECT_THAT(d, Not(HasCode("BANKRUPTCY_HOLD")));
  // A legal notice passes at either stage.
  EXPECT_THAT(Check(Request(kDebtor, kLegalNotice)), VerdictIs(v1::VERDICT_ALLOW));
}

INSTANTIATE_TEST_SUITE_P(BothPacks, UnknownBankruptcyTest, ::testing::Bool(),
                         [](const ::testing::TestParamInfo<bool>& info) {
                           return info.param ? "UsRegF" : "CnDefault";
                         });

TEST_F(StatusRulesTest, BothPacksApplyingGiveBothCodes) {
  LiveIn("US", "America/New_York");
  history_.AddJurisdiction(kCustomer, "CN");  // a CN lender licence
  history_.SetBankruptcy(kCustomer, BankruptcyState::kFiled);
  const v1::ContactDecision d = Check(Request(kDebtor, kCollection));
  EXPECT_THAT(d, VerdictIs(v1::VERDICT_DENY));
  EXPECT_THAT(d, HasCode("BANKRUPTCY_STAY"));
  EXPECT_THAT(d, HasCode("BANKRUPTCY_HOLD"));
  ASSERT_EQ(d.pack_verdicts_size(), 2);
  // A service notice: the CN hold lets it pass, the US stay does not.
  const v1::ContactDecision notice = Check(Request(kDebtor, kServiceNotice));
  EXPECT_THAT(notice, VerdictIs(v1::VERDICT_DENY));
  EXPECT_THAT(notice, HasCode("BANKRUPTCY_STAY"));
  EXPECT_THAT(notice, Not(HasCode("BANKRUPTCY_HOLD")));
}

// --- Limitation periods per pack ---

TEST(LimitationTest, PerPackAndPerJurisdictionWithTheOverrideOnTop) {
  const std::unique_ptr<PolicyEngine> engine = ShippedEngine();
  const PolicyPack& cn = engine->packs()[0];
  const PolicyPack& us = engine->packs()[1];
  ASSERT_EQ(cn.pack_id, "cn-default");
  ASSERT_EQ(us.pack_id, "us-regf-default");
  EXPECT_EQ(engine->LimitationYears(cn, "CN"), 3);  // Civil Code art. 188
  EXPECT_EQ(engine->LimitationYears(us, "US"), 3);
  EXPECT_EQ(engine->LimitationYears(us, ""), 3);
  EXPECT_EQ(engine->LimitationYears(us, "US-CA"), 4);
  EXPECT_EQ(engine->LimitationYears(us, "us-ca"), 4);
  EXPECT_EQ(engine->LimitationYears(us, "US-TX"), 4);
  EXPECT_EQ(engine->LimitationYears(us, "US-FL"), 5);
  EXPECT_EQ(engine->LimitationYears(us, "US-NY"), 3);
  EXPECT_EQ(engine->LimitationYears(us, "US-WY"), 3);  // not listed: the pack default

  auto overridden =
      PolicyEngine::Create({cn, us}, ShippedScreen(), {.limitation_years_override = 7});
  ASSERT_TRUE(overridden.ok()) << overridden.status();
  EXPECT_EQ((*overridden)->LimitationYears(cn, "CN"), 7);
  EXPECT_EQ((*overridden)->LimitationYears(us, "US-CA"), 7);

  PolicyPack bare = us;
  bare.limitation_years = 0;
  bare.limitation_years_by_jurisdiction.clear();
  EXPECT_EQ(engine->LimitationYears(bare, "US-CA"), kFallbackLimitationYears);

  EXPECT_THAT(PolicyEngine::Create({cn}, ShippedScreen(), {.limitation_years_override = -1}),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("limitation_years")));
}

class TimeBarTest : public StatusRulesTest {
 protected:
  // The suit threat a time-barred debt forbids (Regulation F 1006.26(b)).
  v1::ContactDecision Threaten() {
    return Check(
        SmsRequest(Local(zone_, 2026, 5, 4, 10), "We may file a LAWSUIT. Reply STOP to opt out."));
  }
  void OverdueSince(absl::CivilDay oldest) { history_.SetDebtAge(kDebtA, DebtAge{true, oldest}); }
};

TEST_F(TimeBarTest, ExactlyAtTheAnniversaryOfEachJurisdictionsPeriod) {
  // Decided on 2026-05-04 (10:00 New York, 14:00 UTC).
  struct Case {
    const char* residence;
    absl::CivilDay oldest;
    bool barred;
  };
  const Case cases[] = {
      {"US", absl::CivilDay(2023, 5, 4), true},     // 3 years: barred from the day
      {"US", absl::CivilDay(2023, 5, 5), false},    // one day short
      {"US-NY", absl::CivilDay(2023, 5, 4), true},  // 3
      {"US-NY", absl::CivilDay(2023, 5, 5), false},
      {"US-CA", absl::CivilDay(2022, 5, 4), true},  // 4
      {"US-CA", absl::CivilDay(2022, 5, 5), false},
      {"US-CA", absl::CivilDay(2023, 5, 4), false},  // 3 years is not enough in CA
      {"US-FL", absl::CivilDay(2021, 5, 4), true},   // 5
      {"US-FL", absl::CivilDay(2021, 5, 5), false},
  };
  LiveIn("US", "America/New_York");
  for (const Case& c : cases) {
    SCOPED_TRACE(absl::StrCat(c.residence, " overdue since ", absl::FormatCivilTime(c.oldest)));
    history_.SetResidence(kCustomer, c.residence);
    OverdueSince(c.oldest);
    const v1::ContactDecision d = Threaten();
    if (c.barred) {
      EXPECT_THAT(d, VerdictIs(v1::VERDICT_DENY));
      EXPECT_THAT(d, HasCode("TIME_BARRED_SUIT_THREAT"));
    } else {
      EXPECT_THAT(d, VerdictIs(v1::VERDICT_ALLOW));
    }
  }
}

TEST_F(TimeBarTest, UnknownDebtsAreTimeBarredAndNotOverdueOnesNever) {
  LiveIn("US", "America/New_York");
  history_.SetResidence(kCustomer, "US-CA");
  history_.SetDebtAge(kDebtA, DebtAge{false, std::nullopt});
  EXPECT_THAT(Threaten(), HasCode("TIME_BARRED_SUIT_THREAT"));
  history_.SetDebtAge(kDebtA, DebtAge{true, std::nullopt});
  EXPECT_THAT(Threaten(), VerdictIs(v1::VERDICT_ALLOW));
}

TEST_F(TimeBarTest, TheOverrideReplacesEveryPacksPeriod) {
  auto engine =
      PolicyEngine::Create({ShippedPack("cn-default.yaml"), ShippedPack("us-regf-default.yaml")},
                           ShippedScreen(), {.limitation_years_override = 10});
  ASSERT_TRUE(engine.ok()) << engine.status();
  engine_ = *std::move(engine);
  LiveIn("US", "America/New_York");
  history_.SetResidence(kCustomer, "US-CA");
  OverdueSince(absl::CivilDay(2016, 5, 5));
  EXPECT_THAT(Threaten(), VerdictIs(v1::VERDICT_ALLOW));
  OverdueSince(absl::CivilDay(2016, 5, 4));
  EXPECT_THAT(Threaten(), HasCode("TIME_BARRED_SUIT_THREAT"));
}

TEST(LimitationPackFileTest, BadFieldsAreNamed) {
  const std::string us = ReadPackText("us-regf-default.yaml");
  struct Case {
    std::string from, to, field;
  };
  const Case cases[] = {
      {"US-CA: 4", "CN-BJ: 4", "limitation.by_jurisdiction.CN-BJ"},
      {"US-CA: 4", "US-CA: 0", "limitation.by_jurisdiction.US-CA"},
      {"US-CA: 4", "US-CA: four", "limitation.by_jurisdiction.US-CA"},
      {"  years: 3\n", "  years: 0\n", "limitation.years"},
      {"effect: STAY", "effect: PAUSE", "bankruptcy.effect"},
      {"allowed_purposes: [LEGAL_NOTICE]", "allowed_purposes: [LUNCH]",
       "bankruptcy.allowed_purposes"},
      {"allowed_counterparties: [ATTORNEY]", "allowed_counterparties: [DEBTOR]",
       "deceased.allowed_counterparties"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.to);
    ASSERT_NE(us.find(c.from), std::string::npos);
    const std::string text = absl::StrReplaceAll(us, {{c.from, c.to}});
    EXPECT_THAT(ParsePolicyPack(text, "us.yaml"),
                StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr(c.field)));
  }
}

}  // namespace
}  // namespace arrears::compliance::policy
