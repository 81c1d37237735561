// compliance_bench: the compliance service's two hot paths, each beside the
// baseline that bounds it, measured in the same run.
//
//  1. CheckContact over gRPC on loopback — the full path: history snapshot
//     from SQLite, both shipped packs evaluated, the decision appended to the
//     audit log and enqueued on the outbox in a group-committed transaction —
//     against a trivial echo implementation of the same RPC (same message
//     types, same kind of handler: gRPC's callback API, as the service's
//     CheckContact; same runtime::GrpcServer and interceptor), at equal
//     concurrency, in interleaved rounds (this machine is shared: both see
//     the same background load). QPS, p50/p99 latency and process CPU per
//     call (client, server and service together); target CheckContact >= 50%
//     of echo QPS, judged by the median of the rounds' ratios (each round's
//     ratio is printed too). Each server's CPU per call is also split by
//     thread: the service's named threads (commit queue, its answers, audit
//     indexer, checkpointer) against gRPC's, which run the client as well. A
//     third line calls the core directly (no gRPC).
//     make bench runs these rounds a second time pinned to one CPU
//     (taskset, --grpc_only): client and servers then share a CPU, and the
//     ratio compares CPU per call alone, without the cost of handing work
//     between CPUs (which a pipelined server pays more often than echo).
//  2. Audit appends/s with durable commits (synchronous=FULL, an fsync per
//     group commit), one writer and many, against raw SHA-256 throughput
//     over the same leaf bytes (the hashing every append must do).
//
//   compliance_bench [--duration=2s] [--rounds=5] [--in_flight=64] [--channels=2]
//                    [--customers=1000] [--records=20000] [--writers=16]
//                    [--audit_index_batch=8192] [--background_index=true]
//                    [--seal_before_queueing=true]
//                    [--stage_audit_records=true] [--checkpoint_pages=10000]
//                    [--echo_deferred_us=-1] [--grpc_only] [--sync_every_commit]
//
// The service database uses the service's settings (ComplianceDatabaseOptions:
// WAL, synchronous=NORMAL so that a commit survives a process crash, a
// checkpoint every 10,000 WAL pages). No relay runs (no broker): decisions
// are published from the audit log by the service's DecisionFeed, which
// this benchmark does not start, so what it measures is the write side, as
// it did when decisions went through the outbox (never drained here).
#include <sched.h>
#include <sys/resource.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "arrears/compliance/v1/compliance_service.grpc.pb.h"
#include "arrears/contact/v1/contact_events.pb.h"
#include "arrears/customer/v1/customer_events.pb.h"
#include "bench/bench_stats.h"
#include "common/proto_convert/proto_convert.h"
#include "common/runtime/grpc_server.h"
#include "common/runtime/logging.h"
#include "common/store/outbox_writer.h"
#include "common/store/sqlite_checkpointer.h"
#include "common/store/sqlite_core_schema.h"
#include "common/store/sqlite_database.h"
#include "common/store/sqlite_outbox.h"
#include "common/store/testing/temp_dir.h"
#include "common/time/clock.h"
#include "common/topics/topics.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/security/credentials.h"
#include "services/compliance_auditing/audit/audit_log.h"
#include "services/compliance_auditing/audit/master_key.h"
#include "services/compliance_auditing/audit/merkle.h"
#include "services/compliance_auditing/audit/sqlite_audit_schema.h"
#include "services/compliance_auditing/audit/sqlite_audit_store.h"
#include "services/compliance_auditing/audit/sqlite_debtor_key_store.h"
#include "services/compliance_auditing/service/commit_queue.h"
#include "services/compliance_auditing/service/compliance_app.h"
#include "services/compliance_auditing/service/compliance_core.h"

ABSL_FLAG(absl::Duration, duration, absl::Seconds(2), "Measured time per gRPC round and server.");
ABSL_FLAG(int, rounds, 5,
          "Interleaved rounds of echo and CheckContact (the ratio is their median).");
ABSL_FLAG(int, in_flight, 64, "Calls in flight (both servers).");
ABSL_FLAG(int, echo_deferred_us, -1,
          "Diagnostic: >= 0 answers echo calls from a thread of its own, a group at a time "
          "after this many microseconds (as CheckContact's commit queue answers); -1 inline.");
ABSL_FLAG(int, channels, 2, "Client channels (connections) the calls spread over.");
ABSL_FLAG(int, customers, 1000, "Customers with a profile and call history.");
ABSL_FLAG(int, records, 20000, "Audit records appended per durable-append phase.");
ABSL_FLAG(int, writers, 16, "Concurrent appenders in the group-commit phase.");
ABSL_FLAG(bool, seal_before_queueing, true,
          "Encrypt a decision's personal data before queueing it for the commit thread "
          "(false: on the commit thread, as before).");
ABSL_FLAG(bool, stage_audit_records, true,
          "Write a commit group's decision records with one audit append (false: one append "
          "per decision, as before).");
ABSL_FLAG(int, checkpoint_pages,
          arrears::compliance::service::ComplianceDatabaseOptions().checkpoint_pages,
          "WAL pages that start a (background) checkpoint of the service database (the "
          "service's setting by default).");
ABSL_FLAG(bool, sync_every_commit, false,
          "The service's --sync_every_commit: fsync the service database at every (group) "
          "commit (synchronous=FULL) instead of only at checkpoints.");
ABSL_FLAG(bool, grpc_only, false,
          "Only the CheckContact-vs-echo rounds (no core-only line, no audit phase): for a "
          "second run on fewer CPUs (make bench runs one pinned to a single CPU).");
ABSL_FLAG(int, core_only_decisions, 0,
          "Profiling aid: make this many decisions through the core (no gRPC, no audit "
          "phase) after loading the history, print their CPU, and stop.");
ABSL_FLAG(uint64_t, audit_index_batch,
          arrears::compliance::audit::SqliteAuditStoreOptions().index_batch,
          "Entries per write of the audit log's customer and loan index rows (1 = with every "
          "append, as before batching).");
ABSL_FLAG(bool, background_index, true,
          "Write the audit log's index batches on the store's thread, in short transactions "
          "(SqliteAuditStoreOptions::index_in_background), rather than in the appending "
          "(group) commit that completes a batch.");

namespace arrears::compliance {
namespace {

template <typename T>
T OrDie(absl::StatusOr<T> value) {
  if (!value.ok()) {
    std::fprintf(stderr, "fatal: %s\n", value.status().ToString().c_str());
    std::exit(1);
  }
  return *std::move(value);
}

void OrDie(const absl::Status& status) {
  if (!status.ok()) {
    std::fprintf(stderr, "fatal: %s\n", status.ToString().c_str());
    std::exit(1);
  }
}

absl::Time Shanghai(int day, int hour, int minute = 0) {
  absl::TimeZone zone;
  absl::LoadTimeZone("Asia/Shanghai", &zone);
  return absl::FromCivil(absl::CivilSecond(2025, 6, day, hour, minute, 0), zone);
}

std::string CustomerId(int i) { return absl::StrCat("bench-cust-", i); }

// --- 1. CheckContact vs echo over gRPC ---

// The baseline: the same RPC, through the same kind of handler (gRPC's
// callback API, as the service's CheckContact), answered without doing
// anything.
class EchoComplianceService final : public v1::ComplianceService::WithCallbackMethod_CheckContact<
                                        v1::ComplianceService::Service> {
 public:
  grpc::ServerUnaryReactor* CheckContact(grpc::CallbackServerContext* context,
                                         const v1::CheckContactRequest* request,
                                         v1::ContactDecision* response) override {
    response->set_check_id(request->check_id());
    response->set_verdict(v1::VERDICT_ALLOW);
    grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
    if (deferred_us_ < 0) {
      reactor->Finish(grpc::Status::OK);
    } else {
      absl::MutexLock lock(&mu_);
      pending_.push_back(reactor);
    }
    return reactor;
  }

  explicit EchoComplianceService(int deferred_us) : deferred_us_(deferred_us) {
    if (deferred_us_ >= 0) thread_ = std::thread([this] { Answer(); });
  }
  ~EchoComplianceService() override {
    if (!thread_.joinable()) return;
    {
      absl::MutexLock lock(&mu_);
      stop_ = true;
    }
    thread_.join();
  }

 private:
  // Diagnostic: answers from a thread of its own, a group at a time, the
  // way CheckContact's commit queue does.
  void Answer() {
    std::vector<grpc::ServerUnaryReactor*> group;
    while (true) {
      {
        absl::MutexLock lock(&mu_);
        auto ready = [this]()
                         ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return stop_ || !pending_.empty(); };
        mu_.Await(absl::Condition(&ready));
        if (stop_ && pending_.empty()) return;
        group.swap(pending_);
      }
      if (deferred_us_ > 0) absl::SleepFor(absl::Microseconds(deferred_us_));
      for (grpc::ServerUnaryReactor* reactor : group) reactor->Finish(grpc::Status::OK);
      group.clear();
    }
  }

  const int deferred_us_;
  absl::Mutex mu_;
  std::vector<grpc::ServerUnaryReactor*> pending_ ABSL_GUARDED_BY(mu_);
  bool stop_ ABSL_GUARDED_BY(mu_) = false;
  std::thread thread_;
};

// The compliance app on a temp directory, with a history worth reading: each
// customer lives in China (lender licence: CN too, so both packs run for US
// residents) and had two calls on the day checked.
struct ServiceStack {
  explicit ServiceStack(store::TempDir temp) : dir(std::move(temp)) {}
  store::TempDir dir;
  std::unique_ptr<store::SqliteDatabase> db;
  std::unique_ptr<store::SqliteOutbox> outbox;
  std::unique_ptr<service::ComplianceApp> app;
};

std::unique_ptr<ServiceStack> OpenService(int customers) {
  auto stack = std::make_unique<ServiceStack>(OrDie(store::TempDir::Create()));
  store::SqliteOptions options = service::ComplianceDatabaseOptions(
      absl::GetFlag(FLAGS_sync_every_commit) ? store::SqliteSynchronous::kFull
                                             : store::SqliteSynchronous::kNormal);
  options.path = stack->dir.File("compliance-auditing.db");
  options.checkpoint_pages = absl::GetFlag(FLAGS_checkpoint_pages);
  stack->db = OrDie(store::SqliteDatabase::Create(options));
  std::vector<store::Migration> migrations = store::CoreMigrations();
  for (store::Migration& m : service::ComplianceMigrations()) migrations.push_back(std::move(m));
  OrDie(stack->db->Migrate(migrations));
  stack->outbox = std::make_unique<store::SqliteOutbox>(stack->db.get());
  store::SqliteDatabase* db = stack->db.get();
  store::SqliteOutbox* outbox = stack->outbox.get();
  service::TransactionRunnerWithOutbox run =
      [db,
       outbox](absl::FunctionRef<absl::Status(store::Transaction&, store::OutboxWriter&)> body) {
        return db->InTransaction([&](store::Transaction& txn) {
          store::TransactionalOutboxWriter writer(*outbox, txn);
          return body(txn, writer);
        });
      };
  service::ComplianceAppOptions app;
  app.pack_paths = {absl::StrCat(POLICY_PACKS_DIR, "/cn-default.yaml"),
                    absl::StrCat(POLICY_PACKS_DIR, "/us-regf-default.yaml")};
  app.screening_rules_path = absl::StrCat(POLICY_PACKS_DIR, "/screening-rules.yaml");
  app.history.lender_jurisdictions = {"CN"};
  app.audit.key_database_path = stack->dir.File("keys.db");
  app.audit.master_key_path = stack->dir.File("master.key");
  app.audit.signing_key_path = stack->dir.File("signing.pem");
  app.audit.index_batch = absl::GetFlag(FLAGS_audit_index_batch);
  app.audit.index_in_background = absl::GetFlag(FLAGS_background_index);
  app.core.seal_before_queueing = absl::GetFlag(FLAGS_seal_before_queueing);
  app.core.stage_audit_records = absl::GetFlag(FLAGS_stage_audit_records);
  stack->app = OrDie(service::ComplianceApp::Create(stack->db.get(), run, &SystemClock::Get(), app,
                                                    /*metrics=*/nullptr));
  // The history, through the applier as the consumer would feed it.
  for (int i = 0; i < customers; ++i) {
    const std::string customer = CustomerId(i);
    customer::v1::CustomerEvent profile;
    profile.set_customer_id(customer);
    customer::v1::ContactData& data =
        *profile.mutable_contact_data_changed()->mutable_contact_data();
    data.set_residence_jurisdiction(i % 4 == 0 ? "US" : "CN");
    data.set_time_zone("Asia/Shanghai");
    data.mutable_name()->set_full_name("王小明");
    std::vector<events::InboundEvent> inbound(3);
    inbound[0].event.topic = topics::Spec(topics::v1::TOPIC_CUSTOMER_EVENTS).name();
    inbound[0].event.payload = profile.SerializeAsString();
    for (int call = 0; call < 2; ++call) {
      contact::v1::ContactEvent event;
      event.set_attempt_id(absl::StrCat(customer, "-att-", call));
      event.set_customer_id(customer);
      event.add_loan_ids(absl::StrCat(customer, "-loan"));
      event.set_channel(common::v1::CHANNEL_VOICE_CALL);
      event.mutable_contact_point()->set_contact_point_id("phone-1");
      event.set_outcome(contact::v1::CONTACT_OUTCOME_ANSWERED);
      event.set_counterparty(common::v1::COUNTERPARTY_DEBTOR);
      event.set_connected(true);
      *event.mutable_occurred_at() = ToTimestamp(Shanghai(16, 9, call));
      inbound[call + 1].event.topic = topics::Spec(topics::v1::TOPIC_CONTACT_EVENTS).name();
      inbound[call + 1].event.payload = event.SerializeAsString();
    }
    for (size_t e = 0; e < inbound.size(); ++e) {
      inbound[e].event.key = customer;
      inbound[e].event.envelope.id = absl::StrCat(customer, "-ev-", e);
    }
    OrDie(run([&](store::Transaction& txn, store::OutboxWriter& writer) -> absl::Status {
      for (const events::InboundEvent& event : inbound) {
        absl::Status status = stack->app->applier().Apply(event, txn, writer);
        if (!status.ok()) return status;
      }
      return absl::OkStatus();
    }));
  }
  return stack;
}

v1::CheckContactRequest MakeCheck(int customers, uint64_t n) {
  v1::CheckContactRequest request;
  const std::string customer = CustomerId(static_cast<int>(n % customers));
  // Ordered like the contact service's check ids (time-ordered attempt ids,
  // ids::DeriveTimeOrderedId): unpadded numbers would sort "10" before "2" and
  // scatter the request records' inserts over their B-tree.
  request.set_check_id(absl::StrFormat("bench-check-%012d", n));
  request.set_customer_id(customer);
  request.add_debt_ids(absl::StrCat(customer, "-loan"));
  request.set_channel(common::v1::CHANNEL_VOICE_CALL);
  request.mutable_contact_point()->set_contact_point_id("phone-1");
  request.mutable_contact_point()->set_value("+8613812345678");
  request.set_counterparty(common::v1::COUNTERPARTY_DEBTOR);
  request.set_purpose(common::v1::CONTACT_PURPOSE_COLLECTION);
  request.set_call_recording_on(true);
  *request.mutable_proposed_time() = ToTimestamp(Shanghai(16, 10));
  request.set_actor("bench");
  return request;
}

// CPU time (user + system) of the whole process so far.
absl::Duration ProcessCpu() {
  struct rusage usage;
  getrusage(RUSAGE_SELF, &usage);
  return absl::DurationFromTimeval(usage.ru_utime) + absl::DurationFromTimeval(usage.ru_stime);
}

// The service's named threads (runtime::NameCurrentThread) whose CPU the
// gRPC rounds report one by one; every other thread (gRPC's, which run the
// client and both servers, and this driver's) is one more role.
constexpr const char* kServiceThreads[] = {
    service::CommitQueue::kCommitThreadName, service::CommitQueue::kAnswerThreadName,
    audit::SqliteAuditStore::kIndexerThreadName, store::SqliteCheckpointer::kThreadName};
constexpr char kOtherThreads[] = "gRPC, client, rest";

// CPU used so far by each role's threads: the kernel's run time of each live
// thread (/proc/self/task/*/schedstat, nanoseconds). A thread that ends
// between two calls takes its time with it (none of the roles above does
// while the service runs).
std::map<std::string, absl::Duration> CpuByThreadRole() {
  std::map<std::string, absl::Duration> cpu;
  std::error_code error;
  for (const auto& task : std::filesystem::directory_iterator("/proc/self/task", error)) {
    std::string name;
    int64_t run_ns = 0;
    std::ifstream comm(task.path() / "comm");
    std::ifstream schedstat(task.path() / "schedstat");
    if (!std::getline(comm, name) || !(schedstat >> run_ns)) continue;
    const bool named = std::find(std::begin(kServiceThreads), std::end(kServiceThreads), name) !=
                       std::end(kServiceThreads);
    cpu[named ? name : kOtherThreads] += absl::Nanoseconds(run_ns);
  }
  return cpu;
}

struct LoadResult {
  double qps = 0;
  // Process CPU (client, server and service) per measured call.
  absl::Duration cpu_per_call;
  absl::Duration p50;
  absl::Duration p99;
  int64_t calls = 0;
  int64_t errors = 0;
  absl::Duration elapsed;
  absl::Duration cpu;
  // The measured window's CPU by thread role (CpuByThreadRole).
  std::map<std::string, absl::Duration> cpu_by_role;
  std::vector<int64_t> latencies_ns;
  std::map<int, int64_t> verdicts;
};

// Keeps `in_flight` CheckContact calls outstanding (callback client API) for
// `duration` after a short warm-up; records each call's latency.
LoadResult RunLoad(const std::string& address, int in_flight, int channel_count,
                   absl::Duration duration, int customers) {
  std::vector<std::unique_ptr<v1::ComplianceService::Stub>> stubs;
  for (int i = 0; i < channel_count; ++i) {
    grpc::ChannelArguments args;
    args.SetInt("grpc.channel_id", i);  // distinct connections
    stubs.push_back(v1::ComplianceService::NewStub(
        grpc::CreateCustomChannel(address, grpc::InsecureChannelCredentials(), args)));
  }
  struct Slot {
    grpc::ClientContext* context = nullptr;
    v1::CheckContactRequest request;
    v1::ContactDecision response;
    absl::Time started;
  };
  std::vector<Slot> slots(in_flight);
  // Check ids stay unique across rounds: a repeated one would be answered
  // from the stored decision (idempotency), not decided again.
  static std::atomic<uint64_t> next{0};
  absl::Mutex mu;
  std::vector<int64_t> latencies_ns;
  latencies_ns.reserve(1 << 20);
  int64_t errors = 0;
  std::map<int, int64_t> verdicts;
  int active = 0;
  bool measuring = false;
  bool stop = false;
  absl::Time measure_start;

  std::function<void(int)> launch = [&](int slot_index) {
    Slot& slot = slots[slot_index];
    delete slot.context;
    slot.context = new grpc::ClientContext();
    slot.request = MakeCheck(customers, next.fetch_add(1));
    slot.started = absl::Now();
    stubs[slot_index % stubs.size()]->async()->CheckContact(
        slot.context, &slot.request, &slot.response, [&, slot_index](grpc::Status status) {
          Slot& done = slots[slot_index];
          const absl::Time now = absl::Now();
          bool again = false;
          {
            absl::MutexLock lock(&mu);
            if (measuring && done.started >= measure_start) {
              if (status.ok()) {
                latencies_ns.push_back(absl::ToInt64Nanoseconds(now - done.started));
                ++verdicts[done.response.verdict()];
              } else {
                ++errors;
              }
            }
            again = !stop;
            if (!again) --active;
          }
          if (again) launch(slot_index);
        });
  };
  {
    absl::MutexLock lock(&mu);
    active = in_flight;
  }
  for (int i = 0; i < in_flight; ++i) launch(i);
  absl::SleepFor(std::min(duration / 3, absl::Seconds(1)));  // warm-up
  {
    absl::MutexLock lock(&mu);
    measuring = true;
    measure_start = absl::Now();
  }
  const absl::Duration cpu_start = ProcessCpu();
  const std::map<std::string, absl::Duration> roles_start = CpuByThreadRole();
  absl::SleepFor(duration);
  const absl::Duration cpu_used = ProcessCpu() - cpu_start;
  LoadResult result;
  for (const auto& [role, cpu] : CpuByThreadRole()) {
    const auto before = roles_start.find(role);
    result.cpu_by_role[role] =
        cpu - (before == roles_start.end() ? absl::ZeroDuration() : before->second);
  }
  {
    absl::MutexLock lock(&mu);
    measuring = false;
    stop = true;
    const absl::Duration elapsed = absl::Now() - measure_start;
    result.elapsed = elapsed;
    result.cpu = cpu_used;
    result.calls = static_cast<int64_t>(latencies_ns.size());
    result.errors = errors;
    result.verdicts = verdicts;
    auto zero = [&]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu) { return active == 0; };
    mu.Await(absl::Condition(&zero));
  }
  for (Slot& slot : slots) delete slot.context;
  result.latencies_ns = std::move(latencies_ns);
  return result;
}

// The rounds of one kind as one measurement.
LoadResult Pool(const std::vector<LoadResult>& rounds) {
  LoadResult pooled;
  for (const LoadResult& round : rounds) {
    pooled.calls += round.calls;
    pooled.errors += round.errors;
    pooled.elapsed += round.elapsed;
    pooled.cpu += round.cpu;
    for (const auto& [role, cpu] : round.cpu_by_role) pooled.cpu_by_role[role] += cpu;
    for (const auto& [verdict, count] : round.verdicts) pooled.verdicts[verdict] += count;
    pooled.latencies_ns.insert(pooled.latencies_ns.end(), round.latencies_ns.begin(),
                               round.latencies_ns.end());
  }
  if (pooled.elapsed > absl::ZeroDuration()) {
    pooled.qps = pooled.calls / absl::ToDoubleSeconds(pooled.elapsed);
  }
  if (pooled.calls > 0) pooled.cpu_per_call = pooled.cpu / pooled.calls;
  std::sort(pooled.latencies_ns.begin(), pooled.latencies_ns.end());
  if (!pooled.latencies_ns.empty()) {
    pooled.p50 = absl::Nanoseconds(pooled.latencies_ns[pooled.latencies_ns.size() / 2]);
    pooled.p99 = absl::Nanoseconds(pooled.latencies_ns[pooled.latencies_ns.size() * 99 / 100]);
  }
  return pooled;
}

std::unique_ptr<runtime::GrpcServer> Serve(grpc::Service* service) {
  auto server = OrDie(runtime::GrpcServer::Create(
      {.address = "127.0.0.1:0",
       .services = {{service, std::string(v1::ComplianceService::service_full_name())}}}));
  server->SetServing(true);
  return server;
}

// Where each server's CPU per call goes, by thread role: the service's own
// threads against gRPC's (which also run the client).
void PrintCpuByRole(const LoadResult& echo, const LoadResult& check) {
  auto per_call = [](const LoadResult& result, const std::string& role) {
    const auto found = result.cpu_by_role.find(role);
    if (found == result.cpu_by_role.end() || result.calls == 0) return 0.0;
    return absl::ToDoubleMicroseconds(found->second) / static_cast<double>(result.calls);
  };
  std::printf("   CPU us per call by thread     %9s %12s\n", "echo", "CheckContact");
  std::vector<std::string> roles = {kOtherThreads};
  roles.insert(roles.end(), std::begin(kServiceThreads), std::end(kServiceThreads));
  double echo_sum = 0;
  double check_sum = 0;
  for (const std::string& role : roles) {
    echo_sum += per_call(echo, role);
    check_sum += per_call(check, role);
    std::printf("     %-26s %9.1f %12.1f\n", role.c_str(), per_call(echo, role),
                per_call(check, role));
  }
  std::printf("     %-26s %9.1f %12.1f\n", "all threads", echo_sum, check_sum);
}

void PrintLoad(const char* name, const LoadResult& result) {
  std::printf("%-28s %9.0f %9.0f %9.0f %9.0f %9lld %6lld\n", name, result.qps,
              absl::ToDoubleMicroseconds(result.p50), absl::ToDoubleMicroseconds(result.p99),
              absl::ToDoubleMicroseconds(result.cpu_per_call), static_cast<long long>(result.calls),
              static_cast<long long>(result.errors));
}

// Decisions through ComplianceCore directly (no gRPC) from `threads`
// threads, for `duration` or, when `decisions` > 0, until that many are made.
void RunCore(ServiceStack& stack, int customers, int threads, absl::Duration duration,
             int64_t decisions) {
  std::atomic<uint64_t> n{1'000'000'000};
  std::atomic<bool> stop{false};
  std::atomic<int64_t> started{0};
  std::atomic<int64_t> done{0};
  std::vector<std::thread> workers;
  const service::CommitQueue& queue = stack.app->core().commit_queue();
  const int64_t groups0 = queue.groups();
  const int64_t units0 = queue.units();
  const absl::Duration commit_cpu0 = queue.cpu();
  const absl::Time start = absl::Now();
  const absl::Duration cpu_start = ProcessCpu();
  for (int t = 0; t < threads; ++t) {
    workers.emplace_back([&] {
      while (!stop.load() && (decisions == 0 || started.fetch_add(1) < decisions)) {
        OrDie(stack.app->core().CheckContact(MakeCheck(customers, n.fetch_add(1))).status());
        done.fetch_add(1);
      }
    });
  }
  if (decisions == 0) {
    absl::SleepFor(duration);
    stop = true;
  }
  for (std::thread& worker : workers) worker.join();
  const int64_t made = done.load();
  std::printf("   (%.1f decisions per group commit; commit thread %.1f CPU us per decision)\n",
              double(queue.units() - units0) / std::max<int64_t>(1, queue.groups() - groups0),
              absl::ToDoubleMicroseconds(queue.cpu() - commit_cpu0) /
                  static_cast<double>(std::max<int64_t>(1, queue.units() - units0)));
  std::printf("%-28s %9.0f %19s %9.0f   (%d threads calling ComplianceCore)\n",
              "CheckContact, no gRPC", made / absl::ToDoubleSeconds(absl::Now() - start), "",
              absl::ToDoubleMicroseconds((ProcessCpu() - cpu_start) / std::max<int64_t>(1, made)),
              threads);
  // A WAL that checkpoints cannot restart only grows, and appending to new
  // blocks costs the file system more than rewriting old ones.
  std::error_code error;
  const uintmax_t wal_bytes =
      std::filesystem::file_size(stack.dir.File("compliance-auditing.db-wal"), error);
  std::printf("   (service database WAL file: %.1f MB)\n", error ? 0.0 : wal_bytes / 1e6);
}

bool RunGrpcPhase() {
  const int in_flight = absl::GetFlag(FLAGS_in_flight);
  const int channels = absl::GetFlag(FLAGS_channels);
  const absl::Duration duration = absl::GetFlag(FLAGS_duration);
  const int customers = absl::GetFlag(FLAGS_customers);
  std::printf(
      "== CheckContact over gRPC on loopback (callback handlers, %d in flight, %d channels, "
      "%d customers, audit index batch %llu%s)\n",
      in_flight, channels, customers,
      static_cast<unsigned long long>(absl::GetFlag(FLAGS_audit_index_batch)),
      absl::GetFlag(FLAGS_background_index) ? ", indexed in the background" : "");
  const absl::Time setup_start = absl::Now();
  std::unique_ptr<ServiceStack> stack = OpenService(customers);
  std::printf("   (history of %d customers loaded in %.1f s)\n", customers,
              absl::ToDoubleSeconds(absl::Now() - setup_start));

  EchoComplianceService echo(absl::GetFlag(FLAGS_echo_deferred_us));
  std::unique_ptr<runtime::GrpcServer> echo_server = Serve(&echo);
  std::unique_ptr<runtime::GrpcServer> service_server = Serve(&stack->app->grpc_service());
  std::printf("%-28s %9s %9s %9s %9s %9s %6s\n", "server", "QPS", "p50 us", "p99 us", "CPU us",
              "calls", "errors");
  // Interleaved rounds (echo, then CheckContact), so that both servers see
  // the same background load (this machine is shared). Each round pair gives
  // a ratio; the headline is their median, beside every round, because one
  // noisy round (another process compiling) moves a pooled figure.
  const int rounds = absl::GetFlag(FLAGS_rounds);
  std::vector<LoadResult> echo_rounds, check_rounds;
  std::vector<double> ratios;
  const service::CommitQueue& queue = stack->app->core().commit_queue();
  const int64_t groups_before = queue.groups();
  const int64_t units_before = queue.units();
  for (int round = 0; round < rounds; ++round) {
    echo_rounds.push_back(RunLoad(absl::StrCat("127.0.0.1:", echo_server->port()), in_flight,
                                  channels, duration, customers));
    const absl::Duration busy_before = queue.busy();
    const absl::Duration commit_cpu_before = queue.cpu();
    const int64_t units_in_round_before = queue.units();
    check_rounds.push_back(RunLoad(absl::StrCat("127.0.0.1:", service_server->port()), in_flight,
                                   channels, duration, customers));
    const LoadResult& echo_round = echo_rounds.back();
    const LoadResult& check_round = check_rounds.back();
    // busy() covers the warm-up too: relative to the round's whole span.
    const double busy =
        absl::ToDoubleSeconds(queue.busy() - busy_before) /
        absl::ToDoubleSeconds(check_round.elapsed + std::min(duration / 3, absl::Seconds(1)));
    const double echo_qps = echo_round.calls / absl::ToDoubleSeconds(echo_round.elapsed);
    const double check_qps = check_round.calls / absl::ToDoubleSeconds(check_round.elapsed);
    ratios.push_back(echo_qps > 0 ? check_qps / echo_qps : 0);
    const double commit_cpu_us =
        absl::ToDoubleMicroseconds(queue.cpu() - commit_cpu_before) /
        static_cast<double>(std::max<int64_t>(1, queue.units() - units_in_round_before));
    std::printf(
        "   round %d: echo %.0f QPS, CheckContact %.0f QPS, ratio %.0f%% (commit thread busy "
        "%.0f%%, %.1f CPU us per decision)\n",
        round + 1, echo_qps, check_qps, ratios.back() * 100, busy * 100, commit_cpu_us);
  }
  const LoadResult echo_result = Pool(echo_rounds);
  const LoadResult check_result = Pool(check_rounds);
  PrintLoad("echo (same RPC, no work)", echo_result);
  PrintLoad("CheckContact (full path)", check_result);
  PrintCpuByRole(echo_result, check_result);
  std::printf(
      "   (%.1f decisions per group commit)\n",
      double(queue.units() - units_before) / std::max<int64_t>(1, queue.groups() - groups_before));
  // The same work without gRPC: what the service itself can do.
  if (!absl::GetFlag(FLAGS_grpc_only)) {
    RunCore(*stack, customers, std::min(in_flight, 16), duration, /*decisions=*/0);
  }
  const double pooled_ratio = echo_result.qps > 0 ? check_result.qps / echo_result.qps : 0;
  std::printf(
      "CheckContact / echo QPS: median of %d rounds %.0f%% (pooled %.0f%%; target >= 50%%)\n",
      rounds, bench::Median(ratios) * 100, pooled_ratio * 100);
  std::printf("verdicts:");
  for (const auto& [verdict, count] : check_result.verdicts) {
    std::printf(" %s=%lld", v1::Verdict_Name(static_cast<v1::Verdict>(verdict)).c_str(),
                static_cast<long long>(count));
  }
  const v1::VerifyLogResponse verify = OrDie(stack->app->core().VerifyLog(v1::VerifyLogRequest()));
  std::printf("\naudit log after the run: %llu entries, VerifyLog %s\n",
              static_cast<unsigned long long>(verify.entries_verified()),
              verify.ok() ? "ok" : verify.problem().c_str());
  service_server->Shutdown(absl::Seconds(2));
  echo_server->Shutdown(absl::Seconds(2));
  return verify.ok() && check_result.errors == 0 && echo_result.errors == 0 &&
         check_result.calls > 0;
}

void RunCoreOnly(int64_t decisions) {
  const int customers = absl::GetFlag(FLAGS_customers);
  std::unique_ptr<ServiceStack> stack = OpenService(customers);
  RunCore(*stack, customers, std::min(absl::GetFlag(FLAGS_in_flight), 16), absl::ZeroDuration(),
          decisions);
}

// --- 2. Durable audit appends vs raw SHA-256 ---

struct AuditStack {
  explicit AuditStack(store::TempDir temp) : dir(std::move(temp)) {}
  store::TempDir dir;
  std::unique_ptr<store::SqliteDatabase> db;
  std::unique_ptr<audit::SqliteAuditStore> store;
  std::unique_ptr<audit::SqliteDebtorKeyStore> key_store;
  std::unique_ptr<audit::DebtorKeys> keys;
  std::unique_ptr<audit::CheckpointSigner> signer;
  std::unique_ptr<audit::AuditLog> log;
};

std::unique_ptr<AuditStack> OpenAudit() {
  auto stack = std::make_unique<AuditStack>(OrDie(store::TempDir::Create()));
  store::SqliteOptions options;
  options.path = stack->dir.File("audit.db");
  options.synchronous = store::SqliteSynchronous::kFull;
  stack->db = OrDie(audit::OpenAuditDatabase(options));
  stack->store = OrDie(audit::SqliteAuditStore::Create(
      stack->db.get(), {.index_batch = absl::GetFlag(FLAGS_audit_index_batch),
                        .index_in_background = absl::GetFlag(FLAGS_background_index)}));
  stack->key_store = OrDie(audit::SqliteDebtorKeyStore::Create(stack->db.get()));
  stack->keys = OrDie(audit::DebtorKeys::Create(
      stack->key_store.get(), OrDie(audit::MasterKey::Generate()), &SystemClock::Get()));
  stack->signer = OrDie(audit::CheckpointSigner::Create(
      "bench", OrDie(audit::Ed25519PrivateKey::Generate()), &SystemClock::Get()));
  stack->log = OrDie(audit::AuditLog::Create(stack->store.get(), stack->keys.get(),
                                             stack->signer.get(), &SystemClock::Get()));
  return stack;
}

// A decision-sized record (about 400 bytes serialized); every fourth one
// carries personal data (encrypted).
audit::AuditAppend MakeRecord(int i) {
  audit::AuditAppend append;
  append.record.set_kind(v1::AUDIT_RECORD_KIND_DECISION);
  append.record.set_customer_id(absl::StrCat("customer-", i % 5000));
  append.record.add_loan_ids(absl::StrCat("loan-", i % 7000));
  append.record.set_source_id(absl::StrCat("decision-", i));
  append.record.set_payload_type("arrears.compliance.v1.ComplianceDecisionEvent");
  append.record.set_payload(std::string(320, 'p'));
  if (i % 4 == 0) append.personal_payload = std::string(80, 'n');
  return append;
}

void PrintRate(const char* what, int64_t count, absl::Duration elapsed, const char* unit) {
  std::printf("%-48s %10.0f %s/s\n", what, count / absl::ToDoubleSeconds(elapsed), unit);
}

bool RunAuditPhase() {
  const int records = absl::GetFlag(FLAGS_records);
  const int writers = absl::GetFlag(FLAGS_writers);
  std::printf("\n== Audit appends with durable commits (synchronous=FULL) vs raw SHA-256\n");
  std::vector<audit::AuditAppend> prepared;
  for (int i = 0; i < records; ++i) prepared.push_back(MakeRecord(i));
  std::vector<std::string> leaves;
  for (const audit::AuditAppend& append : prepared) {
    leaves.push_back(append.record.SerializeAsString());
  }

  // Baseline: what the hashing alone costs — a leaf hash per record plus,
  // on average, one interior node hash (a tree of n leaves has n-1).
  absl::Time start = absl::Now();
  audit::Sha256Hash sink;
  int64_t bytes = 0;
  for (const std::string& leaf : leaves) {
    sink = audit::HashLeaf(leaf);
    sink = audit::HashChildren(sink, sink);
    bytes += static_cast<int64_t>(leaf.size());
  }
  const absl::Duration hash_elapsed = absl::Now() - start;
  PrintRate("raw SHA-256: leaf + node hash per record", records, hash_elapsed, "records");
  std::printf("%-48s %10.0f MB/s (checksum %02x)\n", "raw SHA-256 over the leaf bytes",
              bytes / absl::ToDoubleSeconds(hash_elapsed) / 1e6, sink.bytes[0]);

  const int single = std::min(records, 2000);
  {
    std::unique_ptr<AuditStack> stack = OpenAudit();
    start = absl::Now();
    for (int i = 0; i < single; ++i) OrDie(stack->log->Append(prepared[i]).status());
    PrintRate("Append, 1 writer (an fsync per append)", single, absl::Now() - start, "appends");
  }
  bool ok = true;
  {
    std::unique_ptr<AuditStack> stack = OpenAudit();
    start = absl::Now();
    std::vector<std::thread> threads;
    for (int t = 0; t < writers; ++t) {
      threads.emplace_back([&, t] {
        for (int i = t; i < records; i += writers) OrDie(stack->log->Append(prepared[i]).status());
      });
    }
    for (std::thread& thread : threads) thread.join();
    const absl::Duration elapsed = absl::Now() - start;
    PrintRate(absl::StrCat("Append, ", writers, " writers (group commit, fsync per group)").c_str(),
              records, elapsed, "appends");
    std::printf("%-48s %10.1f%% of raw SHA-256 record rate\n", "durable appends vs hashing",
                100.0 * (records / absl::ToDoubleSeconds(elapsed)) /
                    (records / absl::ToDoubleSeconds(hash_elapsed)));
    start = absl::Now();
    const audit::VerifyReport report = OrDie(stack->log->Verify());
    PrintRate(report.ok ? "Verify (re-hash everything): ok" : "Verify: FAILED",
              static_cast<int64_t>(report.entries_verified), absl::Now() - start, "entries");
    ok = report.ok && report.entries_verified == static_cast<uint64_t>(records);
  }
  return ok;
}

}  // namespace
}  // namespace arrears::compliance

int main(int argc, char** argv) {
  absl::SetProgramUsageMessage(
      "CheckContact over gRPC vs an echo server, and durable audit appends vs raw SHA-256.");
  absl::ParseCommandLine(argc, argv);
  // Debian's Abseil is built with Mutex deadlock detection on (a lock-order
  // graph updated on every lock); the service binary turns it off too.
  absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);
  // Call logs would measure the terminal; errors still show.
  arrears::runtime::ConfigureLogging(
      {.service = "compliance-bench", .min_level = arrears::runtime::LogLevel::kWarning});
  // Client, both servers and the service share the CPUs this process may
  // use (taskset): on one, the ratio compares CPU per call alone; on two,
  // it also pays for the threads' hand-offs between CPUs.
  cpu_set_t allowed;
  CPU_ZERO(&allowed);
  const int usable = sched_getaffinity(0, sizeof allowed, &allowed) == 0 ? CPU_COUNT(&allowed) : 0;
  std::printf("machine: %u hardware threads, %d of them usable by this run\n",
              std::thread::hardware_concurrency(), usable);
  if (const int decisions = absl::GetFlag(FLAGS_core_only_decisions); decisions > 0) {
    arrears::compliance::RunCoreOnly(decisions);
    return 0;
  }
  const bool grpc_ok = arrears::compliance::RunGrpcPhase();
  const bool audit_ok = absl::GetFlag(FLAGS_grpc_only) || arrears::compliance::RunAuditPhase();
  if (!grpc_ok || !audit_ok) {
    std::printf("FAILED: %s\n", !grpc_ok ? "gRPC phase" : "audit phase");
    return 1;
  }
  return 0;
}
