#include "common/store/outbox_relay.h"

#include <unistd.h>

#include <algorithm>
#include <utility>
#include <vector>

#include "absl/random/random.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "common/runtime/thread_name.h"
#include "common/status/status_macros.h"

namespace arrears::store {
namespace {

std::string DefaultOwnerId() {
  char host[256] = {};
  if (gethostname(host, sizeof(host) - 1) != 0) host[0] = '\0';
  absl::BitGen random;
  return absl::StrFormat("%s/%d/%08x", host, getpid(), absl::Uniform<uint32_t>(random));
}

}  // namespace

absl::StatusOr<std::unique_ptr<OutboxRelay>> OutboxRelay::Create(OutboxRelayOptions options,
                                                                 OutboxSource* outbox,
                                                                 LeaderLease* lease,
                                                                 events::EventPublisher* publisher,
                                                                 const Clock* clock) {
  if (outbox == nullptr) return absl::InvalidArgumentError("outbox is null");
  if (lease == nullptr) return absl::InvalidArgumentError("lease is null");
  if (publisher == nullptr) return absl::InvalidArgumentError("publisher is null");
  if (clock == nullptr) return absl::InvalidArgumentError("clock is null");
  if (options.batch_size <= 0) {
    return absl::InvalidArgumentError("OutboxRelayOptions.batch_size must be positive");
  }
  for (const auto& [name, value] : {std::pair{"poll_interval", options.poll_interval},
                                    std::pair{"lease_duration", options.lease_duration},
                                    std::pair{"max_backoff", options.max_backoff},
                                    std::pair{"stop_timeout", options.stop_timeout}}) {
    if (value <= absl::ZeroDuration()) {
      return absl::InvalidArgumentError(
          absl::StrCat("OutboxRelayOptions.", name, " must be positive"));
    }
  }
  if (options.lease_duration <= options.poll_interval) {
    return absl::InvalidArgumentError(
        "OutboxRelayOptions.lease_duration must be longer than poll_interval");
  }
  if (options.lease_name.empty()) {
    return absl::InvalidArgumentError("OutboxRelayOptions.lease_name is empty");
  }
  if (options.owner_id.empty()) options.owner_id = DefaultOwnerId();
  return std::unique_ptr<OutboxRelay>(
      new OutboxRelay(std::move(options), outbox, lease, publisher, clock));
}

OutboxRelay::~OutboxRelay() { Stop().IgnoreError(); }

absl::Status OutboxRelay::Start() {
  absl::MutexLock lock(&mu_);
  if (started_ || stopped_) {
    return absl::FailedPreconditionError("outbox relay was already started or stopped");
  }
  started_ = true;
  thread_ = std::thread([this] { Loop(); });
  return absl::OkStatus();
}

void OutboxRelay::Notify() {
  absl::MutexLock lock(&mu_);
  notified_ = true;
}

absl::Duration OutboxRelay::NextBackoff(absl::Duration backoff) const {
  return std::min(backoff * 2, options_.max_backoff);
}

void OutboxRelay::Loop() {
  runtime::NameCurrentThread("outbox-relay");
  absl::Duration backoff = options_.poll_interval;
  while (true) {
    const bool failed = !PublishPendingOnce().ok();
    absl::MutexLock lock(&mu_);
    if (failed) {
      // Commits keep notifying; do not let them hammer a failing publisher.
      mu_.AwaitWithTimeout(absl::Condition(&stopping_), backoff);
      backoff = NextBackoff(backoff);
    } else {
      backoff = options_.poll_interval;
      auto woken = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return notified_ || stopping_; };
      mu_.AwaitWithTimeout(absl::Condition(&woken), options_.poll_interval);
    }
    if (stopping_) return;
    notified_ = false;
  }
}

absl::Status OutboxRelay::Stop() {
  {
    absl::MutexLock lock(&mu_);
    if (stopped_) return absl::OkStatus();
    stopped_ = true;
    stopping_ = true;
  }
  if (thread_.joinable()) thread_.join();

  const absl::Time deadline = absl::Now() + options_.stop_timeout;
  absl::Duration backoff = options_.poll_interval;
  absl::Status drained;
  while (true) {
    absl::StatusOr<OutboxRelayRound> round = PublishPendingOnce();
    drained = round.status();
    if (drained.ok() || absl::Now() + backoff > deadline) break;
    absl::SleepFor(backoff);
    backoff = NextBackoff(backoff);
  }

  absl::MutexLock lock(&round_mu_);
  if (holds_lease_) {
    holds_lease_ = false;
    absl::Status released = lease_->Release(options_.lease_name, options_.owner_id);
    if (drained.ok()) drained = released;
  }
  return Annotate(drained, "stopping outbox relay");
}

absl::StatusOr<bool> OutboxRelay::HoldLease() {
  const absl::Time now = clock_->Now();
  if (holds_lease_ && now + options_.lease_duration / 2 < lease_expires_) return true;
  holds_lease_ = false;
  ARREARS_ASSIGN_OR_RETURN(
      const bool held,
      lease_->TryAcquire(options_.lease_name, options_.owner_id, now, options_.lease_duration));
  holds_lease_ = held;
  if (held) lease_expires_ = now + options_.lease_duration;
  return held;
}

absl::StatusOr<OutboxRelayRound> OutboxRelay::PublishPendingOnce() {
  absl::MutexLock lock(&round_mu_);
  OutboxRelayRound round;
  std::vector<events::Event> batch;
  std::vector<OutboxRecordId> published;
  while (true) {
    ARREARS_ASSIGN_OR_RETURN(round.leader, HoldLease());
    if (!round.leader) return round;
    ARREARS_ASSIGN_OR_RETURN(std::vector<OutboxRecord> records,
                             outbox_->FetchUnpublished(options_.batch_size));
    if (records.empty()) return round;
    batch.clear();
    published.clear();
    for (OutboxRecord& record : records) {
      published.push_back({record.sequence, record.event.envelope.id});
      batch.push_back(std::move(record.event));
    }
    ARREARS_RETURN_IF_ERROR(
        Annotate(publisher_->Publish(batch),
                 absl::StrCat("publishing outbox sequences ", published.front().sequence, "..",
                              published.back().sequence)));
    ARREARS_RETURN_IF_ERROR(outbox_->MarkPublished(published));
    round.published += static_cast<int64_t>(records.size());
    if (static_cast<int>(records.size()) < options_.batch_size) return round;
  }
}

}  // namespace arrears::store
