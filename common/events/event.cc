#include "common/events/event.h"

#include <string>

#include "absl/strings/str_cat.h"

namespace arrears::events {
namespace {

constexpr size_t kMaxAttributeBytes = 256;

absl::Status CheckAttribute(absl::string_view header, absl::string_view value) {
  if (value.empty()) return absl::InvalidArgumentError(absl::StrCat(header, ": missing"));
  if (value.size() > kMaxAttributeBytes) {
    return absl::InvalidArgumentError(
        absl::StrCat(header, ": longer than ", kMaxAttributeBytes, " bytes"));
  }
  return absl::OkStatus();
}

const std::string* Find(const Headers& headers, absl::string_view name) {
  // Last one wins, as with repeated HTTP headers in CloudEvents' HTTP binding.
  const std::string* found = nullptr;
  for (const auto& [key, value] : headers) {
    if (key == name) found = &value;
  }
  return found;
}

}  // namespace

absl::Status ValidateEnvelope(const Envelope& envelope) {
  if (absl::Status s = CheckAttribute(kHeaderId, envelope.id); !s.ok()) return s;
  if (absl::Status s = CheckAttribute(kHeaderType, envelope.type); !s.ok()) return s;
  return CheckAttribute(kHeaderSource, envelope.source);
}

std::string FormatEventTime(absl::Time time) {
  return absl::FormatTime("%Y-%m-%dT%H:%M:%E6SZ", time, absl::UTCTimeZone());
}

void AppendDeadLetterHeaders(const absl::Status& reason, const SourcePosition& position,
                             int attempts, absl::string_view failed_at,
                             absl::string_view consumer_group, Headers& headers) {
  auto add = [&headers](absl::string_view name, std::string value) {
    headers.emplace_back(std::string(name), std::move(value));
  };
  add("dlq_reason", std::string(reason.message()));
  add("dlq_status_code", absl::StatusCodeToString(reason.code()));
  add("dlq_original_topic", position.topic);
  add("dlq_original_partition", absl::StrCat(position.partition));
  add("dlq_original_offset", absl::StrCat(position.offset));
  add("dlq_attempts", absl::StrCat(attempts));
  add("dlq_failed_at", std::string(failed_at));
  add("dlq_consumer_group", std::string(consumer_group));
}

Headers ToHeaders(const Envelope& envelope) {
  Headers headers = {
      {std::string(kHeaderId), envelope.id},
      {std::string(kHeaderType), envelope.type},
      {std::string(kHeaderSource), envelope.source},
      {std::string(kHeaderTime), FormatEventTime(envelope.time)},
      {std::string(kHeaderSpecVersion), std::string(kSpecVersion)},
      {std::string(kHeaderContentType), std::string(kProtobufContentType)},
  };
  if (!envelope.traceparent.empty()) {
    headers.emplace_back(std::string(kHeaderTraceparent), envelope.traceparent);
  }
  return headers;
}

absl::StatusOr<Envelope> EnvelopeFromHeaders(const Headers& headers) {
  Envelope envelope;
  if (const std::string* v = Find(headers, kHeaderSpecVersion);
      v == nullptr || *v != kSpecVersion) {
    return absl::InvalidArgumentError(absl::StrCat(kHeaderSpecVersion, ": want \"", kSpecVersion,
                                                   "\", got \"", v == nullptr ? "<missing>" : *v,
                                                   "\""));
  }
  if (const std::string* v = Find(headers, kHeaderId)) envelope.id = *v;
  if (const std::string* v = Find(headers, kHeaderType)) envelope.type = *v;
  if (const std::string* v = Find(headers, kHeaderSource)) envelope.source = *v;
  if (const std::string* v = Find(headers, kHeaderTraceparent)) envelope.traceparent = *v;
  if (absl::Status s = ValidateEnvelope(envelope); !s.ok()) return s;
  const std::string* time = Find(headers, kHeaderTime);
  if (time == nullptr) return absl::InvalidArgumentError(absl::StrCat(kHeaderTime, ": missing"));
  std::string error;
  if (!absl::ParseTime(absl::RFC3339_full, *time, &envelope.time, &error)) {
    return absl::InvalidArgumentError(
        absl::StrCat(kHeaderTime, ": not RFC 3339 (\"", *time, "\"): ", error));
  }
  return envelope;
}

}  // namespace arrears::events
