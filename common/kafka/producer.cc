#include "common/kafka/producer.h"

#include <utility>

#include "absl/base/thread_annotations.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "common/kafka/error.h"
#include "common/kafka/headers.h"
#include "common/kafka/log.h"
#include "common/status/status_macros.h"

namespace arrears::kafka {
namespace {

constexpr absl::Duration kDestructorFlushTimeout = absl::Seconds(10);
// Bounds how long the destructor waits for the poller to notice it should stop.
constexpr int kPollTimeoutMs = 100;
// How long a caller facing a full local queue lets delivery reports drain it.
constexpr int kQueueFullPollMs = 10;

}  // namespace

// Tracks one Produce call's records; each record's opaque points here.
struct KafkaProducer::Delivery {
  // One count per enqueued record, plus one held by the producing call until
  // it has enqueued everything, so `done` cannot fire early.
  std::atomic<int64_t> outstanding{1};
  absl::Notification done;
  absl::Mutex mu;
  absl::Status first_error ABSL_GUARDED_BY(mu);

  void Release() {
    if (outstanding.fetch_sub(1, std::memory_order_acq_rel) == 1) done.Notify();
  }
};

absl::StatusOr<std::unique_ptr<KafkaProducer>> KafkaProducer::Create(const KafkaConfig& config) {
  ClientProperties client{
      .defaults = {{"linger.ms", "5"}},
      .required = {{"enable.idempotence", "true"},
                   {"acks", "all"},
                   {"partitioner", "murmur2_random"}},
  };
  ARREARS_ASSIGN_OR_RETURN(RdConfPtr conf, BuildRdKafkaConf(config, ClientRole::kProducer, client));
  rd_kafka_conf_set_dr_msg_cb(conf.get(), &KafkaProducer::OnDelivery);
  char error[512];
  RdKafkaPtr rk(rd_kafka_new(RD_KAFKA_PRODUCER, conf.get(), error, sizeof(error)));
  if (rk == nullptr) {
    return absl::InvalidArgumentError(absl::StrCat("kafka producer: ", error));
  }
  conf.release();  // Owned by rk now.
  return std::unique_ptr<KafkaProducer>(new KafkaProducer(std::move(rk)));
}

KafkaProducer::KafkaProducer(RdKafkaPtr rk)
    : rk_(std::move(rk)), poller_([this] { ServeDeliveryReports(); }) {}

KafkaProducer::~KafkaProducer() {
  if (absl::Status s = Flush(kDestructorFlushTimeout); !s.ok()) {
    Log(LogSeverity::kError,
        absl::StrCat("producer closing with undelivered records: ", s.message()));
  }
  stopping_.store(true, std::memory_order_relaxed);
  poller_.join();
}

void KafkaProducer::ServeDeliveryReports() {
  while (!stopping_.load(std::memory_order_relaxed)) rd_kafka_poll(rk_.get(), kPollTimeoutMs);
}

void KafkaProducer::OnDelivery(rd_kafka_t* /*rk*/, const rd_kafka_message_t* message,
                               void* /*opaque*/) {
  auto* delivery = static_cast<Delivery*>(message->_private);
  if (message->err != RD_KAFKA_RESP_ERR_NO_ERROR) {
    absl::MutexLock lock(&delivery->mu);
    if (delivery->first_error.ok()) {
      delivery->first_error = KafkaError(
          message->err,
          absl::StrCat("producing to topic \"", rd_kafka_topic_name(message->rkt), "\""));
    }
  }
  delivery->Release();
}

absl::Status KafkaProducer::Publish(absl::Span<const events::Event> events) {
  return Produce(events.size(), [events](size_t i, events::Headers& scratch) {
    const events::Event& event = events[i];
    scratch = events::ToHeaders(event.envelope);
    return RecordView{event.topic, event.key, event.payload, &scratch};
  });
}

absl::Status KafkaProducer::ProduceRecords(absl::Span<const Record> records) {
  return Produce(records.size(), [records](size_t i, events::Headers&) {
    const Record& record = records[i];
    return RecordView{record.topic, record.key, record.value, &record.headers};
  });
}

absl::Status KafkaProducer::Produce(
    size_t count, absl::FunctionRef<RecordView(size_t index, events::Headers& scratch)> record_at) {
  if (count == 0) return absl::OkStatus();
  Delivery delivery;
  events::Headers scratch;
  std::string topic;  // librdkafka wants a NUL-terminated name; batches rarely switch topics
  absl::Status enqueue_status;
  for (size_t i = 0; i < count && enqueue_status.ok(); ++i) {
    RecordView record = record_at(i, scratch);
    if (topic != record.topic) topic.assign(record.topic.data(), record.topic.size());
    enqueue_status = Enqueue(topic, record, &delivery);
  }
  delivery.Release();
  delivery.done.WaitForNotification();
  absl::MutexLock lock(&delivery.mu);
  return delivery.first_error.ok() ? enqueue_status : delivery.first_error;
}

absl::Status KafkaProducer::Enqueue(const std::string& topic, const RecordView& record,
                                    Delivery* delivery) {
  RdHeadersPtr headers = record.headers->empty() ? nullptr : ToRdHeaders(*record.headers);
  delivery->outstanding.fetch_add(1, std::memory_order_relaxed);
  rd_kafka_resp_err_t err;
  while (true) {
    err = rd_kafka_producev(
        rk_.get(), RD_KAFKA_V_TOPIC(topic.c_str()),
        RD_KAFKA_V_KEY(record.key.empty() ? nullptr : record.key.data(), record.key.size()),
        RD_KAFKA_V_VALUE(const_cast<char*>(record.value.data()), record.value.size()),
        RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_HEADERS(headers.get()),
        RD_KAFKA_V_OPAQUE(delivery), RD_KAFKA_V_END);
    if (err == RD_KAFKA_RESP_ERR_NO_ERROR) {
      headers.release();  // Owned by the message now.
      return absl::OkStatus();
    }
    if (err != RD_KAFKA_RESP_ERR__QUEUE_FULL) break;
    rd_kafka_poll(rk_.get(), kQueueFullPollMs);
  }
  // The producing call's own hold keeps this from reaching zero.
  delivery->outstanding.fetch_sub(1, std::memory_order_relaxed);
  std::string context = absl::StrCat("producing to topic \"", topic, "\"");
  if (err == RD_KAFKA_RESP_ERR__FATAL) {
    char reason[512];
    rd_kafka_fatal_error(rk_.get(), reason, sizeof(reason));
    absl::StrAppend(&context, " (", reason, ")");
  }
  return KafkaError(err, context);
}

absl::Status KafkaProducer::Flush(absl::Duration timeout) {
  rd_kafka_resp_err_t err =
      rd_kafka_flush(rk_.get(), static_cast<int>(absl::ToInt64Milliseconds(timeout)));
  if (err == RD_KAFKA_RESP_ERR_NO_ERROR) return absl::OkStatus();
  return KafkaError(err,
                    absl::StrCat("flushing ", rd_kafka_outq_len(rk_.get()), " queued records"));
}

}  // namespace arrears::kafka
