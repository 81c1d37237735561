// contact_dispatch_bench: how fast contact requests go through the contact
// channel service's dispatch pipeline (durable timer -> directory and
// template -> compliance check -> intent committed -> simulated provider ->
// result committed with its events), and what the compliance round trip
// costs, each against a baseline measured in the same run.
//
//   contact_dispatch_bench [--requests=20000] [--threads=8] [--customers=200]
//                          [--round_trips=5000]
//
// Phases:
//   1. round trip, in-memory   FakeComplianceGate::CheckContact, one call at a
//                              time (the baseline of 2).
//   2. round trip, gRPC        ComplianceClient::CheckContact to an in-process
//                              ComplianceService server over loopback, one call
//                              in flight: p50/p90/p99/max.
//   3. pipeline, in-memory     --requests contacts admitted (untimed, 500 per
//                              transaction) into a fresh SQLite store, then the
//                              DispatchWorker (--threads) runs them all; timed
//                              from its start until the provider has accepted
//                              every one. The gate is the in-memory fake.
//   4. pipeline, gRPC          the same with the compliance check over gRPC.
// Phases 3-4 also report the gate's latency as seen inside the pipeline.
// The SMS provider is simulated with no latency, failures or rate limit (and
// always DELIVERED), so the pipeline's own cost shows. Round trips start
// after 100 untimed calls. Every pipeline phase is verified (each
// request sent exactly once, SENT events in the history); a phase that loses
// or duplicates a contact fails the run (exit 1).
#include <algorithm>
#include <cstdio>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "common/proto_convert/proto_convert.h"
#include "common/runtime/logging.h"
#include "common/status/status_macros.h"
#include "common/store/sqlite_core_schema.h"
#include "common/store/sqlite_outbox.h"
#include "common/store/testing/temp_dir.h"
#include "common/time/clock.h"
#include "services/contact_channels/compliance_client.h"
#include "services/contact_channels/contact_channels.h"
#include "services/contact_channels/contact_test_harness.h"
#include "services/contact_channels/fake_compliance_gate.h"
#include "services/contact_channels/fake_compliance_service.h"

ABSL_FLAG(int, requests, 20000, "Contacts per pipeline phase.");
ABSL_FLAG(int, threads, 8, "Dispatch worker threads.");
ABSL_FLAG(int, customers, 200, "Customers the contacts are spread over.");
ABSL_FLAG(int, round_trips, 5000, "Calls per round-trip phase.");

namespace arrears::contact {
namespace {

// Records how long each check took.
class TimedGate final : public ComplianceGate {
 public:
  explicit TimedGate(ComplianceGate* inner) : inner_(inner) {}
  absl::StatusOr<GateDecision> CheckContact(const ContactAttemptPlan& plan) override {
    const absl::Time start = absl::Now();
    absl::StatusOr<GateDecision> decision = inner_->CheckContact(plan);
    const absl::Duration took = absl::Now() - start;
    absl::MutexLock lock(&mu_);
    samples_.push_back(took);
    return decision;
  }
  std::vector<absl::Duration> samples() const {
    absl::MutexLock lock(&mu_);
    return samples_;
  }

 private:
  ComplianceGate* const inner_;
  mutable absl::Mutex mu_;
  std::vector<absl::Duration> samples_ ABSL_GUARDED_BY(mu_);
};

struct Percentiles {
  absl::Duration p50, p90, p99, max;
};

Percentiles Summarize(std::vector<absl::Duration> samples) {
  if (samples.empty()) return {};
  std::sort(samples.begin(), samples.end());
  auto at = [&](double q) {
    return samples[std::min(samples.size() - 1, static_cast<size_t>(q * samples.size()))];
  };
  return {at(0.50), at(0.90), at(0.99), samples.back()};
}

std::string Micros(absl::Duration d) {
  return absl::StrFormat("%.0f us", absl::ToDoubleMicroseconds(d));
}

ContactAttemptPlan Plan(int i) {
  ContactAttemptPlan plan;
  plan.check_id = absl::StrCat("bench-", i, "/check-1");
  plan.attempt_id = absl::StrCat("bench-", i);
  plan.request_id = absl::StrCat("req-", i);
  plan.customer_id = absl::StrCat("cust-", i % 100);
  plan.loan_ids = {"loan-1"};
  plan.channel = common::v1::CHANNEL_SMS;
  plan.contact_point.set_contact_point_id("phone-1");
  plan.contact_point.set_type(common::v1::CONTACT_POINT_TYPE_PHONE);
  plan.contact_point.set_value("13812341234");
  plan.counterparty = common::v1::COUNTERPARTY_DEBTOR;
  plan.purpose = common::v1::CONTACT_PURPOSE_COLLECTION;
  plan.proposed_time = absl::Now();
  plan.template_id = "sms-d1-reminder";
  plan.language = "zh-CN";
  plan.message_text =
      "【示例银行】张**您好，您的贷款应还1,234.56元，还款日2026年1月5日，请按时还款。";
  plan.candidate_time_zones = {"Asia/Shanghai"};
  return plan;
}

absl::StatusOr<Percentiles> RoundTrips(ComplianceGate& gate, int calls) {
  // Untimed warm-up: the connection, the server's threads.
  for (int i = 0; i < std::min(calls, 100); ++i) {
    ContactAttemptPlan plan = Plan(i);
    plan.check_id = absl::StrCat("warm-up-", i);
    ARREARS_RETURN_IF_ERROR(gate.CheckContact(plan).status());
  }
  std::vector<absl::Duration> samples;
  samples.reserve(calls);
  for (int i = 0; i < calls; ++i) {
    const ContactAttemptPlan plan = Plan(i);
    const absl::Time start = absl::Now();
    ARREARS_ASSIGN_OR_RETURN(GateDecision decision, gate.CheckContact(plan));
    samples.push_back(absl::Now() - start);
    if (decision.verdict != GateVerdict::kAllow) return absl::InternalError("not allowed");
  }
  return Summarize(std::move(samples));
}

struct PipelineResult {
  absl::Duration elapsed;
  double per_second = 0;
  Percentiles gate;
};

// One pipeline phase on a fresh store; `gate` answers every check.
absl::StatusOr<PipelineResult> Pipeline(ComplianceGate* gate, int requests, int threads,
                                        int customers) {
  ARREARS_ASSIGN_OR_RETURN(store::TempDir dir, store::TempDir::Create());
  store::SqliteOptions sqlite;
  sqlite.path = dir.File("contact-channels.db");
  ARREARS_ASSIGN_OR_RETURN(auto db, store::SqliteDatabase::Create(sqlite));
  std::vector<store::Migration> migrations = store::CoreMigrations();
  for (store::Migration& m : ContactMigrations()) migrations.push_back(std::move(m));
  ARREARS_RETURN_IF_ERROR(db->Migrate(migrations));
  store::SqliteOutbox outbox(db.get());
  OutboxTransactionRunner runner =
      [&](absl::FunctionRef<absl::Status(store::Transaction&, store::OutboxWriter&)> body) {
        return db->InTransaction([&](store::Transaction& txn) {
          store::TransactionalOutboxWriter writer(outbox, txn);
          return body(txn, writer);
        });
      };

  ARREARS_ASSIGN_OR_RETURN(ChannelConfig config, LoadChannelConfigFile(DefaultChannelConfigPath()));
  for (ProviderConfig& provider : config.providers) {
    provider.simulated.failure_rate = 0;
    provider.simulated.min_latency = absl::ZeroDuration();
    provider.simulated.max_latency = absl::ZeroDuration();
    provider.simulated.outcome_weights = {{v1::CONTACT_OUTCOME_DELIVERED, 1}};
    provider.rate_per_second = 100'000'000;
    provider.burst = 100'000'000;
  }
  TimedGate timed(gate);
  FakeTemplateScreener screener;
  ContactChannels::Options options;
  options.data_dir = dir.path();
  options.config = std::move(config);
  options.worker.threads = threads;
  options.worker.idle_wait = absl::Milliseconds(50);
  ContactChannels::Peers peers;
  peers.db = db.get();
  peers.runner = runner;
  peers.gate = &timed;
  peers.screener = &screener;
  peers.clock = &SystemClock::Get();
  ARREARS_ASSIGN_OR_RETURN(auto channels, ContactChannels::Create(std::move(options), peers));
  ARREARS_ASSIGN_OR_RETURN(int missing, channels->SeedTemplates());
  if (missing != 0) return absl::InternalError("templates not registered");

  // Untimed: the directory and the admitted requests.
  ARREARS_RETURN_IF_ERROR(db->InTransaction([&](store::Transaction& txn) -> absl::Status {
    ARREARS_ASSIGN_OR_RETURN(SqliteContactStore store, SqliteContactStore::In(*db, txn));
    for (int c = 0; c < customers; ++c) {
      const std::string id = absl::StrCat("cust-", c);
      ARREARS_RETURN_IF_ERROR(store.PutContactData(
          id, TestContactDataEvent(id, absl::Now()).contact_data_changed().contact_data(),
          absl::Now()));
    }
    return absl::OkStatus();
  }));
  const absl::Time created = absl::Now();
  for (int first = 0; first < requests; first += 500) {
    ARREARS_RETURN_IF_ERROR(
        channels->transactions().Run([&](ContactStore& store) -> absl::StatusOr<DispatchEffects> {
          for (int i = first; i < std::min(requests, first + 500); ++i) {
            ARREARS_RETURN_IF_ERROR(
                channels->dispatcher()
                    .Admit(store, TestSmsRequest(absl::StrCat("req-", i),
                                                 absl::StrCat("cust-", i % customers), created))
                    .status());
          }
          return DispatchEffects{};
        }));
  }

  SimulatedProvider* sms = channels->provider("sms-sim");
  const absl::Time start = absl::Now();
  channels->worker().Start();
  while (sms->unique_sends() < requests) {
    if (absl::Now() - start > absl::Minutes(5)) {
      return absl::DeadlineExceededError(
          absl::StrCat("only ", sms->unique_sends(), " of ", requests, " sent in 5 minutes"));
    }
    absl::SleepFor(absl::Microseconds(500));
  }
  const absl::Duration elapsed = absl::Now() - start;
  channels->worker().Stop();

  // Verify: every request sent once, and its SENT event committed.
  if (sms->unique_sends() != requests || sms->calls() != requests) {
    return absl::DataLossError(absl::StrCat("provider accepted ", sms->unique_sends(), " in ",
                                            sms->calls(), " calls for ", requests, " requests"));
  }
  int64_t sent_events = 0;
  ARREARS_RETURN_IF_ERROR(db->InSqliteTransaction(
      store::SqliteTransactionMode::kDeferred, [&](store::SqliteTransaction& txn) -> absl::Status {
        ARREARS_ASSIGN_OR_RETURN(store::SqliteStatement count,
                                 txn.Prepare("SELECT COUNT(*) FROM contact_attempts "
                                             "WHERE state IN (4, 5)"));
        ARREARS_ASSIGN_OR_RETURN(bool row, count.Step());
        if (row) sent_events = count.ColumnInt64(0);
        return absl::OkStatus();
      }));
  if (sent_events != requests) {
    return absl::DataLossError(
        absl::StrCat(sent_events, " of ", requests, " requests recorded as sent"));
  }
  return PipelineResult{elapsed, requests / absl::ToDoubleSeconds(elapsed),
                        Summarize(timed.samples())};
}

int Run() {
  const int requests = absl::GetFlag(FLAGS_requests);
  const int threads = absl::GetFlag(FLAGS_threads);
  const int customers = std::max(1, absl::GetFlag(FLAGS_customers));
  const int round_trips = absl::GetFlag(FLAGS_round_trips);
  runtime::ConfigureLogging(
      {.service = "contact-dispatch-bench", .min_level = runtime::LogLevel::kWarning});

  FakeComplianceGate in_memory;
  FakeComplianceService service;
  absl::StatusOr<std::unique_ptr<FakeComplianceServer>> server =
      FakeComplianceServer::Start(&service);
  if (!server.ok()) {
    std::fprintf(stderr, "compliance server: %s\n", server.status().ToString().c_str());
    return 1;
  }
  ComplianceClient::Options client_options;
  client_options.address = (*server)->address();
  absl::StatusOr<std::unique_ptr<ComplianceClient>> client =
      ComplianceClient::Create(client_options);
  if (!client.ok()) return 1;

  int failures = 0;
  std::printf("%-44s %12s %10s %10s %10s %10s\n", "phase", "rate", "p50", "p90", "p99", "max");
  auto round_trip_row = [&](const char* name, ComplianceGate& gate) {
    const absl::Time start = absl::Now();
    absl::StatusOr<Percentiles> p = RoundTrips(gate, round_trips);
    const double rate = round_trips / absl::ToDoubleSeconds(absl::Now() - start);
    if (!p.ok()) {
      std::printf("%-44s FAILED: %s\n", name, p.status().ToString().c_str());
      ++failures;
      return;
    }
    std::printf("%-44s %8.0f /s %10s %10s %10s %10s\n", name, rate, Micros(p->p50).c_str(),
                Micros(p->p90).c_str(), Micros(p->p99).c_str(), Micros(p->max).c_str());
  };
  round_trip_row("1 check round trip, in-memory gate (base)", in_memory);
  round_trip_row("2 check round trip, gRPC ComplianceService", **client);

  auto pipeline_row = [&](const char* name, ComplianceGate* gate) {
    absl::StatusOr<PipelineResult> r = Pipeline(gate, requests, threads, customers);
    if (!r.ok()) {
      std::printf("%-44s FAILED: %s\n", name, r.status().ToString().c_str());
      ++failures;
      return 0.0;
    }
    std::printf("%-44s %8.0f /s %10s %10s %10s %10s   (%d contacts in %s; gate latency)\n", name,
                r->per_second, Micros(r->gate.p50).c_str(), Micros(r->gate.p90).c_str(),
                Micros(r->gate.p99).c_str(), Micros(r->gate.max).c_str(), requests,
                absl::FormatDuration(r->elapsed).c_str());
    return r->per_second;
  };
  const double base = pipeline_row("3 dispatch pipeline, in-memory gate (base)", &in_memory);
  const double grpc = pipeline_row("4 dispatch pipeline, gRPC compliance check", client->get());
  if (base > 0 && grpc > 0) {
    std::printf("gRPC compliance check: %.2fx the in-memory pipeline's throughput (%d threads)\n",
                grpc / base, threads);
  }
  (*server)->Stop();
  return failures == 0 ? 0 : 1;
}

}  // namespace
}  // namespace arrears::contact

int main(int argc, char** argv) {
  absl::SetProgramUsageMessage(
      "Dispatch throughput and compliance round-trip latency of the contact channel service.");
  absl::ParseCommandLine(argc, argv);
  return arrears::contact::Run();
}
