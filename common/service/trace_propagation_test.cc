#include "common/service/trace_propagation.h"

#include <vector>

#include "common/runtime/trace_context.h"
#include "common/status/status_matchers.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace arrears::service {
namespace {

constexpr char kParent[] = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";

class CollectingWriter final : public store::OutboxWriter {
 public:
  absl::Status Enqueue(const events::Event& event) override {
    events.push_back(event);
    return absl::OkStatus();
  }
  std::vector<events::Event> events;
};

// Records the trace it ran under and emits one follow-up event (optionally
// with its own traceparent, which must be kept).
class FollowUpApplier final : public store::EventApplier {
 public:
  absl::Status Apply(const events::InboundEvent& event, store::Transaction&,
                     store::OutboxWriter& outbox) override {
    seen = runtime::CurrentTraceContext();
    events::Event follow_up;
    follow_up.envelope.id = "follow-up";
    follow_up.envelope.traceparent = explicit_traceparent;
    return outbox.Enqueue(follow_up);
  }
  std::optional<runtime::TraceContext> seen;
  std::string explicit_traceparent;
};

class NoTransaction final : public store::Transaction {
 public:
  NoTransaction() : store::Transaction(this) {}
  absl::Status CreateSavepoint(absl::string_view) override { return absl::OkStatus(); }
  absl::Status ReleaseSavepoint(absl::string_view) override { return absl::OkStatus(); }
  absl::Status RollbackToSavepoint(absl::string_view) override { return absl::OkStatus(); }
};

events::InboundEvent EventWithTraceparent(std::string traceparent) {
  events::InboundEvent event;
  event.event.envelope.id = "in-1";
  event.event.envelope.traceparent = std::move(traceparent);
  return event;
}

TEST(TracedApplierTest, AppliesUnderAChildSpanAndStampsFollowUps) {
  FollowUpApplier inner;
  TracedApplier traced(&inner);
  NoTransaction txn;
  CollectingWriter outbox;
  ASSERT_OK(traced.Apply(EventWithTraceparent(kParent), txn, outbox));

  ASSERT_TRUE(inner.seen.has_value());
  EXPECT_EQ(inner.seen->TraceIdHex(), "4bf92f3577b34da6a3ce929d0e0e4736");
  EXPECT_NE(inner.seen->SpanIdHex(), "00f067aa0ba902b7") << "a child span, not the parent's";
  ASSERT_EQ(outbox.events.size(), 1u);
  EXPECT_EQ(outbox.events[0].envelope.traceparent, inner.seen->ToTraceparent());
  EXPECT_FALSE(runtime::CurrentTraceContext().has_value()) << "scope ends with Apply";
}

TEST(TracedApplierTest, MissingOrMalformedTraceparentStartsANewTrace) {
  for (const std::string& traceparent : {std::string(), std::string("garbage")}) {
    FollowUpApplier inner;
    TracedApplier traced(&inner);
    NoTransaction txn;
    CollectingWriter outbox;
    ASSERT_OK(traced.Apply(EventWithTraceparent(traceparent), txn, outbox));
    ASSERT_TRUE(inner.seen.has_value());
    EXPECT_NE(inner.seen->TraceIdHex(), "4bf92f3577b34da6a3ce929d0e0e4736");
    EXPECT_EQ(outbox.events[0].envelope.traceparent, inner.seen->ToTraceparent());
  }
}

TEST(TracedApplierTest, KeepsAnExplicitTraceparent) {
  FollowUpApplier inner;
  inner.explicit_traceparent = kParent;
  TracedApplier traced(&inner);
  NoTransaction txn;
  CollectingWriter outbox;
  ASSERT_OK(traced.Apply(EventWithTraceparent(""), txn, outbox));
  EXPECT_EQ(outbox.events[0].envelope.traceparent, kParent);
}

TEST(TraceStampingOutboxWriterTest, LeavesEventsAloneWithoutACurrentTrace) {
  CollectingWriter inner;
  TraceStampingOutboxWriter writer(inner);
  events::Event event;
  event.envelope.id = "e";
  ASSERT_OK(writer.Enqueue(event));
  EXPECT_EQ(inner.events[0].envelope.traceparent, "");
}

}  // namespace
}  // namespace arrears::service
