// An event as the services exchange it, independent of the transport.
//
// On Kafka an Event is one record: `key` is the aggregate id (loan id,
// customer id) so one aggregate's events stay ordered on one partition,
// `payload` is a serialized protobuf message from proto/, and the Envelope
// travels as CloudEvents binary-mode headers (see proto/README.md):
//
//   ce_id, ce_type, ce_source, ce_time (RFC 3339, UTC), ce_specversion ("1.0"),
//   traceparent (W3C Trace Context, optional), content-type.
//
// Domain code builds and reads these structs and never sees Kafka types.
// Plain value types; not synchronized.
#ifndef ARREARS_COMMON_EVENTS_EVENT_H_
#define ARREARS_COMMON_EVENTS_EVENT_H_

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace arrears::events {

// Header names used on the wire.
inline constexpr absl::string_view kHeaderId = "ce_id";
inline constexpr absl::string_view kHeaderType = "ce_type";
inline constexpr absl::string_view kHeaderSource = "ce_source";
inline constexpr absl::string_view kHeaderTime = "ce_time";
inline constexpr absl::string_view kHeaderSpecVersion = "ce_specversion";
inline constexpr absl::string_view kHeaderTraceparent = "traceparent";
inline constexpr absl::string_view kHeaderContentType = "content-type";
inline constexpr absl::string_view kSpecVersion = "1.0";
inline constexpr absl::string_view kProtobufContentType = "application/protobuf";

// CloudEvents attributes. `id` is unique per event and is the consumers'
// dedupe key: a re-publication of the same event carries the same id.
struct Envelope {
  std::string id;
  // Fully qualified protobuf message name of the payload, e.g.
  // "arrears.loan.v1.LoanEvent" (the topic's value type).
  std::string type;
  // The producing system, e.g. "//arrears/overdue-detection" or "//loan-system/core".
  std::string source;
  absl::Time time = absl::UnixEpoch();
  // W3C traceparent ("00-<32 hex>-<16 hex>-<2 hex>"); empty when untraced.
  std::string traceparent;

  friend bool operator==(const Envelope&, const Envelope&) = default;
};

// Checks that id, type and source are present and not longer than 256 bytes.
// The error message names the offending attribute by its header name.
absl::Status ValidateEnvelope(const Envelope& envelope);

struct Event {
  std::string topic;
  std::string key;
  Envelope envelope;
  std::string payload;

  friend bool operator==(const Event&, const Event&) = default;
};

// Where a consumed event came from; kept for offsets and dead-letter headers.
struct SourcePosition {
  std::string topic;
  int32_t partition = -1;
  int64_t offset = -1;

  friend bool operator==(const SourcePosition&, const SourcePosition&) = default;
};

struct InboundEvent {
  Event event;
  SourcePosition position;
};

// Header list in wire order, as (name, value) pairs.
using Headers = std::vector<std::pair<std::string, std::string>>;

// Envelope <-> headers. ToHeaders always writes ce_specversion and
// content-type; FromHeaders fails with InvalidArgument naming the missing or
// malformed header (ce_time must parse as RFC 3339; ce_specversion must be 1.0).
Headers ToHeaders(const Envelope& envelope);
absl::StatusOr<Envelope> EnvelopeFromHeaders(const Headers& headers);

// Formats/parses ce_time: RFC 3339 in UTC with microseconds.
std::string FormatEventTime(absl::Time time);

// Appends the headers of a dead letter (a record refused by a consumer,
// rewritten to "<topic>.dlq" with its original key, value and headers):
// dlq_reason and dlq_status_code (why), dlq_original_topic,
// dlq_original_partition and dlq_original_offset (where it was read),
// dlq_attempts (how often it was tried), dlq_failed_at (`failed_at`,
// FormatEventTime) and dlq_consumer_group (who gave up). Every writer of dead
// letters uses this, so operators and replay tools read one format.
void AppendDeadLetterHeaders(const absl::Status& reason, const SourcePosition& position,
                             int attempts, absl::string_view failed_at,
                             absl::string_view consumer_group, Headers& headers);

}  // namespace arrears::events

#endif  // ARREARS_COMMON_EVENTS_EVENT_H_
