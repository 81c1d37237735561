#include "common/runtime/trace_context.h"

#include <cstdint>
#include <optional>
#include <string>

#include "absl/random/random.h"
#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace arrears::runtime {
namespace {

constexpr size_t kVersion00Length = 55;  // 2 + 1 + 32 + 1 + 16 + 1 + 2

// Parses exactly `hex.size()` (<= 16) lowercase hex digits; the spec forbids
// uppercase, so "ABCD" is an error rather than a synonym.
std::optional<uint64_t> ParseLowerHex(absl::string_view hex) {
  uint64_t value = 0;
  for (char c : hex) {
    int digit;
    if (c >= '0' && c <= '9') {
      digit = c - '0';
    } else if (c >= 'a' && c <= 'f') {
      digit = c - 'a' + 10;
    } else {
      return std::nullopt;
    }
    value = (value << 4) | static_cast<uint64_t>(digit);
  }
  return value;
}

absl::Status Malformed(absl::string_view part, absl::string_view traceparent) {
  return absl::InvalidArgumentError(
      absl::StrCat("traceparent: invalid ", part, " in \"", traceparent, "\""));
}

uint64_t NonZeroRandom(absl::BitGenRef rng) {
  for (;;) {
    uint64_t v = absl::Uniform<uint64_t>(rng);
    if (v != 0) return v;
  }
}

absl::BitGen& ThreadLocalBitGen() {
  thread_local absl::BitGen gen;
  return gen;
}

thread_local const TraceContext* current_context = nullptr;

}  // namespace

absl::StatusOr<TraceContext> TraceContext::FromTraceparent(absl::string_view traceparent) {
  if (traceparent.size() < kVersion00Length) return Malformed("length", traceparent);
  if (traceparent[2] != '-' || traceparent[35] != '-' || traceparent[52] != '-') {
    return Malformed("delimiters", traceparent);
  }
  std::optional<uint64_t> version = ParseLowerHex(traceparent.substr(0, 2));
  if (!version.has_value() || *version == 0xff) return Malformed("version", traceparent);
  if (*version == 0 && traceparent.size() != kVersion00Length) {
    return Malformed("length", traceparent);
  }
  if (*version > 0 && traceparent.size() > kVersion00Length &&
      traceparent[kVersion00Length] != '-') {
    return Malformed("length", traceparent);
  }
  std::optional<uint64_t> high = ParseLowerHex(traceparent.substr(3, 16));
  std::optional<uint64_t> low = ParseLowerHex(traceparent.substr(19, 16));
  if (!high.has_value() || !low.has_value() || (*high == 0 && *low == 0)) {
    return Malformed("trace-id", traceparent);
  }
  std::optional<uint64_t> span = ParseLowerHex(traceparent.substr(36, 16));
  if (!span.has_value() || *span == 0) return Malformed("parent-id", traceparent);
  std::optional<uint64_t> flags = ParseLowerHex(traceparent.substr(53, 2));
  if (!flags.has_value()) return Malformed("trace-flags", traceparent);
  return TraceContext(*high, *low, *span, static_cast<uint8_t>(*flags));
}

TraceContext TraceContext::NewRoot() { return NewRoot(ThreadLocalBitGen()); }

TraceContext TraceContext::NewRoot(absl::BitGenRef rng) {
  uint64_t high = absl::Uniform<uint64_t>(rng);
  uint64_t low = NonZeroRandom(rng);  // keeps the 128-bit id non-zero
  return TraceContext(high, low, NonZeroRandom(rng), kSampledFlag);
}

TraceContext TraceContext::NewChild() const { return NewChild(ThreadLocalBitGen()); }

TraceContext TraceContext::NewChild(absl::BitGenRef rng) const {
  return TraceContext(trace_id_high_, trace_id_low_, NonZeroRandom(rng), flags_ & kSampledFlag);
}

std::string TraceContext::ToTraceparent() const {
  return absl::StrFormat("00-%016x%016x-%016x-%02x", trace_id_high_, trace_id_low_, span_id_,
                         flags_);
}

std::string TraceContext::TraceIdHex() const {
  return absl::StrFormat("%016x%016x", trace_id_high_, trace_id_low_);
}

std::string TraceContext::SpanIdHex() const { return absl::StrFormat("%016x", span_id_); }

std::optional<TraceContext> CurrentTraceContext() {
  if (current_context == nullptr) return std::nullopt;
  return *current_context;
}

ScopedTraceContext::ScopedTraceContext(const TraceContext& context)
    : context_(context), previous_(current_context) {
  current_context = &context_;
}

ScopedTraceContext::~ScopedTraceContext() { current_context = previous_; }

}  // namespace arrears::runtime
