// W3C Trace Context (https://www.w3.org/TR/trace-context/) for one process.
//
// A TraceContext is the (trace id, span id, flags) triple that travels as the
// `traceparent` header: in gRPC metadata (see grpc_trace.h) and in Kafka
// record headers (events::Envelope::traceparent). The wire form is
//
//   00-<32 lowercase hex trace id>-<16 lowercase hex parent id>-<2 hex flags>
//
// Invariants of a TraceContext value: trace id and span id are never all
// zero. Only FromTraceparent, NewRoot and NewChild make one.
//
// The "current" context is thread-local: a ScopedTraceContext installs one
// for its lifetime and restores the previous one when it ends, so scopes
// nest. Logging (logging.h) stamps trace_id/span_id from it. The current
// context does not follow work handed to another thread; pass the
// TraceContext along and open a new scope there.
//
// Thread-safety: TraceContext is an immutable value type. The id generators
// are thread-safe when given no BitGenRef (they use a thread-local
// generator); a caller-supplied BitGenRef is used only by the calling thread.
#ifndef ARREARS_COMMON_RUNTIME_TRACE_CONTEXT_H_
#define ARREARS_COMMON_RUNTIME_TRACE_CONTEXT_H_

#include <cstdint>
#include <optional>
#include <string>

#include "absl/random/bit_gen_ref.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace arrears::runtime {

// Name of the header / metadata key that carries the context.
inline constexpr absl::string_view kTraceparentHeader = "traceparent";

class TraceContext {
 public:
  // The only flag defined by version 00.
  static constexpr uint8_t kSampledFlag = 0x01;

  // Parses a traceparent header. Accepts version 00 exactly (55 characters)
  // and, as the spec asks, higher versions except ff by reading their
  // version-00 prefix (anything after it must start with '-'). Rejects
  // uppercase hex, all-zero trace or parent ids, and wrong lengths, with an
  // InvalidArgument error naming the offending part.
  static absl::StatusOr<TraceContext> FromTraceparent(absl::string_view traceparent);

  // A new trace: random non-zero trace and span ids, sampled.
  static TraceContext NewRoot();
  static TraceContext NewRoot(absl::BitGenRef rng);

  // A new span in the same trace whose parent is this span: same trace id and
  // sampled flag, fresh random span id. Unknown flags are dropped, as the spec
  // asks of anyone who does not understand them.
  TraceContext NewChild() const;
  TraceContext NewChild(absl::BitGenRef rng) const;

  // The version-00 wire form with this span as the parent id.
  std::string ToTraceparent() const;

  std::string TraceIdHex() const;  // 32 lowercase hex characters
  std::string SpanIdHex() const;   // 16 lowercase hex characters
  uint8_t flags() const { return flags_; }
  bool sampled() const { return (flags_ & kSampledFlag) != 0; }

  friend bool operator==(const TraceContext&, const TraceContext&) = default;

 private:
  TraceContext(uint64_t trace_id_high, uint64_t trace_id_low, uint64_t span_id, uint8_t flags)
      : trace_id_high_(trace_id_high),
        trace_id_low_(trace_id_low),
        span_id_(span_id),
        flags_(flags) {}

  uint64_t trace_id_high_;
  uint64_t trace_id_low_;
  uint64_t span_id_;
  uint8_t flags_;
};

// The context installed on this thread by the innermost live
// ScopedTraceContext, if any.
std::optional<TraceContext> CurrentTraceContext();

// Installs `context` as this thread's current context until destruction.
// Must be destroyed on the thread that created it, in LIFO order with other
// scopes (the natural result of using it as a local variable).
class ScopedTraceContext {
 public:
  explicit ScopedTraceContext(const TraceContext& context);
  ~ScopedTraceContext();

  ScopedTraceContext(const ScopedTraceContext&) = delete;
  ScopedTraceContext& operator=(const ScopedTraceContext&) = delete;

 private:
  TraceContext context_;
  const TraceContext* previous_;
};

}  // namespace arrears::runtime

#endif  // ARREARS_COMMON_RUNTIME_TRACE_CONTEXT_H_
