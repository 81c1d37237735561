// ConsumerLoop: consumes topics as a member of a consumer group and hands
// the events to an events::EventBatchHandler under its retry contract
// (common/events/handler.h), with at-least-once delivery to the handler and
// offsets committed only past events whose outcome is final.
//
//   ARREARS_ASSIGN_OR_RETURN(auto loop, ConsumerLoop::Create(options, &handler,
//                                                            dlq_producer.get(), &clock));
//   std::thread consumer([&] { status = loop->Run(); });
//   ...  // on SIGTERM:
//   loop->Stop();
//   consumer.join();
//
// Per batch (up to max_batch_size records, gathered for at most
// max_batch_wait after the first one):
//   - A record without a key or whose headers are not a valid CloudEvents
//     envelope goes to the dead-letter topic; the handler never sees it.
//   - OK: done. Permanent error: the event goes to "<topic>.dlq". Retryable
//     error: the event and all after it are retried with exponential backoff
//     and jitter; after retry.max_attempts the event goes to the DLQ and the
//     loop goes on. No event of a later batch reaches the handler until the
//     batch is final.
//   - With overlap_polling, while the handler works on a batch (on the
//     loop's handler thread), Run() polls and decodes the next one, so the consumer's
//     per-record work and the handler's commit run on two cores instead of
//     taking turns. At most one batch is prefetched; its records are handled
//     strictly after the batch in hand, so per-partition order is kept.
//   - An event is final once applied or written to the DLQ; only then is its
//     offset stored (enable.auto.offset.store=false, auto commit on). If the
//     DLQ write fails the event is retried, never skipped.
// Dead-letter records keep key, value and headers, and add dlq_reason,
// dlq_status_code, dlq_original_topic, dlq_original_partition,
// dlq_original_offset, dlq_attempts, dlq_failed_at, dlq_consumer_group
// (events::AppendDeadLetterHeaders).
//
// Rebalances use the eager protocol (the consumer profile's default; the
// cooperative protocol is handled too): on revoke the loop drops unfinished
// events of revoked partitions (the next owner gets them from the committed
// offset) and commits synchronously. librdkafka's mock broker refuses that
// commit (REBALANCE_IN_PROGRESS), so there the next owner redelivers what
// followed the last auto-commit; handlers dedupe by ce_id in any case.
//
// Thread-safety: Run() on one thread, once. Stop(), stats() and ConsumerLag()
// from any thread. The handler is called from one thread at a time and never
// concurrently with itself: Run()'s own thread, or with overlap_polling the
// loop's handler thread (so it must not rely on thread-locals set outside a
// call).
#ifndef ARREARS_COMMON_KAFKA_CONSUMER_LOOP_H_
#define ARREARS_COMMON_KAFKA_CONSUMER_LOOP_H_

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/random/random.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "absl/types/span.h"
#include "common/events/event.h"
#include "common/events/handler.h"
#include "common/kafka/config.h"
#include "common/kafka/producer.h"
#include "common/kafka/rdkafka_handles.h"
#include "common/time/clock.h"

namespace arrears::kafka {

struct RetryPolicy {
  // Handler attempts for one event before it goes to the DLQ (>= 1).
  int max_attempts = 5;
  absl::Duration initial_backoff = absl::Milliseconds(100);
  absl::Duration max_backoff = absl::Seconds(5);
  double multiplier = 2.0;
  // Each delay is scaled by a uniform factor in [1 - jitter, 1 + jitter].
  double jitter = 0.2;
};

struct ConsumerOptions {
  KafkaConfig kafka;
  std::string group_id;
  std::vector<std::string> topics;
  int max_batch_size = 500;
  absl::Duration max_batch_wait = absl::Milliseconds(20);
  RetryPolicy retry;
  // librdkafka statistics (feeding ConsumerLag()); zero disables them.
  absl::Duration statistics_interval = absl::Seconds(5);
  // Poll and decode the next batch while the handler runs (see above). Off by
  // default: on two cores, with the broker and the store's checkpointer
  // sharing them, the prefetch took CPU from the handler and lowered
  // throughput (kafka_pipeline_bench --overlap_polling); it pays where the
  // consumer has a core to itself.
  bool overlap_polling = false;
};

struct PartitionLag {
  std::string topic;
  int32_t partition = -1;
  // Messages between the committed offset and the partition's end; -1 when
  // librdkafka does not know yet.
  int64_t lag = -1;
  int64_t committed_offset = -1;

  friend bool operator==(const PartitionLag&, const PartitionLag&) = default;
};

// Monotonic counters since Create, except assigned_partitions (current).
struct ConsumerStats {
  int64_t events_handled = 0;  // the handler returned OK
  int64_t dead_lettered = 0;   // written to a DLQ (malformed, permanent, out of retries)
  int64_t retries = 0;         // handler calls repeated after a retryable error
  int64_t rebalances = 0;      // assignments and revocations served
  int64_t assigned_partitions = 0;
};

class ConsumerLoop {
 public:
  // Subscribes to options.topics. `handler`, `dead_letter_producer` and
  // `clock` (used for dlq_failed_at) must outlive the loop. InvalidArgument
  // names a bad option or Kafka property.
  static absl::StatusOr<std::unique_ptr<ConsumerLoop>> Create(const ConsumerOptions& options,
                                                              events::EventBatchHandler* handler,
                                                              KafkaProducer* dead_letter_producer,
                                                              const Clock* clock);

  ConsumerLoop(const ConsumerLoop&) = delete;
  ConsumerLoop& operator=(const ConsumerLoop&) = delete;
  // Closes the consumer if Run() never did.
  ~ConsumerLoop();

  // Consumes until Stop(): then finishes the batch in hand (unless its head
  // is in retry: that part is left for redelivery), stores the offsets of
  // final events, commits synchronously, leaves the group and returns OK. Returns an error on a
  // fatal consumer error, a handler that breaks its contract (wrong number of statuses), or a
  // second call.
  absl::Status Run();

  // Makes Run() return as described above; interrupts a backoff wait.
  // Idempotent; callable before Run().
  void Stop();

  ConsumerStats stats() const;

  // Per assigned partition, from the latest librdkafka statistics (empty
  // until the first statistics interval elapses).
  std::vector<PartitionLag> ConsumerLag() const;

 private:
  class PendingBatch;
  class HandlerThread;

  ConsumerLoop(const ConsumerOptions& options, events::EventBatchHandler* handler,
               KafkaProducer* dead_letter_producer, const Clock* clock);

  // A record to dead-letter: its index in the pending batch, why, and how
  // many times the handler saw it.
  struct DeadLetterItem {
    size_t index;
    absl::Status reason;
    int attempts;
  };

  bool stop_requested() const;
  // Fills the empty pending batch: from the prefetched one if there is one,
  // else by polling; fails only on a fatal consumer error.
  absl::Status PollBatch();
  // Adds a polled message to `batch`, or logs a consumer error; fails only on
  // a fatal consumer error.
  absl::Status TakeMessage(RdMessagePtr message, PendingBatch& batch);
  // One step on the head of the pending batch: dead-letters the rejected
  // records there, or calls the handler on the run of valid events that
  // follows (prefetching meanwhile); stores the offsets of what became final;
  // backs off if the head is still not final.
  absl::Status ProcessHead();
  // Polls into prefetched_ until the handler thread is done or the batch is
  // full.
  absl::Status PrefetchWhileHandling();
  // What follows a handler call on pending_[head, head + statuses.size()):
  // DLQ writes, offsets, retry bookkeeping. Runs on Run()'s thread, from
  // ProcessHead or, when a revocation interrupts the prefetch, from
  // Rebalance (which must settle the batch in flight before dropping
  // partitions).
  void CompleteHandlerCall(std::vector<absl::Status> statuses);
  // Collects and completes the handler thread's call, if one is in flight.
  void SettleInFlightCall();
  void DeadLetterRejectedRun();
  // After the handler failed the head with retryable `status`.
  void OnHeadRetryable(const absl::Status& status);
  absl::Status DeadLetter(absl::Span<const DeadLetterItem> items);
  // Marks pending [head, end) final: stores their offsets, drops them.
  void Finalize(size_t end);
  // Waits out the head's backoff, or until Stop().
  void Backoff();
  void CommitSync(absl::string_view why);
  void Close();

  static void OnRebalance(rd_kafka_t* rk, rd_kafka_resp_err_t err,
                          rd_kafka_topic_partition_list_t* partitions, void* opaque);
  void Rebalance(rd_kafka_resp_err_t err, rd_kafka_topic_partition_list_t* partitions);
  static int OnStatistics(rd_kafka_t* rk, char* json, size_t json_len, void* opaque);

  const ConsumerOptions options_;
  events::EventBatchHandler* const handler_;
  KafkaProducer* const dead_letter_producer_;
  const Clock* const clock_;
  RdKafkaPtr rk_;

  // Run()'s thread only.
  std::unique_ptr<PendingBatch> pending_;
  std::unique_ptr<PendingBatch> prefetched_;  // polled during a handler call
  std::unique_ptr<HandlerThread> handler_thread_;
  bool call_in_flight_ = false;  // handler_thread_ works on pending_'s head run
  size_t call_size_ = 0;         // events in the latest handler call
  absl::Status call_error_;      // a handler that broke its contract
  bool backoff_due_ = false;     // the head is still not final after a call
  int head_attempts_ = 0;        // handler attempts of pending_'s head event
  absl::BitGen random_;
  bool closed_ = false;

  mutable absl::Mutex stop_mu_;
  bool stop_requested_ ABSL_GUARDED_BY(stop_mu_) = false;
  bool ran_ ABSL_GUARDED_BY(stop_mu_) = false;

  std::atomic<int64_t> events_handled_{0};
  std::atomic<int64_t> dead_lettered_{0};
  std::atomic<int64_t> retries_{0};
  std::atomic<int64_t> rebalances_{0};
  std::atomic<int64_t> assigned_partitions_{0};

  mutable absl::Mutex lag_mu_;
  std::vector<PartitionLag> lag_ ABSL_GUARDED_BY(lag_mu_);
};

}  // namespace arrears::kafka

#endif  // ARREARS_COMMON_KAFKA_CONSUMER_LOOP_H_
