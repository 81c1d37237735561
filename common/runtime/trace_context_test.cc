#include "common/runtime/trace_context.h"

#include <optional>
#include <string>
#include <thread>

#include "absl/random/random.h"
#include "common/status/status_matchers.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace arrears::runtime {
namespace {

using ::arrears::testing::StatusIs;
using ::testing::HasSubstr;
using ::testing::MatchesRegex;

// The example from the W3C specification.
constexpr char kSpecExample[] = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";

TEST(TraceContextTest, ParsesAndFormatsTheSpecExample) {
  ASSERT_OK_AND_ASSIGN(TraceContext trace, TraceContext::FromTraceparent(kSpecExample));
  EXPECT_EQ(trace.TraceIdHex(), "4bf92f3577b34da6a3ce929d0e0e4736");
  EXPECT_EQ(trace.SpanIdHex(), "00f067aa0ba902b7");
  EXPECT_TRUE(trace.sampled());
  EXPECT_EQ(trace.ToTraceparent(), kSpecExample);
}

TEST(TraceContextTest, KeepsUnsampledFlag) {
  ASSERT_OK_AND_ASSIGN(
      TraceContext trace,
      TraceContext::FromTraceparent("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00"));
  EXPECT_FALSE(trace.sampled());
  EXPECT_EQ(trace.flags(), 0);
}

TEST(TraceContextTest, RejectsMalformedHeadersNamingThePart) {
  struct Case {
    const char* traceparent;
    const char* part;
  };
  const Case cases[] = {
      {"", "length"},
      {"00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-", "length"},
      {"00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-0", "length"},
      {"00_4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01", "delimiters"},
      {"ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01", "version"},
      {"0g-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01", "version"},
      {"00-00000000000000000000000000000000-00f067aa0ba902b7-01", "trace-id"},
      {"00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01", "trace-id"},
      {"00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01", "parent-id"},
      {"00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902bx-01", "parent-id"},
      {"00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-0z", "trace-flags"},
  };
  for (const Case& c : cases) {
    EXPECT_THAT(TraceContext::FromTraceparent(c.traceparent),
                StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr(c.part)))
        << c.traceparent;
  }
}

TEST(TraceContextTest, AcceptsFutureVersionsByTheirVersion00Prefix) {
  ASSERT_OK_AND_ASSIGN(
      TraceContext trace,
      TraceContext::FromTraceparent(
          "01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-what-the-future-holds"));
  EXPECT_EQ(trace.ToTraceparent(), kSpecExample);
  EXPECT_THAT(
      TraceContext::FromTraceparent("01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01x"),
      StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST(TraceContextTest, NewRootIsValidSampledAndRandom) {
  absl::BitGen rng;
  TraceContext a = TraceContext::NewRoot(rng);
  TraceContext b = TraceContext::NewRoot(rng);
  EXPECT_NE(a.TraceIdHex(), b.TraceIdHex());
  EXPECT_TRUE(a.sampled());
  EXPECT_THAT(a.ToTraceparent(), MatchesRegex("00-[0-9a-f]{32}-[0-9a-f]{16}-01"));
  ASSERT_OK_AND_ASSIGN(TraceContext parsed, TraceContext::FromTraceparent(a.ToTraceparent()));
  EXPECT_EQ(parsed, a);
}

TEST(TraceContextTest, ChildKeepsTraceIdAndSampledFlagOnly) {
  ASSERT_OK_AND_ASSIGN(
      TraceContext parent,
      TraceContext::FromTraceparent("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-ff"));
  TraceContext child = parent.NewChild();
  EXPECT_EQ(child.TraceIdHex(), parent.TraceIdHex());
  EXPECT_NE(child.SpanIdHex(), parent.SpanIdHex());
  EXPECT_EQ(child.flags(), TraceContext::kSampledFlag);
}

TEST(TraceContextTest, SeededGeneratorIsDeterministic) {
  std::seed_seq seed_a{1, 2, 3};
  std::seed_seq seed_b{1, 2, 3};
  absl::BitGen a(seed_a);
  absl::BitGen b(seed_b);
  EXPECT_EQ(TraceContext::NewRoot(a), TraceContext::NewRoot(b));
}

TEST(ScopedTraceContextTest, NestsAndRestores) {
  EXPECT_EQ(CurrentTraceContext(), std::nullopt);
  TraceContext outer = TraceContext::NewRoot();
  {
    ScopedTraceContext outer_scope(outer);
    EXPECT_EQ(CurrentTraceContext(), outer);
    TraceContext inner = outer.NewChild();
    {
      ScopedTraceContext inner_scope(inner);
      EXPECT_EQ(CurrentTraceContext(), inner);
    }
    EXPECT_EQ(CurrentTraceContext(), outer);
  }
  EXPECT_EQ(CurrentTraceContext(), std::nullopt);
}

TEST(ScopedTraceContextTest, IsPerThread) {
  ScopedTraceContext scope(TraceContext::NewRoot());
  std::optional<TraceContext> seen_elsewhere = TraceContext::NewRoot();
  std::thread other([&] { seen_elsewhere = CurrentTraceContext(); });
  other.join();
  EXPECT_EQ(seen_elsewhere, std::nullopt);
  EXPECT_TRUE(CurrentTraceContext().has_value());
}

}  // namespace
}  // namespace arrears::runtime
