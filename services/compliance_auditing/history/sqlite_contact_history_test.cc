#include "services/compliance_auditing/history/sqlite_contact_history.h"

#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/synchronization/notification.h"
#include "common/proto_convert/proto_convert.h"
#include "common/status/status_matchers.h"
#include "common/store/testing/temp_dir.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace arrears::compliance::history {
namespace {

using ::arrears::testing::IsOk;
using ::arrears::testing::StatusIs;
using policy::CallOutcome;
using policy::CallRecord;
using ::testing::ElementsAre;
using ::testing::Optional;

constexpr absl::string_view kCustomer = "cust-1";
const std::vector<std::string> kAllDebts = {"loan-1",  "loan-2",  "barred",
                                            "not-yet", "current", "unknown"};
const absl::Time kNow =
    absl::FromCivil(absl::CivilSecond(2025, 6, 16, 12, 0, 0), absl::UTCTimeZone());

// Every test runs with and without the snapshot cache; with it, each write
// follows a Load that cached the customer, so a write the cache failed to
// drop shows as a stale read.
class SqliteContactHistoryTest : public ::testing::TestWithParam<bool> {
 protected:
  void SetUp() override {
    ASSERT_OK_AND_ASSIGN(store::TempDir dir, store::TempDir::Create());
    dir_ = std::make_unique<store::TempDir>(std::move(dir));
    store::SqliteOptions options;
    options.path = dir_->File("service.db");
    ASSERT_OK_AND_ASSIGN(db_, store::SqliteDatabase::Create(options));
    ASSERT_THAT(db_->Migrate(HistoryMigrations(store::kFirstServiceMigrationVersion)), IsOk());
    options.background_checkpoints = false;
    ASSERT_OK_AND_ASSIGN(reader_, store::SqliteDatabase::Create(options));
    HistoryOptions history_options;
    history_options.lender_jurisdictions = {"CN"};
    history_options.cache_snapshots = GetParam();
    ASSERT_OK_AND_ASSIGN(history_,
                         SqliteContactHistory::Create(db_.get(), {reader_.get()}, history_options));
  }

  // Runs `body` in a write transaction that commits.
  void Write(absl::FunctionRef<absl::Status(store::Transaction&)> body) {
    if (GetParam()) {
      ASSERT_THAT(history_->Load(kCustomer, kAllDebts, absl::InfinitePast(), kNow), IsOk());
    }
    ASSERT_THAT(db_->InTransaction(body), IsOk());
  }

  std::unique_ptr<policy::InMemoryContactHistory> Load(std::vector<std::string> debts = {},
                                                       absl::Time since = absl::InfinitePast()) {
    absl::StatusOr<std::unique_ptr<policy::InMemoryContactHistory>> loaded =
        history_->Load(kCustomer, debts, since, kNow);
    EXPECT_THAT(loaded, IsOk());
    return loaded.ok() ? *std::move(loaded) : std::make_unique<policy::InMemoryContactHistory>();
  }

  std::vector<CallRecord> Calls(const policy::ContactHistory& h) {
    std::vector<CallRecord> calls;
    h.ForEachCall(kCustomer, absl::InfinitePast(), absl::InfiniteFuture(),
                  [&](const CallRecord& c) { calls.push_back(c); });
    return calls;
  }

  static CallRecord Call(absl::Time time, CallOutcome outcome, std::string agency = "") {
    CallRecord call;
    call.time = time;
    call.contact_point_id = "phone-1";
    call.debt_ids = {"loan-1", "loan-2"};
    call.agency_id = std::move(agency);
    call.outcome = outcome;
    return call;
  }

  std::unique_ptr<store::TempDir> dir_;
  std::unique_ptr<store::SqliteDatabase> db_;
  std::unique_ptr<store::SqliteDatabase> reader_;
  std::unique_ptr<SqliteContactHistory> history_;
};

TEST_P(SqliteContactHistoryTest, OneCallPerAttemptWithItsHighestOutcomeAndFirstTime) {
  Write([&](store::Transaction& txn) -> absl::Status {
    ARREARS_RETURN_IF_ERROR(history_->RecordCall(
        txn, kCustomer, "att-1", Call(kNow - absl::Minutes(5), CallOutcome::kConnected)));
    ARREARS_RETURN_IF_ERROR(
        history_->RecordCall(txn, kCustomer, "att-1", Call(kNow, CallOutcome::kConversation)));
    // A late, lower outcome of the same attempt changes nothing.
    return history_->RecordCall(txn, kCustomer, "att-1", Call(kNow, CallOutcome::kUnanswered));
  });
  const std::vector<CallRecord> calls = Calls(*Load());
  ASSERT_EQ(calls.size(), 1u);
  EXPECT_EQ(calls[0].outcome, CallOutcome::kConversation);
  EXPECT_EQ(calls[0].time, kNow - absl::Minutes(5));
  EXPECT_THAT(calls[0].debt_ids, ElementsAre("loan-1", "loan-2"));
}

TEST_P(SqliteContactHistoryTest, CallsOfTheBankAndEveryAgencyAreOneHistory) {
  Write([&](store::Transaction& txn) -> absl::Status {
    ARREARS_RETURN_IF_ERROR(history_->RecordCall(
        txn, kCustomer, "bank-1", Call(kNow - absl::Hours(3), CallOutcome::kConnected)));
    ARREARS_RETURN_IF_ERROR(history_->RecordCall(
        txn, kCustomer, "acme-1", Call(kNow - absl::Hours(2), CallOutcome::kConnected, "ACME")));
    return history_->RecordCall(txn, kCustomer, "zeta-1",
                                Call(kNow - absl::Hours(1), CallOutcome::kConnected, "ZETA"));
  });
  const std::vector<CallRecord> calls = Calls(*Load());
  ASSERT_EQ(calls.size(), 3u);
  EXPECT_EQ(calls[0].agency_id, "");
  EXPECT_EQ(calls[1].agency_id, "ACME");
  EXPECT_EQ(calls[2].agency_id, "ZETA");
  // Only calls from `since` on are loaded.
  EXPECT_EQ(Calls(*Load({}, kNow - absl::Minutes(90))).size(), 1u);
}

TEST_P(SqliteContactHistoryTest, RolledBackWritesAreNotSeen) {
  EXPECT_THAT(db_->InTransaction([&](store::Transaction& txn) -> absl::Status {
    ARREARS_RETURN_IF_ERROR(
        history_->RecordCall(txn, kCustomer, "att-1", Call(kNow, CallOutcome::kConnected)));
    return absl::AbortedError("roll back");
  }),
              StatusIs(absl::StatusCode::kAborted));
  EXPECT_TRUE(Calls(*Load()).empty());
}

TEST_P(SqliteContactHistoryTest, ProfileGivesJurisdictionsZonesAndEmployerEmails) {
  Write([&](store::Transaction& txn) {
    return history_->PutProfile(
        txn, kCustomer,
        CustomerProfile{"us-ny", {"America/New_York", "America/Chicago"}, {"email-2"}});
  });
  const auto h = Load();
  std::vector<std::string> jurisdictions, zones;
  h->ForEachJurisdiction(kCustomer, [&](absl::string_view j) { jurisdictions.emplace_back(j); });
  h->ForEachTimeZone(kCustomer, [&](absl::string_view z) { zones.emplace_back(z); });
  EXPECT_THAT(jurisdictions, ElementsAre("CN", "US"));
  EXPECT_THAT(zones, ElementsAre("America/New_York", "America/Chicago"));
  EXPECT_EQ(h->Residence(kCustomer), "us-ny");  // packs match it case-insensitively
  EXPECT_TRUE(h->IsEmployerProvidedEmail(kCustomer, "email-2"));
  EXPECT_FALSE(h->IsEmployerProvidedEmail(kCustomer, "email-1"));
  EXPECT_THAT(history_->Jurisdictions(kCustomer),
              arrears::testing::IsOkAndHolds(ElementsAre("CN", "US")));
  // A customer nobody told us about still gets the lender's packs only.
  EXPECT_THAT(history_->Jurisdictions("unknown"),
              arrears::testing::IsOkAndHolds(ElementsAre("CN")));
}

TEST_P(SqliteContactHistoryTest, FlagsAndThirdParties) {
  Write([&](store::Transaction& txn) -> absl::Status {
    ARREARS_RETURN_IF_ERROR(history_->SetFlag(txn, kCustomer, CustomerFlag::kLostContact, true));
    ARREARS_RETURN_IF_ERROR(history_->SetFlag(txn, kCustomer, CustomerFlag::kAttorney, true));
    ARREARS_RETURN_IF_ERROR(history_->RecordThirdPartyContact(txn, kCustomer, "rel-1", "att-1"));
    ARREARS_RETURN_IF_ERROR(history_->RecordThirdPartyContact(txn, kCustomer, "rel-1", "att-1"));
    ARREARS_RETURN_IF_ERROR(history_->RecordThirdPartyContact(txn, kCustomer, "rel-1", "att-2"));
    return history_->RecordThirdPartyRefusal(txn, kCustomer, "rel-2");
  });
  auto h = Load();
  EXPECT_TRUE(h->IsLostContact(kCustomer));
  EXPECT_TRUE(h->HasAttorney(kCustomer));
  EXPECT_FALSE(h->IsDeceased(kCustomer));
  EXPECT_EQ(h->Bankruptcy(kCustomer), policy::BankruptcyState::kNone);
  EXPECT_EQ(h->ThirdPartyContactCount(kCustomer, "rel-1"), 2);
  EXPECT_FALSE(h->ThirdPartyRefused(kCustomer, "rel-1"));
  EXPECT_TRUE(h->ThirdPartyRefused(kCustomer, "rel-2"));
  Write([&](store::Transaction& txn) {
    return history_->SetFlag(txn, kCustomer, CustomerFlag::kLostContact, false);
  });
  EXPECT_FALSE(Load()->IsLostContact(kCustomer));
  Write([&](store::Transaction& txn) -> absl::Status {
    ARREARS_RETURN_IF_ERROR(history_->SetFlag(txn, kCustomer, CustomerFlag::kDeceased, true));
    return history_->SetBankruptcy(txn, kCustomer, policy::BankruptcyState::kUnknown);
  });
  h = Load();
  EXPECT_TRUE(h->IsDeceased(kCustomer));
  EXPECT_EQ(h->Bankruptcy(kCustomer), policy::BankruptcyState::kUnknown);
  Write([&](store::Transaction& txn) {
    return history_->SetFlag(txn, kCustomer, CustomerFlag::kBankruptcy, true);
  });
  EXPECT_EQ(Load()->Bankruptcy(kCustomer), policy::BankruptcyState::kFiled);
}

v1::Preference MakePreference(std::string id, v1::Preference::Type type) {
  v1::Preference p;
  p.set_preference_id(std::move(id));
  p.set_customer_id(std::string(kCustomer));
  p.set_type(type);
  return p;
}

TEST_P(SqliteContactHistoryTest, PreferencesApplyUntilRevokedAndCustomerConsentsAreReplaced) {
  v1::Preference opt_out = MakePreference("pref-1", v1::Preference::TYPE_DO_NOT_CONTACT);
  opt_out.set_channel(common::v1::CHANNEL_SMS);
  v1::Preference consent = MakePreference("pref-2", v1::Preference::TYPE_PRIOR_CONSENT);
  *consent.mutable_consent_time() = ToTimestamp(kNow);
  v1::Preference cease = MakePreference("pref-3", v1::Preference::TYPE_CEASE_COMMUNICATION);
  cease.add_allowed_purposes(common::v1::CONTACT_PURPOSE_LEGAL_NOTICE);
  v1::Preference refusal = MakePreference("pref-4", v1::Preference::TYPE_THIRD_PARTY_REFUSAL);
  refusal.set_related_contact_id("rel-9");
  v1::Preference crm = MakePreference("crm-1", v1::Preference::TYPE_DO_NOT_CONTACT);
  crm.set_channel(common::v1::CHANNEL_EMAIL);
  Write([&](store::Transaction& txn) -> absl::Status {
    for (const v1::Preference* p : {&opt_out, &consent, &cease, &refusal}) {
      ARREARS_RETURN_IF_ERROR(history_->PutPreference(txn, *p, "api", true));
    }
    return history_->ReplacePreferences(txn, kCustomer, "consents", {crm});
  });
  auto h = Load();
  EXPECT_THAT(h->FindOptOut(kCustomer, common::v1::CHANNEL_SMS, "phone-1", kNow),
              Optional(std::string("pref-1")));
  EXPECT_THAT(h->FindOptOut(kCustomer, common::v1::CHANNEL_EMAIL, "email-1", kNow),
              Optional(std::string("crm-1")));
  EXPECT_THAT(h->FindPriorConsent(kCustomer, common::v1::CHANNEL_VOICE_CALL, "phone-1",
                                  kNow + absl::Minutes(59)),
              Optional(std::string("pref-2")));
  EXPECT_EQ(h->FindPriorConsent(kCustomer, common::v1::CHANNEL_VOICE_CALL, "phone-1",
                                kNow + absl::Minutes(60)),
            std::nullopt);
  ASSERT_TRUE(h->FindCease(kCustomer).has_value());
  EXPECT_EQ(h->FindCease(kCustomer)->preference_id, "pref-3");
  EXPECT_TRUE(h->ThirdPartyRefused(kCustomer, "rel-9"));
  absl::StatusOr<bool> covered = false;
  Write([&](store::Transaction& txn) -> absl::Status {
    covered = history_->HasPriorConsent(txn, kCustomer, common::v1::CHANNEL_VOICE_CALL, "phone-1",
                                        kNow + absl::Minutes(1));
    return covered.status();
  });
  EXPECT_THAT(covered, arrears::testing::IsOkAndHolds(true));

  // Revoking one; the CRM sends consents without the e-mail opt-out.
  Write([&](store::Transaction& txn) -> absl::Status {
    ARREARS_RETURN_IF_ERROR(history_->SetPreferenceActive(txn, "pref-1", false));
    return history_->ReplacePreferences(txn, kCustomer, "consents", {});
  });
  h = Load();
  EXPECT_EQ(h->FindOptOut(kCustomer, common::v1::CHANNEL_SMS, "phone-1", kNow), std::nullopt);
  EXPECT_EQ(h->FindOptOut(kCustomer, common::v1::CHANNEL_EMAIL, "email-1", kNow), std::nullopt);
  ASSERT_OK_AND_ASSIGN(const std::optional<v1::Preference> stored,
                       history_->ReadPreference("pref-1"));
  ASSERT_TRUE(stored.has_value());
  EXPECT_EQ(stored->channel(), common::v1::CHANNEL_SMS);
}

TEST_P(SqliteContactHistoryTest, OpenDisputesPerDebtPreferringOnesInTheValidationPeriod) {
  v1::Dispute outside;
  outside.set_dispute_id("disp-1");
  outside.set_customer_id(std::string(kCustomer));
  outside.add_debt_ids("loan-1");
  outside.set_state(v1::Dispute::STATE_OPEN);
  v1::Dispute inside = outside;
  inside.set_dispute_id("disp-2");
  inside.set_within_validation_period(true);
  Write([&](store::Transaction& txn) -> absl::Status {
    ARREARS_RETURN_IF_ERROR(history_->PutDispute(txn, outside));
    return history_->PutDispute(txn, inside);
  });
  auto h = Load({"loan-1", "loan-2"});
  ASSERT_TRUE(h->FindOpenDispute(kCustomer, "loan-1").has_value());
  EXPECT_EQ(h->FindOpenDispute(kCustomer, "loan-1")->dispute_id, "disp-2");
  EXPECT_EQ(h->FindOpenDispute(kCustomer, "loan-2"), std::nullopt);

  inside.set_state(v1::Dispute::STATE_RESOLVED);
  outside.set_state(v1::Dispute::STATE_RESOLVED);
  Write([&](store::Transaction& txn) -> absl::Status {
    ARREARS_RETURN_IF_ERROR(history_->PutDispute(txn, inside));
    return history_->PutDispute(txn, outside);
  });
  EXPECT_EQ(Load({"loan-1"})->FindOpenDispute(kCustomer, "loan-1"), std::nullopt);
}

TEST_P(SqliteContactHistoryTest, DebtAgesAsStoredAndUnknownDebtsNotKnown) {
  // The engine decides the time-bar per pack from these (policy tests).
  const auto debt = [](std::string id, int64_t sequence, std::optional<absl::CivilDay> oldest) {
    return DebtStatus{std::move(id), std::string(kCustomer), sequence, 2, oldest};
  };
  Write([&](store::Transaction& txn) -> absl::Status {
    ARREARS_RETURN_IF_ERROR(
        history_->PutDebtStatus(txn, debt("barred", 1, absl::CivilDay(2022, 6, 16))));
    ARREARS_RETURN_IF_ERROR(
        history_->PutDebtStatus(txn, debt("not-yet", 1, absl::CivilDay(2022, 6, 17))));
    ARREARS_RETURN_IF_ERROR(history_->PutDebtStatus(txn, debt("current", 1, std::nullopt)));
    // An older event of "current" does not overwrite the newer status.
    return history_->PutDebtStatus(txn, debt("current", 0, absl::CivilDay(2000, 1, 1)));
  });
  auto h = Load({"barred", "not-yet", "current", "unknown"});
  EXPECT_TRUE(h->AgeOfDebt("barred").known);
  EXPECT_EQ(h->AgeOfDebt("barred").oldest_overdue_due_date, absl::CivilDay(2022, 6, 16));
  EXPECT_EQ(h->AgeOfDebt("not-yet").oldest_overdue_due_date, absl::CivilDay(2022, 6, 17));
  EXPECT_TRUE(h->AgeOfDebt("current").known);
  EXPECT_EQ(h->AgeOfDebt("current").oldest_overdue_due_date, std::nullopt);
  EXPECT_FALSE(h->AgeOfDebt("unknown").known) << "unknown debts fail closed in the engine";
}

TEST_P(SqliteContactHistoryTest, ComplaintsOpenCountAndOverdueListing) {
  const auto complaint = [](std::string id, v1::Complaint::State state, absl::Time due) {
    v1::Complaint c;
    c.set_complaint_id(std::move(id));
    c.set_customer_id(std::string(kCustomer));
    c.set_state(state);
    *c.mutable_sla_due_time() = ToTimestamp(due);
    return c;
  };
  Write([&](store::Transaction& txn) -> absl::Status {
    ARREARS_RETURN_IF_ERROR(
        history_->PutComplaint(txn, complaint("c-1", v1::Complaint::STATE_OPEN, kNow)));
    ARREARS_RETURN_IF_ERROR(history_->PutComplaint(
        txn, complaint("c-2", v1::Complaint::STATE_OPEN, kNow + absl::Seconds(1))));
    return history_->PutComplaint(
        txn, complaint("c-3", v1::Complaint::STATE_RESOLVED, kNow - absl::Hours(1)));
  });
  EXPECT_EQ(Load()->OpenComplaintCount(kCustomer), 2);
  // Due at kNow: overdue at kNow (the SLA time has come), not a second before.
  EXPECT_THAT(history_->CountOverdueComplaints(kNow), arrears::testing::IsOkAndHolds(1));
  EXPECT_THAT(history_->CountOverdueComplaints(kNow - absl::Seconds(1)),
              arrears::testing::IsOkAndHolds(0));
  ComplaintQuery query;
  query.page_size = 1;
  query.now = kNow + absl::Seconds(1);
  ASSERT_OK_AND_ASSIGN(std::vector<v1::Complaint> page, history_->ListComplaints(query));
  ASSERT_EQ(page.size(), 1u);
  EXPECT_EQ(page[0].complaint_id(), "c-1");
  query.after_complaint_id = "c-1";
  query.overdue_only = true;
  ASSERT_OK_AND_ASSIGN(page, history_->ListComplaints(query));
  ASSERT_EQ(page.size(), 1u);
  EXPECT_EQ(page[0].complaint_id(), "c-2");
  query.page_size = 0;
  EXPECT_THAT(history_->ListComplaints(query), StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST_P(SqliteContactHistoryTest, FieldVisitsPerVisitId) {
  Write([&](store::Transaction& txn) -> absl::Status {
    ARREARS_RETURN_IF_ERROR(history_->RecordFieldVisit(txn, kCustomer, "fv-1", kNow));
    ARREARS_RETURN_IF_ERROR(history_->RecordFieldVisit(txn, kCustomer, "fv-1", kNow));
    return history_->RecordFieldVisit(txn, kCustomer, "fv-2", kNow + absl::Hours(1));
  });
  EXPECT_EQ(Load()->CountFieldVisits(kCustomer, kNow, kNow + absl::Hours(2)), 2);
}

TEST_P(SqliteContactHistoryTest, AWriteCommittedWhileALoadWaitsIsSeenByThatLoad) {
  ASSERT_THAT(history_->Load(kCustomer, {}, absl::InfinitePast(), kNow), IsOk());
  absl::Notification written, go;
  std::thread writer([&] {
    EXPECT_THAT(db_->InTransaction([&](store::Transaction& txn) -> absl::Status {
      ARREARS_RETURN_IF_ERROR(
          history_->RecordCall(txn, kCustomer, "att-1", Call(kNow, CallOutcome::kConnected)));
      written.Notify();
      go.WaitForNotification();
      return absl::OkStatus();
    }),
                IsOk());
  });
  written.WaitForNotification();
  // Cached or not, this load must not answer from before the write once the
  // write has committed: it either reads after the commit or is told to.
  std::unique_ptr<policy::InMemoryContactHistory> during;
  std::thread reader([&] { during = Load(); });
  go.Notify();
  writer.join();
  reader.join();
  const std::vector<CallRecord> after = Calls(*Load());
  EXPECT_EQ(after.size(), 1u);
  if (GetParam()) {
    // The cached path waits for the open write transaction before reading.
    EXPECT_EQ(Calls(*during).size(), 1u);
  }
}

TEST_P(SqliteContactHistoryTest, SnapshotsAreCachedUntilAWriteOfTheirCustomerOrDebt) {
  if (!GetParam()) GTEST_SKIP() << "cache off";
  const absl::Time kDay = kNow - absl::Hours(24);
  Load({"loan-1"}, kDay);
  const int64_t misses = history_->cache_misses();
  Load({"loan-1"}, kDay);
  Load({"loan-1"}, kNow - absl::Hours(1));  // a later `since` is inside the cached one
  EXPECT_EQ(history_->cache_misses(), misses);
  EXPECT_EQ(history_->cache_hits(), 2);
  // Another customer's write leaves the snapshot alone...
  ASSERT_THAT(db_->InTransaction([&](store::Transaction& txn) {
    return history_->RecordCall(txn, "cust-2", "att-9", Call(kNow, CallOutcome::kConnected));
  }),
              IsOk());
  Load({"loan-1"}, kDay);
  EXPECT_EQ(history_->cache_misses(), misses);
  // ...but not a write of a debt it holds, whoever it is filed under.
  ASSERT_THAT(db_->InTransaction([&](store::Transaction& txn) {
    DebtStatus status;
    status.debt_id = "loan-1";
    status.customer_id = "cust-2";
    status.sequence = 1;
    return history_->PutDebtStatus(txn, status);
  }),
              IsOk());
  EXPECT_TRUE(Load({"loan-1"}, kDay)->AgeOfDebt("loan-1").known);
  EXPECT_EQ(history_->cache_misses(), misses + 1);
  // An earlier `since` or a debt it has not read is read afresh...
  Load({"loan-1"}, kNow - absl::Hours(48));
  Load({"loan-2"}, kNow - absl::Hours(48));
  EXPECT_EQ(history_->cache_misses(), misses + 3);
  // ...keeping the debts read before.
  Load({"loan-1"}, kNow - absl::Hours(48));
  Load({"loan-1", "loan-2"}, kNow - absl::Hours(48));
  EXPECT_EQ(history_->cache_misses(), misses + 3);
}

INSTANTIATE_TEST_SUITE_P(CacheOnAndOff, SqliteContactHistoryTest, ::testing::Bool(),
                         [](const ::testing::TestParamInfo<bool>& info) {
                           return info.param ? "Cached" : "Uncached";
                         });

}  // namespace
}  // namespace arrears::compliance::history
