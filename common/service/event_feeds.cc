#include "common/service/event_feeds.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "common/status/status_macros.h"

namespace arrears::service {

absl::Status EventFeeds::Add(EventFeedBinding feed) {
  if (started_) return absl::FailedPreconditionError("AddEventFeed after Start");
  if (feed.source == nullptr) return absl::InvalidArgumentError("event feed source: null");
  if (feed.name.empty()) return absl::InvalidArgumentError("event feed name: empty");
  store::OutboxRelayOptions options;
  if (feed.name == options.lease_name) {
    return absl::InvalidArgumentError(
        absl::StrCat("event feed name: \"", feed.name, "\" is the outbox relay's lease"));
  }
  for (const Feed& added : feeds_) {
    if (added.binding.name == feed.name) {
      return absl::InvalidArgumentError(
          absl::StrCat("event feed name: \"", feed.name, "\" added twice"));
    }
  }
  options.lease_name = feed.name;
  ARREARS_ASSIGN_OR_RETURN(
      std::unique_ptr<store::OutboxRelay> relay,
      store::OutboxRelay::Create(options, feed.source, lease_, publisher_, lease_clock_));
  feeds_.push_back({std::move(feed), std::move(relay)});
  return absl::OkStatus();
}

absl::Status EventFeeds::Start() {
  started_ = true;
  for (Feed& feed : feeds_) ARREARS_RETURN_IF_ERROR(feed.relay->Start());
  return absl::OkStatus();
}

void EventFeeds::Notify() {
  for (Feed& feed : feeds_) feed.relay->Notify();
}

absl::Status EventFeeds::Stop() {
  absl::Status first_error;
  for (Feed& feed : feeds_) {
    absl::Status stopped = feed.relay->Stop();
    if (first_error.ok() && !stopped.ok()) {
      first_error = absl::Status(
          stopped.code(), absl::StrCat("event feed ", feed.binding.name, ": ", stopped.message()));
    }
  }
  return first_error;
}

absl::StatusOr<int64_t> EventFeeds::Pending() {
  int64_t pending = 0;
  for (Feed& feed : feeds_) {
    ARREARS_ASSIGN_OR_RETURN(const int64_t count, feed.binding.source->PendingCount());
    pending += count;
  }
  return pending;
}

}  // namespace arrears::service
