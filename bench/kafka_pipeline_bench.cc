// kafka_pipeline_bench: throughput of the Kafka plumbing through the dev
// broker, against librdkafka's own raw loops measured in the same run, and
// the cost of the exactly-once consumer path.
//
//   kafka_pipeline_bench [--events=1000000] [--value_bytes=200]
//                        [--partitions=128] [--batch=1000] [--rounds=3]
//
// One in-process DevBroker (the mock cluster + forwarder the devbroker binary
// runs, 3 brokers, every topic with --partitions partitions), then in order:
//   1. raw produce     rdkafka_performance-style rd_kafka_producev loop with
//                      key, value and the same 6 CloudEvents headers our
//                      producer writes, polling for delivery reports, flush.
//   2. Publish         KafkaProducer::Publish, --publish_batch events a call.
//   3. raw consume     assign() of all partitions from the beginning (no
//                      group), rd_kafka_consumer_poll until every record is
//                      read, reading each record's ce_id header.
//   4. ConsumerLoop    a consumer-group member with a no-op counting handler.
//   5. exactly-once    ConsumerLoop + ExactlyOnceProcessor into a SQLite file
//                      (WAL, synchronous=NORMAL), one transaction per batch of
//                      --batch events; BenchApplier upserts a row per key and
//                      enqueues one follow-up event per input.
//   6. outbox relay    OutboxRelay publishing phase 5's N outbound events.
// Phases 3 and 5 run --rounds times, interleaved (3, 4, 5, then 3, 5, 3, 5
// ...), each exactly-once round with a fresh consumer group and a fresh
// SQLite file: the raw-consume rate moves by up to 1.8x between runs on a
// shared 2-core machine, so the exactly-once path is compared with the raw
// loop measured just before it, round by round, and judged by the median of
// those ratios (phase 6 relays the last round's outbox).
// Every phase writes a fresh topic: the mock drops a partition's oldest data
// silently past ~5 MB. Phases 3-5 read the same N events, preloaded (untimed)
// in 64 KB record batches: the mock finds the batch to serve by a linear scan
// of the partition's batches and serves one per partition per fetch, so a
// topic written in small batches would measure the mock, not the clients
// (see --preload). The raw loops use the same librdkafka properties as our
// clients, so each ratio isolates our code.
//
// Start-up is not timed. Each producer first delivers one event alone
// (connections, idempotent producer id, and the topic's metadata, which
// librdkafka otherwise fetches only on its 1 s topic scan): produce rows
// count N-1 events (the relay's warm-up is one extra event on its topic).
// Consume phases are timed from the first record handed over to the last
// one handled, which leaves out the consumer-group join (~3 s on the mock)
// for phases 4-5 and the first fetch for phase 3.
//
// Every phase is verified: produce phases by the broker's watermarks (nothing
// dropped, exactly N records), consume phases by seeing every (partition,
// offset) of the topic, phase 5 also by SUM(events) in SQLite and the outbox
// backlog. A phase that loses events fails the run (exit 1) after printing
// what was measured; a missed speed target does not (a benchmark reports, it
// does not gate).
#include <librdkafka/rdkafka.h>
#include <sqlite3.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/notification.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "absl/types/span.h"
#include "bench/bench_applier.h"
#include "bench/bench_stats.h"
#include "common/events/event.h"
#include "common/events/handler.h"
#include "common/ids/id_generator.h"
#include "common/kafka/config.h"
#include "common/kafka/consumer_loop.h"
#include "common/kafka/error.h"
#include "common/kafka/producer.h"
#include "common/kafka/rdkafka_handles.h"
#include "common/status/status_macros.h"
#include "common/store/exactly_once_processor.h"
#include "common/store/outbox_relay.h"
#include "common/store/sqlite_database.h"
#include "common/store/sqlite_leader_lease.h"
#include "common/store/sqlite_outbox.h"
#include "common/store/sqlite_processed_events.h"
#include "common/store/testing/temp_dir.h"
#include "common/time/clock.h"
#include "common/topics/topics.h"
#include "tools/devbroker/dev_broker.h"

ABSL_FLAG(int64_t, events, 1'000'000, "Events per phase.");
ABSL_FLAG(int32_t, value_bytes, 200, "Kafka value (event payload) bytes per event.");
ABSL_FLAG(int32_t, partitions, 128,
          "Partitions of every topic. The mock keeps only ~5 MB per partition and drops older "
          "data silently: a phase's records must fit (1M events of ~420 bytes need 128).");
ABSL_FLAG(int32_t, batch, 1000,
          "Events per SQLite transaction: the ConsumerLoop's max_batch_size.");
ABSL_FLAG(int32_t, relay_batch, 5000, "Outbox rows per relay fetch and Publish call (phase 6).");
ABSL_FLAG(int32_t, publish_batch, 1000, "Events per KafkaProducer::Publish call (phase 2).");
ABSL_FLAG(int32_t, keys, 100'000, "Distinct event keys (aggregate ids) in the input.");
ABSL_FLAG(bool, relay, true, "Also measure the outbox relay (phase 6).");
ABSL_FLAG(int32_t, rounds, 3,
          "Interleaved rounds of raw consume (phase 3) and the exactly-once path (phase 5); the "
          "target is judged on the median of the per-round ratios.");
ABSL_FLAG(bool, preload, true,
          "Consume phases read a copy of the input written, untimed, in large record batches. "
          "The mock serves one batch per partition per fetch and finds it by a linear scan of "
          "the partition's batches, so a topic written in small batches (phase 2's: ~8 records "
          "per partition per call) caps every consumer alike at a few 10k events/s, measuring "
          "the mock. false: consume phase 2's topic anyway.");
ABSL_FLAG(std::string, consumer_properties, "",
          "librdkafka properties (key=value,...) for every consumer of phases 3-5 alike, on top "
          "of the dev profile, e.g. queued.min.messages=1000000.");
ABSL_FLAG(std::string, producer_properties, "",
          "librdkafka properties (key=value,...) for the producers of phases 1-2 alike, on top of "
          "the dev profile and KafkaProducer's, e.g. linger.ms=1.");
ABSL_FLAG(std::string, bootstrap, "",
          "Run against this broker (e.g. a devbroker process started with the same "
          "--partitions) instead of an in-process DevBroker. Its topics must be fresh.");
ABSL_FLAG(bool, overlap_polling, false,
          "ConsumerLoop phases prefetch the next batch while the handler runs "
          "(ConsumerOptions::overlap_polling).");
ABSL_FLAG(int32_t, sqlite_page_size, 4096, "Phase 5's SQLite page size (SqliteOptions).");
ABSL_FLAG(int32_t, sqlite_checkpoint_pages, 1000,
          "Phase 5's WAL checkpoint threshold in pages (SqliteOptions).");
ABSL_FLAG(bool, publish_phase, true,
          "Run phase 2 (KafkaProducer::Publish); false skips it to iterate on the consume phases.");
ABSL_FLAG(absl::Duration, phase_timeout, absl::Minutes(10),
          "A phase that has not seen every event by then fails the run.");

namespace arrears::bench {
namespace {

// librdkafka's mock keeps about this much per partition (rdkafka_mock.c).
constexpr int64_t kMockPartitionBytes = 5 * 1000 * 1000;
// Refuse to start when the fullest partition would hold more than this share
// of it (the framing below is an estimate).
constexpr double kPartitionFillLimit = 0.9;
// Record-batch framing per record (length, attributes, deltas, key/value and
// header length varints); only for the fill estimate.
constexpr int64_t kRecordFramingBytes = 24;
constexpr int kBrokers = 3;
constexpr int kKafkaTimeoutMs = 60'000;

struct Setup {
  int64_t events = 0;
  int value_bytes = 0;
  int partitions = 0;
  int batch = 0;
  int relay_batch = 0;
  int publish_batch = 0;
  int keys = 0;
  bool relay = false;
  int rounds = 1;
  bool preload = false;
  std::string bootstrap = {};  // empty: an in-process DevBroker
  kafka::Properties consumer_properties = {};
  kafka::Properties producer_properties = {};
  absl::Duration phase_timeout = absl::ZeroDuration();
  bool overlap_polling = false;
  bool publish_phase = true;
  int sqlite_page_size = 4096;
  int sqlite_checkpoint_pages = 1000;
};

enum class Role { kProduceBaseline, kProduce, kConsumeBaseline, kConsume };

// One row of the results.
struct PhaseResult {
  std::string path = {};
  Role role = Role::kProduce;
  int64_t events = 0;
  absl::Duration elapsed = absl::ZeroDuration();
  int64_t bytes = 0;  // key + value + header bytes of the records moved
  absl::Duration process_cpu = absl::ZeroDuration();
  // Which interleaved round of phases 3 and 5 (0: a phase that runs once).
  int round = 0;
  bool exactly_once = false;      // phase 5
  std::string load_average = {};  // /proc/loadavg when the phase ended
  // Consumer-loop phases only: handler calls and time spent inside them.
  int64_t batches = 0;
  absl::Duration handler_time = absl::ZeroDuration();
  absl::Duration handler_cpu = absl::ZeroDuration();  // the loop thread's, inside the handler

  double rate() const { return events / absl::ToDoubleSeconds(elapsed); }
};

absl::Duration ProcessCpu() {
  rusage usage;
  getrusage(RUSAGE_SELF, &usage);
  return absl::DurationFromTimeval(usage.ru_utime) + absl::DurationFromTimeval(usage.ru_stime);
}

absl::Duration ThreadCpu() {
  timespec now;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &now);
  return absl::DurationFromTimespec(now);
}

std::string LoadAverage() {
  std::ifstream file("/proc/loadavg");
  std::string one, five, fifteen;
  file >> one >> five >> fifteen;
  return absl::StrCat(one, " ", five, " ", fifteen);
}

// Key, value and header bytes of `event` as a record: what MB/s counts.
int64_t RecordBytes(const events::Event& event) {
  int64_t bytes = event.key.size() + event.payload.size();
  for (const auto& [name, value] : events::ToHeaders(event.envelope)) {
    bytes += name.size() + value.size();
  }
  return bytes;
}

// The key (aggregate id) of input event `index`.
std::string EventKey(int64_t index, int keys) { return absl::StrFormat("loan-%08d", index % keys); }

// Records per partition of the input, as the producers' murmur2 partitioner
// will place them (murmur2_random is murmur2 for keyed records): few keys
// fill partitions unevenly.
std::vector<int64_t> PredictPartitionCounts(const Setup& setup) {
  std::vector<int64_t> counts(setup.partitions, 0);
  const int64_t keys = std::min<int64_t>(setup.keys, setup.events);
  for (int64_t k = 0; k < keys; ++k) {
    const std::string key = EventKey(k, setup.keys);
    const int32_t partition = rd_kafka_msg_partitioner_murmur2(nullptr, key.data(), key.size(),
                                                               setup.partitions, nullptr, nullptr);
    counts[partition] += setup.events / keys + (k < setup.events % keys ? 1 : 0);
  }
  return counts;
}

std::vector<events::Event> MakeInputEvents(const Setup& setup, const std::string& topic) {
  // UUIDv7 ids, as producers of a real system make them: time-ordered, so
  // the consumers' dedupe index grows at its end (random ids cost SQLite a
  // random page per insert).
  ids::UuidV7Generator ids(&SystemClock::Get());
  const std::string payload(setup.value_bytes, 'v');
  std::vector<events::Event> events(setup.events);
  for (int64_t i = 0; i < setup.events; ++i) {
    events::Event& event = events[i];
    event.topic = topic;
    event.key = EventKey(i, setup.keys);
    event.envelope.id = ids.NewId();
    event.envelope.type = "arrears.loan.v1.LoanEvent";
    event.envelope.source = "//loan-system/bench";
    event.envelope.time = SystemClock::Get().Now();
    event.payload = payload;
  }
  return events;
}

kafka::KafkaConfig DevConfig(const std::string& bootstrap, std::string client_id) {
  kafka::KafkaConfig config;
  config.bootstrap_servers = bootstrap;
  config.client_id = std::move(client_id);
  config.profile = kafka::Profile::kDev;
  return config;
}

absl::StatusOr<kafka::RdKafkaPtr> NewClient(rd_kafka_type_t type, kafka::RdConfPtr conf) {
  char error[512];
  kafka::RdKafkaPtr rk(rd_kafka_new(type, conf.get(), error, sizeof(error)));
  if (rk == nullptr) return absl::InternalError(absl::StrCat("rd_kafka_new: ", error));
  conf.release();  // Owned by rk now.
  return rk;
}

// Per partition, the end offset of `topic`, after checking that the broker
// kept every record: every low watermark is 0 (the mock advances it when it
// drops a partition's oldest data) and the partitions hold `expected` in all.
absl::StatusOr<std::vector<int64_t>> CheckTopicKeptAll(rd_kafka_t* rk, const std::string& topic,
                                                       int partitions, int64_t expected) {
  std::vector<int64_t> end_offsets(partitions);
  int64_t held = 0;
  int64_t dropped = 0;
  for (int partition = 0; partition < partitions; ++partition) {
    int64_t low = 0;
    int64_t high = 0;
    ARREARS_RETURN_IF_ERROR(
        kafka::KafkaError(rd_kafka_query_watermark_offsets(rk, topic.c_str(), partition, &low,
                                                           &high, kKafkaTimeoutMs),
                          absl::StrCat("watermarks of ", topic, "/", partition)));
    dropped += low;
    held += high - low;
    end_offsets[partition] = high;
  }
  if (dropped != 0 || held != expected) {
    return absl::DataLossError(
        absl::StrCat(topic, ": the broker holds ", held, " records, want ", expected, "; ", dropped,
                     " were dropped by the mock's ~5 MB per-partition limit (raise --partitions)"));
  }
  return end_offsets;
}

// OK if `topic` exists with `partitions` partitions.
absl::Status CheckPartitionCount(rd_kafka_t* rk, const std::string& topic, int partitions) {
  rd_kafka_topic_t* handle = rd_kafka_topic_new(rk, topic.c_str(), nullptr);
  const rd_kafka_metadata_t* raw = nullptr;
  const rd_kafka_resp_err_t err = rd_kafka_metadata(rk, 0, handle, &raw, kKafkaTimeoutMs);
  rd_kafka_topic_destroy(handle);
  ARREARS_RETURN_IF_ERROR(kafka::KafkaError(err, absl::StrCat("metadata of ", topic)));
  kafka::RdMetadataPtr metadata(raw);
  const int found = metadata->topic_cnt == 1 && metadata->topics[0].err == 0
                        ? metadata->topics[0].partition_cnt
                        : 0;
  if (found != partitions) {
    return absl::FailedPreconditionError(absl::StrCat(
        "topic ", topic, " has ", found, " partitions, want --partitions=", partitions));
  }
  return absl::OkStatus();
}

// Which (partition, offset) pairs of a topic a consumer has seen, to verify
// that a phase received every record. Costs one byte write per record (both
// the raw loop and ours pay it). Not synchronized: one thread marks; read
// after that thread is done (joined or past a Notification).
class OffsetCoverage {
 public:
  explicit OffsetCoverage(const std::vector<int64_t>& end_offsets) {
    seen_.reserve(end_offsets.size());
    for (int64_t end : end_offsets) {
      seen_.emplace_back(end, 0);
      expected_ += end;
    }
  }

  void Mark(int32_t partition, int64_t offset) {
    if (partition < 0 || static_cast<size_t>(partition) >= seen_.size() || offset < 0 ||
        static_cast<size_t>(offset) >= seen_[partition].size()) {
      ++unexpected_;
      return;
    }
    uint8_t& seen = seen_[partition][offset];
    if (seen != 0) {
      ++duplicates_;
      return;
    }
    seen = 1;
    ++distinct_;
  }

  bool complete() const { return distinct_ == expected_; }
  int64_t distinct() const { return distinct_; }

  // DataLoss naming what is missing unless every record was seen.
  absl::Status Check(absl::string_view phase) const {
    if (complete() && unexpected_ == 0) return absl::OkStatus();
    return absl::DataLossError(absl::StrCat(phase, ": saw ", distinct_, " of ", expected_,
                                            " records (", duplicates_, " duplicates, ", unexpected_,
                                            " outside the topic's offsets)"));
  }

 private:
  std::vector<std::vector<uint8_t>> seen_;
  int64_t expected_ = 0;
  int64_t distinct_ = 0;
  int64_t duplicates_ = 0;
  int64_t unexpected_ = 0;
};

// What the phases share.
struct BenchContext {
  Setup setup;
  std::string bootstrap = {};
  std::string raw_topic = {};      // phase 1 writes
  std::string publish_topic = {};  // phase 2 writes
  std::string input_topic = {};    // the preload (or phase 2) writes, phases 3-5 read
  std::string output_topic = {};   // phase 5 enqueues for, phase 6 writes
  int64_t input_record_bytes = 0;
  std::vector<int64_t> input_end_offsets = {};  // once the input is written
  rd_kafka_t* inspector = nullptr;              // for watermarks
  kafka::KafkaProducer* dead_letter_producer = nullptr;
};

// The properties KafkaProducer::Create adds, so the raw loop runs the same
// librdkafka configuration.
kafka::ClientProperties ProducerProperties() {
  return {.defaults = {{"linger.ms", "5"}},
          .required = {
              {"enable.idempotence", "true"}, {"acks", "all"}, {"partitioner", "murmur2_random"}}};
}

// The configuration of the producers of phases 1-2.
kafka::KafkaConfig ProducerConfig(const BenchContext& ctx, std::string client_id) {
  kafka::KafkaConfig config = DevConfig(ctx.bootstrap, std::move(client_id));
  config.properties = ctx.setup.producer_properties;
  return config;
}

// Delivery reports of the raw producer; served on the producing thread.
struct RawDeliveries {
  int64_t delivered = 0;
  int64_t failed = 0;
  rd_kafka_resp_err_t first_error = RD_KAFKA_RESP_ERR_NO_ERROR;
};

void OnRawDelivery(rd_kafka_t* /*rk*/, const rd_kafka_message_t* message, void* opaque) {
  auto* deliveries = static_cast<RawDeliveries*>(opaque);
  if (message->err == RD_KAFKA_RESP_ERR_NO_ERROR) {
    ++deliveries->delivered;
  } else if (deliveries->failed++ == 0) {
    deliveries->first_error = message->err;
  }
}

void AddHeader(rd_kafka_headers_t* headers, absl::string_view name, absl::string_view value) {
  rd_kafka_header_add(headers, name.data(), static_cast<ssize_t>(name.size()), value.data(),
                      static_cast<ssize_t>(value.size()));
}

// Phase 1: librdkafka's producer as rdkafka_performance drives it.
absl::StatusOr<PhaseResult> RawProduce(const BenchContext& ctx,
                                       const std::vector<events::Event>& input) {
  ARREARS_ASSIGN_OR_RETURN(
      kafka::RdConfPtr conf,
      kafka::BuildRdKafkaConf(ProducerConfig(ctx, "bench-raw-producer"),
                              kafka::ClientRole::kProducer, ProducerProperties()));
  RawDeliveries deliveries;
  rd_kafka_conf_set_opaque(conf.get(), &deliveries);
  rd_kafka_conf_set_dr_msg_cb(conf.get(), &OnRawDelivery);
  ARREARS_ASSIGN_OR_RETURN(kafka::RdKafkaPtr rk, NewClient(RD_KAFKA_PRODUCER, std::move(conf)));

  // The same six headers KafkaProducer writes (events::ToHeaders), with the
  // same sizes; only ce_id varies, so the raw loop does not format times.
  const events::Envelope& first = input.front().envelope;
  const std::string time = events::FormatEventTime(first.time);
  auto produce = [&](const events::Event& event) -> absl::Status {
    rd_kafka_headers_t* headers = rd_kafka_headers_new(6);
    AddHeader(headers, events::kHeaderId, event.envelope.id);
    AddHeader(headers, events::kHeaderType, first.type);
    AddHeader(headers, events::kHeaderSource, first.source);
    AddHeader(headers, events::kHeaderTime, time);
    AddHeader(headers, events::kHeaderSpecVersion, events::kSpecVersion);
    AddHeader(headers, events::kHeaderContentType, events::kProtobufContentType);
    rd_kafka_resp_err_t err;
    while (true) {
      err = rd_kafka_producev(
          rk.get(), RD_KAFKA_V_TOPIC(ctx.raw_topic.c_str()),
          RD_KAFKA_V_KEY(event.key.data(), event.key.size()),
          RD_KAFKA_V_VALUE(const_cast<char*>(event.payload.data()), event.payload.size()),
          RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_HEADERS(headers), RD_KAFKA_V_END);
      if (err != RD_KAFKA_RESP_ERR__QUEUE_FULL) break;
      rd_kafka_poll(rk.get(), 10);
    }
    if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
      rd_kafka_headers_destroy(headers);
      return kafka::KafkaError(err, "raw produce");
    }
    rd_kafka_poll(rk.get(), 0);
    return absl::OkStatus();
  };

  ARREARS_RETURN_IF_ERROR(produce(input.front()));  // the warm-up, untimed
  ARREARS_RETURN_IF_ERROR(kafka::KafkaError(rd_kafka_flush(rk.get(), kKafkaTimeoutMs), "flush"));
  const absl::Duration cpu_start = ProcessCpu();
  const absl::Time start = absl::Now();
  for (size_t i = 1; i < input.size(); ++i) ARREARS_RETURN_IF_ERROR(produce(input[i]));
  ARREARS_RETURN_IF_ERROR(kafka::KafkaError(rd_kafka_flush(rk.get(), kKafkaTimeoutMs), "flush"));
  const absl::Duration elapsed = absl::Now() - start;
  const absl::Duration cpu = ProcessCpu() - cpu_start;

  const int64_t n = static_cast<int64_t>(input.size());
  if (deliveries.failed != 0 || deliveries.delivered != n) {
    return absl::DataLossError(absl::StrCat(
        "raw produce: ", deliveries.delivered, " of ", n, " delivered, ", deliveries.failed,
        " failed (first: ", rd_kafka_err2str(deliveries.first_error), ")"));
  }
  ARREARS_RETURN_IF_ERROR(
      CheckTopicKeptAll(ctx.inspector, ctx.raw_topic, ctx.setup.partitions, n).status());
  return PhaseResult{.path = "raw produce (rd_kafka_producev loop)",
                     .role = Role::kProduceBaseline,
                     .events = n - 1,
                     .elapsed = elapsed,
                     .bytes = (n - 1) * ctx.input_record_bytes,
                     .process_cpu = cpu};
}

// Phase 2: our producer, Publish'ing batches of envelopes.
absl::StatusOr<PhaseResult> PublishPhase(const BenchContext& ctx,
                                         const std::vector<events::Event>& input) {
  ARREARS_ASSIGN_OR_RETURN(std::unique_ptr<kafka::KafkaProducer> producer,
                           kafka::KafkaProducer::Create(ProducerConfig(ctx, "bench-publish")));
  const absl::Span<const events::Event> all = absl::MakeConstSpan(input);
  ARREARS_RETURN_IF_ERROR(Annotate(producer->Publish(all.first(1)), "warm-up"));
  const size_t per_call = ctx.setup.publish_batch;
  const absl::Duration cpu_start = ProcessCpu();
  const absl::Time start = absl::Now();
  for (size_t i = 1; i < all.size(); i += per_call) {
    ARREARS_RETURN_IF_ERROR(
        Annotate(producer->Publish(all.subspan(i, per_call)), "KafkaProducer::Publish"));
  }
  const absl::Duration elapsed = absl::Now() - start;
  const absl::Duration cpu = ProcessCpu() - cpu_start;

  const int64_t n = static_cast<int64_t>(input.size());
  ARREARS_RETURN_IF_ERROR(
      CheckTopicKeptAll(ctx.inspector, ctx.publish_topic, ctx.setup.partitions, n).status());
  return PhaseResult{
      .path = absl::StrCat("KafkaProducer::Publish (", ctx.setup.publish_batch, " a call)"),
      .role = Role::kProduce,
      .events = n - 1,
      .elapsed = elapsed,
      .bytes = (n - 1) * ctx.input_record_bytes,
      .process_cpu = cpu};
}

// Writes `input` to the input topic in large record batches, untimed (see
// --preload), and records the topic's end offsets.
absl::Status PreloadInput(BenchContext& ctx, const std::vector<events::Event>& input) {
  kafka::KafkaConfig config = DevConfig(ctx.bootstrap, "bench-preload");
  // Batches of 64 KB (~150 records): few enough per partition for the
  // mock's scan, small enough that its one-batch-per-partition fetch
  // responses stay short. The whole input is queued at once, so batches
  // fill up to batch.size.
  config.properties = {
      {"batch.size", "65536"}, {"linger.ms", "50"}, {"queue.buffering.max.messages", "2000000"}};
  ARREARS_ASSIGN_OR_RETURN(std::unique_ptr<kafka::KafkaProducer> producer,
                           kafka::KafkaProducer::Create(config));
  ARREARS_RETURN_IF_ERROR(Annotate(producer->Publish(input), "preloading the input topic"));
  ARREARS_ASSIGN_OR_RETURN(ctx.input_end_offsets,
                           CheckTopicKeptAll(ctx.inspector, ctx.input_topic, ctx.setup.partitions,
                                             static_cast<int64_t>(input.size())));
  return absl::OkStatus();
}

// The configuration of the consumers of phases 3-5.
kafka::KafkaConfig ConsumerConfig(const BenchContext& ctx, std::string client_id) {
  kafka::KafkaConfig config = DevConfig(ctx.bootstrap, std::move(client_id));
  config.properties = ctx.setup.consumer_properties;
  return config;
}

// Phase 3: librdkafka's consumer without a group. It reads each record's
// ce_id header as our loop reads all of them; with librdkafka 2.0.2 on the
// mock that alone cuts this loop from ~1.6 M to ~0.3 M records/s at the
// default queued.min.messages (the fetcher idles; CPU per record barely
// changes), which --consumer_properties=queued.min.messages=1000000 undoes.
absl::StatusOr<PhaseResult> RawConsume(const BenchContext& ctx) {
  // assign() needs a group id but joins no group.
  kafka::ClientProperties client{.defaults = {},
                                 .required = {{"group.id", "bench-raw-reader"},
                                              {"enable.auto.commit", "false"},
                                              {"enable.partition.eof", "false"}}};
  ARREARS_ASSIGN_OR_RETURN(kafka::RdConfPtr conf,
                           kafka::BuildRdKafkaConf(ConsumerConfig(ctx, "bench-raw-consumer"),
                                                   kafka::ClientRole::kConsumer, client));
  ARREARS_ASSIGN_OR_RETURN(kafka::RdKafkaPtr rk, NewClient(RD_KAFKA_CONSUMER, std::move(conf)));
  rd_kafka_poll_set_consumer(rk.get());
  kafka::RdPartitionListPtr assignment(rd_kafka_topic_partition_list_new(ctx.setup.partitions));
  for (int partition = 0; partition < ctx.setup.partitions; ++partition) {
    rd_kafka_topic_partition_list_add(assignment.get(), ctx.input_topic.c_str(), partition)
        ->offset = RD_KAFKA_OFFSET_BEGINNING;
  }
  ARREARS_RETURN_IF_ERROR(kafka::KafkaError(rd_kafka_assign(rk.get(), assignment.get()), "assign"));

  OffsetCoverage coverage(ctx.input_end_offsets);
  int64_t id_bytes = 0;  // keeps the header reads from being optimized away
  absl::Time start = absl::InfinitePast();
  absl::Duration cpu_start;
  const absl::Time deadline = absl::Now() + ctx.setup.phase_timeout;
  while (!coverage.complete() && absl::Now() < deadline) {
    kafka::RdMessagePtr message(rd_kafka_consumer_poll(rk.get(), 100));
    if (message == nullptr) continue;
    if (message->err != RD_KAFKA_RESP_ERR_NO_ERROR) {
      return kafka::KafkaError(message->err, "raw consume");
    }
    if (start == absl::InfinitePast()) {
      start = absl::Now();
      cpu_start = ProcessCpu();
    }
    rd_kafka_headers_t* headers = nullptr;
    if (rd_kafka_message_headers(message.get(), &headers) == RD_KAFKA_RESP_ERR_NO_ERROR) {
      const void* value = nullptr;
      size_t size = 0;
      if (rd_kafka_header_get_last(headers, events::kHeaderId.data(), &value, &size) ==
          RD_KAFKA_RESP_ERR_NO_ERROR) {
        id_bytes += static_cast<int64_t>(size);
      }
    }
    coverage.Mark(message->partition, message->offset);
  }
  const absl::Time end = absl::Now();
  const absl::Duration cpu = ProcessCpu() - cpu_start;
  rd_kafka_consumer_close(rk.get());
  ARREARS_RETURN_IF_ERROR(coverage.Check("raw consume"));
  if (id_bytes == 0) return absl::DataLossError("raw consume: no record had a ce_id header");
  return PhaseResult{.path = "raw consume (assign + rd_kafka_consumer_poll)",
                     .role = Role::kConsumeBaseline,
                     .events = coverage.distinct(),
                     .elapsed = end - start,
                     .bytes = coverage.distinct() * ctx.input_record_bytes,
                     .process_cpu = cpu};
}

// The handler a ConsumerLoop phase runs: calls the handler under test (none:
// a no-op that accepts every event), marks the events that came back OK —
// after the call returned, so for the exactly-once processor after its
// commit — and notifies once every record of the topic was handled. Times the
// phase from the first call on, which leaves out the group join.
class MeasuringHandler final : public events::EventBatchHandler {
 public:
  // `inner` may be null; both must outlive the handler.
  MeasuringHandler(events::EventBatchHandler* inner, OffsetCoverage* coverage)
      : inner_(inner), coverage_(coverage) {}

  std::vector<absl::Status> HandleBatch(absl::Span<const events::InboundEvent> batch) override {
    const absl::Time begin = absl::Now();
    if (batches_ == 0) {
      first_call_ = begin;
      cpu_first_call_ = ProcessCpu();
    }
    ++batches_;
    const absl::Duration cpu_begin = ThreadCpu();
    std::vector<absl::Status> statuses =
        inner_ != nullptr ? inner_->HandleBatch(batch) : std::vector<absl::Status>(batch.size());
    handler_cpu_ += ThreadCpu() - cpu_begin;
    const absl::Time end = absl::Now();
    handler_time_ += end - begin;
    for (size_t i = 0; i < batch.size() && i < statuses.size(); ++i) {
      if (statuses[i].ok()) coverage_->Mark(batch[i].position.partition, batch[i].position.offset);
    }
    if (coverage_->complete() && !done_.HasBeenNotified()) {
      last_return_ = end;
      cpu_last_return_ = ProcessCpu();
      done_.Notify();
    }
    return statuses;
  }

  absl::Notification& done() { return done_; }

  // Read after done() or after the loop stopped.
  absl::Duration elapsed() const { return last_return_ - first_call_; }
  absl::Duration process_cpu() const { return cpu_last_return_ - cpu_first_call_; }
  absl::Duration handler_time() const { return handler_time_; }
  absl::Duration handler_cpu() const { return handler_cpu_; }
  int64_t batches() const { return batches_; }

 private:
  events::EventBatchHandler* const inner_;
  OffsetCoverage* const coverage_;
  absl::Notification done_;
  int64_t batches_ = 0;
  absl::Time first_call_;
  absl::Time last_return_;
  absl::Duration cpu_first_call_;
  absl::Duration cpu_last_return_;
  absl::Duration handler_time_;
  absl::Duration handler_cpu_;
};

// Phases 4 and 5: a ConsumerLoop in a new group (dev profile) over the input
// topic, with `inner` behind a MeasuringHandler, until every record is
// handled.
absl::StatusOr<PhaseResult> ConsumerLoopPhase(const BenchContext& ctx, std::string path,
                                              const std::string& group,
                                              events::EventBatchHandler* inner) {
  OffsetCoverage coverage(ctx.input_end_offsets);
  MeasuringHandler handler(inner, &coverage);
  kafka::ConsumerOptions options;
  options.kafka = ConsumerConfig(ctx, group);
  options.group_id = group;
  options.topics = {ctx.input_topic};
  options.max_batch_size = ctx.setup.batch;
  options.overlap_polling = ctx.setup.overlap_polling;
  ARREARS_ASSIGN_OR_RETURN(std::unique_ptr<kafka::ConsumerLoop> loop,
                           kafka::ConsumerLoop::Create(options, &handler, ctx.dead_letter_producer,
                                                       &SystemClock::Get()));
  absl::Status run_status;
  std::thread consumer([&] { run_status = loop->Run(); });
  handler.done().WaitForNotificationWithTimeout(ctx.setup.phase_timeout);
  loop->Stop();
  consumer.join();
  ARREARS_RETURN_IF_ERROR(Annotate(run_status, path));
  const kafka::ConsumerStats stats = loop->stats();
  if (stats.dead_lettered != 0) {
    return absl::DataLossError(
        absl::StrCat(path, ": ", stats.dead_lettered, " events went to the dead-letter topic"));
  }
  ARREARS_RETURN_IF_ERROR(coverage.Check(path));
  return PhaseResult{.path = std::move(path),
                     .role = Role::kConsume,
                     .events = coverage.distinct(),
                     .elapsed = handler.elapsed(),
                     .bytes = coverage.distinct() * ctx.input_record_bytes,
                     .process_cpu = handler.process_cpu(),
                     .batches = handler.batches(),
                     .handler_time = handler.handler_time(),
                     .handler_cpu = handler.handler_cpu()};
}

// Phase 5's store: one SQLite file, its repositories and the processor.
struct ExactlyOnceStore {
  store::TempDir dir;
  std::unique_ptr<store::SqliteDatabase> db = nullptr;
  std::unique_ptr<store::SqliteProcessedEvents> processed = nullptr;
  std::unique_ptr<store::SqliteOutbox> outbox = nullptr;
  std::unique_ptr<BenchApplier> applier = nullptr;
  std::unique_ptr<store::ExactlyOnceProcessor> processor = nullptr;

  static absl::StatusOr<ExactlyOnceStore> Create(const BenchContext& ctx) {
    ARREARS_ASSIGN_OR_RETURN(store::TempDir dir, store::TempDir::Create());
    ExactlyOnceStore s{.dir = std::move(dir)};
    ARREARS_ASSIGN_OR_RETURN(
        s.db, store::SqliteDatabase::Create({.path = s.dir.File("bench.db"),
                                             .synchronous = store::SqliteSynchronous::kNormal,
                                             .checkpoint_pages = ctx.setup.sqlite_checkpoint_pages,
                                             .page_size = ctx.setup.sqlite_page_size}));
    ARREARS_RETURN_IF_ERROR(s.db->Migrate(BenchApplier::Migrations()));
    s.processed = std::make_unique<store::SqliteProcessedEvents>(s.db.get());
    s.outbox = std::make_unique<store::SqliteOutbox>(s.db.get());
    s.applier = std::make_unique<BenchApplier>(s.db.get(), ctx.output_topic, ctx.setup.value_bytes);
    ARREARS_ASSIGN_OR_RETURN(s.processor,
                             store::ExactlyOnceProcessor::Create(
                                 s.db.get(), s.processed.get(), s.outbox.get(), s.applier.get(),
                                 &SystemClock::Get(), {.consumer = "bench"}));
    return s;
  }
};

// Phase 5, then its checks: each event applied once, one outbound event each.
absl::StatusOr<PhaseResult> ExactlyOncePhase(const BenchContext& ctx, ExactlyOnceStore& store,
                                             int round) {
  ARREARS_ASSIGN_OR_RETURN(
      PhaseResult result,
      ConsumerLoopPhase(
          ctx,
          absl::StrCat("ConsumerLoop + ExactlyOnceProcessor (SQLite, batch ", ctx.setup.batch, ")"),
          absl::StrCat("bench-exactly-once-", round), store.processor.get()));
  ARREARS_ASSIGN_OR_RETURN(const int64_t applied, BenchApplier::CountApplications(*store.db));
  ARREARS_ASSIGN_OR_RETURN(const int64_t pending, store.outbox->PendingCount());
  if (applied != ctx.setup.events || pending != ctx.setup.events) {
    return absl::DataLossError(absl::StrCat("exactly-once: ", applied, " applications and ",
                                            pending, " outbox rows, want ", ctx.setup.events,
                                            " of each"));
  }
  result.exactly_once = true;
  // Where the commit time goes: WAL volume and who checkpoints it.
  std::error_code error;
  const uintmax_t db_bytes = std::filesystem::file_size(store.db->path(), error);
  const uintmax_t wal_bytes = std::filesystem::file_size(store.db->path() + "-wal", error);
  std::printf(
      "exactly-once store after phase 5, round %d: %.0f MB database, %.0f MB WAL, %lld "
      "background checkpoints\n",
      round, db_bytes / 1e6, wal_bytes / 1e6,
      static_cast<long long>(store.db->background_checkpoints()));
  return result;
}

// Phase 6: the relay drains phase 5's outbox to the output topic.
absl::StatusOr<PhaseResult> RelayPhase(const BenchContext& ctx, const ExactlyOnceStore& store) {
  // A connection of its own, as a service wires its relay.
  ARREARS_ASSIGN_OR_RETURN(std::unique_ptr<store::SqliteDatabase> db,
                           store::SqliteDatabase::Create({.path = store.db->path()}));
  store::SqliteOutbox outbox(db.get());
  store::SqliteLeaderLease lease(db.get());
  ARREARS_ASSIGN_OR_RETURN(std::unique_ptr<kafka::KafkaProducer> producer,
                           kafka::KafkaProducer::Create(DevConfig(ctx.bootstrap, "bench-relay")));
  // The warm-up, untimed as in phases 1-2: one event more on the output
  // topic, shaped like the outbox's.
  events::Event inbound;
  inbound.key = EventKey(0, ctx.setup.keys);
  inbound.envelope.id = "relay-warm-up";
  const events::Event warm_up = store.applier->FollowUp(inbound);
  ARREARS_RETURN_IF_ERROR(Annotate(producer->Publish({warm_up}), "relay warm-up"));
  ARREARS_ASSIGN_OR_RETURN(
      std::unique_ptr<store::OutboxRelay> relay,
      store::OutboxRelay::Create({.batch_size = ctx.setup.relay_batch}, &outbox, &lease,
                                 producer.get(), &SystemClock::Get()));
  int64_t published = 0;
  const absl::Duration cpu_start = ProcessCpu();
  const absl::Time start = absl::Now();
  while (published < ctx.setup.events) {
    ARREARS_ASSIGN_OR_RETURN(const store::OutboxRelayRound round, relay->PublishPendingOnce());
    if (!round.leader || round.published == 0) {
      return absl::DataLossError(absl::StrCat("outbox relay: stalled after ", published, " of ",
                                              ctx.setup.events, " (leader: ", round.leader, ")"));
    }
    published += round.published;
  }
  const absl::Duration elapsed = absl::Now() - start;
  const absl::Duration cpu = ProcessCpu() - cpu_start;
  ARREARS_ASSIGN_OR_RETURN(const int64_t pending, outbox.PendingCount());
  if (published != ctx.setup.events || pending != 0) {
    return absl::DataLossError(absl::StrCat("outbox relay: published ", published, ", ", pending,
                                            " still pending, want ", ctx.setup.events));
  }
  ARREARS_RETURN_IF_ERROR(
      CheckTopicKeptAll(ctx.inspector, ctx.output_topic, ctx.setup.partitions, published + 1)
          .status());
  return PhaseResult{.path = absl::StrCat("OutboxRelay (SQLite outbox -> Publish, batch ",
                                          ctx.setup.relay_batch, ")"),
                     .role = Role::kProduce,
                     .events = published,
                     .elapsed = elapsed,
                     .bytes = published * RecordBytes(warm_up),
                     .process_cpu = cpu};
}

// `result`, labelled as a phase of interleaved round `round`.
absl::StatusOr<PhaseResult> InRound(int round, absl::StatusOr<PhaseResult> result) {
  if (result.ok()) {
    result->load_average = LoadAverage();
    result->round = round;
    if (round > 0) absl::StrAppend(&result->path, ", round ", round);
  }
  return result;
}

// Runs the phases, appending each finished one to `results`.
absl::Status RunPhases(const Setup& setup, std::vector<PhaseResult>& results) {
  auto record = [&results](absl::StatusOr<PhaseResult> result) -> absl::Status {
    if (!result.ok()) return result.status();
    results.push_back(*std::move(result));
    const PhaseResult& r = results.back();
    std::fprintf(stderr, "  %lld events in %.2f s\n", static_cast<long long>(r.events),
                 absl::ToDoubleSeconds(r.elapsed));
    return absl::OkStatus();
  };
  std::unique_ptr<devbroker::DevBroker> broker;
  if (setup.bootstrap.empty()) {
    ARREARS_ASSIGN_OR_RETURN(
        broker, devbroker::DevBroker::Create(
                    {.brokers = kBrokers, .port = 0, .partitions_override = setup.partitions}));
  }
  BenchContext ctx{.setup = setup,
                   .bootstrap = broker != nullptr ? broker->bootstrap() : setup.bootstrap};
  // Fresh topics of the dev broker. The consumers see them in a service's
  // roles: loan events in, delinquency events out.
  ctx.raw_topic = topics::Spec(topics::v1::TOPIC_CUSTOMER_EVENTS).name();
  ctx.publish_topic = topics::Spec(topics::v1::TOPIC_CONTACT_EVENTS).name();
  ctx.input_topic =
      setup.preload ? topics::Spec(topics::v1::TOPIC_LOAN_EVENTS).name() : ctx.publish_topic;
  ctx.output_topic = topics::Spec(topics::v1::TOPIC_DELINQUENCY_EVENTS).name();
  std::printf("topics: raw produce -> %s, Publish -> %s, consumers <- %s%s, outbox -> %s\n",
              ctx.raw_topic.c_str(), ctx.publish_topic.c_str(), ctx.input_topic.c_str(),
              setup.preload ? " (preloaded in 64 KB batches)" : " (phase 2's)",
              ctx.output_topic.c_str());
  ARREARS_ASSIGN_OR_RETURN(kafka::RdConfPtr inspector_conf,
                           kafka::BuildRdKafkaConf(DevConfig(ctx.bootstrap, "bench-inspector"),
                                                   kafka::ClientRole::kProducer));
  ARREARS_ASSIGN_OR_RETURN(kafka::RdKafkaPtr inspector,
                           NewClient(RD_KAFKA_PRODUCER, std::move(inspector_conf)));
  ctx.inspector = inspector.get();
  for (const std::string* topic :
       {&ctx.raw_topic, &ctx.publish_topic, &ctx.input_topic, &ctx.output_topic}) {
    ARREARS_RETURN_IF_ERROR(CheckPartitionCount(ctx.inspector, *topic, setup.partitions));
  }
  ARREARS_ASSIGN_OR_RETURN(
      std::unique_ptr<kafka::KafkaProducer> dead_letter_producer,
      kafka::KafkaProducer::Create(DevConfig(ctx.bootstrap, "bench-dead-letters")));
  ctx.dead_letter_producer = dead_letter_producer.get();

  std::fprintf(stderr, "generating %lld events\n", static_cast<long long>(setup.events));
  {
    std::vector<events::Event> input = MakeInputEvents(setup, ctx.publish_topic);
    ctx.input_record_bytes = RecordBytes(input.front());
    std::fprintf(stderr, "phase 1: raw produce\n");
    ARREARS_RETURN_IF_ERROR(record(RawProduce(ctx, input)));
    if (setup.publish_phase || !setup.preload) {
      std::fprintf(stderr, "phase 2: KafkaProducer::Publish\n");
      ARREARS_RETURN_IF_ERROR(record(PublishPhase(ctx, input)));
    }
    if (setup.preload) {
      std::fprintf(stderr, "preloading the consumers' input (untimed)\n");
      for (events::Event& event : input) event.topic = ctx.input_topic;
      ARREARS_RETURN_IF_ERROR(PreloadInput(ctx, input));
    } else {
      ARREARS_ASSIGN_OR_RETURN(
          ctx.input_end_offsets,
          CheckTopicKeptAll(ctx.inspector, ctx.input_topic, setup.partitions, setup.events));
    }
  }  // The input's memory goes before the consumers prefetch theirs.

  const int64_t largest =
      *std::max_element(ctx.input_end_offsets.begin(), ctx.input_end_offsets.end());
  std::printf("partition fill: largest partition %lld records, ~%.2f MB of the mock's ~%.0f MB\n",
              static_cast<long long>(largest),
              largest * (ctx.input_record_bytes + kRecordFramingBytes) / 1e6,
              kMockPartitionBytes / 1e6);

  // The last round's store, for phase 6. Reset before the next round's is
  // created: its connections must close before its directory goes.
  std::optional<ExactlyOnceStore> store;
  for (int round = 1; round <= setup.rounds; ++round) {
    std::fprintf(stderr, "round %d of %d, phase 3: raw consume\n", round, setup.rounds);
    ARREARS_RETURN_IF_ERROR(record(InRound(round, RawConsume(ctx))));
    if (round == 1) {
      std::fprintf(stderr, "phase 4: ConsumerLoop, no-op handler (group join not timed)\n");
      ARREARS_RETURN_IF_ERROR(record(InRound(
          round, ConsumerLoopPhase(
                     ctx, absl::StrCat("ConsumerLoop, no-op handler (batch ", setup.batch, ")"),
                     "bench-consumer-loop", nullptr))));
    }
    std::fprintf(stderr,
                 "round %d of %d, phase 5: ConsumerLoop + ExactlyOnceProcessor (group join not "
                 "timed)\n",
                 round, setup.rounds);
    store.reset();
    ARREARS_ASSIGN_OR_RETURN(ExactlyOnceStore fresh, ExactlyOnceStore::Create(ctx));
    store.emplace(std::move(fresh));
    ARREARS_RETURN_IF_ERROR(record(InRound(round, ExactlyOncePhase(ctx, *store, round))));
  }
  if (!setup.relay) return absl::OkStatus();

  std::fprintf(stderr, "phase 6: outbox relay\n");
  return record(RelayPhase(ctx, *store));
}

// The first result in `role`; for the consume baseline, the one of `round`
// (phases that run once compare with round 1's).
const PhaseResult* Find(const std::vector<PhaseResult>& results, Role role, int round = 0) {
  for (const PhaseResult& r : results) {
    if (r.role != role) continue;
    if (role == Role::kConsumeBaseline && r.round != std::max(round, 1)) continue;
    return &r;
  }
  return nullptr;
}

std::string VsBaseline(const std::vector<PhaseResult>& results, const PhaseResult& r) {
  if (r.role == Role::kProduceBaseline || r.role == Role::kConsumeBaseline) {
    return "1.00 (baseline)";
  }
  const PhaseResult* baseline = Find(
      results, r.role == Role::kProduce ? Role::kProduceBaseline : Role::kConsumeBaseline, r.round);
  if (baseline == nullptr) return "-";
  return absl::StrFormat("%.2f", r.rate() / baseline->rate());
}

void PrintResults(const std::vector<PhaseResult>& results) {
  std::printf("\n| path | events | seconds | events/s | MB/s | vs baseline |\n");
  std::printf("|---|---:|---:|---:|---:|---:|\n");
  for (const PhaseResult& r : results) {
    std::printf("| %s | %lld | %.2f | %.0f | %.1f | %s |\n", r.path.c_str(),
                static_cast<long long>(r.events), absl::ToDoubleSeconds(r.elapsed), r.rate(),
                r.bytes / absl::ToDoubleSeconds(r.elapsed) / 1e6, VsBaseline(results, r).c_str());
  }

  // Where the time goes: the process's CPU (client, broker and SQLite
  // threads alike: the broker is in-process) and, for consumer loops, the
  // handler's share of the wall time.
  std::printf(
      "\n| path | process CPU s | CPU us/event | cores busy | handler calls | avg batch "
      "| in handler |\n");
  std::printf("|---|---:|---:|---:|---:|---:|---:|\n");
  for (const PhaseResult& r : results) {
    const double cpu = absl::ToDoubleSeconds(r.process_cpu);
    const double wall = absl::ToDoubleSeconds(r.elapsed);
    std::string calls = "-", batch = "-", share = "-";
    if (r.batches > 0) {
      calls = absl::StrCat(r.batches);
      batch = absl::StrFormat("%.0f", static_cast<double>(r.events) / r.batches);
      share = absl::StrFormat("%.0f%% (%.2f us/event wall, %.2f cpu)",
                              100 * absl::ToDoubleSeconds(r.handler_time) / wall,
                              absl::ToDoubleMicroseconds(r.handler_time) / r.events,
                              absl::ToDoubleMicroseconds(r.handler_cpu) / r.events);
    }
    std::printf("| %s | %.2f | %.2f | %.2f | %s | %s | %s |\n", r.path.c_str(), cpu,
                cpu * 1e6 / r.events, cpu / wall, calls.c_str(), batch.c_str(), share.c_str());
  }

  std::printf("\nload average at the end: %s\n", LoadAverage().c_str());

  // The target, judged round by round against the raw loop measured just
  // before, on the median ratio.
  std::vector<double> ratios;
  std::printf(
      "\n| round | raw consume events/s | exactly-once events/s | ratio | load average (1 5 15 "
      "min) after exactly-once |\n");
  std::printf("|---:|---:|---:|---:|---|\n");
  for (const PhaseResult& r : results) {
    if (!r.exactly_once) continue;
    const PhaseResult* raw = Find(results, Role::kConsumeBaseline, r.round);
    if (raw == nullptr) continue;
    ratios.push_back(r.rate() / raw->rate());
    std::printf("| %d | %.0f | %.0f | %.2f | %s |\n", r.round, raw->rate(), r.rate(), ratios.back(),
                r.load_average.c_str());
  }
  if (!ratios.empty()) {
    const double kept = 100 * bench::Median(ratios);
    std::printf(
        "exactly-once path keeps %.0f%% of the raw consume rate (median of %zu rounds, from %.0f%% "
        "to %.0f%%; target >= 30%%): %s\n",
        kept, ratios.size(), 100 * *std::min_element(ratios.begin(), ratios.end()),
        100 * *std::max_element(ratios.begin(), ratios.end()), kept >= 30 ? "PASS" : "FAIL");
  }
}

absl::Status Validate(const Setup& s) {
  if (s.events < 1) return absl::InvalidArgumentError("--events: must be at least 1");
  if (s.value_bytes < 1) return absl::InvalidArgumentError("--value_bytes: must be at least 1");
  if (s.partitions < 1) return absl::InvalidArgumentError("--partitions: must be at least 1");
  if (s.batch < 1) return absl::InvalidArgumentError("--batch: must be at least 1");
  if (s.rounds < 1) return absl::InvalidArgumentError("--rounds: must be at least 1");
  if (s.relay_batch < 1) return absl::InvalidArgumentError("--relay_batch: must be >= 1");
  if (s.publish_batch < 1) return absl::InvalidArgumentError("--publish_batch: must be >= 1");
  if (s.keys < 1) return absl::InvalidArgumentError("--keys: must be at least 1");
  if (s.phase_timeout <= absl::ZeroDuration()) {
    return absl::InvalidArgumentError("--phase_timeout: must be positive");
  }
  return absl::OkStatus();
}

int Main(const Setup& setup) {
  if (absl::Status s = Validate(setup); !s.ok()) {
    std::fprintf(stderr, "%s\n", s.ToString().c_str());
    return 2;
  }
  // The fill estimate uses the record size the input will have: a sample.
  events::Event sample =
      MakeInputEvents({.events = 1, .value_bytes = setup.value_bytes, .keys = 1}, "sample").front();
  const int64_t record_bytes = RecordBytes(sample);
  const std::vector<int64_t> counts = PredictPartitionCounts(setup);
  const int64_t largest = *std::max_element(counts.begin(), counts.end());
  const double largest_bytes = static_cast<double>(largest) * (record_bytes + kRecordFramingBytes);

  std::printf("machine: nproc=%ld, load average %s, librdkafka %s, SQLite %s\n",
              sysconf(_SC_NPROCESSORS_ONLN), LoadAverage().c_str(), rd_kafka_version_str(),
              sqlite3_libversion());
  std::printf(
      "setup: events=%lld value_bytes=%d partitions=%d batch=%d rounds=%d publish_batch=%d "
      "relay_batch=%d keys=%d overlap_polling=%s sqlite page_size=%d checkpoint_pages=%d "
      "broker=%s\n",
      static_cast<long long>(setup.events), setup.value_bytes, setup.partitions, setup.batch,
      setup.rounds, setup.publish_batch, setup.relay_batch, setup.keys,
      setup.overlap_polling ? "on" : "off", setup.sqlite_page_size, setup.sqlite_checkpoint_pages,
      setup.bootstrap.empty() ? absl::StrCat("in-process DevBroker, ", kBrokers, " brokers").c_str()
                              : setup.bootstrap.c_str());
  if (!setup.producer_properties.empty()) {
    std::printf("producer properties (phases 1-2): %s\n",
                absl::StrJoin(setup.producer_properties, ",", absl::PairFormatter("=")).c_str());
  }
  if (!setup.consumer_properties.empty()) {
    std::printf("consumer properties (phases 3-5): %s\n",
                absl::StrJoin(setup.consumer_properties, ",", absl::PairFormatter("=")).c_str());
  }
  std::printf(
      "record: %lld bytes of key + value + 6 CloudEvents headers (MB/s counts these); per topic "
      "the fullest partition gets %lld records, ~%.2f MB of the mock's ~%.0f MB\n",
      static_cast<long long>(record_bytes), static_cast<long long>(largest), largest_bytes / 1e6,
      kMockPartitionBytes / 1e6);
  if (largest_bytes > kPartitionFillLimit * kMockPartitionBytes) {
    std::fprintf(stderr,
                 "refusing to run: the fullest partition would overflow the mock's ~%.0f MB and "
                 "lose events silently; raise --partitions (or --keys)\n",
                 kMockPartitionBytes / 1e6);
    return 2;
  }

  std::vector<PhaseResult> results;
  const absl::Status status = RunPhases(setup, results);
  PrintResults(results);
  if (!status.ok()) {
    std::fprintf(stderr, "FAILED: %s\n", status.ToString().c_str());
    std::printf("FAILED: %s\n", status.ToString().c_str());
    return 1;
  }
  return 0;
}

}  // namespace
}  // namespace arrears::bench

int main(int argc, char** argv) {
  absl::SetProgramUsageMessage(
      "Kafka pipeline throughput through the dev broker vs librdkafka's raw loops, and the "
      "exactly-once consumer path vs the raw consume loop.");
  absl::ParseCommandLine(argc, argv);
  absl::StatusOr<arrears::kafka::Properties> consumer_properties =
      arrears::kafka::ParseProperties(absl::GetFlag(FLAGS_consumer_properties));
  if (!consumer_properties.ok()) {
    std::fprintf(stderr, "--consumer_properties: %s\n",
                 consumer_properties.status().ToString().c_str());
    return 2;
  }
  absl::StatusOr<arrears::kafka::Properties> producer_properties =
      arrears::kafka::ParseProperties(absl::GetFlag(FLAGS_producer_properties));
  if (!producer_properties.ok()) {
    std::fprintf(stderr, "--producer_properties: %s\n",
                 producer_properties.status().ToString().c_str());
    return 2;
  }
  return arrears::bench::Main(
      {.events = absl::GetFlag(FLAGS_events),
       .value_bytes = absl::GetFlag(FLAGS_value_bytes),
       .partitions = absl::GetFlag(FLAGS_partitions),
       .batch = absl::GetFlag(FLAGS_batch),
       .relay_batch = absl::GetFlag(FLAGS_relay_batch),
       .publish_batch = absl::GetFlag(FLAGS_publish_batch),
       .keys = absl::GetFlag(FLAGS_keys),
       .relay = absl::GetFlag(FLAGS_relay),
       .rounds = absl::GetFlag(FLAGS_rounds),
       .preload = absl::GetFlag(FLAGS_preload),
       .bootstrap = absl::GetFlag(FLAGS_bootstrap),
       .consumer_properties = *std::move(consumer_properties),
       .producer_properties = *std::move(producer_properties),
       .phase_timeout = absl::GetFlag(FLAGS_phase_timeout),
       .overlap_polling = absl::GetFlag(FLAGS_overlap_polling),
       .publish_phase = absl::GetFlag(FLAGS_publish_phase),
       .sqlite_page_size = absl::GetFlag(FLAGS_sqlite_page_size),
       .sqlite_checkpoint_pages = absl::GetFlag(FLAGS_sqlite_checkpoint_pages)});
}
