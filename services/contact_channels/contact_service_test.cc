// The service's parts over a real SQLite store: consumers, the worker, the
// outbox and history, and the gRPC ContactService over a real channel.
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "arrears/contact/v1/contact_service.grpc.pb.h"
#include "common/proto_convert/proto_convert.h"
#include "common/runtime/grpc_server.h"
#include "common/runtime/grpc_status.h"
#include "common/status/status_macros.h"
#include "common/status/status_matchers.h"
#include "gmock/gmock.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/security/credentials.h"
#include "gtest/gtest.h"
#include "services/contact_channels/contact_test_harness.h"

namespace arrears::contact {
namespace {

using ::arrears::testing::StatusIs;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::SizeIs;

constexpr char kCustomer[] = "cust-1";

std::vector<v1::ContactOutcome> Outcomes(const std::vector<v1::ContactEvent>& events,
                                         const std::string& request_id = "") {
  std::vector<v1::ContactOutcome> outcomes;
  for (const v1::ContactEvent& event : events) {
    if (request_id.empty() || event.request_id() == request_id) {
      outcomes.push_back(event.outcome());
    }
  }
  return outcomes;
}

class ContactServiceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_OK_AND_ASSIGN(harness_, ContactTestHarness::Create());
    ASSERT_OK_AND_ASSIGN(int missing, harness_->channels().SeedTemplates());
    ASSERT_EQ(missing, 0);
    ASSERT_OK(harness_->DeliverCustomerEvent(
        TestContactDataEvent(kCustomer, harness_->clock().Now()), "cust-ev-1"));
  }

  // Serves the harness's ContactService on a port and connects a stub.
  void StartGrpc() {
    ASSERT_OK_AND_ASSIGN(server_,
                         runtime::GrpcServer::Create(
                             {.address = "127.0.0.1:0",
                              .services = {runtime::GrpcServiceBinding::Of<v1::ContactService>(
                                  &harness_->channels().service())}}));
    stub_ = v1::ContactService::NewStub(grpc::CreateChannel(
        absl::StrCat("127.0.0.1:", server_->port()), grpc::InsecureChannelCredentials()));
  }

  template <typename Request, typename Response>
  absl::StatusOr<Response> Call(grpc::Status (v1::ContactService::Stub::*method)(
                                    grpc::ClientContext*, const Request&, Response*),
                                const Request& request) {
    grpc::ClientContext context;
    context.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(10)));
    for (const auto& [key, value] : metadata_) context.AddMetadata(key, value);
    Response response;
    grpc::Status status = (stub_.get()->*method)(&context, request, &response);
    if (!status.ok()) return runtime::FromGrpcStatus(status);
    return response;
  }

  // Calls as `user` with `roles`, as the gateway would name them.
  void CallAs(const std::string& user, const std::string& roles = "") {
    metadata_.clear();
    if (!user.empty()) metadata_.emplace_back("x-arrears-user", user);
    if (!roles.empty()) metadata_.emplace_back("x-arrears-roles", roles);
  }

  std::vector<v1::ContactEvent> Outbox() {
    absl::StatusOr<std::vector<v1::ContactEvent>> events = harness_->OutboxEvents();
    EXPECT_OK(events);
    return events.ok() ? *events : std::vector<v1::ContactEvent>{};
  }

  std::unique_ptr<ContactTestHarness> harness_;
  std::vector<std::pair<std::string, std::string>> metadata_;
  std::unique_ptr<runtime::GrpcServer> server_;
  std::unique_ptr<v1::ContactService::Stub> stub_;
};

TEST_F(ContactServiceTest, AContactRequestIsRecordedThenSentByTheWorker) {
  ASSERT_OK(
      harness_->DeliverContactRequest(TestSmsRequest("req-1", kCustomer, harness_->clock().Now())));
  // The consumer only records: no compliance call, no send, no event yet.
  EXPECT_THAT(harness_->gate().checks(), IsEmpty());
  EXPECT_THAT(Outbox(), IsEmpty());

  ASSERT_OK_AND_ASSIGN(int tries, harness_->RunDue());
  EXPECT_EQ(tries, 1);
  const std::vector<v1::ContactEvent> events = Outbox();
  ASSERT_THAT(events, SizeIs(2));
  EXPECT_EQ(events[0].outcome(), v1::CONTACT_OUTCOME_SENT);
  EXPECT_EQ(events[0].contact_point().masked_value(), "138****1234");
  ASSERT_EQ(harness_->gate().checks().size(), 1u);
  EXPECT_EQ(harness_->gate().checks()[0].language, "zh-CN");  // the customer's
  EXPECT_THAT(harness_->gate().checks()[0].candidate_time_zones, ElementsAre("Asia/Shanghai"));
  const std::vector<std::string> lines = harness_->ProviderOutboxLines("sms-sim");
  ASSERT_THAT(lines, SizeIs(1));
  EXPECT_THAT(lines[0], HasSubstr("138****1234"));
  EXPECT_THAT(lines[0], ::testing::Not(HasSubstr("13812341234")));
  EXPECT_THAT(lines[0], HasSubstr(events[0].attempt_id()));
}

// The SMS lane's burst (50) is what one instant gets with the providers'
// rate limits on; the rest wait for tokens. Off (simulations whose clock
// jumps hours), everything due is sent at once.
TEST(ContactRateLimitTest, LimitsHoldBackWhatExceedsTheBurstUnlessOff) {
  for (const bool limits : {true, false}) {
    ASSERT_OK_AND_ASSIGN(std::unique_ptr<ContactTestHarness> harness,
                         ContactTestHarness::Create({.provider_rate_limits = limits}));
    ASSERT_OK(harness->channels().SeedTemplates());
    for (int i = 0; i < 60; ++i) {
      ASSERT_OK(harness->DeliverCustomerEvent(
          TestContactDataEvent(absl::StrCat("cust-", i), harness->clock().Now()),
          absl::StrCat("cust-ev-", i)));
      ASSERT_OK(harness->DeliverContactRequest(TestSmsRequest(
          absl::StrCat("req-", i), absl::StrCat("cust-", i), harness->clock().Now())));
    }
    ASSERT_OK(harness->RunDue());
    ASSERT_OK_AND_ASSIGN(std::vector<v1::ContactEvent> events, harness->OutboxEvents());
    int sent = 0;
    for (const v1::ContactEvent& event : events) {
      sent += event.outcome() == v1::CONTACT_OUTCOME_SENT;
    }
    EXPECT_EQ(sent, limits ? 50 : 60) << "rate limits " << (limits ? "on" : "off");
  }
}

TEST_F(ContactServiceTest, ARequestDeliveredTwiceIsSentOnce) {
  const strategy::v1::ContactRequest request =
      TestSmsRequest("req-1", kCustomer, harness_->clock().Now());
  ASSERT_OK(harness_->DeliverContactRequest(request, "ce-1"));
  ASSERT_OK(harness_->DeliverContactRequest(request, "ce-1"));  // redelivered record
  ASSERT_OK(harness_->DeliverContactRequest(request, "ce-2"));  // republished request
  ASSERT_OK(harness_->RunDue());
  EXPECT_THAT(harness_->ProviderOutboxLines("sms-sim"), SizeIs(1));
  EXPECT_EQ(Outcomes(Outbox())[0], v1::CONTACT_OUTCOME_SENT);
}

TEST_F(ContactServiceTest, MalformedEventsAreRejectedNamingTheField) {
  customer::v1::CustomerEvent wrong_type = TestContactDataEvent(kCustomer, harness_->clock().Now());
  EXPECT_THAT(harness_->DeliverBytes(harness_->channels().contact_request_applier(),
                                     "arrears.strategy.contact-requests.v1", kCustomer,
                                     "arrears.strategy.v1.ContactRequest", "\xff\xff\xff", "bad-1"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("payload")));
  strategy::v1::ContactRequest request =
      TestSmsRequest("req-1", kCustomer, harness_->clock().Now());
  EXPECT_THAT(
      harness_->Deliver(harness_->channels().contact_request_applier(),
                        "arrears.strategy.contact-requests.v1", "someone-else", request, "bad-2"),
      StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("customer_id")));
  request.mutable_contact()->set_channel(common::v1::CHANNEL_UNSPECIFIED);
  EXPECT_THAT(harness_->DeliverContactRequest(request, "bad-3"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("contact.channel")));
  wrong_type.set_customer_id("");
  EXPECT_THAT(harness_->DeliverCustomerEvent(wrong_type, "bad-4"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("customer_id")));
}

TEST_F(ContactServiceTest, AHoldOnTheCaseCancelsADeferredContact) {
  const absl::Time morning = harness_->clock().Now() + absl::Hours(8);
  harness_->gate().SetRule([&](const ContactAttemptPlan& plan) -> absl::StatusOr<GateDecision> {
    if (plan.proposed_time < morning) return GateDecision::Defer("d", morning, {"QUIET_HOURS"});
    return GateDecision::Allow("a");
  });
  ASSERT_OK(
      harness_->DeliverContactRequest(TestSmsRequest("req-1", kCustomer, harness_->clock().Now())));
  ASSERT_OK(harness_->RunDue());
  EXPECT_THAT(Outcomes(Outbox()), ElementsAre(v1::CONTACT_OUTCOME_DEFERRED));

  strategy::v1::CaseEvent hold;
  hold.set_case_id("case-1");
  hold.set_customer_id(kCustomer);
  *hold.mutable_occurred_at() = ToTimestamp(harness_->clock().Now());
  hold.mutable_hold_placed()->mutable_hold()->set_hold_id("hold-1");
  ASSERT_OK(harness_->DeliverCaseEvent(hold, "case-ev-1"));
  const std::vector<v1::ContactEvent> events = Outbox();
  EXPECT_THAT(Outcomes(events),
              ElementsAre(v1::CONTACT_OUTCOME_DEFERRED, v1::CONTACT_OUTCOME_CANCELLED));
  EXPECT_EQ(events[1].outcome_reason(), "HOLD");
  ASSERT_OK(harness_->RunTimers());
  EXPECT_THAT(harness_->ProviderOutboxLines("sms-sim"), IsEmpty());
}

TEST_F(ContactServiceTest, ARestartLosesNoPendingTimer) {
  const absl::Time morning = harness_->clock().Now() + absl::Hours(8);
  harness_->gate().SetRule([&](const ContactAttemptPlan& plan) -> absl::StatusOr<GateDecision> {
    if (plan.proposed_time < morning) return GateDecision::Defer("d", morning, {"QUIET_HOURS"});
    return GateDecision::Allow("a");
  });
  ASSERT_OK(
      harness_->DeliverContactRequest(TestSmsRequest("req-1", kCustomer, harness_->clock().Now())));
  ASSERT_OK(harness_->RunDue());
  ASSERT_OK(harness_->Reopen());
  ASSERT_OK_AND_ASSIGN(int tries, harness_->RunTimers());
  EXPECT_EQ(tries, 1);
  EXPECT_EQ(harness_->clock().Now(), morning);
  EXPECT_THAT(Outcomes(Outbox())[1], v1::CONTACT_OUTCOME_SENT);
  EXPECT_THAT(harness_->ProviderOutboxLines("sms-sim"), SizeIs(1));
}

TEST_F(ContactServiceTest, RecordOutcomeValidatesPublishesAndIsIdempotent) {
  ASSERT_OK(
      harness_->DeliverContactRequest(TestSmsRequest("req-1", kCustomer, harness_->clock().Now())));
  ASSERT_OK(harness_->RunDue());
  const std::string attempt_id = Outbox()[0].attempt_id();
  StartGrpc();
  auto record = [&](const v1::RecordOutcomeRequest& request) {
    return Call(&v1::ContactService::Stub::RecordOutcome, request);
  };

  v1::RecordOutcomeRequest bad;
  bad.set_attempt_id(attempt_id);
  bad.set_outcome(v1::CONTACT_OUTCOME_SENT);
  EXPECT_THAT(record(bad), StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("outcome")));
  bad.set_outcome(v1::CONTACT_OUTCOME_PROMISE_TO_PAY);
  EXPECT_THAT(record(bad),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("promise_to_pay")));
  bad.mutable_promise_to_pay()->mutable_amount()->set_currency_code("CNY");
  *bad.mutable_promise_to_pay()->mutable_promised_date() = ToProto(absl::CivilDay(2026, 1, 10));
  EXPECT_THAT(record(bad),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("promise_to_pay.amount")));
  bad.mutable_promise_to_pay()->mutable_amount()->set_amount_minor(50000);
  bad.set_attempt_id("no-such-attempt");
  EXPECT_THAT(record(bad), StatusIs(absl::StatusCode::kNotFound, HasSubstr("attempt_id")));
  bad.set_attempt_id(attempt_id);
  bad.set_customer_id("someone-else");
  EXPECT_THAT(record(bad), StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("customer_id")));
  v1::RecordOutcomeRequest inbound;
  inbound.set_outcome(v1::CONTACT_OUTCOME_DISPUTE);
  EXPECT_THAT(record(inbound),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("customer_id")));

  v1::RecordOutcomeRequest promise = bad;
  promise.set_customer_id(kCustomer);
  promise.set_request_id("collector-app-42");
  promise.set_counterparty(common::v1::COUNTERPARTY_DEBTOR);
  promise.set_connected(true);
  promise.set_conversation(true);
  promise.set_notes("说下周一还");
  ASSERT_OK_AND_ASSIGN(v1::ContactEvent first, record(promise));
  EXPECT_EQ(first.outcome(), v1::CONTACT_OUTCOME_PROMISE_TO_PAY);
  EXPECT_EQ(first.attempt_id(), attempt_id);
  EXPECT_EQ(first.request_id(), "req-1");
  EXPECT_THAT(first.loan_ids(), ElementsAre("loan-1"));
  EXPECT_EQ(first.promise_to_pay().amount().amount_minor(), 50000);
  ASSERT_OK_AND_ASSIGN(v1::ContactEvent again, record(promise));
  EXPECT_EQ(again.event_id(), first.event_id());
  ASSERT_OK(harness_->db().InTransaction([&](store::Transaction& txn) -> absl::Status {
    ARREARS_ASSIGN_OR_RETURN(SqliteContactStore store, SqliteContactStore::In(harness_->db(), txn));
    ARREARS_ASSIGN_OR_RETURN(std::optional<std::string> notes,
                             store.GetOutcomeNotes(first.event_id()));
    EXPECT_TRUE(notes.has_value() && absl::StartsWith(*notes, "v1:"));
    return absl::OkStatus();
  }));

  const std::vector<v1::ContactEvent> events = Outbox();
  ASSERT_THAT(events, SizeIs(3));  // SENT, DELIVERED/FAILED, the promise once
  EXPECT_EQ(events[2].event_id(), first.event_id());

  inbound.set_customer_id(kCustomer);
  inbound.set_channel(common::v1::CHANNEL_VOICE_CALL);
  inbound.set_direction(v1::CONTACT_DIRECTION_INBOUND);
  ASSERT_OK_AND_ASSIGN(v1::ContactEvent dispute, record(inbound));
  EXPECT_FALSE(dispute.attempt_id().empty());
  EXPECT_NE(dispute.attempt_id(), attempt_id);
}

TEST_F(ContactServiceTest, ContactHistoryIsNewestFirstAndPaged) {
  for (int i = 0; i < 3; ++i) {
    ASSERT_OK(harness_->DeliverContactRequest(
        TestSmsRequest(absl::StrCat("req-", i), kCustomer, harness_->clock().Now())));
    ASSERT_OK(harness_->RunDue());
    harness_->clock().Advance(absl::Minutes(1));
  }
  StartGrpc();
  v1::GetContactHistoryRequest request;
  request.set_parent("cust-1");
  EXPECT_THAT((Call(&v1::ContactService::Stub::GetContactHistory, request)),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("parent")));
  request.set_parent(absl::StrCat("customers/", kCustomer));
  request.set_page_size(-1);
  EXPECT_THAT((Call(&v1::ContactService::Stub::GetContactHistory, request)),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("page_size")));

  request.set_page_size(4);
  ASSERT_OK_AND_ASSIGN(v1::GetContactHistoryResponse first,
                       (Call(&v1::ContactService::Stub::GetContactHistory, request)));
  ASSERT_EQ(first.events_size(), 4);
  EXPECT_EQ(first.events(0).request_id(), "req-2");
  EXPECT_FALSE(first.next_page_token().empty());
  request.set_page_token(first.next_page_token());
  ASSERT_OK_AND_ASSIGN(v1::GetContactHistoryResponse second,
                       (Call(&v1::ContactService::Stub::GetContactHistory, request)));
  ASSERT_EQ(second.events_size(), 2);
  EXPECT_EQ(second.events(1).request_id(), "req-0");
  EXPECT_EQ(second.events(1).outcome(), v1::CONTACT_OUTCOME_SENT);
  EXPECT_TRUE(second.next_page_token().empty());

  request.set_page_token("garbage");
  EXPECT_THAT((Call(&v1::ContactService::Stub::GetContactHistory, request)),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("page_token")));
}

TEST_F(ContactServiceTest, FieldVisitWorkOrderLifecycle) {
  ASSERT_OK(harness_->DeliverContactRequest(
      TestVisitRequest("visit-req", kCustomer, harness_->clock().Now())));
  StartGrpc();
  CallAs("staff-1", "collector");
  v1::ListFieldVisitsRequest list;
  list.set_staff_id("staff-1");
  ASSERT_OK_AND_ASSIGN(v1::ListFieldVisitsResponse planned,
                       (Call(&v1::ContactService::Stub::ListFieldVisits, list)));
  ASSERT_EQ(planned.field_visits_size(), 1);
  EXPECT_EQ(planned.field_visits(0).state(), v1::FieldVisit::STATE_PLANNED);

  ASSERT_OK(harness_->RunDue());
  ASSERT_OK_AND_ASSIGN(v1::ListFieldVisitsResponse assigned,
                       (Call(&v1::ContactService::Stub::ListFieldVisits, list)));
  ASSERT_EQ(assigned.field_visits_size(), 1);
  const v1::FieldVisit& visit = assigned.field_visits(0);
  EXPECT_EQ(visit.state(), v1::FieldVisit::STATE_ASSIGNED);
  EXPECT_EQ(visit.name(), "fieldVisits/fv-1");
  EXPECT_EQ(visit.address().masked_value(), "北京市朝阳区***");
  EXPECT_THAT(harness_->ProviderOutboxLines("field-sim"), SizeIs(1));

  v1::CompleteFieldVisitRequest complete;
  complete.set_name("fieldVisits/fv-1");
  complete.set_outcome(v1::CONTACT_OUTCOME_PROMISE_TO_PAY);
  complete.mutable_promise_to_pay()->mutable_amount()->set_currency_code("CNY");
  complete.mutable_promise_to_pay()->mutable_amount()->set_amount_minor(100000);
  *complete.mutable_promise_to_pay()->mutable_promised_date() =
      ToProto(absl::CivilDay(2026, 1, 20));
  complete.set_notes("客户承诺月底前还款");
  EXPECT_THAT((Call(&v1::ContactService::Stub::CompleteFieldVisit, complete)),
              StatusIs(absl::StatusCode::kFailedPrecondition, HasSubstr("CHECKED_IN")));

  v1::CheckInFieldVisitRequest check_in;
  check_in.set_name("fieldVisits/fv-1");
  check_in.add_staff_ids("staff-1");
  check_in.set_recording_on(true);
  EXPECT_THAT((Call(&v1::ContactService::Stub::CheckInFieldVisit, check_in)),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("staff_ids")));
  check_in.add_staff_ids("staff-9");
  EXPECT_THAT((Call(&v1::ContactService::Stub::CheckInFieldVisit, check_in)),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("staff-9")));
  check_in.set_staff_ids(1, "staff-2");
  check_in.set_recording_on(false);
  EXPECT_THAT((Call(&v1::ContactService::Stub::CheckInFieldVisit, check_in)),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("recording_on")));
  check_in.set_recording_on(true);
  check_in.set_name("fieldVisits/nope");
  EXPECT_THAT((Call(&v1::ContactService::Stub::CheckInFieldVisit, check_in)),
              StatusIs(absl::StatusCode::kNotFound));
  check_in.set_name("visits/fv-1");
  EXPECT_THAT((Call(&v1::ContactService::Stub::CheckInFieldVisit, check_in)),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("name")));
  check_in.set_name("fieldVisits/fv-1");
  ASSERT_OK_AND_ASSIGN(v1::FieldVisit checked_in,
                       (Call(&v1::ContactService::Stub::CheckInFieldVisit, check_in)));
  EXPECT_EQ(checked_in.state(), v1::FieldVisit::STATE_CHECKED_IN);

  harness_->clock().Advance(absl::Minutes(40));
  ASSERT_OK_AND_ASSIGN(v1::FieldVisit completed,
                       (Call(&v1::ContactService::Stub::CompleteFieldVisit, complete)));
  EXPECT_EQ(completed.state(), v1::FieldVisit::STATE_COMPLETED);
  EXPECT_EQ(completed.outcome(), v1::CONTACT_OUTCOME_PROMISE_TO_PAY);
  EXPECT_EQ(completed.notes(), "客户承诺月底前还款");
  // Stored sealed, shown opened.
  ASSERT_OK(harness_->db().InTransaction([&](store::Transaction& txn) -> absl::Status {
    ARREARS_ASSIGN_OR_RETURN(SqliteContactStore store, SqliteContactStore::In(harness_->db(), txn));
    ARREARS_ASSIGN_OR_RETURN(std::optional<v1::FieldVisit> stored, store.GetFieldVisit("fv-1"));
    EXPECT_TRUE(absl::StartsWith(stored->notes(), "v1:"));
    EXPECT_FALSE(absl::StrContains(stored->notes(), "客户"));
    return absl::OkStatus();
  }));
  v1::ListFieldVisitsRequest done;
  done.add_states(v1::FieldVisit::STATE_COMPLETED);
  ASSERT_OK_AND_ASSIGN(v1::ListFieldVisitsResponse completed_list,
                       (Call(&v1::ContactService::Stub::ListFieldVisits, done)));
  ASSERT_EQ(completed_list.field_visits_size(), 1);
  EXPECT_EQ(completed_list.field_visits(0).notes(), "客户承诺月底前还款");

  const std::vector<v1::ContactEvent> events = Outbox();
  EXPECT_THAT(Outcomes(events, "visit-req"),
              ElementsAre(v1::CONTACT_OUTCOME_SENT, v1::CONTACT_OUTCOME_CHECKED_IN,
                          v1::CONTACT_OUTCOME_PROMISE_TO_PAY));
  EXPECT_EQ(events.back().duration().seconds(), 40 * 60);
  for (const v1::ContactEvent& event : events) {
    EXPECT_EQ(event.SerializeAsString().find("客户承诺"), std::string::npos) << "notes leaked";
  }
  // Completed visits leave the default list.
  ASSERT_OK_AND_ASSIGN(v1::ListFieldVisitsResponse open,
                       (Call(&v1::ContactService::Stub::ListFieldVisits, list)));
  EXPECT_EQ(open.field_visits_size(), 0);
}

TEST_F(ContactServiceTest, VisitNotesAreOnlyForAssignedStaffAndSupervisors) {
  ASSERT_OK(harness_->DeliverContactRequest(
      TestVisitRequest("visit-req", kCustomer, harness_->clock().Now())));
  ASSERT_OK(harness_->RunDue());
  StartGrpc();
  v1::CheckInFieldVisitRequest check_in;
  check_in.set_name("fieldVisits/fv-1");
  check_in.add_staff_ids("staff-1");
  check_in.add_staff_ids("staff-2");
  check_in.set_recording_on(true);
  v1::CompleteFieldVisitRequest complete;
  complete.set_name("fieldVisits/fv-1");
  complete.set_outcome(v1::CONTACT_OUTCOME_REFUSED);
  complete.set_notes("邻居说客户已搬走");

  // Neither assigned nor a supervisor: no check-in, no completion.
  for (const auto& [user, roles] : std::vector<std::pair<std::string, std::string>>{
           {"staff-9", "collector"}, {"", ""}, {"staff-9", "supervisors"}}) {
    CallAs(user, roles);
    EXPECT_THAT((Call(&v1::ContactService::Stub::CheckInFieldVisit, check_in)),
                StatusIs(absl::StatusCode::kPermissionDenied, HasSubstr("fieldVisits/fv-1")))
        << user;
    EXPECT_THAT((Call(&v1::ContactService::Stub::CompleteFieldVisit, complete)),
                StatusIs(absl::StatusCode::kPermissionDenied, HasSubstr("fieldVisits/fv-1")));
  }
  CallAs("staff-9");
  EXPECT_THAT((Call(&v1::ContactService::Stub::CheckInFieldVisit, check_in)),
              StatusIs(absl::StatusCode::kPermissionDenied, HasSubstr("user staff-9")));
  // An unknown visit is NOT_FOUND whoever asks.
  check_in.set_name("fieldVisits/nope");
  EXPECT_THAT((Call(&v1::ContactService::Stub::CheckInFieldVisit, check_in)),
              StatusIs(absl::StatusCode::kNotFound));
  check_in.set_name("fieldVisits/fv-1");

  CallAs("staff-1");
  ASSERT_OK(Call(&v1::ContactService::Stub::CheckInFieldVisit, check_in));
  ASSERT_OK_AND_ASSIGN(v1::FieldVisit completed,
                       (Call(&v1::ContactService::Stub::CompleteFieldVisit, complete)));
  EXPECT_EQ(completed.notes(), "邻居说客户已搬走");
  EXPECT_FALSE(completed.notes_withheld());

  v1::ListFieldVisitsRequest list;
  list.add_states(v1::FieldVisit::STATE_COMPLETED);
  auto notes_seen_by = [&](const std::string& user,
                           const std::string& roles) -> std::pair<std::string, bool> {
    CallAs(user, roles);
    absl::StatusOr<v1::ListFieldVisitsResponse> listed =
        Call(&v1::ContactService::Stub::ListFieldVisits, list);
    EXPECT_OK(listed);
    if (!listed.ok() || listed->field_visits_size() != 1) return {"<no visit>", false};
    return {listed->field_visits(0).notes(), listed->field_visits(0).notes_withheld()};
  };
  const std::pair<std::string, bool> shown = {"邻居说客户已搬走", false};
  const std::pair<std::string, bool> withheld = {"", true};
  EXPECT_EQ(notes_seen_by("staff-2", ""), shown) << "assigned staff";
  EXPECT_EQ(notes_seen_by("sup-1", "collector, supervisor"), shown) << "supervisor";
  EXPECT_EQ(notes_seen_by("staff-9", "collector"), withheld);
  EXPECT_EQ(notes_seen_by("", ""), withheld) << "no identity from the gateway";
  EXPECT_EQ(notes_seen_by("staff-1x", "Supervisor"), withheld) << "roles are exact";
}

TEST(CallerTest, MetadataParsingAndNotesRule) {
  const Caller caller = CallerFromMetadata(" staff-1 ", "collector, ,supervisor ,");
  EXPECT_EQ(caller.user_id, "staff-1");
  EXPECT_THAT(caller.roles, ElementsAre("collector", "supervisor"));
  v1::FieldVisit visit;
  visit.set_name("fieldVisits/fv-1");
  visit.add_staff_ids("staff-2");
  EXPECT_TRUE(MayReadFieldVisitNotes(caller, visit)) << "supervisor";
  EXPECT_FALSE(MayReadFieldVisitNotes(CallerFromMetadata("staff-1", ""), visit));
  visit.add_checked_in_staff_ids("staff-1");
  EXPECT_TRUE(MayReadFieldVisitNotes(CallerFromMetadata("staff-1", ""), visit));
  EXPECT_FALSE(MayReadFieldVisitNotes(CallerFromMetadata("", ""), visit));
  EXPECT_THAT(AuthorizeFieldVisitNotes(CallerFromMetadata("", ""), visit),
              StatusIs(absl::StatusCode::kPermissionDenied,
                       AllOf(HasSubstr("fieldVisits/fv-1"), HasSubstr("anonymous"))));
}

TEST_F(ContactServiceTest, TemplatesAreScreenedWhenRegistered) {
  harness_->screener().Ban("坐牢", "cn.threat.jail");
  StartGrpc();
  v1::RegisterTemplateRequest request;
  EXPECT_THAT((Call(&v1::ContactService::Stub::RegisterTemplate, request)),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("message_template")));
  v1::Template* t = request.mutable_message_template();
  t->set_template_id("sms-threat");
  t->set_language("zh-CN");
  t->set_channel(common::v1::CHANNEL_SMS);
  t->set_body("{{surname}}再不还款就坐牢");
  EXPECT_THAT((Call(&v1::ContactService::Stub::RegisterTemplate, request)),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       AllOf(HasSubstr("message_template.body"), HasSubstr("cn.threat.jail"))));
  t->set_body("{{surname}}您好，请尽快还款。");
  ASSERT_OK_AND_ASSIGN(v1::Template stored,
                       (Call(&v1::ContactService::Stub::RegisterTemplate, request)));
  EXPECT_EQ(stored.name(), "templates/sms-threat/languages/zh-CN");
  EXPECT_EQ(stored.revision(), 1);

  v1::GetTemplateRequest get;
  get.set_name("templates/sms-threat");
  EXPECT_THAT((Call(&v1::ContactService::Stub::GetTemplate, get)),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("name")));
  get.set_name("templates/sms-threat/languages/zh-CN");
  ASSERT_OK_AND_ASSIGN(v1::Template got, (Call(&v1::ContactService::Stub::GetTemplate, get)));
  EXPECT_EQ(got.body(), "{{surname}}您好，请尽快还款。");
  get.set_name("templates/sms-threat/languages/en");
  EXPECT_THAT((Call(&v1::ContactService::Stub::GetTemplate, get)),
              StatusIs(absl::StatusCode::kNotFound));
}

}  // namespace
}  // namespace arrears::contact
