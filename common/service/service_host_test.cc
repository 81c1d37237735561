// ServiceHost against an in-process mock cluster: events flow through the
// exactly-once path to the outbox and out, metrics and health are served,
// and shutdown drains.
#include "common/service/service_host.h"

#include <atomic>
#include <thread>

#include "absl/strings/str_cat.h"
#include "common/kafka/testing/mock_cluster.h"
#include "common/runtime/published_file.h"
#include "common/runtime/shutdown.h"
#include "common/runtime/trace_context.h"
#include "common/status/status_macros.h"
#include "common/status/status_matchers.h"
#include "common/store/testing/temp_dir.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "httplib.h"
#include "tests/support/subprocess.h"

namespace arrears::service {
namespace {

using ::arrears::testing::IsOkAndHolds;
using ::arrears::testing::StatusIs;
using ::testing::HasSubstr;

constexpr char kInTopic[] = "host-test.in";
constexpr char kOutTopic[] = "host-test.out";

// Emits one event per input to kOutTopic; rejects payload "bad".
class EchoApplier final : public store::EventApplier {
 public:
  absl::Status Apply(const events::InboundEvent& event, store::Transaction&,
                     store::OutboxWriter& outbox) override {
    if (event.event.payload == "bad") return absl::InvalidArgumentError("payload: bad");
    events::Event out = event.event;
    out.topic = kOutTopic;
    out.envelope.id = absl::StrCat("echo-", event.event.envelope.id);
    out.envelope.traceparent.clear();  // the host stamps the current trace
    applied.fetch_add(1);
    return outbox.Enqueue(out);
  }
  std::atomic<int> applied{0};
};

events::Event MakeEvent(int i, std::string payload, std::string traceparent = "") {
  events::Event e;
  e.topic = kInTopic;
  e.key = absl::StrCat("loan-", i % 7);
  e.envelope.id = absl::StrCat("in-", i);
  e.envelope.type = "test.Event";
  e.envelope.source = "//test";
  e.envelope.traceparent = std::move(traceparent);
  e.payload = std::move(payload);
  return e;
}

constexpr absl::Duration kDeadline = absl::Seconds(30);

// A host on ephemeral ports over `cluster`, its state under `dir`.
runtime::RuntimeConfig HostConfig(const kafka::testing::MockCluster& cluster,
                                  const store::TempDir& dir) {
  runtime::RuntimeConfig config;
  config.service_name = "host-test";
  config.grpc_address = "127.0.0.1:0";
  config.http_address = "127.0.0.1:0";
  config.kafka_bootstrap = cluster.bootstrap_servers();
  config.kafka_profile = kafka::Profile::kDev;
  config.data_dir = dir.File("data");
  config.drain_timeout = absl::Seconds(10);
  config.grpc_address_file = dir.File("grpc_address");
  return config;
}

TEST(ServiceHostTest, EventsFlowExactlyOnceAndShutdownDrains) {
  ASSERT_OK_AND_ASSIGN(auto cluster, kafka::testing::MockCluster::Create());
  ASSERT_OK(cluster->CreateTopic(kInTopic, 4));
  ASSERT_OK(cluster->CreateTopic(kOutTopic, 4));
  ASSERT_OK_AND_ASSIGN(store::TempDir dir, store::TempDir::Create());

  const runtime::RuntimeConfig config = HostConfig(*cluster, dir);
  ASSERT_OK_AND_ASSIGN(auto host, ServiceHost::Create(config, {}, &SystemClock::Get()));
  EXPECT_THAT(runtime::ReadPublishedFile(config.grpc_address_file),
              StatusIs(absl::StatusCode::kNotFound));  // not before it serves

  EchoApplier applier;
  ASSERT_OK(
      host->AddConsumer({.group_id = "host-test", .topics = {kInTopic}, .applier = &applier}));
  ASSERT_OK(host->Start());
  EXPECT_GT(host->grpc_port(), 0);
  EXPECT_THAT(runtime::ReadPublishedFile(config.grpc_address_file),
              IsOkAndHolds(absl::StrCat("127.0.0.1:", host->grpc_port())));

  ASSERT_OK_AND_ASSIGN(auto producer, kafka::KafkaProducer::Create(cluster->Config("producer")));
  std::vector<events::Event> batch;
  for (int i = 0; i < 50; ++i) {
    batch.push_back(MakeEvent(i, "ok", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"));
  }
  batch.push_back(MakeEvent(50, "bad"));
  for (int i = 0; i < 10; ++i) batch.push_back(MakeEvent(i, "ok"));  // redeliveries
  ASSERT_OK(producer->Publish(batch));

  // A gRPC-style state change with its own event, under a trace.
  runtime::TraceContext call_trace = runtime::TraceContext::NewRoot();
  {
    runtime::ScopedTraceContext scope(call_trace);
    ASSERT_OK(host->InTransaction([](store::Transaction&, store::OutboxWriter& outbox) {
      events::Event e = MakeEvent(1000, "from-api");
      e.topic = kOutTopic;
      return outbox.Enqueue(e);
    }));
  }

  ASSERT_TRUE(::arrears::testing::WaitUntil(
      [&] {
        auto out = cluster->ReadAll(kOutTopic, absl::Now() + absl::Seconds(5));
        return out.ok() && out->size() >= 51;
      },
      kDeadline));
  // Apply may run more than once per event inside a rolled-back batch (see
  // exactly_once_processor.h); effects are counted on the output topic below.
  EXPECT_GE(applier.applied.load(), 50);

  httplib::Client http("127.0.0.1", host->http_port());
  auto ready = http.Get("/readyz");
  ASSERT_TRUE(ready);
  EXPECT_EQ(ready->status, 200);
  // Counters move when the loop finalizes a batch, just after the commit
  // that released the follow-ups.
  std::string metrics;
  EXPECT_TRUE(::arrears::testing::WaitUntil(
      [&] {
        auto response = http.Get("/metrics");
        metrics = response ? response->body : "";
        return metrics.find("arrears_kafka_consumer_dead_lettered_total{group=\"host-test\"} 1") !=
               std::string::npos;
      },
      kDeadline))
      << metrics;
  EXPECT_THAT(metrics,
              HasSubstr("arrears_kafka_consumer_events_handled_total{group=\"host-test\"} 60"));
  EXPECT_THAT(metrics, HasSubstr("arrears_outbox_pending"));

  ASSERT_OK(host->Shutdown());
  EXPECT_THAT(runtime::ReadPublishedFile(config.grpc_address_file),
              StatusIs(absl::StatusCode::kNotFound));  // a stopped service is not advertised
  EXPECT_FALSE(http.Get("/healthz")) << "HTTP stops last";

  ASSERT_OK_AND_ASSIGN(auto out, cluster->ReadAll(kOutTopic, absl::Now() + absl::Seconds(10)));
  int from_api = 0;
  int continued_trace = 0;
  EXPECT_EQ(out.size(), 51u) << "each effect published once";
  for (const auto& record : out) {
    const std::string* id = record.FindHeader("ce_id");
    const std::string* traceparent = record.FindHeader("traceparent");
    ASSERT_NE(id, nullptr);
    ASSERT_NE(traceparent, nullptr) << *id << " lost its trace";
    if (*id == "in-1000") {
      ++from_api;
      EXPECT_THAT(*traceparent, HasSubstr(call_trace.TraceIdHex()));
    } else if (traceparent->find("4bf92f3577b34da6a3ce929d0e0e4736") != std::string::npos) {
      ++continued_trace;
    }
  }
  EXPECT_EQ(from_api, 1);
  EXPECT_EQ(continued_trace, 50);
  ASSERT_OK_AND_ASSIGN(
      auto dead, cluster->ReadAll(absl::StrCat(kInTopic, ".dlq"), absl::Now() + absl::Seconds(10)));
  ASSERT_EQ(dead.size(), 1u);
  EXPECT_EQ(*dead[0].FindHeader("dlq_reason"), "payload: bad");
}

// An assembly whose due background work the test sets.
class CountingAssembly final : public Assembly {
 public:
  void StartBackground() override { started = true; }
  void StopBackground() override { stopped = true; }
  absl::StatusOr<int64_t> PendingBackgroundWork() override { return pending.load(); }

  std::atomic<bool> started{false};
  std::atomic<bool> stopped{false};
  std::atomic<int64_t> pending{3};
};

TEST(ServiceHostTest, TheServiceDatabaseTakesTheGivenSettingsAtTheHostsPath) {
  ASSERT_OK_AND_ASSIGN(auto cluster, kafka::testing::MockCluster::Create());
  ASSERT_OK_AND_ASSIGN(store::TempDir dir, store::TempDir::Create());
  const runtime::RuntimeConfig config = HostConfig(*cluster, dir);
  store::SqliteOptions database;
  database.path = dir.File("elsewhere.db");  // ignored: the host names the file
  database.page_size = 8192;
  database.checkpoint_pages = 10000;
  ASSERT_OK_AND_ASSIGN(auto host, ServiceHost::Create(config, {}, &SystemClock::Get(), database));
  EXPECT_EQ(host->database().path(),
            absl::StrCat(config.data_dir, "/", config.service_name, ".db"));
  int64_t page_size = 0;
  ASSERT_OK(host->database().InTransaction([&](store::Transaction& txn) -> absl::Status {
    ARREARS_ASSIGN_OR_RETURN(store::SqliteTransaction * sqlite, host->database().Unwrap(txn));
    ARREARS_ASSIGN_OR_RETURN(store::SqliteStatement pragma, sqlite->Prepare("PRAGMA page_size"));
    ARREARS_ASSIGN_OR_RETURN(const bool row, pragma.Step());
    if (row) page_size = pragma.ColumnInt64(0);
    return absl::OkStatus();
  }));
  EXPECT_EQ(page_size, 8192);
}

// A host that fails part way through Create is destroyed before its relay,
// feeds and producer exist: Create must return the error, not crash (two
// replicas racing to migrate one store once took a process down that way).
TEST(ServiceHostTest, ACreateThatFailsPartWayReturnsItsError) {
  ASSERT_OK_AND_ASSIGN(auto cluster, kafka::testing::MockCluster::Create());
  ASSERT_OK_AND_ASSIGN(store::TempDir dir, store::TempDir::Create());
  const runtime::RuntimeConfig config = HostConfig(*cluster, dir);
  std::vector<store::Migration> broken = {{.version = store::kFirstServiceMigrationVersion,
                                           .name = "broken",
                                           .sql = "CREATE TABLE oops ("}};
  EXPECT_THAT(ServiceHost::Create(config, std::move(broken), &SystemClock::Get()),
              StatusIs(absl::StatusCode::kInternal, HasSubstr("migration 100 (broken)")));
}

TEST(ServiceHostTest, RunServesTheAssemblysPendingBackgroundWorkOnMetrics) {
  ASSERT_OK_AND_ASSIGN(auto cluster, kafka::testing::MockCluster::Create());
  ASSERT_OK_AND_ASSIGN(store::TempDir dir, store::TempDir::Create());
  const runtime::RuntimeConfig config = HostConfig(*cluster, dir);
  ASSERT_OK_AND_ASSIGN(auto host, ServiceHost::Create(config, {}, &SystemClock::Get()));
  ASSERT_OK_AND_ASSIGN(auto signal,
                       runtime::ShutdownSignal::Create({.exit_on_second_signal = false}));
  CountingAssembly assembly;
  absl::Status run_status = absl::UnknownError("not run");
  std::thread runner([&] { run_status = host->Run(*signal, assembly); });
  // Published once the host serves, HTTP included.
  ASSERT_TRUE(::arrears::testing::WaitUntil(
      [&] { return runtime::ReadPublishedFile(config.grpc_address_file).ok(); }, kDeadline));
  httplib::Client http("127.0.0.1", host->http_port());
  auto scrape_shows = [&](const std::string& line) {
    std::string metrics;
    const bool found = ::arrears::testing::WaitUntil(
        [&] {
          auto response = http.Get("/metrics");
          metrics = response ? response->body : "";
          return metrics.find(line) != std::string::npos;
        },
        kDeadline);
    EXPECT_TRUE(found) << line << " not in:\n" << metrics;
  };
  scrape_shows("\narrears_background_work_pending 3\n");
  EXPECT_TRUE(assembly.started);
  assembly.pending = 0;
  scrape_shows("\narrears_background_work_pending 0\n");
  signal->Trigger("test");
  runner.join();
  EXPECT_OK(run_status);
  EXPECT_TRUE(assembly.stopped);
}

}  // namespace
}  // namespace arrears::service
