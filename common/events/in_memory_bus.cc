#include "common/events/in_memory_bus.h"

#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"

namespace arrears::events {

InMemoryEventBus::~InMemoryEventBus() { Stop(); }

void InMemoryEventBus::AppendLocked(const Event& event) {
  for (auto& subscriber : subscribers_) {
    if (subscriber->topics.contains(event.topic)) ++subscriber->pending;
  }
  log_.push_back(event);
}

absl::Status InMemoryEventBus::Publish(absl::Span<const Event> events) {
  absl::MutexLock lock(&mu_);
  for (const Event& event : events) {
    if (event.topic.empty()) return absl::InvalidArgumentError("topic: required");
    AppendLocked(event);
  }
  return absl::OkStatus();
}

absl::Status InMemoryEventBus::Subscribe(BusSubscription subscription) {
  if (subscription.handler == nullptr) return absl::InvalidArgumentError("handler: required");
  if (subscription.topics.empty()) return absl::InvalidArgumentError("topics: required");
  if (subscription.max_batch < 1) return absl::InvalidArgumentError("max_batch: must be >= 1");
  if (subscription.max_attempts < 1) {
    return absl::InvalidArgumentError("max_attempts: must be >= 1");
  }
  absl::MutexLock lock(&mu_);
  if (stopping_) return absl::FailedPreconditionError("Subscribe after Stop");
  auto subscriber = std::make_unique<Subscriber>();
  subscriber->topics.insert(subscription.topics.begin(), subscription.topics.end());
  subscriber->options = std::move(subscription);
  for (const Event& event : log_) {
    if (subscriber->topics.contains(event.topic)) ++subscriber->pending;
  }
  Subscriber* raw = subscriber.get();
  subscribers_.push_back(std::move(subscriber));
  raw->thread = std::thread([this, raw] { Deliver(raw); });
  return absl::OkStatus();
}

void InMemoryEventBus::Stop() {
  std::vector<std::thread> threads;
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
    for (auto& subscriber : subscribers_) {
      if (subscriber->thread.joinable()) threads.push_back(std::move(subscriber->thread));
    }
  }
  for (std::thread& thread : threads) thread.join();
}

void InMemoryEventBus::Deliver(Subscriber* subscriber) {
  const BusSubscription& options = subscriber->options;
  absl::Duration backoff = options.initial_backoff;
  while (true) {
    std::vector<InboundEvent> batch;
    std::vector<size_t> indexes;
    {
      absl::MutexLock lock(&mu_);
      auto ready = [this, subscriber]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
        return stopping_ || subscriber->pending > 0;
      };
      mu_.Await(absl::Condition(&ready));
      if (stopping_) return;
      for (size_t i = subscriber->cursor;
           i < log_.size() && batch.size() < static_cast<size_t>(options.max_batch); ++i) {
        const Event& event = log_[i];
        if (!subscriber->topics.contains(event.topic)) continue;
        InboundEvent& inbound = batch.emplace_back();
        inbound.event = event;
        inbound.position.topic = event.topic;
        inbound.position.partition = 0;
        inbound.position.offset = static_cast<int64_t>(i);
        indexes.push_back(i);
      }
    }
    const std::vector<absl::Status> statuses = options.handler->HandleBatch(batch);

    absl::MutexLock lock(&mu_);
    size_t done = 0;  // events of the batch finished (handled or dead-lettered)
    bool retry = false;
    for (; done < batch.size(); ++done) {
      const absl::Status status =
          done < statuses.size() ? statuses[done] : absl::InternalError("handler: no status");
      if (status.ok()) {
        subscriber->attempts = 0;
        continue;
      }
      if (IsRetryable(status) && ++subscriber->attempts < options.max_attempts) {
        retry = true;
        break;
      }
      // Permanent, or out of attempts: to the dead-letter topic.
      subscriber->attempts = 0;
      Event letter = batch[done].event;
      letter.topic = absl::StrCat(letter.topic, ".dlq");
      AppendLocked(letter);
    }
    // Every event of the group's topics up to the last finished one is
    // behind the cursor now.
    const size_t next = done < indexes.size() ? indexes[done] : indexes.back() + 1;
    for (size_t i = subscriber->cursor; i < next; ++i) {
      if (subscriber->topics.contains(log_[i].topic)) --subscriber->pending;
    }
    subscriber->handled += static_cast<int64_t>(done);
    subscriber->cursor = next;
    if (retry) {
      auto stopping = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return stopping_; };
      mu_.AwaitWithTimeout(absl::Condition(&stopping), backoff);
      backoff = std::min(backoff * 2, options.max_backoff);
      if (stopping_) return;
    } else {
      backoff = options.initial_backoff;
    }
  }
}

int64_t InMemoryEventBus::backlog() const {
  absl::MutexLock lock(&mu_);
  int64_t total = 0;
  for (const auto& subscriber : subscribers_) total += subscriber->pending;
  return total;
}

std::vector<int64_t> InMemoryEventBus::progress() const {
  absl::MutexLock lock(&mu_);
  std::vector<int64_t> progress = {static_cast<int64_t>(log_.size())};
  for (const auto& subscriber : subscribers_) progress.push_back(subscriber->handled);
  return progress;
}

int64_t InMemoryEventBus::count(const std::string& topic) const {
  absl::MutexLock lock(&mu_);
  return std::count_if(log_.begin(), log_.end(),
                       [&topic](const Event& event) { return event.topic == topic; });
}

}  // namespace arrears::events
