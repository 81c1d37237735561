// Prints the rate of the exactly-once consume path (dedupe insert + a
// one-row apply + one outbox insert per event, one transaction per batch) and
// of the outbox relay on this machine. A development aid, not a test: bench/
// owns the real benchmark.
//
//   store_microcheck [events=200000] [batch=500] [background_checkpoints=1]
//
// Rates are given per wall second and per CPU second of the consuming thread
// (the machine is shared: wall time alone mostly measures the neighbours).
#include <time.h>

#include <cstdio>
#include <cstdlib>
#include <memory>
#include <vector>

#include "absl/random/random.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/clock.h"
#include "common/events/publisher.h"
#include "common/store/exactly_once_processor.h"
#include "common/store/outbox_relay.h"
#include "common/store/sqlite_database.h"
#include "common/store/sqlite_leader_lease.h"
#include "common/store/sqlite_outbox.h"
#include "common/store/sqlite_processed_events.h"
#include "common/store/testing/recording_applier.h"
#include "common/store/testing/temp_dir.h"
#include "common/time/clock.h"

namespace arrears::store {
namespace {

class DiscardingPublisher final : public events::EventPublisher {
 public:
  absl::Status Publish(absl::Span<const events::Event>) override { return absl::OkStatus(); }
};

absl::Duration ThreadCpu() {
  timespec ts;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return absl::DurationFromTimespec(ts);
}

class Phase {
 public:
  explicit Phase(const char* name) : name_(name) {}
  void Print(int64_t events) const {
    const absl::Duration wall = absl::Now() - wall_start_;
    const absl::Duration cpu = ThreadCpu() - cpu_start_;
    std::printf("  %-34s %8.0f events/s wall  %8.0f events/s cpu  (%.2f us cpu/event)\n", name_,
                events / absl::ToDoubleSeconds(wall), events / absl::ToDoubleSeconds(cpu),
                absl::ToDoubleMicroseconds(cpu) / events);
  }

 private:
  const char* name_;
  absl::Time wall_start_ = absl::Now();
  absl::Duration cpu_start_ = ThreadCpu();
};

int Fail(const absl::Status& status) {
  std::fprintf(stderr, "%s\n", status.ToString().c_str());
  return 1;
}

// Feeds `events` to `processor` in batches; false on any non-OK status.
bool Consume(ExactlyOnceProcessor& processor, const std::vector<events::InboundEvent>& events,
             int batch_size) {
  for (size_t i = 0; i < events.size(); i += batch_size) {
    const size_t n = std::min<size_t>(batch_size, events.size() - i);
    for (const absl::Status& s : processor.HandleBatch(absl::MakeConstSpan(events).subspan(i, n))) {
      if (!s.ok()) {
        std::fprintf(stderr, "%s\n", s.ToString().c_str());
        return false;
      }
    }
  }
  return true;
}

// Ids like UuidV7Generator's: increasing, so the dedupe index grows at its end.
std::vector<events::InboundEvent> TimeOrderedEvents(absl::string_view prefix, int count) {
  std::vector<events::InboundEvent> events;
  events.reserve(count);
  for (int i = 0; i < count; ++i) {
    events.push_back(TestInboundEvent(absl::StrCat(prefix, 100'000'000'000 + i),
                                      absl::StrCat("loan-", i % 1000), 200));
  }
  return events;
}

// Ids like DeriveId's (hashes): every insert lands on a random index page.
std::vector<events::InboundEvent> RandomEvents(int count) {
  absl::BitGen random;
  std::vector<events::InboundEvent> events;
  events.reserve(count);
  for (int i = 0; i < count; ++i) {
    events.push_back(
        TestInboundEvent(absl::StrFormat("%016x-%016x", absl::Uniform<uint64_t>(random),
                                         absl::Uniform<uint64_t>(random)),
                         absl::StrCat("loan-", i % 1000), 200));
  }
  return events;
}

int Run(int total, int batch_size, bool background_checkpoints) {
  absl::StatusOr<TempDir> dir = TempDir::Create();
  if (!dir.ok()) return Fail(dir.status());
  absl::StatusOr<std::unique_ptr<SqliteDatabase>> db = SqliteDatabase::Create(
      {.path = dir->File("store.db"), .background_checkpoints = background_checkpoints});
  if (!db.ok()) return Fail(db.status());
  if (absl::Status s = (*db)->Migrate(RecordingApplier::Migrations()); !s.ok()) return Fail(s);

  // The relay gets a connection of its own, so that its reads do not queue
  // behind the consumer's transactions on the first one's mutex.
  absl::StatusOr<std::unique_ptr<SqliteDatabase>> relay_db =
      SqliteDatabase::Create({.path = dir->File("store.db")});
  if (!relay_db.ok()) return Fail(relay_db.status());

  SqliteProcessedEvents processed(db->get());
  SqliteOutbox outbox(db->get());
  SqliteOutbox relay_outbox(relay_db->get());
  SqliteLeaderLease lease(relay_db->get());
  RecordingApplier applier(db->get(), "arrears.delinquency.events");
  DiscardingPublisher publisher;
  auto relay = OutboxRelay::Create({}, &relay_outbox, &lease, &publisher, &SystemClock::Get());
  if (!relay.ok()) return Fail(relay.status());
  auto processor = ExactlyOnceProcessor::Create(db->get(), &processed, &outbox, &applier,
                                                &SystemClock::Get(), {.consumer = "microcheck"});
  if (!processor.ok()) return Fail(processor.status());
  auto notifying_processor = ExactlyOnceProcessor::Create(
      db->get(), &processed, &outbox, &applier, &SystemClock::Get(),
      {.consumer = "microcheck", .after_commit = [&] { (*relay)->Notify(); }});
  if (!notifying_processor.ok()) return Fail(notifying_processor.status());

  std::printf("events=%d batch=%d background_checkpoints=%d\n", total, batch_size,
              background_checkpoints);
  const std::vector<events::InboundEvent> first = TimeOrderedEvents("0190a1b2-7000-", total);
  {
    const Phase phase("apply, time-ordered ids");
    if (!Consume(**processor, first, batch_size)) return 1;
    phase.Print(total);
  }
  {
    const Phase phase("redelivered duplicates");
    if (!Consume(**processor, first, batch_size)) return 1;
    phase.Print(total);
  }
  {
    const Phase phase("relay: fetch + mark published");
    absl::StatusOr<OutboxRelayRound> round = (*relay)->PublishPendingOnce();
    if (!round.ok()) return Fail(round.status());
    phase.Print(round->published);
  }
  {
    const std::vector<events::InboundEvent> second = TimeOrderedEvents("0190a1b3-7000-", total);
    if (absl::Status s = (*relay)->Start(); !s.ok()) return Fail(s);
    const Phase phase("apply with the relay running");
    if (!Consume(**notifying_processor, second, batch_size)) return 1;
    if (absl::Status s = (*relay)->Stop(); !s.ok()) return Fail(s);
    phase.Print(total);
  }
  {
    const std::vector<events::InboundEvent> third = RandomEvents(total);
    const Phase phase("apply, random ids");
    if (!Consume(**processor, third, batch_size)) return 1;
    phase.Print(total);
  }
  return 0;
}

}  // namespace
}  // namespace arrears::store

int main(int argc, char** argv) {
  const int total = argc > 1 ? std::atoi(argv[1]) : 200'000;
  const int batch = argc > 2 ? std::atoi(argv[2]) : 500;
  const bool background_checkpoints = argc > 3 ? std::atoi(argv[3]) != 0 : true;
  if (total <= 0 || batch <= 0) {
    std::fprintf(stderr, "usage: store_microcheck [events>0] [batch>0] [0|1]\n");
    return 2;
  }
  return arrears::store::Run(total, batch, background_checkpoints);
}
