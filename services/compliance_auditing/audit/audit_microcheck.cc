// Not a test: prints rough audit-append rates on this machine (SQLite with an
// fsync per commit), next to raw SHA-256 throughput, so regressions on the
// append path are easy to spot. bench/ has the real benchmark.
//
//   audit_microcheck [records=20000] [threads=16]
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "common/store/sqlite_database.h"
#include "common/store/testing/temp_dir.h"
#include "common/time/clock.h"
#include "services/compliance_auditing/audit/audit_log.h"
#include "services/compliance_auditing/audit/master_key.h"
#include "services/compliance_auditing/audit/merkle.h"
#include "services/compliance_auditing/audit/sqlite_audit_schema.h"
#include "services/compliance_auditing/audit/sqlite_audit_store.h"
#include "services/compliance_auditing/audit/sqlite_debtor_key_store.h"

namespace arrears::compliance::audit {
namespace {

template <typename T>
T OrDie(absl::StatusOr<T> value) {
  if (!value.ok()) {
    std::fprintf(stderr, "%s\n", value.status().ToString().c_str());
    std::exit(1);
  }
  return *std::move(value);
}

void OrDie(const absl::Status& status) {
  if (!status.ok()) {
    std::fprintf(stderr, "%s\n", status.ToString().c_str());
    std::exit(1);
  }
}

// A decision-sized record; every fourth one carries personal data.
AuditAppend MakeRecord(int i) {
  AuditAppend append;
  append.record.set_kind(v1::AUDIT_RECORD_KIND_DECISION);
  append.record.set_customer_id(absl::StrCat("customer-", i % 5000));
  append.record.add_loan_ids(absl::StrCat("loan-", i % 7000));
  append.record.set_source_id(absl::StrCat("decision-", i));
  append.record.set_payload_type("arrears.compliance.v1.ContactDecision");
  append.record.set_payload(std::string(240, 'p'));
  if (i % 4 == 0) append.personal_payload = std::string(80, 'n');
  return append;
}

struct Stack {
  explicit Stack(store::TempDir temp_dir) : dir(std::move(temp_dir)) {}
  store::TempDir dir;
  std::unique_ptr<store::SqliteDatabase> db;
  std::unique_ptr<SqliteAuditStore> store;
  std::unique_ptr<SqliteDebtorKeyStore> key_store;
  std::unique_ptr<DebtorKeys> keys;
  std::unique_ptr<CheckpointSigner> signer;
  std::unique_ptr<AuditLog> log;
};

std::unique_ptr<Stack> OpenStack(const Clock* clock) {
  auto stack = std::make_unique<Stack>(OrDie(store::TempDir::Create()));
  store::SqliteOptions options;
  options.path = stack->dir.File("audit.db");
  options.synchronous = store::SqliteSynchronous::kFull;
  stack->db = OrDie(OpenAuditDatabase(options));
  stack->store = OrDie(SqliteAuditStore::Create(stack->db.get()));
  stack->key_store = OrDie(SqliteDebtorKeyStore::Create(stack->db.get()));
  stack->keys =
      OrDie(DebtorKeys::Create(stack->key_store.get(), OrDie(MasterKey::Generate()), clock));
  stack->signer =
      OrDie(CheckpointSigner::Create("microcheck", OrDie(Ed25519PrivateKey::Generate()), clock));
  stack->log =
      OrDie(AuditLog::Create(stack->store.get(), stack->keys.get(), stack->signer.get(), clock));
  return stack;
}

void Report(const char* what, int records, absl::Duration elapsed) {
  std::printf("%-44s %8d records  %8.0f records/s\n", what, records,
              records / absl::ToDoubleSeconds(elapsed));
}

void Run(int records, int threads) {
  SystemClock& clock = SystemClock::Get();
  std::vector<AuditAppend> prepared;
  for (int i = 0; i < records; ++i) prepared.push_back(MakeRecord(i));

  {
    const std::string buffer(64 << 20, 'x');
    const absl::Time start = absl::Now();
    Sha256Hash sink = Sha256(buffer);
    const absl::Duration elapsed = absl::Now() - start;
    std::printf("raw SHA-256: %.2f GB/s (first byte %02x)\n",
                buffer.size() / absl::ToDoubleSeconds(elapsed) / 1e9, sink.bytes[0]);
    const absl::Time leaf_start = absl::Now();
    for (int i = 0; i < records; ++i) sink = HashLeaf(prepared[i].record.payload());
    Report("leaf hashes of 240-byte payloads", records, absl::Now() - leaf_start);
  }

  for (const int batch : {1, 64, 512}) {
    std::unique_ptr<Stack> stack = OpenStack(&clock);
    const int count = batch == 1 ? std::min(records, 2000) : records;
    const absl::Time start = absl::Now();
    for (int i = 0; i < count; i += batch) {
      const int n = std::min(batch, count - i);
      OrDie(stack->log->AppendBatch(absl::MakeConstSpan(prepared).subspan(i, n)).status());
    }
    Report(absl::StrCat("AppendBatch(", batch, "), fsync per batch").c_str(), count,
           absl::Now() - start);
  }

  {
    std::unique_ptr<Stack> stack = OpenStack(&clock);
    const absl::Time start = absl::Now();
    std::vector<std::thread> workers;
    for (int t = 0; t < threads; ++t) {
      workers.emplace_back([&, t] {
        for (int i = t; i < records; i += threads) OrDie(stack->log->Append(prepared[i]).status());
      });
    }
    for (std::thread& worker : workers) worker.join();
    Report(absl::StrCat("Append from ", threads, " threads (group commit)").c_str(), records,
           absl::Now() - start);
    const absl::Time verify_start = absl::Now();
    const VerifyReport report = OrDie(stack->log->Verify());
    Report(report.ok ? "Verify (re-hash everything): ok" : "Verify: FAILED",
           static_cast<int>(report.entries_verified), absl::Now() - verify_start);
  }
}

}  // namespace
}  // namespace arrears::compliance::audit

int main(int argc, char** argv) {
  const int records = argc > 1 ? std::atoi(argv[1]) : 20000;
  const int threads = argc > 2 ? std::atoi(argv[2]) : 16;
  arrears::compliance::audit::Run(records > 0 ? records : 20000, threads > 0 ? threads : 16);
  return 0;
}
