#include "common/kafka/consumer_loop.h"

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstring>
#include <thread>
#include <tuple>
#include <utility>

#include "absl/random/distributions.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/kafka/error.h"
#include "common/kafka/headers.h"
#include "common/kafka/log.h"
#include "common/status/status_macros.h"
#include "common/topics/topics.h"
#include "nlohmann/json.hpp"

namespace arrears::kafka {
namespace {

// Bounds how long an idle Run() takes to notice Stop().
constexpr int kIdlePollMs = 100;
// Bounds how late a prefetch notices that the handler is done when no
// records arrive.
constexpr int kPrefetchPollMs = 1;

std::string DescribePartitions(const rd_kafka_topic_partition_list_t& list) {
  std::vector<std::string> names;
  names.reserve(list.cnt);
  for (int i = 0; i < list.cnt; ++i) {
    names.push_back(absl::StrCat(list.elems[i].topic, "/", list.elems[i].partition));
  }
  return absl::StrJoin(names, ",");
}

absl::string_view RecordKey(const rd_kafka_message_t& m) {
  return absl::string_view(static_cast<const char*>(m.key), m.key ? m.key_len : 0);
}

absl::string_view RecordValue(const rd_kafka_message_t& m) {
  return absl::string_view(static_cast<const char*>(m.payload), m.payload ? m.len : 0);
}

}  // namespace

// Records polled but not yet final, in poll order (hence in partition order),
// each as an InboundEvent (contiguous, so a run of them is the handler's span)
// plus its librdkafka message (for the DLQ copy) and, when the record cannot
// be handed to the handler, why. Final records leave from the head. Slots are
// reused across batches, so steady-state consumption allocates little beyond
// what events::EnvelopeFromHeaders returns.
class ConsumerLoop::PendingBatch {
 public:
  bool empty() const { return head_ == size_; }
  size_t head() const { return head_; }
  size_t end() const { return size_; }
  const events::InboundEvent& event(size_t i) const { return events_[i]; }
  const rd_kafka_message_t& message(size_t i) const { return *messages_[i]; }
  const absl::Status& rejection(size_t i) const { return rejections_[i]; }
  absl::Span<const events::InboundEvent> events(size_t begin, size_t end) const {
    return absl::MakeConstSpan(events_.data() + begin, end - begin);
  }

  // The first index in [begin, end()) whose rejection() equals `rejected`.
  size_t Find(size_t begin, bool rejected) const {
    while (begin < size_ && rejections_[begin].ok() == rejected) ++begin;
    return begin;
  }

  void Add(RdMessagePtr message) {
    if (size_ == events_.size()) {
      events_.emplace_back();
      messages_.emplace_back();
      rejections_.emplace_back();
    }
    const rd_kafka_message_t& m = *message;
    events::InboundEvent& slot = events_[size_];
    const char* topic = rd_kafka_topic_name(m.rkt);
    slot.event.topic.assign(topic);
    slot.position.topic.assign(topic);
    slot.position.partition = m.partition;
    slot.position.offset = m.offset;
    absl::string_view key = RecordKey(m);
    absl::string_view value = RecordValue(m);
    slot.event.key.assign(key.data(), key.size());
    slot.event.payload.assign(value.data(), value.size());
    ReadHeaders(m, &scratch_headers_);
    absl::Status rejection;
    absl::StatusOr<events::Envelope> envelope = events::EnvelopeFromHeaders(scratch_headers_);
    if (!envelope.ok()) {
      rejection = Annotate(envelope.status(), "malformed record headers");
    } else if (key.empty()) {
      rejection = absl::InvalidArgumentError("malformed record: no key (want the aggregate id)");
    } else {
      slot.event.envelope = *std::move(envelope);
    }
    rejections_[size_] = std::move(rejection);
    messages_[size_] = std::move(message);
    ++size_;
  }

  // Releases [head, new_head).
  void AdvanceHead(size_t new_head) {
    for (; head_ < new_head; ++head_) messages_[head_].reset();
    if (head_ == size_) head_ = size_ = 0;
  }

  void Clear() { AdvanceHead(size_); }

  // Drops the records of `revoked` partitions, keeping the others' order.
  void DropPartitions(const rd_kafka_topic_partition_list_t& revoked) {
    size_t kept = head_;
    for (size_t i = head_; i < size_; ++i) {
      const events::SourcePosition& position = events_[i].position;
      if (rd_kafka_topic_partition_list_find(&revoked, position.topic.c_str(),
                                             position.partition) != nullptr) {
        messages_[i].reset();
        continue;
      }
      if (kept != i) {
        std::swap(events_[kept], events_[i]);
        std::swap(messages_[kept], messages_[i]);
        std::swap(rejections_[kept], rejections_[i]);
      }
      ++kept;
    }
    size_ = kept;
    if (head_ == size_) head_ = size_ = 0;
  }

 private:
  std::vector<events::InboundEvent> events_;
  std::vector<RdMessagePtr> messages_;
  std::vector<absl::Status> rejections_;
  size_t head_ = 0;
  size_t size_ = 0;
  events::Headers scratch_headers_;
};

// Runs handler calls, one at a time, on its own thread, so that Run()'s
// thread can poll meanwhile. Start() then Wait() from Run()'s thread; done()
// tells without blocking whether Wait() would.
class ConsumerLoop::HandlerThread {
 public:
  explicit HandlerThread(events::EventBatchHandler* handler)
      : handler_(handler), thread_([this] { Loop(); }) {}
  ~HandlerThread() {
    {
      absl::MutexLock lock(&mu_);
      quit_ = true;
    }
    thread_.join();
  }

  void Start(absl::Span<const events::InboundEvent> batch) {
    absl::MutexLock lock(&mu_);
    done_.store(false, std::memory_order_relaxed);
    batch_ = batch;
    has_job_ = true;
  }

  bool done() const { return done_.load(std::memory_order_acquire); }

  std::vector<absl::Status> Wait() {
    absl::MutexLock lock(&mu_);
    mu_.Await(absl::Condition(&has_result_));
    has_result_ = false;
    return std::move(result_);
  }

 private:
  bool HasJobOrQuit() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return has_job_ || quit_; }

  void Loop() {
    while (true) {
      absl::Span<const events::InboundEvent> batch;
      {
        absl::MutexLock lock(&mu_);
        mu_.Await(absl::Condition(this, &HandlerThread::HasJobOrQuit));
        if (!has_job_) return;  // quit
        has_job_ = false;
        batch = batch_;
      }
      std::vector<absl::Status> statuses = handler_->HandleBatch(batch);
      {
        absl::MutexLock lock(&mu_);
        result_ = std::move(statuses);
        has_result_ = true;
      }
      done_.store(true, std::memory_order_release);
    }
  }

  events::EventBatchHandler* const handler_;
  absl::Mutex mu_;
  bool has_job_ ABSL_GUARDED_BY(mu_) = false;
  bool quit_ ABSL_GUARDED_BY(mu_) = false;
  absl::Span<const events::InboundEvent> batch_ ABSL_GUARDED_BY(mu_);
  bool has_result_ ABSL_GUARDED_BY(mu_) = false;
  std::vector<absl::Status> result_ ABSL_GUARDED_BY(mu_);
  std::atomic<bool> done_{true};
  std::thread thread_;  // last: starts after the members it reads
};

absl::StatusOr<std::unique_ptr<ConsumerLoop>> ConsumerLoop::Create(
    const ConsumerOptions& options, events::EventBatchHandler* handler,
    KafkaProducer* dead_letter_producer, const Clock* clock) {
  if (handler == nullptr || dead_letter_producer == nullptr || clock == nullptr) {
    return absl::InvalidArgumentError(
        "consumer loop: handler, DLQ producer and clock are required");
  }
  if (options.group_id.empty()) return absl::InvalidArgumentError("consumer group_id: empty");
  if (options.topics.empty()) return absl::InvalidArgumentError("consumer topics: empty");
  if (options.max_batch_size < 1) {
    return absl::InvalidArgumentError("consumer max_batch_size: must be at least 1");
  }
  if (options.max_batch_wait < absl::ZeroDuration() ||
      options.statistics_interval < absl::ZeroDuration()) {
    return absl::InvalidArgumentError(
        "consumer max_batch_wait, statistics_interval: must not be negative");
  }
  const RetryPolicy& retry = options.retry;
  if (retry.max_attempts < 1) {
    return absl::InvalidArgumentError("consumer retry.max_attempts: must be at least 1");
  }
  if (retry.initial_backoff < absl::ZeroDuration() || retry.max_backoff < retry.initial_backoff ||
      retry.multiplier < 1.0 || retry.jitter < 0.0 || retry.jitter > 1.0) {
    return absl::InvalidArgumentError(
        "consumer retry: want 0 <= initial_backoff <= max_backoff, multiplier >= 1, "
        "0 <= jitter <= 1");
  }

  ClientProperties client{
      .defaults = {{"auto.offset.reset", "earliest"}},
      .required = {{"group.id", options.group_id},
                   {"enable.auto.commit", "true"},
                   {"enable.auto.offset.store", "false"},
                   {"statistics.interval.ms",
                    absl::StrCat(absl::ToInt64Milliseconds(options.statistics_interval))}},
  };
  ARREARS_ASSIGN_OR_RETURN(RdConfPtr conf,
                           BuildRdKafkaConf(options.kafka, ClientRole::kConsumer, client));
  std::unique_ptr<ConsumerLoop> loop(
      new ConsumerLoop(options, handler, dead_letter_producer, clock));
  rd_kafka_conf_set_opaque(conf.get(), loop.get());
  rd_kafka_conf_set_rebalance_cb(conf.get(), &ConsumerLoop::OnRebalance);
  if (options.statistics_interval > absl::ZeroDuration()) {
    rd_kafka_conf_set_stats_cb(conf.get(), &ConsumerLoop::OnStatistics);
  }
  char error[512];
  loop->rk_.reset(rd_kafka_new(RD_KAFKA_CONSUMER, conf.get(), error, sizeof(error)));
  if (loop->rk_ == nullptr) {
    return absl::InvalidArgumentError(absl::StrCat("kafka consumer: ", error));
  }
  (void)conf.release();  // Owned by rk_ now.
  // Rebalance and statistics callbacks are served by rd_kafka_consumer_poll.
  rd_kafka_poll_set_consumer(loop->rk_.get());

  RdPartitionListPtr subscription(
      rd_kafka_topic_partition_list_new(static_cast<int>(options.topics.size())));
  for (const std::string& topic : options.topics) {
    rd_kafka_topic_partition_list_add(subscription.get(), topic.c_str(), RD_KAFKA_PARTITION_UA);
  }
  rd_kafka_resp_err_t err = rd_kafka_subscribe(loop->rk_.get(), subscription.get());
  if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
    return KafkaError(err, absl::StrCat("subscribing to ", absl::StrJoin(options.topics, ",")));
  }
  return loop;
}

ConsumerLoop::ConsumerLoop(const ConsumerOptions& options, events::EventBatchHandler* handler,
                           KafkaProducer* dead_letter_producer, const Clock* clock)
    : options_(options),
      handler_(handler),
      dead_letter_producer_(dead_letter_producer),
      clock_(clock),
      pending_(std::make_unique<PendingBatch>()),
      prefetched_(std::make_unique<PendingBatch>()) {}

ConsumerLoop::~ConsumerLoop() { Close(); }

void ConsumerLoop::Stop() {
  absl::MutexLock lock(&stop_mu_);
  stop_requested_ = true;
}

bool ConsumerLoop::stop_requested() const {
  absl::MutexLock lock(&stop_mu_);
  return stop_requested_;
}

ConsumerStats ConsumerLoop::stats() const {
  return ConsumerStats{
      .events_handled = events_handled_.load(std::memory_order_relaxed),
      .dead_lettered = dead_lettered_.load(std::memory_order_relaxed),
      .retries = retries_.load(std::memory_order_relaxed),
      .rebalances = rebalances_.load(std::memory_order_relaxed),
      .assigned_partitions = assigned_partitions_.load(std::memory_order_relaxed),
  };
}

std::vector<PartitionLag> ConsumerLoop::ConsumerLag() const {
  absl::MutexLock lock(&lag_mu_);
  return lag_;
}

absl::Status ConsumerLoop::Run() {
  {
    absl::MutexLock lock(&stop_mu_);
    if (ran_) return absl::FailedPreconditionError("ConsumerLoop::Run: called twice");
    ran_ = true;
  }
  absl::Status status;
  while (status.ok()) {
    // After Stop() the batch in hand is still finished, unless its head is
    // failing: retrying without backoff would exhaust its attempts, so it is
    // left for redelivery instead.
    if (stop_requested() && (pending_->empty() || head_attempts_ > 0)) break;
    status = pending_->empty() ? PollBatch() : ProcessHead();
  }
  CommitSync("stopping");
  Close();
  return status;
}

absl::Status ConsumerLoop::PollBatch() {
  if (!prefetched_->empty()) {
    // What arrived during the last handler call, topped up with what is
    // already queued, without waiting.
    std::swap(pending_, prefetched_);
    while (pending_->end() < static_cast<size_t>(options_.max_batch_size)) {
      RdMessagePtr message(rd_kafka_consumer_poll(rk_.get(), 0));
      if (message == nullptr) break;
      ARREARS_RETURN_IF_ERROR(TakeMessage(std::move(message), *pending_));
    }
    return absl::OkStatus();
  }
  int timeout_ms = kIdlePollMs;
  absl::Time deadline = absl::InfiniteFuture();
  while (pending_->end() < static_cast<size_t>(options_.max_batch_size)) {
    RdMessagePtr message(rd_kafka_consumer_poll(rk_.get(), timeout_ms));
    if (message == nullptr) break;
    ARREARS_RETURN_IF_ERROR(TakeMessage(std::move(message), *pending_));
    if (deadline == absl::InfiniteFuture() && !pending_->empty()) {
      deadline = absl::Now() + options_.max_batch_wait;
    }
    if (deadline != absl::InfiniteFuture()) {
      timeout_ms = static_cast<int>(std::max<int64_t>(
          0, absl::ToInt64Milliseconds(absl::Ceil(deadline - absl::Now(), absl::Milliseconds(1)))));
    }
  }
  return absl::OkStatus();
}

absl::Status ConsumerLoop::TakeMessage(RdMessagePtr message, PendingBatch& batch) {
  if (message->err == RD_KAFKA_RESP_ERR_NO_ERROR) {
    batch.Add(std::move(message));
    return absl::OkStatus();
  }
  if (message->err == RD_KAFKA_RESP_ERR__PARTITION_EOF) return absl::OkStatus();
  char reason[512];
  if (rd_kafka_fatal_error(rk_.get(), reason, sizeof(reason)) != RD_KAFKA_RESP_ERR_NO_ERROR) {
    return absl::InternalError(absl::StrCat("kafka consumer: fatal error: ", reason));
  }
  Log(LogSeverity::kWarning,
      absl::StrCat("consumer ", options_.group_id, ": ", rd_kafka_message_errstr(message.get())));
  return absl::OkStatus();
}

absl::Status ConsumerLoop::PrefetchWhileHandling() {
  // Rebalance() may settle the call from inside the poll.
  while (call_in_flight_ && !handler_thread_->done() &&
         prefetched_->end() < static_cast<size_t>(options_.max_batch_size)) {
    RdMessagePtr message(rd_kafka_consumer_poll(rk_.get(), kPrefetchPollMs));
    if (message == nullptr) continue;
    ARREARS_RETURN_IF_ERROR(TakeMessage(std::move(message), *prefetched_));
  }
  return absl::OkStatus();
}

void ConsumerLoop::SettleInFlightCall() {
  if (!call_in_flight_) return;
  call_in_flight_ = false;
  CompleteHandlerCall(handler_thread_->Wait());
}

absl::Status ConsumerLoop::ProcessHead() {
  const PendingBatch& batch = *pending_;
  const size_t head = batch.head();
  if (!batch.rejection(head).ok()) {
    DeadLetterRejectedRun();
    return absl::OkStatus();
  }
  const size_t end = batch.Find(head, /*rejected=*/true);
  if (++head_attempts_ > 1) retries_.fetch_add(1, std::memory_order_relaxed);
  call_size_ = end - head;
  absl::Status poll_status;
  if (options_.overlap_polling && prefetched_->empty()) {
    if (handler_thread_ == nullptr) handler_thread_ = std::make_unique<HandlerThread>(handler_);
    handler_thread_->Start(batch.events(head, end));
    call_in_flight_ = true;
    poll_status = PrefetchWhileHandling();
    SettleInFlightCall();
  } else {
    CompleteHandlerCall(handler_->HandleBatch(batch.events(head, end)));
  }
  if (!call_error_.ok()) return call_error_;
  ARREARS_RETURN_IF_ERROR(poll_status);
  if (backoff_due_) {
    backoff_due_ = false;
    Backoff();
  }
  return absl::OkStatus();
}

void ConsumerLoop::CompleteHandlerCall(std::vector<absl::Status> statuses) {
  const size_t head = pending_->head();
  if (statuses.size() != call_size_) {
    call_error_ = absl::InternalError(absl::StrCat("event handler returned ", statuses.size(),
                                                   " statuses for ", call_size_, " events"));
    return;
  }

  // Everything before the first retryable failure is final once the
  // permanent failures among it are in the DLQ.
  size_t final_count = 0;
  std::vector<DeadLetterItem> rejected;
  for (; final_count < statuses.size(); ++final_count) {
    const absl::Status& status = statuses[final_count];
    if (status.ok()) continue;
    if (events::IsRetryable(status)) break;
    rejected.push_back(DeadLetterItem{.index = head + final_count,
                                      .reason = status,
                                      .attempts = final_count == 0 ? head_attempts_ : 1});
  }
  absl::Status head_failure =
      final_count < statuses.size() ? statuses[final_count] : absl::OkStatus();
  bool dead_letter_failed = false;
  if (!rejected.empty()) {
    if (absl::Status s = DeadLetter(rejected); !s.ok()) {
      // Never commit past an event that is neither applied nor dead-lettered.
      final_count = rejected.front().index - head;
      head_failure = s;
      dead_letter_failed = true;
    }
  }
  int64_t handled =
      std::count_if(statuses.begin(), statuses.begin() + static_cast<std::ptrdiff_t>(final_count),
                    [](const absl::Status& s) { return s.ok(); });
  events_handled_.fetch_add(handled, std::memory_order_relaxed);
  Finalize(head + final_count);
  if (head_failure.ok()) return;
  // The new head was attempted once, in this call, unless it was the head already.
  if (final_count > 0) head_attempts_ = 1;
  if (dead_letter_failed) {
    Log(LogSeverity::kError, head_failure.message());
    backoff_due_ = true;
  } else {
    OnHeadRetryable(head_failure);
  }
}

void ConsumerLoop::DeadLetterRejectedRun() {
  const PendingBatch& batch = *pending_;
  std::vector<DeadLetterItem> items;
  for (size_t i = batch.head(); i < batch.end() && !batch.rejection(i).ok(); ++i) {
    items.push_back(DeadLetterItem{.index = i, .reason = batch.rejection(i), .attempts = 0});
  }
  if (absl::Status s = DeadLetter(items); !s.ok()) {
    Log(LogSeverity::kError, s.message());
    ++head_attempts_;
    Backoff();
    return;
  }
  Finalize(items.back().index + 1);
}

void ConsumerLoop::OnHeadRetryable(const absl::Status& status) {
  if (head_attempts_ < options_.retry.max_attempts) {
    backoff_due_ = true;
    return;
  }
  size_t head = pending_->head();
  DeadLetterItem item{.index = head, .reason = status, .attempts = head_attempts_};
  if (absl::Status s = DeadLetter({item}); !s.ok()) {
    Log(LogSeverity::kError, s.message());
    backoff_due_ = true;
    return;
  }
  Finalize(head + 1);
}

absl::Status ConsumerLoop::DeadLetter(absl::Span<const DeadLetterItem> items) {
  const PendingBatch& batch = *pending_;
  std::string failed_at = events::FormatEventTime(clock_->Now());
  std::vector<Record> records;
  records.reserve(items.size());
  for (const DeadLetterItem& item : items) {
    const rd_kafka_message_t& message = batch.message(item.index);
    const events::SourcePosition& position = batch.event(item.index).position;
    Record& record = records.emplace_back();
    record.topic = topics::DeadLetterTopicName(position.topic);
    record.key = std::string(RecordKey(message));
    record.value = std::string(RecordValue(message));
    ReadHeaders(message, &record.headers);
    events::AppendDeadLetterHeaders(item.reason, position, item.attempts, failed_at,
                                    options_.group_id, record.headers);
    Log(LogSeverity::kWarning, absl::StrCat("dead-lettering ", position.topic, "/",
                                            position.partition, "@", position.offset, " after ",
                                            item.attempts, " attempts: ", item.reason.ToString()));
  }
  ARREARS_RETURN_IF_ERROR(
      Annotate(dead_letter_producer_->ProduceRecords(records), "writing to the dead-letter topic"));
  dead_lettered_.fetch_add(static_cast<int64_t>(items.size()), std::memory_order_relaxed);
  return absl::OkStatus();
}

void ConsumerLoop::Finalize(size_t end) {
  const PendingBatch& batch = *pending_;
  const size_t head = batch.head();
  if (end > head) {
    head_attempts_ = 0;
    // The batch is in partition order, so each partition's last final record
    // carries its highest offset; runs of one partition are the common case.
    RdPartitionListPtr offsets(rd_kafka_topic_partition_list_new(8));
    rd_kafka_topic_partition_t* last = nullptr;
    for (size_t i = head; i < end; ++i) {
      const events::SourcePosition& position = batch.event(i).position;
      if (last == nullptr || last->partition != position.partition ||
          position.topic != last->topic) {
        last = rd_kafka_topic_partition_list_find(offsets.get(), position.topic.c_str(),
                                                  position.partition);
        if (last == nullptr) {
          last = rd_kafka_topic_partition_list_add(offsets.get(), position.topic.c_str(),
                                                   position.partition);
        }
      }
      last->offset = position.offset + 1;
    }
    rd_kafka_resp_err_t err = rd_kafka_offsets_store(rk_.get(), offsets.get());
    if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
      // Partitions revoked meanwhile: their next owner redoes these events.
      Log(LogSeverity::kWarning, absl::StrCat("storing offsets for ", DescribePartitions(*offsets),
                                              ": ", rd_kafka_err2str(err)));
    }
  }
  pending_->AdvanceHead(end);
}

void ConsumerLoop::Backoff() {
  const RetryPolicy& retry = options_.retry;
  double exponent = std::max(head_attempts_, 1) - 1;
  absl::Duration delay =
      std::min(retry.max_backoff, retry.initial_backoff * std::pow(retry.multiplier, exponent));
  delay *= absl::Uniform(random_, 1.0 - retry.jitter, 1.0 + retry.jitter);
  absl::MutexLock lock(&stop_mu_);
  stop_mu_.AwaitWithTimeout(absl::Condition(&stop_requested_), delay);
}

void ConsumerLoop::CommitSync(absl::string_view why) {
  rd_kafka_resp_err_t err = rd_kafka_commit(rk_.get(), nullptr, /*async=*/0);
  if (err != RD_KAFKA_RESP_ERR_NO_ERROR && err != RD_KAFKA_RESP_ERR__NO_OFFSET) {
    Log(LogSeverity::kError, absl::StrCat("consumer ", options_.group_id, ": commit on ", why,
                                          " failed: ", rd_kafka_err2str(err)));
  }
}

void ConsumerLoop::Close() {
  if (closed_ || rk_ == nullptr) return;
  closed_ = true;
  // Serves the final revocation (commit) and leaves the group.
  rd_kafka_resp_err_t err = rd_kafka_consumer_close(rk_.get());
  if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
    Log(LogSeverity::kWarning,
        absl::StrCat("consumer ", options_.group_id, ": close: ", rd_kafka_err2str(err)));
  }
  pending_->Clear();
  prefetched_->Clear();
}

void ConsumerLoop::OnRebalance(rd_kafka_t* /*rk*/, rd_kafka_resp_err_t err,
                               rd_kafka_topic_partition_list_t* partitions, void* opaque) {
  static_cast<ConsumerLoop*>(opaque)->Rebalance(err, partitions);
}

void ConsumerLoop::Rebalance(rd_kafka_resp_err_t err, rd_kafka_topic_partition_list_t* partitions) {
  rebalances_.fetch_add(1, std::memory_order_relaxed);
  const char* protocol = rd_kafka_rebalance_protocol(rk_.get());
  const bool cooperative = protocol != nullptr && std::strcmp(protocol, "COOPERATIVE") == 0;
  std::string description = absl::StrCat("consumer ", options_.group_id, ": ");
  rd_kafka_error_t* error = nullptr;
  rd_kafka_resp_err_t assign_err = RD_KAFKA_RESP_ERR_NO_ERROR;
  if (err == RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS) {
    absl::StrAppend(&description, "assigned ", DescribePartitions(*partitions));
    if (cooperative) {
      error = rd_kafka_incremental_assign(rk_.get(), partitions);
      assigned_partitions_.fetch_add(partitions->cnt, std::memory_order_relaxed);
    } else {
      assign_err = rd_kafka_assign(rk_.get(), partitions);
      assigned_partitions_.store(partitions->cnt, std::memory_order_relaxed);
    }
  } else {
    absl::StrAppend(&description, "revoked ", DescribePartitions(*partitions));
    if (err != RD_KAFKA_RESP_ERR__REVOKE_PARTITIONS) {
      absl::StrAppend(&description, " (", rd_kafka_err2str(err), ")");
    }
    // A handler call in flight (the revocation came during a prefetch) is
    // settled first, so that what it made final is committed now.
    SettleInFlightCall();
    const size_t pending_before = pending_->end() - pending_->head();
    pending_->DropPartitions(*partitions);
    // The head's attempt count belongs to the head; a new head starts over.
    if (pending_->end() - pending_->head() != pending_before) head_attempts_ = 0;
    prefetched_->DropPartitions(*partitions);
    CommitSync("revocation");
    if (cooperative) {
      error = rd_kafka_incremental_unassign(rk_.get(), partitions);
      assigned_partitions_.fetch_sub(partitions->cnt, std::memory_order_relaxed);
    } else {
      assign_err = rd_kafka_assign(rk_.get(), nullptr);
      assigned_partitions_.store(0, std::memory_order_relaxed);
    }
  }
  if (error != nullptr) {
    absl::StrAppend(&description, ": ", rd_kafka_error_string(error));
    rd_kafka_error_destroy(error);
  } else if (assign_err != RD_KAFKA_RESP_ERR_NO_ERROR) {
    absl::StrAppend(&description, ": ", rd_kafka_err2str(assign_err));
  }
  Log(LogSeverity::kInfo, description);
}

int ConsumerLoop::OnStatistics(rd_kafka_t* /*rk*/, char* json, size_t json_len, void* opaque) {
  auto* loop = static_cast<ConsumerLoop*>(opaque);
  std::vector<PartitionLag> lags;
  try {
    nlohmann::json stats = nlohmann::json::parse(json, json + json_len);
    auto topics = stats.find("topics");
    if (topics != stats.end()) {
      for (const auto& [topic, topic_stats] : topics->items()) {
        for (const auto& [id, partition] : topic_stats.at("partitions").items()) {
          // -1 is librdkafka's internal unassigned-partition queue; "desired"
          // marks partitions in this member's assignment.
          int32_t number = partition.at("partition").get<int32_t>();
          if (number < 0 || !partition.value("desired", false)) continue;
          lags.push_back(PartitionLag{
              .topic = topic,
              .partition = number,
              .lag = partition.value("consumer_lag", int64_t{-1}),
              .committed_offset = partition.value("committed_offset", int64_t{-1}),
          });
        }
      }
    }
  } catch (const nlohmann::json::exception& e) {
    Log(LogSeverity::kWarning, absl::StrCat("unreadable librdkafka statistics: ", e.what()));
    return 0;
  }
  std::sort(lags.begin(), lags.end(), [](const PartitionLag& a, const PartitionLag& b) {
    return std::tie(a.topic, a.partition) < std::tie(b.topic, b.partition);
  });
  absl::MutexLock lock(&loop->lag_mu_);
  loop->lag_ = std::move(lags);
  return 0;  // librdkafka frees `json`
}

}  // namespace arrears::kafka
