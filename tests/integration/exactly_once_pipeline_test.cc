// Cross-process proof of the platform's exactly-once path:
//   devbroker process ← arrears-loadgen processes (10,000 loan events incl. one
//   poison record, published in two parts) → two integration-ledger processes
//   in one consumer group sharing one SQLite store; the one whose outbox relay
//   holds the lease is SIGKILLed between the parts (mid-stream, whatever the
//   machine's speed) and restarted.
// At the end every valid event was applied exactly once (counted in SQLite),
// each follow-up event is on its topic under exactly one id, and the poison
// record is in the DLQ with its reason.
#include <signal.h>
#include <sqlite3.h>

#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <set>
#include <sstream>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/kafka/config.h"
#include "common/kafka/testing/mock_cluster.h"
#include "common/status/status_matchers.h"
#include "common/store/outbox_relay.h"
#include "common/store/testing/temp_dir.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/integration/loan_ledger.h"
#include "tests/support/sqlite_query.h"
#include "tests/support/subprocess.h"
#include "tools/loadgen/loan_event_stream.h"

namespace arrears::integration {
namespace {

using ::arrears::testing::QuerySqliteInt;
using ::arrears::testing::Subprocess;
using ::arrears::testing::WaitUntil;
using ::testing::HasSubstr;

constexpr int64_t kEvents = 10'000;
// Published before the kill; the rest of the stream after it.
constexpr int64_t kFirstPart = 5'000;
constexpr int64_t kPoison = 1;
constexpr int64_t kLoans = 500;
constexpr uint64_t kSeed = 42;

// The owner_id of the outbox relay holding the lease in the store at
// `db_path` ("<hostname>/<pid>/<random>", outbox_relay.h), or "" if none.
std::string OutboxLeaseOwner(const std::string& db_path) {
  sqlite3* db = nullptr;
  std::string owner;
  if (sqlite3_open_v2(db_path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) == SQLITE_OK) {
    sqlite3_busy_timeout(db, 5000);
    sqlite3_stmt* stmt = nullptr;
    if (sqlite3_prepare_v2(db, "SELECT owner FROM outbox_lease", -1, &stmt, nullptr) == SQLITE_OK &&
        sqlite3_step(stmt) == SQLITE_ROW && sqlite3_column_text(stmt, 0) != nullptr) {
      owner = reinterpret_cast<const char*>(sqlite3_column_text(stmt, 0));
    }
    sqlite3_finalize(stmt);
  }
  sqlite3_close(db);
  return owner;
}

class ExactlyOncePipelineTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_OK_AND_ASSIGN(store::TempDir dir, store::TempDir::Create());
    dir_ = std::make_unique<store::TempDir>(std::move(dir));
    bootstrap_file_ = dir_->File("bootstrap");
    ASSERT_OK_AND_ASSIGN(broker_, Subprocess::Start({DEVBROKER_PATH, "--port=0", "--partitions=16",
                                                     "--bootstrap_file=" + bootstrap_file_},
                                                    dir_->File("devbroker.log")));
    ASSERT_TRUE(WaitUntil([&] { return kafka::ReadBootstrapFile(bootstrap_file_).ok(); },
                          absl::Seconds(30)))
        << "devbroker did not publish its address";
  }

  // The temp dir (and the processes' logs in it) goes with the fixture: on a
  // failure, show the end of every log, or a flaky run leaves no trace.
  void TearDown() override {
    if (!HasFailure() || dir_ == nullptr) return;
    std::error_code error;
    for (const auto& entry : std::filesystem::directory_iterator(dir_->path(), error)) {
      if (entry.path().extension() != ".log") continue;
      std::ifstream file(entry.path());
      std::stringstream text;
      text << file.rdbuf();
      const std::string log = text.str();
      constexpr size_t kTail = 4000;
      std::cerr << "---- " << entry.path().filename().string() << " (last " << kTail
                << " bytes) ----\n"
                << (log.size() > kTail ? log.substr(log.size() - kTail) : log) << "\n";
    }
  }

  std::unique_ptr<Subprocess> StartLedger(const std::string& name) {
    absl::StatusOr<std::unique_ptr<Subprocess>> process = Subprocess::Start(
        {LEDGER_PATH, "--service_name=integration-ledger", "--data_dir=" + dir_->path(),
         "--kafka_bootstrap_file=" + bootstrap_file_, "--grpc_address=127.0.0.1:0",
         "--http_address=127.0.0.1:0", "--log_level=warning", "--drain_timeout=10s"},
        dir_->File(name + ".log"));
    EXPECT_TRUE(process.ok()) << process.status();
    return process.ok() ? std::move(*process) : nullptr;
  }

  std::string db_path() const { return dir_->File("integration-ledger.db"); }
  int64_t applied() const {
    return QuerySqliteInt(db_path(), "SELECT COALESCE(SUM(events_applied), 0) FROM loan_ledger");
  }

  std::unique_ptr<store::TempDir> dir_;
  std::string bootstrap_file_;
  std::unique_ptr<Subprocess> broker_;
};

TEST_F(ExactlyOncePipelineTest, KilledConsumerLosesAndDuplicatesNothing) {
  std::unique_ptr<Subprocess> ledger_a = StartLedger("ledger-a");
  std::unique_ptr<Subprocess> ledger_b = StartLedger("ledger-b");
  ASSERT_TRUE(ledger_a && ledger_b);

  // The stream in two parts (the second goes on from the first's end), so
  // that the kill lands mid-stream however fast the consumers are: a single
  // timed run once let a slow group join and a fast catch-up apply it all
  // before the kill.
  auto publish = [&](int64_t skip, int64_t events, int64_t poison, const std::string& log) {
    return Subprocess::Start({LOADGEN_PATH, "--bootstrap_file=" + bootstrap_file_,
                              absl::StrCat("--skip=", skip), absl::StrCat("--events=", events),
                              absl::StrCat("--loans=", kLoans), absl::StrCat("--seed=", kSeed),
                              absl::StrCat("--poison=", poison), "--rate=2000", "--batch=100"},
                             dir_->File(log));
  };
  ASSERT_OK_AND_ASSIGN(auto first_part, publish(0, kFirstPart, kPoison, "loadgen-1.log"));
  ASSERT_EQ(first_part->Wait(), 0);

  ASSERT_TRUE(WaitUntil([&] { return applied() >= 2000; }, absl::Seconds(60)))
      << "consumers applied " << applied() << " events";
  // Kill the replica whose relay holds the outbox lease, once it has marked
  // a first batch published (it then works through a backlog of thousands
  // of rows, so the kill tends to land between a Publish and its
  // MarkPublished) or, failing that, once the first part is applied. Its
  // successor takes the lease only when it expires and republishes that
  // batch under the same ids.
  WaitUntil(
      [&] {
        const int64_t done = applied();
        return done >= kFirstPart - kPoison ||
               QuerySqliteInt(db_path(), "SELECT COUNT(*) FROM outbox") < done;
      },
      absl::Seconds(30));
  if (OutboxLeaseOwner(db_path()).find(absl::StrCat("/", ledger_b->pid(), "/")) !=
      std::string::npos) {
    std::swap(ledger_a, ledger_b);
  }
  ledger_a->Kill(SIGKILL);
  EXPECT_EQ(ledger_a->Wait(), 128 + SIGKILL);
  EXPECT_LE(applied(), kFirstPart - kPoison)
      << "events of the second part were applied before it was sent";
  ledger_a = StartLedger("ledger-a-restarted");
  ASSERT_TRUE(ledger_a);

  ASSERT_OK_AND_ASSIGN(auto second_part,
                       publish(kFirstPart, kEvents - kFirstPart, 0, "loadgen-2.log"));
  ASSERT_EQ(second_part->Wait(), 0);
  const int64_t expected = kEvents - kPoison;
  ASSERT_TRUE(WaitUntil([&] { return applied() >= expected; }, absl::Seconds(90)))
      << "applied " << applied() << " of " << expected;
  ASSERT_TRUE(
      WaitUntil([&] { return QuerySqliteInt(db_path(), "SELECT COUNT(*) FROM outbox") == 0; },
                absl::Seconds(60)))
      << "outbox not drained";

  // Exactly once in the store.
  EXPECT_EQ(applied(), expected);
  EXPECT_EQ(QuerySqliteInt(db_path(), "SELECT COUNT(*) FROM loan_ledger"), kLoans);
  EXPECT_EQ(QuerySqliteInt(db_path(), "SELECT COUNT(*) FROM processed_events"), expected);

  // Clean shutdown of both replicas.
  ledger_a->Kill(SIGTERM);
  ledger_b->Kill(SIGTERM);
  EXPECT_EQ(ledger_a->Wait(), 0);
  EXPECT_EQ(ledger_b->Wait(), 0);

  ASSERT_OK_AND_ASSIGN(std::string bootstrap, kafka::ReadBootstrapFile(bootstrap_file_));
  kafka::KafkaConfig reader;
  reader.bootstrap_servers = bootstrap;
  reader.client_id = "integration-reader";
  reader.profile = kafka::Profile::kDev;
  const absl::Time deadline = absl::Now() + absl::Seconds(60);

  // Every follow-up event under exactly one id. A crash between publishing
  // and marking a relay batch may republish that batch with the same ids
  // (consumers dedupe), so raw copies are bounded by one relay batch: the
  // relay's own batch size (ServiceHost uses the default, 5000). At the kill
  // the outbox held 2,000-2,700 unpublished rows in runs here, so a killed
  // leader can hold far more than the 500 this bound once said.
  ASSERT_OK_AND_ASSIGN(auto follow_ups,
                       kafka::testing::ReadTopic(reader, std::string(kLedgerTopic), deadline));
  std::set<std::string> follow_up_ids;
  for (const auto& record : follow_ups) {
    const std::string* id = record.FindHeader("ce_id");
    ASSERT_NE(id, nullptr);
    follow_up_ids.insert(*id);
  }
  EXPECT_EQ(static_cast<int64_t>(follow_up_ids.size()), expected);
  EXPECT_LE(static_cast<int64_t>(follow_ups.size()),
            expected + store::OutboxRelayOptions{}.batch_size);
  loadgen::LoanEventStream replay({.seed = kSeed, .loans = kLoans});
  int64_t missing = 0;
  for (int64_t i = 0; i < kEvents; ++i) {
    const events::Event event = replay.Next();
    missing += follow_up_ids.count(
                   LoanLedgerApplier::FollowUpEventId(event.envelope.id, event.envelope.time)) == 0;
  }
  EXPECT_EQ(missing, kPoison) << "only the poison record has no follow-up";

  // The poison record, dead-lettered with its reason and coordinates. Like
  // every write, the DLQ copy is at-least-once: a consumer killed (or a
  // rebalance) between the DLQ write and the offset commit writes it again,
  // under the same ce_id.
  ASSERT_OK_AND_ASSIGN(auto dead,
                       kafka::testing::ReadTopic(reader, "arrears.loan.events.v1.dlq", deadline));
  std::set<std::string> dead_ids;
  for (const auto& record : dead) {
    ASSERT_NE(record.FindHeader("ce_id"), nullptr);
    dead_ids.insert(*record.FindHeader("ce_id"));
    ASSERT_NE(record.FindHeader("dlq_reason"), nullptr);
    EXPECT_THAT(*record.FindHeader("dlq_reason"), HasSubstr("LoanEvent"));
    EXPECT_EQ(*record.FindHeader("dlq_status_code"), "INVALID_ARGUMENT");
    EXPECT_EQ(*record.FindHeader("dlq_original_topic"), "arrears.loan.events.v1");
    EXPECT_NE(record.FindHeader("dlq_original_offset"), nullptr);
    EXPECT_FALSE(record.record.value.empty()) << "the original payload is kept";
  }
  EXPECT_EQ(static_cast<int64_t>(dead_ids.size()), kPoison);
}

}  // namespace
}  // namespace arrears::integration
