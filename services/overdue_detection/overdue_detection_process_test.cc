// The service as a process, through the dev broker: arrears-loadgen
// publishes a loan book and repayments while the overdue_detection process
// consumes them; the process is SIGKILLed mid-stream and restarted. Then,
// over gRPC, every loan's state must be exactly what an in-process engine
// computes from the same events (nothing lost, nothing applied twice), the
// delinquency topic must hold exactly the events that engine emits (each
// loan's sequence once, under one id), and the events the service could not
// apply must be in the DLQ with their reasons.
#include <signal.h>

#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/clock.h"
#include "arrears/delinquency/v1/delinquency_events.pb.h"
#include "arrears/delinquency/v1/overdue_service.grpc.pb.h"
#include "common/kafka/config.h"
#include "common/kafka/producer.h"
#include "common/kafka/testing/mock_cluster.h"
#include "common/proto_convert/proto_convert.h"
#include "common/runtime/published_file.h"
#include "common/status/status_matchers.h"
#include "common/store/testing/temp_dir.h"
#include "common/time/civil_date.h"
#include "common/topics/topics.h"
#include "gmock/gmock.h"
#include "google/protobuf/util/message_differencer.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/security/credentials.h"
#include "gtest/gtest.h"
#include "services/overdue_detection/delinquency_engine.h"
#include "services/overdue_detection/in_memory_loan_store.h"
#include "services/overdue_detection/testing/loan_events.h"
#include "tests/support/sqlite_query.h"
#include "tests/support/subprocess.h"
#include "tools/loadgen/loan_event_stream.h"

namespace arrears::overdue {
namespace {

using ::arrears::testing::QuerySqliteInt;
using ::arrears::testing::Subprocess;
using ::arrears::testing::WaitUntil;
using ::google::protobuf::util::MessageDifferencer;
using ::testing::HasSubstr;
namespace dv1 = delinquency::v1;
using D = absl::CivilDay;

constexpr int64_t kLoans = 400;
constexpr int64_t kEvents = 5000;
constexpr uint64_t kSeed = 7;
constexpr D kBusinessDate = D(2026, 3, 15);
constexpr D kCloseTo = D(2026, 3, 25);
const std::string kLoanTopic = topics::Spec(topics::v1::TOPIC_LOAN_EVENTS).name();
const std::string kDelinquencyTopic = topics::Spec(topics::v1::TOPIC_DELINQUENCY_EVENTS).name();

// What the service should end up with: the same events through one engine.
struct Reference {
  std::shared_ptr<const ProductCatalog> products;
  InMemoryLoanStore store;
  FakeClock clock;
  std::unique_ptr<DelinquencyEngine> engine;
  std::map<std::string, std::pair<std::string, int64_t>> events;  // id -> (loan, sequence)

  void Note(const std::vector<EmittedEvent>& emitted) {
    for (const EmittedEvent& e : emitted) {
      events[e.event_id] = {e.event.loan_id(), e.event.loan_sequence()};
    }
  }
};

// A repayment of a negative amount for loan 1 of the stream.
loan::v1::LoanEvent NegativeRepayment() {
  loan::v1::LoanEvent event = testing::Repayment("L00000001", "NEG", -100, D(2026, 3, 1));
  event.set_customer_id("C00000000");
  return event;
}

class OverdueDetectionProcessTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_OK_AND_ASSIGN(store::TempDir dir, store::TempDir::Create());
    dir_.emplace(std::move(dir));
    bootstrap_file_ = dir_->File("bootstrap");
    ASSERT_OK_AND_ASSIGN(broker_, Subprocess::Start({DEVBROKER_PATH, "--port=0", "--partitions=8",
                                                     "--bootstrap_file=" + bootstrap_file_},
                                                    dir_->File("devbroker.log")));
    ASSERT_TRUE(WaitUntil([&] { return kafka::ReadBootstrapFile(bootstrap_file_).ok(); },
                          absl::Seconds(30)));
    ASSERT_OK_AND_ASSIGN(std::string bootstrap, kafka::ReadBootstrapFile(bootstrap_file_));
    kafka_.bootstrap_servers = bootstrap;
    kafka_.client_id = "overdue-process-test";
    kafka_.profile = kafka::Profile::kDev;
  }

  std::unique_ptr<Subprocess> StartService(const std::string& name) {
    absl::StatusOr<std::unique_ptr<Subprocess>> process = Subprocess::Start(
        {OVERDUE_DETECTION_PATH, "--service_name=overdue-detection", "--data_dir=" + dir_->path(),
         "--kafka_bootstrap_file=" + bootstrap_file_, "--grpc_address=127.0.0.1:0",
         "--grpc_address_file=" + grpc_address_file(), "--http_address=127.0.0.1:0",
         "--products_file=" OVERDUE_PRODUCTS_YAML,
         "--initial_business_date=" + time::FormatCivilDay(kBusinessDate),
         "--scheduled_close=false", "--parked_event_timeout=2s", "--parked_sweep_interval=200ms",
         "--log_level=warning", "--drain_timeout=10s"},
        dir_->File(name + ".log"));
    EXPECT_TRUE(process.ok()) << process.status();
    return process.ok() ? std::move(*process) : nullptr;
  }

  std::string grpc_address_file() const { return dir_->File("grpc.address"); }
  std::string db_path() const { return dir_->File("overdue-detection.db"); }
  int64_t processed() const {
    return QuerySqliteInt(db_path(), "SELECT COUNT(*) FROM processed_events");
  }

  std::unique_ptr<dv1::OverdueService::Stub> Connect() {
    std::string address;
    EXPECT_TRUE(WaitUntil(
        [&] {
          absl::StatusOr<std::string> read = runtime::ReadPublishedFile(grpc_address_file());
          if (read.ok()) address = *read;
          return read.ok();
        },
        absl::Seconds(30)));
    return dv1::OverdueService::NewStub(
        grpc::CreateChannel(address, grpc::InsecureChannelCredentials()));
  }

  // Every loan of the book, as the service and as the reference see it.
  void ExpectSameLoans(dv1::OverdueService::Stub& stub, Reference& reference) {
    int64_t checked = 0;
    for (int64_t i = 0; i < kLoans; ++i) {
      const std::string loan_id = absl::StrFormat("L%08d", i);
      grpc::ClientContext context;
      dv1::GetLoanDelinquencyRequest request;
      request.set_name(absl::StrCat("loans/", loan_id, "/delinquency"));
      dv1::LoanDelinquency got;
      const grpc::Status status = stub.GetLoanDelinquency(&context, request, &got);
      ASSERT_TRUE(status.ok()) << loan_id << ": " << status.error_message();
      ASSERT_OK_AND_ASSIGN(LoanView want, reference.engine->GetLoan(loan_id));
      EXPECT_TRUE(MessageDifferencer::Equals(got.snapshot(), want.snapshot))
          << loan_id << "\n got: " << got.snapshot().ShortDebugString()
          << "\nwant: " << want.snapshot.ShortDebugString();
      EXPECT_EQ(got.loan_sequence(), want.event_sequence) << loan_id;
      ++checked;
    }
    EXPECT_EQ(checked, kLoans);
  }

  std::optional<store::TempDir> dir_;
  std::string bootstrap_file_;
  kafka::KafkaConfig kafka_;
  std::unique_ptr<Subprocess> broker_;
};

TEST_F(OverdueDetectionProcessTest, KilledMidStreamLosesAndDuplicatesNothing) {
  std::unique_ptr<Subprocess> service = StartService("service");
  ASSERT_TRUE(service);
  ASSERT_OK_AND_ASSIGN(
      auto loadgen,
      Subprocess::Start({LOADGEN_PATH, "--bootstrap_file=" + bootstrap_file_,
                         absl::StrCat("--events=", kEvents), absl::StrCat("--loans=", kLoans),
                         absl::StrCat("--seed=", kSeed), "--rate=1500", "--batch=50"},
                        dir_->File("loadgen.log")));
  // Two events the service cannot apply: a repayment for a loan that never
  // opens (parked, then dead-lettered after --parked_event_timeout), now,
  // and a negative repayment (rejected at once), once its loan surely came
  // first on its partition.
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<kafka::KafkaProducer> producer,
                       kafka::KafkaProducer::Create(kafka_));
  auto loan_event = [](const loan::v1::LoanEvent& payload, const std::string& id) {
    events::Event event;
    event.topic = topics::Spec(topics::v1::TOPIC_LOAN_EVENTS).name();
    event.key = payload.loan_id();
    event.envelope = {.id = id,
                      .type = "arrears.loan.v1.LoanEvent",
                      .source = "//loan-system/test",
                      .time = absl::Now(),
                      .traceparent = ""};
    payload.SerializeToString(&event.payload);
    return event;
  };
  ASSERT_OK(producer->Publish(
      {loan_event(testing::Repayment("L-NEVER", "R1", 100, D(2026, 3, 1)), "orphan-pay")}));

  ASSERT_TRUE(WaitUntil([&] { return processed() >= 1500; }, absl::Seconds(60)))
      << "processed " << processed();
  service->Kill(SIGKILL);
  EXPECT_EQ(service->Wait(), 128 + SIGKILL);
  const int64_t at_kill = processed();
  service = StartService("service-restarted");
  ASSERT_TRUE(service);
  ASSERT_EQ(loadgen->Wait(), 0);
  ASSERT_OK(producer->Publish({loan_event(NegativeRepayment(), "negative-pay")}));
  EXPECT_LT(at_kill, kEvents) << "the kill came after the stream ended";
  // The orphan counts (parked is applied); the negative repayment does not.
  const int64_t expected_processed = kEvents + 1;
  ASSERT_TRUE(WaitUntil([&] { return processed() >= expected_processed; }, absl::Seconds(90)))
      << "processed " << processed() << " of " << expected_processed;
  EXPECT_EQ(processed(), expected_processed);
  ASSERT_TRUE(
      WaitUntil([&] { return QuerySqliteInt(db_path(), "SELECT COUNT(*) FROM outbox") == 0; },
                absl::Seconds(60)));

  // The reference: the same stream through one engine, without processes.
  Reference reference;
  ASSERT_OK_AND_ASSIGN(ProductCatalog catalog, ProductCatalog::LoadFile(OVERDUE_PRODUCTS_YAML));
  reference.products = std::make_shared<const ProductCatalog>(std::move(catalog));
  ASSERT_OK_AND_ASSIGN(reference.engine,
                       DelinquencyEngine::Create({reference.products, &reference.store,
                                                  &reference.clock, kBusinessDate}));
  loadgen::LoanEventStream stream({.seed = kSeed, .loans = kLoans});
  for (int64_t i = 0; i < kEvents; ++i) {
    const events::Event event = stream.Next();
    loan::v1::LoanEvent payload;
    ASSERT_TRUE(payload.ParseFromString(event.payload));
    absl::StatusOr<std::vector<EmittedEvent>> emitted =
        reference.engine->Apply(payload, event.envelope.id, event.envelope.time);
    ASSERT_OK(emitted.status()) << "the stream is valid";
    reference.Note(*emitted);
  }

  std::unique_ptr<dv1::OverdueService::Stub> stub = Connect();
  ExpectSameLoans(*stub, reference);

  // A business-day close through the API, on both.
  {
    grpc::ClientContext context;
    dv1::CloseBusinessDayRequest request;
    *request.mutable_business_date() = ToProto(kCloseTo);
    dv1::CloseBusinessDayResponse response;
    ASSERT_TRUE(stub->CloseBusinessDay(&context, request, &response).ok());
    ASSERT_OK_AND_ASSIGN(CloseResult closed, reference.engine->CloseBusinessDay(kCloseTo));
    reference.Note(closed.events);
    EXPECT_EQ(response.events_emitted(), static_cast<int64_t>(closed.events.size()));
    EXPECT_EQ(response.loans_evaluated(), closed.loans_evaluated);
  }
  ExpectSameLoans(*stub, reference);
  ASSERT_TRUE(
      WaitUntil([&] { return QuerySqliteInt(db_path(), "SELECT COUNT(*) FROM outbox") == 0; },
                absl::Seconds(60)));

  // The delinquency topic: exactly the reference's events, each loan's
  // sequence under one id. A crash between publishing and marking an outbox
  // batch republishes it under the same ids (consumers dedupe).
  const absl::Time deadline = absl::Now() + absl::Seconds(60);
  ASSERT_OK_AND_ASSIGN(auto records,
                       kafka::testing::ReadTopic(kafka_, kDelinquencyTopic, deadline));
  std::map<std::string, std::pair<std::string, int64_t>> published;
  std::map<std::pair<std::string, int64_t>, std::set<std::string>> ids_by_sequence;
  for (const auto& record : records) {
    const std::string* id = record.FindHeader("ce_id");
    ASSERT_NE(id, nullptr);
    dv1::DelinquencyEvent event;
    ASSERT_TRUE(event.ParseFromString(record.record.value));
    EXPECT_EQ(record.record.key, event.loan_id());
    published[*id] = {event.loan_id(), event.loan_sequence()};
    ids_by_sequence[{event.loan_id(), event.loan_sequence()}].insert(*id);
  }
  EXPECT_GT(reference.events.size(), static_cast<size_t>(kLoans)) << "a meaningful stream";
  EXPECT_EQ(published.size(), reference.events.size());
  EXPECT_TRUE(published == reference.events) << "same ids, loans and sequences";
  for (const auto& [key, ids] : ids_by_sequence) {
    EXPECT_EQ(ids.size(), 1u) << key.first << " #" << key.second << " under several ids";
  }
  EXPECT_LE(records.size(), published.size() + 1000) << "republished copies stay bounded";

  // What could not be applied is in the DLQ, with its reason.
  std::map<std::string, kafka::testing::ConsumedRecord> dead;
  ASSERT_TRUE(WaitUntil(
      [&] {
        absl::StatusOr<std::vector<kafka::testing::ConsumedRecord>> read =
            kafka::testing::ReadTopic(kafka_, topics::DeadLetterTopicName(kLoanTopic),
                                      absl::Now() + absl::Seconds(10));
        if (!read.ok()) return false;
        for (auto& record : *read) {
          if (const std::string* id = record.FindHeader("ce_id")) dead[*id] = record;
        }
        return dead.size() >= 2;
      },
      absl::Seconds(60)))
      << "dead letters: " << dead.size();
  EXPECT_EQ(dead.size(), 2u);
  ASSERT_TRUE(dead.count("negative-pay"));
  EXPECT_EQ(*dead["negative-pay"].FindHeader("dlq_status_code"), "INVALID_ARGUMENT");
  EXPECT_THAT(*dead["negative-pay"].FindHeader("dlq_reason"),
              HasSubstr("repayment_posted.amount.amount_minor: must be positive"));
  ASSERT_TRUE(dead.count("orphan-pay"));
  EXPECT_EQ(*dead["orphan-pay"].FindHeader("dlq_status_code"), "FAILED_PRECONDITION");
  EXPECT_THAT(*dead["orphan-pay"].FindHeader("dlq_reason"), HasSubstr("L-NEVER is not open"));
  EXPECT_EQ(*dead["orphan-pay"].FindHeader("dlq_original_topic"), kLoanTopic);
  EXPECT_EQ(*dead["orphan-pay"].FindHeader("dlq_consumer_group"), "overdue-detection");
  EXPECT_FALSE(dead["orphan-pay"].record.value.empty()) << "the original payload is kept";

  service->Kill(SIGTERM);
  EXPECT_EQ(service->Wait(), 0) << "clean shutdown";
}

}  // namespace
}  // namespace arrears::overdue
