#include "common/runtime/logging.h"

#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/time/time.h"
#include "common/runtime/trace_context.h"
#include "common/status/status_matchers.h"
#include "common/time/clock.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"

namespace arrears::runtime {
namespace {

using ::arrears::testing::IsOkAndHolds;
using ::arrears::testing::StatusIs;
using ::testing::ElementsAre;
using ::testing::SizeIs;
using Json = nlohmann::ordered_json;

class LoggingTest : public ::testing::Test {
 protected:
  void SetUp() override { Configure(LogLevel::kDebug); }
  void TearDown() override { ConfigureLogging({}); }

  void Configure(LogLevel level) {
    sink_ = std::make_shared<MemoryLogSink>();
    ConfigureLogging(
        {.service = "overdue-detection", .min_level = level, .sink = sink_, .clock = &clock_});
  }

  std::vector<Json> Records() const {
    std::vector<Json> records;
    for (const std::string& line : sink_->Lines()) {
      EXPECT_EQ(line.find('\n'), std::string::npos) << line;
      records.push_back(Json::parse(line));
    }
    return records;
  }

  FakeClock clock_{absl::FromUnixMillis(1'767'225'600'123)};  // 2026-01-01T00:00:00.123Z
  std::shared_ptr<MemoryLogSink> sink_;
};

TEST_F(LoggingTest, WritesOneJsonObjectPerRecordWithFixedKeysFirst) {
  Log(LogLevel::kInfo, "consumer rebalanced", {{"partitions", 12}, {"group", "overdue"}});
  ASSERT_THAT(sink_->Lines(), SizeIs(1));
  EXPECT_EQ(sink_->Lines()[0],
            R"({"ts":"2026-01-01T00:00:00.123Z","level":"info","service":"overdue-detection",)"
            R"("msg":"consumer rebalanced","partitions":12,"group":"overdue"})");
}

TEST_F(LoggingTest, BuilderSupportsFieldTypes) {
  LogWarning("mixed")
      .With("i", -3)
      .With("u", uint64_t{18'000'000'000'000'000'000u})
      .With("d", 2.5)
      .With("b", true)
      .With("s", std::string("str"))
      .With("sv", absl::string_view("view"))
      .With("latency", absl::Milliseconds(1500))
      .With("at", absl::FromUnixSeconds(0))
      .With("status", absl::NotFoundError("loan L1"));
  ASSERT_THAT(Records(), SizeIs(1));
  const Json record = Records()[0];
  EXPECT_EQ(record["level"], "warning");
  EXPECT_EQ(record["i"], -3);
  EXPECT_EQ(record["u"], 18'000'000'000'000'000'000u);
  EXPECT_EQ(record["d"], 2.5);
  EXPECT_EQ(record["b"], true);
  EXPECT_EQ(record["s"], "str");
  EXPECT_EQ(record["sv"], "view");
  EXPECT_EQ(record["latency"], "1.5s");
  EXPECT_EQ(record["at"], "1970-01-01T00:00:00Z");
  EXPECT_EQ(record["status"], "NOT_FOUND: loan L1");
}

TEST_F(LoggingTest, EscapesJsonAndReplacesInvalidUtf8) {
  LogInfo("quote \" backslash \\ newline \n tab \t").With("name", "张**").With("bad", "\xff\xfe");
  ASSERT_THAT(Records(), SizeIs(1));
  const Json record = Records()[0];
  EXPECT_EQ(record["msg"], "quote \" backslash \\ newline \n tab \t");
  EXPECT_EQ(record["name"], "张**");
  EXPECT_EQ(record["bad"], "\xEF\xBF\xBD\xEF\xBF\xBD");  // two U+FFFD
}

TEST_F(LoggingTest, ReservedKeysAreNotOverwritten) {
  LogInfo("real").With("msg", "fake").With("level", "fake");
  const Json record = Records()[0];
  EXPECT_EQ(record["msg"], "real");
  EXPECT_EQ(record["level"], "info");
  EXPECT_EQ(record["_msg"], "fake");
  EXPECT_EQ(record["_level"], "fake");
}

TEST_F(LoggingTest, DropsRecordsBelowTheLevel) {
  Configure(LogLevel::kWarning);
  EXPECT_FALSE(IsLogEnabled(LogLevel::kInfo));
  EXPECT_TRUE(IsLogEnabled(LogLevel::kError));
  LogDebug("no");
  LogInfo("no").With("k", 1);
  Log(LogLevel::kInfo, "no");
  LogError("yes");
  std::vector<Json> records = Records();
  ASSERT_THAT(records, SizeIs(1));
  EXPECT_EQ(records[0]["msg"], "yes");
  EXPECT_EQ(records[0]["level"], "error");
}

TEST_F(LoggingTest, StampsTheCurrentTraceContext) {
  ASSERT_OK_AND_ASSIGN(
      TraceContext trace,
      TraceContext::FromTraceparent("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"));
  LogInfo("untraced");
  {
    ScopedTraceContext scope(trace);
    LogInfo("traced");
  }
  std::vector<Json> records = Records();
  ASSERT_THAT(records, SizeIs(2));
  EXPECT_FALSE(records[0].contains("trace_id"));
  EXPECT_EQ(records[1]["trace_id"], "4bf92f3577b34da6a3ce929d0e0e4736");
  EXPECT_EQ(records[1]["span_id"], "00f067aa0ba902b7");
  // Trace ids come right after msg, before the fields.
  auto it = records[1].begin();
  std::advance(it, 4);
  EXPECT_EQ(it.key(), "trace_id");
}

TEST_F(LoggingTest, ConcurrentWritersProduceWholeLines) {
  constexpr int kThreads = 4;
  constexpr int kRecordsPerThread = 500;
  std::vector<std::thread> threads;
  threads.reserve(kThreads);
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([t] {
      for (int i = 0; i < kRecordsPerThread; ++i) {
        LogInfo("tick").With("thread", t).With("i", i).With("padding", std::string(100, 'x'));
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  std::vector<Json> records = Records();  // parse fails on a torn line
  EXPECT_THAT(records, SizeIs(kThreads * kRecordsPerThread));
}

TEST(LogLevelTest, ParsesNamesAndFlagSyntax) {
  EXPECT_THAT(ParseLogLevel("debug"), IsOkAndHolds(LogLevel::kDebug));
  EXPECT_THAT(ParseLogLevel("warn"), IsOkAndHolds(LogLevel::kWarning));
  EXPECT_THAT(ParseLogLevel("INFO"), StatusIs(absl::StatusCode::kInvalidArgument));
  LogLevel level = LogLevel::kInfo;
  std::string error;
  EXPECT_TRUE(AbslParseFlag("error", &level, &error));
  EXPECT_EQ(level, LogLevel::kError);
  EXPECT_EQ(AbslUnparseFlag(level), "error");
  EXPECT_FALSE(AbslParseFlag("loud", &level, &error));
  EXPECT_THAT(error, ::testing::HasSubstr("loud"));
}

TEST(MemoryLogSinkTest, KeepsLinesInOrder) {
  MemoryLogSink sink;
  sink.Write("a");
  sink.Write("b");
  EXPECT_THAT(sink.Lines(), ElementsAre("a", "b"));
}

}  // namespace
}  // namespace arrears::runtime
