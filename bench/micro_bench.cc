// micro_bench: per-operation costs of the primitives on the hot paths —
// CloudEvents envelope <-> headers (every record produced and consumed),
// money arithmetic, id generation, and one exactly-once store transaction
// (ExactlyOnceProcessor::HandleBatch into a SQLite file).
//
//   micro_bench [--benchmark_filter=<regex>] [--benchmark_min_time=<s>]
//
// items_per_second is events (or operations) per second; the exactly-once
// benchmark also reports per_event, its wall time per event (it runs on real
// time: SQLite's checkpointer works on a thread of its own).
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_format.h"
#include "absl/types/span.h"
#include "bench/bench_applier.h"
#include "benchmark/benchmark.h"
#include "common/events/event.h"
#include "common/ids/id_generator.h"
#include "common/money/currency.h"
#include "common/money/money.h"
#include "common/money/rate.h"
#include "common/money/rounding.h"
#include "common/store/exactly_once_processor.h"
#include "common/store/sqlite_database.h"
#include "common/store/sqlite_outbox.h"
#include "common/store/sqlite_processed_events.h"
#include "common/store/testing/recording_applier.h"
#include "common/store/testing/temp_dir.h"
#include "common/time/clock.h"

namespace arrears::bench {
namespace {

void BM_EnvelopeHeadersRoundTrip(benchmark::State& state) {
  ids::UuidV7Generator ids(&SystemClock::Get());
  const events::Envelope envelope{.id = ids.NewId(),
                                  .type = "arrears.loan.v1.LoanEvent",
                                  .source = "//loan-system/core",
                                  .time = SystemClock::Get().Now(),
                                  .traceparent = ""};
  for (auto _ : state) {
    events::Headers headers = events::ToHeaders(envelope);
    absl::StatusOr<events::Envelope> parsed = events::EnvelopeFromHeaders(headers);
    benchmark::DoNotOptimize(parsed);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_EnvelopeHeadersRoundTrip);

void BM_MoneyAdd(benchmark::State& state) {
  money::Money a = money::Money::FromMinor(123'456, money::Currency::Of("CNY"));
  money::Money b = money::Money::FromMinor(7'890, money::Currency::Of("CNY"));
  for (auto _ : state) {
    benchmark::DoNotOptimize(a);
    benchmark::DoNotOptimize(b);
    absl::StatusOr<money::Money> sum = money::Add(a, b);
    benchmark::DoNotOptimize(sum);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_MoneyAdd);

void BM_MoneyMultiplyByRate(benchmark::State& state) {
  money::Money principal = money::Money::FromMinor(12'345'678, money::Currency::Of("CNY"));
  money::Rate daily = money::Rate::FromPartsPerBillion(500'000);  // 0.05 % a day
  for (auto _ : state) {
    benchmark::DoNotOptimize(principal);
    benchmark::DoNotOptimize(daily);
    absl::StatusOr<money::Money> interest =
        money::MultiplyByRate(principal, daily, money::RoundingMode::kHalfEven);
    benchmark::DoNotOptimize(interest);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_MoneyMultiplyByRate);

void BM_UuidV7NewId(benchmark::State& state) {
  ids::UuidV7Generator ids(&SystemClock::Get());
  for (auto _ : state) benchmark::DoNotOptimize(ids.NewId());
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_UuidV7NewId);

void BM_DeriveId(benchmark::State& state) {
  ids::UuidV7Generator ids(&SystemClock::Get());
  const std::string inbound = ids.NewId();
  for (auto _ : state) benchmark::DoNotOptimize(ids::DeriveId(inbound, "delinquency-started"));
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_DeriveId);

// One HandleBatch of state.range(0) new events (UUIDv7 ids, 200-byte
// payloads, keys cycling over state.range(1) aggregates) per iteration, each
// upserting its key's row and enqueuing a follow-up event (BenchApplier), in
// a SQLite file (WAL, synchronous=NORMAL) that grows over the run as a
// service's would. Many keys spread a batch's upserts over many pages, and
// SQLite's WAL writes every page a commit changed.
void BM_ExactlyOnceHandleBatch(benchmark::State& state) {
  const int batch_size = static_cast<int>(state.range(0));
  const int64_t keys = state.range(1);
  absl::StatusOr<store::TempDir> dir = store::TempDir::Create();
  if (!dir.ok()) return state.SkipWithError(dir.status().ToString().c_str());
  absl::StatusOr<std::unique_ptr<store::SqliteDatabase>> db =
      store::SqliteDatabase::Create({.path = dir->File("bench.db")});
  if (!db.ok()) return state.SkipWithError(db.status().ToString().c_str());
  if (absl::Status s = (*db)->Migrate(BenchApplier::Migrations()); !s.ok()) {
    return state.SkipWithError(s.ToString().c_str());
  }
  store::SqliteProcessedEvents processed(db->get());
  store::SqliteOutbox outbox(db->get());
  BenchApplier applier(db->get(), "arrears.delinquency.events.v1", 200);
  absl::StatusOr<std::unique_ptr<store::ExactlyOnceProcessor>> processor =
      store::ExactlyOnceProcessor::Create(db->get(), &processed, &outbox, &applier,
                                          &SystemClock::Get(), {.consumer = "micro-bench"});
  if (!processor.ok()) return state.SkipWithError(processor.status().ToString().c_str());

  ids::UuidV7Generator ids(&SystemClock::Get());
  std::vector<events::InboundEvent> batch;
  batch.reserve(batch_size);
  for (int i = 0; i < batch_size; ++i) {
    batch.push_back(store::TestInboundEvent("", "", 200));
  }
  int64_t next_key = 0;
  for (auto _ : state) {
    state.PauseTiming();
    for (events::InboundEvent& inbound : batch) {
      inbound.event.envelope.id = ids.NewId();
      inbound.event.key = absl::StrFormat("loan-%08d", next_key++ % keys);
    }
    state.ResumeTiming();
    std::vector<absl::Status> statuses = (*processor)->HandleBatch(absl::MakeConstSpan(batch));
    for (const absl::Status& status : statuses) {
      if (!status.ok()) return state.SkipWithError(status.ToString().c_str());
    }
  }
  const int64_t events = state.iterations() * batch_size;
  state.SetItemsProcessed(events);
  state.counters["per_event"] = benchmark::Counter(
      static_cast<double>(events), benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
}
BENCHMARK(BM_ExactlyOnceHandleBatch)
    ->ArgNames({"batch", "keys"})
    ->ArgsProduct({{500, 1000, 2000}, {1000, 100'000}})
    ->UseRealTime()
    ->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace arrears::bench
