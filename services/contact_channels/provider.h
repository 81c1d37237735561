// ChannelProvider: the one interface behind which every channel carrier sits
// (SMS gateway, dialer / collector task queue, mail house, app push, field
// visit work orders, agency placement and legal referral hand-overs).
//
// What is handed over is a Deliverable: a RenderedMessage for message
// channels (SMS, e-mail, app message, letter) or a WorkOrder for channels
// where people act (voice call task, field visit, agency batch, legal case
// file).
//
// Contract of Send():
//  - `idempotency_key` is stable across retries of the same attempt; a
//    provider that has accepted a key returns the first receipt again
//    without sending twice.
//  - OK: the provider accepted it (SENT). The receipt's `outcome` is the
//    final outcome the provider already knows (DELIVERED, FAILED, NO_ANSWER,
//    ...) or UNSPECIFIED when it comes later (e.g. a field visit report).
//  - Transient errors (Unavailable, DeadlineExceeded, ResourceExhausted,
//    Aborted, Internal) may be retried; any other error is permanent and the
//    attempt fails. IsTransientProviderError() is the single place that says
//    which is which.
//  - A permanent error may carry the carrier's own error code (e.g.
//    "INVALID_NUMBER") as a payload: WithProviderErrorCode() attaches it,
//    ProviderErrorCode() reads it; the dispatcher reports it as the FAILED
//    event's failure_code.
//  - Lookup(key) tells, without sending, whether a Send() with that key was
//    accepted (its receipt) or not (nullopt). The dispatcher asks after a
//    crash left a try in flight. A provider that cannot tell returns
//    Unimplemented (the default); the dispatcher then relies on Send()'s
//    idempotency alone.
//  - Implementations must be thread-safe.
#ifndef ARREARS_SERVICES_CONTACT_CHANNELS_PROVIDER_H_
#define ARREARS_SERVICES_CONTACT_CHANNELS_PROVIDER_H_

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/cord.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "arrears/common/v1/contact.pb.h"
#include "arrears/contact/v1/contact_events.pb.h"

namespace arrears::contact {

// A message ready to go out. Personal data in it is already masked except
// the contact point's raw `value`, which the carrier needs to address it.
struct RenderedMessage {
  common::v1::Channel channel = common::v1::CHANNEL_UNSPECIFIED;
  common::v1::ContactPoint contact_point;
  std::string template_id;
  std::string language;
  std::string subject;
  std::string body;
};

// A task for people: a call for a collector or dialer, a field visit, an
// agency placement, a legal referral.
struct WorkOrder {
  common::v1::Channel channel = common::v1::CHANNEL_UNSPECIFIED;
  // Field visit id, placement id, referral id, or the attempt id for calls.
  std::string order_id;
  std::string customer_id;
  std::vector<std::string> loan_ids;
  common::v1::ContactPoint contact_point;
  std::vector<std::string> staff_ids;
  std::string agency_id;
  // Channel-specific details as codes and dates (never free personal text),
  // e.g. {"visit_date", "2026-01-05"}, {"firm_id", "LAW-1"}.
  std::map<std::string, std::string> details;
  // Call script, if a template was given.
  std::string script;
  // A batch hand-over (agency placements): one item per contained placement
  // (its own order: placement id, customer, loans, masked contact data,
  // amounts and documents in details). Empty for a single order.
  std::vector<WorkOrder> items;
};

using Deliverable = std::variant<RenderedMessage, WorkOrder>;

common::v1::Channel ChannelOf(const Deliverable& deliverable);

struct ProviderReceipt {
  // Provider name, e.g. "sms-sim", "agency:ACME".
  std::string provider;
  // The provider's own reference.
  std::string provider_reference;
  absl::Time accepted_at = absl::InfinitePast();
  // Final outcome if already known; CONTACT_OUTCOME_UNSPECIFIED otherwise.
  v1::ContactOutcome outcome = v1::CONTACT_OUTCOME_UNSPECIFIED;
  // For FAILED: provider error code, e.g. "INVALID_NUMBER", "BOUNCED".
  std::string failure_code;
};

class ChannelProvider {
 public:
  virtual ~ChannelProvider() = default;
  virtual std::string name() const = 0;
  virtual absl::StatusOr<ProviderReceipt> Send(const Deliverable& deliverable,
                                               absl::string_view idempotency_key) = 0;
  virtual absl::StatusOr<std::optional<ProviderReceipt>> Lookup(absl::string_view idempotency_key) {
    return absl::UnimplementedError(absl::StrCat(name(), ": no lookup by idempotency key"));
  }
};

inline bool IsTransientProviderError(const absl::Status& status) {
  switch (status.code()) {
    case absl::StatusCode::kUnavailable:
    case absl::StatusCode::kDeadlineExceeded:
    case absl::StatusCode::kResourceExhausted:
    case absl::StatusCode::kAborted:
    case absl::StatusCode::kInternal:
      return true;
    default:
      return false;
  }
}

inline constexpr absl::string_view kProviderErrorCodePayload =
    "type.arrears.dev/arrears.contact.ProviderErrorCode";

inline absl::Status WithProviderErrorCode(absl::Status status, absl::string_view code) {
  if (!status.ok() && !code.empty()) {
    status.SetPayload(kProviderErrorCodePayload, absl::Cord(code));
  }
  return status;
}

// The carrier's error code attached to `status`, or "" when none.
inline std::string ProviderErrorCode(const absl::Status& status) {
  absl::optional<absl::Cord> code = status.GetPayload(kProviderErrorCodePayload);
  return code.has_value() ? std::string(*code) : std::string();
}

inline constexpr absl::string_view kRetryAfterPayload =
    "type.arrears.dev/arrears.contact.RetryAfter";

// Attaches a provider's "try again no sooner than `after`" (HTTP
// Retry-After) to a transient error, so the retry waits at least that long
// instead of spending its budget on answers the provider said it would
// refuse.
inline absl::Status WithRetryAfter(absl::Status status, absl::Duration after) {
  if (!status.ok()) {
    status.SetPayload(kRetryAfterPayload,
                      absl::Cord(absl::StrCat(absl::ToInt64Microseconds(after))));
  }
  return status;
}

// The wait `status` carries (WithRetryAfter), if any.
inline std::optional<absl::Duration> RetryAfter(const absl::Status& status) {
  absl::optional<absl::Cord> payload = status.GetPayload(kRetryAfterPayload);
  int64_t micros = 0;
  if (!payload.has_value() || !absl::SimpleAtoi(std::string(*payload), &micros) || micros < 0) {
    return std::nullopt;
  }
  return absl::Microseconds(micros);
}

inline common::v1::Channel ChannelOf(const Deliverable& deliverable) {
  return std::visit([](const auto& d) { return d.channel; }, deliverable);
}

}  // namespace arrears::contact

#endif  // ARREARS_SERVICES_CONTACT_CHANNELS_PROVIDER_H_
