#include "common/store/exactly_once_processor.h"

#include <optional>
#include <utility>

#include "absl/strings/str_cat.h"
#include "common/status/status_macros.h"
#include "common/store/outbox_writer.h"

namespace arrears::store {
namespace {

// Short enough for std::string's inline buffer: no allocation per event.
constexpr absl::string_view kEventSavepoint = "event";

// A failure of the store itself (not of the event) must not send the event to
// the DLQ: report it as retryable whatever its code.
absl::Status AsRetryable(const absl::Status& status, absl::string_view context) {
  if (events::IsRetryable(status)) return Annotate(status, context);
  return absl::UnavailableError(absl::StrCat(context, ": ", status.ToString()));
}

}  // namespace

struct ExactlyOnceProcessor::Pass {
  size_t savepoints_from = 0;
  // Set when the event at this index failed without a savepoint.
  std::optional<size_t> restart_at;
  std::vector<absl::Status> statuses;
  int enqueued = 0;
};

absl::StatusOr<std::unique_ptr<ExactlyOnceProcessor>> ExactlyOnceProcessor::Create(
    TransactionRunner* store, ProcessedEvents* processed_events, Outbox* outbox,
    EventApplier* applier, const Clock* clock, ExactlyOnceProcessorOptions options) {
  if (store == nullptr) return absl::InvalidArgumentError("store is null");
  if (processed_events == nullptr) return absl::InvalidArgumentError("processed_events is null");
  if (outbox == nullptr) return absl::InvalidArgumentError("outbox is null");
  if (applier == nullptr) return absl::InvalidArgumentError("applier is null");
  if (clock == nullptr) return absl::InvalidArgumentError("clock is null");
  if (options.consumer.empty()) {
    return absl::InvalidArgumentError("ExactlyOnceProcessorOptions.consumer is empty");
  }
  return std::unique_ptr<ExactlyOnceProcessor>(new ExactlyOnceProcessor(
      store, processed_events, outbox, applier, clock, std::move(options)));
}

absl::Status ExactlyOnceProcessor::MarkAndApply(Transaction& txn,
                                                const events::InboundEvent& inbound,
                                                OutboxWriter& outbox, absl::Time now) {
  const absl::string_view event_id = inbound.event.envelope.id;
  absl::StatusOr<bool> first_time =
      processed_events_->MarkProcessed(txn, event_id, options_.consumer, now);
  if (!first_time.ok()) {
    // An unusable id is the event's fault; anything else is the store's.
    if (first_time.status().code() == absl::StatusCode::kInvalidArgument) {
      return first_time.status();
    }
    return AsRetryable(first_time.status(), absl::StrCat("marking ", event_id));
  }
  if (!*first_time) return absl::OkStatus();  // a duplicate
  return applier_->Apply(inbound, txn, outbox);
}

absl::Status ExactlyOnceProcessor::ProcessInSavepoint(Transaction& txn,
                                                      const events::InboundEvent& inbound,
                                                      OutboxWriter& outbox, absl::Time now,
                                                      absl::Status* abort) {
  absl::StatusOr<Savepoint> savepoint = Savepoint::Begin(txn, kEventSavepoint);
  if (!savepoint.ok()) {
    *abort = AsRetryable(savepoint.status(), "savepoint");
    return *abort;
  }
  absl::Status status = MarkAndApply(txn, inbound, outbox, now);
  if (!status.ok()) {
    absl::Status rolled_back = savepoint->Rollback();
    if (!rolled_back.ok()) *abort = AsRetryable(rolled_back, "rolling back an event");
    return status;
  }
  absl::Status released = savepoint->Release();
  if (!released.ok()) *abort = AsRetryable(released, "releasing an event's savepoint");
  return released;
}

absl::Status ExactlyOnceProcessor::RunPass(Transaction& txn,
                                           absl::Span<const events::InboundEvent> batch,
                                           absl::Time now, Pass& pass) {
  pass.statuses.clear();
  pass.restart_at.reset();
  TransactionalOutboxWriter outbox(*outbox_, txn);
  // The events before savepoints_from are marked in one call; an unusable id
  // among them (the event's fault) sends that prefix down the per-event path,
  // which tells the culprit from the rest.
  std::vector<bool> first_time;
  if (pass.savepoints_from > 1) {
    std::vector<absl::string_view> ids;
    ids.reserve(pass.savepoints_from);
    for (size_t i = 0; i < pass.savepoints_from; ++i) ids.push_back(batch[i].event.envelope.id);
    absl::StatusOr<std::vector<bool>> marked =
        processed_events_->MarkProcessedBatch(txn, ids, options_.consumer, now);
    if (marked.ok()) {
      first_time = *std::move(marked);
    } else if (marked.status().code() != absl::StatusCode::kInvalidArgument) {
      return AsRetryable(marked.status(), "marking a batch");
    }
  }
  for (size_t i = 0; i < batch.size(); ++i) {
    absl::Status status;
    if (i < pass.savepoints_from) {
      if (first_time.empty()) {
        status = MarkAndApply(txn, batch[i], outbox, now);
      } else if (first_time[i]) {
        status = applier_->Apply(batch[i], txn, outbox);
      }
      if (!status.ok()) {
        pass.restart_at = i;
        return absl::AbortedError("redo the batch with savepoints");
      }
    } else {
      absl::Status abort;
      status = ProcessInSavepoint(txn, batch[i], outbox, now, &abort);
      if (!abort.ok()) return abort;
    }
    if (events::IsRetryable(status)) {
      // This event and the rest of the batch stay unapplied; the prefix
      // before it commits.
      pass.statuses.resize(batch.size(), status);
      break;
    }
    pass.statuses.push_back(std::move(status));
  }
  pass.enqueued = outbox.enqueued();
  return absl::OkStatus();
}

std::vector<absl::Status> ExactlyOnceProcessor::HandleBatch(
    absl::Span<const events::InboundEvent> batch) {
  const absl::Time now = clock_->Now();
  Pass pass;
  pass.statuses.reserve(batch.size());
  pass.savepoints_from = batch.size();
  while (true) {
    const absl::Status committed = store_->InTransaction(
        [&](Transaction& txn) -> absl::Status { return RunPass(txn, batch, now, pass); });
    if (pass.restart_at.has_value()) {
      // Strictly decreasing, so this ends (at worst with savepoints for all).
      pass.savepoints_from = *pass.restart_at;
      continue;
    }
    if (!committed.ok()) {
      pass.statuses.assign(batch.size(), AsRetryable(committed, "batch transaction"));
      return std::move(pass.statuses);
    }
    break;
  }
  if (pass.enqueued > 0 && options_.after_commit) options_.after_commit();
  return std::move(pass.statuses);
}

}  // namespace arrears::store
