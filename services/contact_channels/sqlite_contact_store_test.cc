#include "services/contact_channels/sqlite_contact_store.h"

#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/proto_convert/proto_convert.h"
#include "common/status/status_matchers.h"
#include "common/store/sqlite_core_schema.h"
#include "common/store/testing/temp_dir.h"
#include "common/time/clock.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "services/contact_channels/template_screener.h"

namespace arrears::contact {
namespace {

using ::arrears::testing::StatusIs;
using ::testing::ElementsAre;
using ::testing::IsEmpty;
using ::testing::SizeIs;

const absl::Time kT0 = absl::FromUnixSeconds(1'767'225'600);

class SqliteContactStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_OK_AND_ASSIGN(store::TempDir dir, store::TempDir::Create());
    dir_ = std::make_unique<store::TempDir>(std::move(dir));
    Open();
  }

  // (Re)opens the database file, as a restarted process would.
  void Open() {
    db_.reset();
    store::SqliteOptions options;
    options.path = dir_->File("contact-channels.db");
    ASSERT_OK_AND_ASSIGN(db_, store::SqliteDatabase::Create(options));
    std::vector<store::Migration> migrations = store::CoreMigrations();
    for (store::Migration& m : ContactMigrations()) migrations.push_back(std::move(m));
    ASSERT_OK(db_->Migrate(migrations));
  }

  // Runs `body` with a store bound to a new transaction.
  void InStore(const std::function<void(SqliteContactStore&)>& body) {
    ASSERT_OK(db_->InTransaction([&](store::Transaction& txn) -> absl::Status {
      absl::StatusOr<SqliteContactStore> store = SqliteContactStore::In(*db_, txn);
      if (!store.ok()) return store.status();
      body(*store);
      return absl::OkStatus();
    }));
  }

  static ContactRecord Record(std::string request_id, std::string customer_id,
                              ContactState state = ContactState::kWaiting,
                              absl::Time timer_at = absl::InfinitePast()) {
    ContactRecord record;
    record.request.set_request_id(std::move(request_id));
    record.request.set_customer_id(std::move(customer_id));
    record.request.mutable_contact()->set_channel(common::v1::CHANNEL_SMS);
    record.request.mutable_contact()->add_loan_ids("loan-1");
    record.attempt_id = "attempt-" + record.request.request_id();
    record.state = state;
    record.timer_at = timer_at;
    return record;
  }

  static v1::ContactEvent Event(std::string event_id, std::string customer_id, absl::Time at,
                                common::v1::Channel channel, std::vector<std::string> loans) {
    v1::ContactEvent event;
    event.set_event_id(std::move(event_id));
    event.set_customer_id(std::move(customer_id));
    *event.mutable_occurred_at() = ToTimestamp(at);
    event.set_channel(channel);
    for (std::string& loan : loans) event.add_loan_ids(std::move(loan));
    event.set_outcome(v1::CONTACT_OUTCOME_SENT);
    return event;
  }

  std::unique_ptr<store::TempDir> dir_;
  std::unique_ptr<store::SqliteDatabase> db_;
};

TEST_F(SqliteContactStoreTest, AgencyBatchMembersAndStatesSurviveARestart) {
  ContactRecord batch =
      Record("agency-batch/AG-1/PLACE/x/1", "", ContactState::kBatchOpen, kT0 + absl::Hours(1));
  ContactRecord joined = Record("p-1", "cust-1", ContactState::kBatched);
  joined.batch_id = batch.request.request_id();
  ContactRecord other = Record("p-2", "cust-1", ContactState::kBatched);
  other.batch_id = "agency-batch/AG-2/PLACE/x/1";
  InStore([&](SqliteContactStore& store) {
    ASSERT_OK(store.Put(batch));
    ASSERT_OK(store.Put(joined));
    ASSERT_OK(store.Put(other));
    ASSERT_OK(store.Put(Record("req-9", "cust-1")));
  });
  Open();
  InStore([&](SqliteContactStore& store) {
    ASSERT_OK_AND_ASSIGN(std::vector<ContactRecord> members,
                         store.ListBatchMembers(batch.request.request_id()));
    ASSERT_EQ(members.size(), 1u);
    EXPECT_EQ(members[0].request.request_id(), "p-1");
    EXPECT_EQ(members[0].state, ContactState::kBatched);
    EXPECT_EQ(members[0].batch_id, batch.request.request_id());
    ASSERT_OK_AND_ASSIGN(std::vector<ContactRecord> none, store.ListBatchMembers(""));
    EXPECT_TRUE(none.empty()) << "records outside batches are no batch's members";
    // Batched placements are unsent (a cure reaches them); the batch's own
    // timer is durable.
    ASSERT_OK_AND_ASSIGN(std::vector<ContactRecord> unsent, store.ListUnsent("cust-1"));
    EXPECT_EQ(unsent.size(), 3u);
    ASSERT_OK_AND_ASSIGN(DueTimers due, store.ListDue(kT0 + absl::Hours(1), 10));
    EXPECT_EQ(due.request_ids, std::vector<std::string>{batch.request.request_id()});
    ASSERT_OK_AND_ASSIGN(std::optional<ContactRecord> read, store.Get(batch.request.request_id()));
    ASSERT_TRUE(read.has_value());
    EXPECT_EQ(read->state, ContactState::kBatchOpen);
  });
}

TEST_F(SqliteContactStoreTest, RecordsRoundTripAndSurviveARestart) {
  ContactRecord record = Record("req-1", "cust-1", ContactState::kSending, kT0 + absl::Minutes(1));
  record.checks = 3;
  record.failed_tries = 2;
  record.claimed_until = kT0 + absl::Minutes(2);
  record.event_sequence = 5;
  record.holds_rate_token = true;
  record.last_decision_id = "d-3";
  record.cancel_reason = "CURED";
  record.received_at = kT0;
  record.contact_point.set_contact_point_id("phone-1");
  record.contact_point.set_masked_value("138****1234");
  record.sending_decision.set_decision_id("d-3");
  record.sending_decision.add_reason_codes("OK");
  InStore([&](SqliteContactStore& store) {
    ASSERT_OK(store.Put(record));
    ASSERT_OK_AND_ASSIGN(std::optional<ContactRecord> missing, store.Get("nope"));
    EXPECT_FALSE(missing.has_value());
  });
  Open();
  InStore([&](SqliteContactStore& store) {
    ASSERT_OK_AND_ASSIGN(std::optional<ContactRecord> read, store.Get("req-1"));
    ASSERT_TRUE(read.has_value());
    EXPECT_EQ(read->request.SerializeAsString(), record.request.SerializeAsString());
    EXPECT_EQ(read->attempt_id, record.attempt_id);
    EXPECT_EQ(read->state, ContactState::kSending);
    EXPECT_EQ(read->checks, 3);
    EXPECT_EQ(read->failed_tries, 2);
    EXPECT_EQ(read->timer_at, record.timer_at);
    EXPECT_EQ(read->claimed_until, record.claimed_until);
    EXPECT_EQ(read->event_sequence, 5);
    EXPECT_TRUE(read->holds_rate_token);
    EXPECT_EQ(read->last_decision_id, "d-3");
    EXPECT_EQ(read->cancel_reason, "CURED");
    EXPECT_EQ(read->received_at, kT0);
    EXPECT_EQ(read->contact_point.masked_value(), "138****1234");
    EXPECT_EQ(read->sending_decision.decision_id(), "d-3");

    // Put replaces.
    read->state = ContactState::kDelivered;
    read->timer_at = absl::InfinitePast();
    read->claimed_until = absl::InfinitePast();
    ASSERT_OK(store.Put(*read));
    ASSERT_OK_AND_ASSIGN(std::optional<ContactRecord> again, store.Get("req-1"));
    EXPECT_EQ(again->state, ContactState::kDelivered);
    EXPECT_EQ(again->timer_at, absl::InfinitePast());
  });
}

TEST_F(SqliteContactStoreTest, DueTimersAreDurableOrderedAndRespectClaims) {
  InStore([&](SqliteContactStore& store) {
    ASSERT_OK(store.Put(Record("late", "c", ContactState::kDeferred, kT0 + absl::Hours(8))));
    ASSERT_OK(store.Put(Record("second", "c", ContactState::kWaiting, kT0 + absl::Seconds(2))));
    ASSERT_OK(store.Put(Record("first", "c", ContactState::kRetrying, kT0 + absl::Seconds(1))));
    ContactRecord claimed = Record("claimed", "c", ContactState::kWaiting, kT0);
    claimed.claimed_until = kT0 + absl::Minutes(1);
    ASSERT_OK(store.Put(claimed));
    ASSERT_OK(store.Put(Record("done", "c", ContactState::kDelivered)));
  });
  Open();  // a restart loses no timer
  InStore([&](SqliteContactStore& store) {
    ASSERT_OK_AND_ASSIGN(DueTimers due, store.ListDue(kT0 + absl::Seconds(5), 10));
    EXPECT_THAT(due.request_ids, ElementsAre("first", "second"));
    EXPECT_EQ(due.next_due, kT0 + absl::Minutes(1));  // the claim runs out
    ASSERT_OK_AND_ASSIGN(DueTimers limited, store.ListDue(kT0 + absl::Seconds(5), 1));
    EXPECT_THAT(limited.request_ids, ElementsAre("first"));
    ASSERT_OK_AND_ASSIGN(DueTimers later, store.ListDue(kT0 + absl::Hours(9), 10));
    EXPECT_THAT(later.request_ids, ElementsAre("first", "second", "claimed", "late"));
    EXPECT_EQ(later.next_due, absl::InfiniteFuture());
  });
}

TEST_F(SqliteContactStoreTest, ListUnsentIsPerCustomerAndIncludesInFlight) {
  InStore([&](SqliteContactStore& store) {
    ASSERT_OK(store.Put(Record("a", "c1", ContactState::kWaiting, kT0)));
    ASSERT_OK(store.Put(Record("b", "c1", ContactState::kDeferred, kT0)));
    ASSERT_OK(store.Put(Record("c", "c1", ContactState::kSending, kT0)));
    ASSERT_OK(store.Put(Record("d", "c1", ContactState::kSent)));
    ASSERT_OK(store.Put(Record("e", "c1", ContactState::kCancelled)));
    ASSERT_OK(store.Put(Record("f", "c2", ContactState::kWaiting, kT0)));
    ASSERT_OK_AND_ASSIGN(std::vector<ContactRecord> unsent, store.ListUnsent("c1"));
    std::vector<std::string> ids;
    for (const ContactRecord& r : unsent) ids.push_back(r.request.request_id());
    EXPECT_THAT(ids, ElementsAre("a", "b", "c"));
  });
}

TEST_F(SqliteContactStoreTest, CancellationsArePerCustomer) {
  InStore([&](SqliteContactStore& store) {
    Cancellation cure{"c1", {}, kT0};
    cure.cancel.set_reason(strategy::v1::CancelPendingContacts::REASON_CURED);
    cure.cancel.add_loan_ids("loan-1");
    ASSERT_OK(store.AddCancellation(cure));
    ASSERT_OK(store.AddCancellation({"c2", {}, kT0}));
    ASSERT_OK_AND_ASSIGN(std::vector<Cancellation> found, store.ListCancellations("c1"));
    ASSERT_THAT(found, SizeIs(1));
    EXPECT_EQ(found[0].effective_at, kT0);
    EXPECT_EQ(found[0].cancel.reason(), strategy::v1::CancelPendingContacts::REASON_CURED);
    EXPECT_THAT(found[0].cancel.loan_ids(), ElementsAre("loan-1"));
  });
}

TEST_F(SqliteContactStoreTest, HistoryIsNewestFirstFilteredAndPaged) {
  InStore([&](SqliteContactStore& store) {
    for (int i = 0; i < 7; ++i) {
      ASSERT_OK(store.AppendHistory(
          Event(absl::StrCat("e", i), "c1", kT0 + absl::Minutes(i),
                i % 2 == 0 ? common::v1::CHANNEL_SMS : common::v1::CHANNEL_VOICE_CALL,
                {i < 4 ? "loan-1" : "loan-2"})));
    }
    ASSERT_OK(store.AppendHistory(Event("e0", "c1", kT0, common::v1::CHANNEL_SMS, {})));  // dup
    ASSERT_OK(store.AppendHistory(Event("other", "c2", kT0, common::v1::CHANNEL_SMS, {})));

    auto ids = [](const HistoryPage& page) {
      std::vector<std::string> out;
      for (const v1::ContactEvent& e : page.events) out.push_back(e.event_id());
      return out;
    };
    HistoryQuery query;
    query.customer_id = "c1";
    query.page_size = 3;
    ASSERT_OK_AND_ASSIGN(HistoryPage first, store.ListHistory(query));
    EXPECT_THAT(ids(first), ElementsAre("e6", "e5", "e4"));
    ASSERT_FALSE(first.next_page_token.empty());
    query.page_token = first.next_page_token;
    ASSERT_OK_AND_ASSIGN(HistoryPage second, store.ListHistory(query));
    EXPECT_THAT(ids(second), ElementsAre("e3", "e2", "e1"));
    query.page_token = second.next_page_token;
    ASSERT_OK_AND_ASSIGN(HistoryPage last, store.ListHistory(query));
    EXPECT_THAT(ids(last), ElementsAre("e0"));
    EXPECT_TRUE(last.next_page_token.empty());

    HistoryQuery filtered;
    filtered.customer_id = "c1";
    filtered.loan_id = "loan-1";
    filtered.channels = {common::v1::CHANNEL_VOICE_CALL};
    ASSERT_OK_AND_ASSIGN(HistoryPage calls, store.ListHistory(filtered));
    EXPECT_THAT(ids(calls), ElementsAre("e3", "e1"));
    filtered = {};
    filtered.customer_id = "c1";
    filtered.start_time = kT0 + absl::Minutes(2);
    filtered.end_time = kT0 + absl::Minutes(4);
    ASSERT_OK_AND_ASSIGN(HistoryPage window, store.ListHistory(filtered));
    EXPECT_THAT(ids(window), ElementsAre("e3", "e2"));

    filtered.page_token = "not-a-token";
    EXPECT_THAT(store.ListHistory(filtered),
                StatusIs(absl::StatusCode::kInvalidArgument, ::testing::HasSubstr("page_token")));

    ASSERT_OK_AND_ASSIGN(std::optional<v1::ContactEvent> e2, store.GetHistoryEvent("e2"));
    ASSERT_TRUE(e2.has_value());
    EXPECT_EQ(e2->channel(), common::v1::CHANNEL_SMS);
  });
}

TEST_F(SqliteContactStoreTest, OutcomeRequestsRememberTheirEvent) {
  InStore([&](SqliteContactStore& store) {
    ASSERT_OK_AND_ASSIGN(std::optional<std::string> none, store.FindOutcomeRequest("r1"));
    EXPECT_FALSE(none.has_value());
    ASSERT_OK(store.PutOutcomeRequest("r1", "event-1"));
    ASSERT_OK_AND_ASSIGN(std::optional<std::string> found, store.FindOutcomeRequest("r1"));
    EXPECT_EQ(found, "event-1");
  });
}

TEST_F(SqliteContactStoreTest, FieldVisitsAreFilteredAndPagedInVisitOrder) {
  auto visit = [](std::string id, v1::FieldVisit::State state, int day, int hour,
                  std::vector<std::string> staff, std::string region) {
    v1::FieldVisit v;
    v.set_field_visit_id(id);
    v.set_name("fieldVisits/" + id);
    v.set_customer_id("c1");
    v.set_state(state);
    *v.mutable_visit_date() = ToProto(absl::CivilDay(2026, 1, day));
    v.mutable_time_window()->mutable_start()->set_hours(hour);
    for (std::string& s : staff) v.add_staff_ids(std::move(s));
    v.set_region(std::move(region));
    return v;
  };
  InStore([&](SqliteContactStore& store) {
    ASSERT_OK(store.PutFieldVisit(
        visit("v3", v1::FieldVisit::STATE_ASSIGNED, 6, 9, {"s1", "s2"}, "north")));
    ASSERT_OK(store.PutFieldVisit(
        visit("v1", v1::FieldVisit::STATE_PLANNED, 5, 14, {"s1", "s3"}, "north")));
    ASSERT_OK(store.PutFieldVisit(
        visit("v2", v1::FieldVisit::STATE_CHECKED_IN, 5, 9, {"s2", "s3"}, "south")));
    ASSERT_OK(store.PutFieldVisit(
        visit("v4", v1::FieldVisit::STATE_COMPLETED, 4, 9, {"s1", "s2"}, "north")));
    // Re-assignment replaces the staff index.
    ASSERT_OK(store.PutFieldVisit(
        visit("v3", v1::FieldVisit::STATE_ASSIGNED, 6, 9, {"s4", "s2"}, "north")));

    auto ids = [](const FieldVisitPage& page) {
      std::vector<std::string> out;
      for (const v1::FieldVisit& v : page.field_visits) out.push_back(v.field_visit_id());
      return out;
    };
    FieldVisitQuery open;
    ASSERT_OK_AND_ASSIGN(FieldVisitPage all, store.ListFieldVisits(open));
    EXPECT_THAT(ids(all), ElementsAre("v2", "v1", "v3"));  // not the completed one

    FieldVisitQuery by_staff;
    by_staff.staff_id = "s1";
    ASSERT_OK_AND_ASSIGN(FieldVisitPage s1, store.ListFieldVisits(by_staff));
    EXPECT_THAT(ids(s1), ElementsAre("v1"));
    by_staff.states = {v1::FieldVisit::STATE_COMPLETED};
    ASSERT_OK_AND_ASSIGN(FieldVisitPage done, store.ListFieldVisits(by_staff));
    EXPECT_THAT(ids(done), ElementsAre("v4"));

    FieldVisitQuery north_from_6;
    north_from_6.region = "north";
    north_from_6.start_date = absl::CivilDay(2026, 1, 6);
    ASSERT_OK_AND_ASSIGN(FieldVisitPage north, store.ListFieldVisits(north_from_6));
    EXPECT_THAT(ids(north), ElementsAre("v3"));

    FieldVisitQuery paged;
    paged.page_size = 2;
    ASSERT_OK_AND_ASSIGN(FieldVisitPage page1, store.ListFieldVisits(paged));
    EXPECT_THAT(ids(page1), ElementsAre("v2", "v1"));
    paged.page_token = page1.next_page_token;
    ASSERT_OK_AND_ASSIGN(FieldVisitPage page2, store.ListFieldVisits(paged));
    EXPECT_THAT(ids(page2), ElementsAre("v3"));
    EXPECT_TRUE(page2.next_page_token.empty());

    ASSERT_OK_AND_ASSIGN(std::optional<v1::FieldVisit> v3, store.GetFieldVisit("v3"));
    ASSERT_TRUE(v3.has_value());
    EXPECT_THAT(v3->staff_ids(), ElementsAre("s4", "s2"));
  });
}

TEST_F(SqliteContactStoreTest, DirectoryKeepsTheNewestContactData) {
  customer::v1::ContactData newer =
      ContactDataOf("张三丰", {[] {
                      common::v1::ContactPoint p;
                      p.set_contact_point_id("phone-2");
                      p.set_type(common::v1::CONTACT_POINT_TYPE_PHONE);
                      p.set_value("13900001111");
                      return p;
                    }()},
                    "Asia/Shanghai");
  customer::v1::ContactData older = newer;
  older.mutable_phones(0)->set_number("13800000000");
  InStore([&](SqliteContactStore& store) {
    ASSERT_OK(store.PutContactData("c1", newer, kT0 + absl::Hours(1)));
    ASSERT_OK(store.PutContactData("c1", older, kT0));  // replayed late: ignored
  });
  SqliteContactDirectory directory(db_.get());
  ASSERT_OK_AND_ASSIGN(CustomerContact contact,
                       directory.Lookup({"c1", "", common::v1::CONTACT_POINT_TYPE_PHONE, ""}));
  EXPECT_EQ(contact.contact_point.value(), "13900001111");
  EXPECT_EQ(contact.full_name, "张三丰");
  EXPECT_EQ(contact.time_zone, "Asia/Shanghai");
  EXPECT_THAT(directory.Lookup({"c9", "", common::v1::CONTACT_POINT_TYPE_PHONE, ""}),
              StatusIs(absl::StatusCode::kFailedPrecondition));
}

TEST_F(SqliteContactStoreTest, RegisteredTemplatesSurviveARestart) {
  FakeClock clock;
  FakeTemplateScreener screener;
  v1::Template t;
  t.set_template_id("sms-1");
  t.set_language("zh-CN");
  t.set_channel(common::v1::CHANNEL_SMS);
  t.set_body("{{surname}}您好");
  {
    SqliteTemplateStore templates(db_.get());
    ASSERT_OK_AND_ASSIGN(auto registry, TemplateRegistry::Create(&screener, &clock, &templates));
    ASSERT_OK_AND_ASSIGN(v1::Template stored, registry->Register(t));
    EXPECT_EQ(stored.revision(), 1);
  }
  Open();
  SqliteTemplateStore templates(db_.get());
  ASSERT_OK_AND_ASSIGN(auto registry, TemplateRegistry::Create(&screener, &clock, &templates));
  ASSERT_OK_AND_ASSIGN(v1::Template loaded, registry->Get("sms-1", "zh-CN"));
  EXPECT_EQ(loaded.body(), "{{surname}}您好");
  EXPECT_EQ(loaded.name(), "templates/sms-1/languages/zh-CN");
  ASSERT_OK_AND_ASSIGN(v1::Template revised, registry->Register(t));
  EXPECT_EQ(revised.revision(), 2);
  EXPECT_THAT(registry->Get("sms-1", "en"), StatusIs(absl::StatusCode::kNotFound));
}

TEST_F(SqliteContactStoreTest, MigratingTwiceChangesNothing) {
  std::vector<store::Migration> migrations = store::CoreMigrations();
  for (store::Migration& m : ContactMigrations()) migrations.push_back(std::move(m));
  EXPECT_OK(db_->Migrate(migrations));
  EXPECT_EQ(ContactMigrations().front().version, store::kFirstServiceMigrationVersion);
}

}  // namespace
}  // namespace arrears::contact
