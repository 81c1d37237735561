#include "common/runtime/shutdown.h"

#include <signal.h>
#include <unistd.h>

#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/time/time.h"
#include "common/runtime/logging.h"
#include "common/status/status_matchers.h"
#include "common/time/clock.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"

namespace arrears::runtime {
namespace {

using ::arrears::testing::IsOk;
using ::arrears::testing::StatusIs;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

constexpr absl::Duration kPatience = absl::Seconds(10);

TEST(ShutdownSignalTest, TriggerReleasesWaiters) {
  ASSERT_OK_AND_ASSIGN(auto signal, ShutdownSignal::Create());
  EXPECT_FALSE(signal->triggered());
  EXPECT_FALSE(signal->WaitFor(absl::Milliseconds(1)));
  std::thread waiter([&] { signal->Wait(); });
  signal->Trigger("test");
  waiter.join();
  EXPECT_TRUE(signal->triggered());
  EXPECT_EQ(signal->reason(), "test");
  signal->Trigger("again");  // the first reason stays
  EXPECT_EQ(signal->reason(), "test");
}

TEST(ShutdownSignalTest, OnlyOneAtATime) {
  ASSERT_OK_AND_ASSIGN(auto signal, ShutdownSignal::Create());
  EXPECT_THAT(ShutdownSignal::Create(), StatusIs(absl::StatusCode::kFailedPrecondition));
  signal.reset();
  EXPECT_THAT(ShutdownSignal::Create(), IsOk());
}

TEST(ShutdownSignalTest, SigtermToTheProcessIsCaught) {
  ASSERT_OK_AND_ASSIGN(auto signal, ShutdownSignal::Create());
  ASSERT_EQ(kill(getpid(), SIGTERM), 0);
  ASSERT_TRUE(signal->WaitFor(kPatience));
  EXPECT_EQ(signal->reason(), "SIGTERM");
}

TEST(ShutdownSignalTest, SigintToTheProcessIsCaught) {
  ASSERT_OK_AND_ASSIGN(auto signal, ShutdownSignal::Create());
  ASSERT_EQ(kill(getpid(), SIGINT), 0);
  ASSERT_TRUE(signal->WaitFor(kPatience));
  EXPECT_EQ(signal->reason(), "SIGINT");
}

// Sends two signals; the second must end the process with 128+SIGINT.
void SignalTwice() {
  auto signal = ShutdownSignal::Create();
  if (!signal.ok()) std::_Exit(1);
  kill(getpid(), SIGTERM);
  if (!(*signal)->WaitFor(kPatience)) std::_Exit(1);
  kill(getpid(), SIGINT);
  absl::SleepFor(kPatience);  // the waiter thread exits the process meanwhile
  std::_Exit(0);
}

TEST(ShutdownSignalDeathTest, SecondSignalExitsAtOnce) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  EXPECT_EXIT(SignalTwice(), ::testing::ExitedWithCode(128 + SIGINT), "");
}

class DrainSequenceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    sink_ = std::make_shared<MemoryLogSink>();
    ConfigureLogging({.service = "test", .min_level = LogLevel::kInfo, .sink = sink_});
  }
  void TearDown() override { ConfigureLogging({}); }

  std::vector<nlohmann::json> Logs() const {
    std::vector<nlohmann::json> records;
    for (const std::string& line : sink_->Lines()) records.push_back(nlohmann::json::parse(line));
    return records;
  }

  FakeClock clock_;
  std::shared_ptr<MemoryLogSink> sink_;
};

TEST_F(DrainSequenceTest, RunsStepsInOrderWithTheirDeadlines) {
  DrainSequence drain(&clock_);
  std::vector<std::string> order;
  std::vector<absl::Time> deadlines;
  drain.AddStep("readiness off", absl::Seconds(1), [&](absl::Time deadline) {
    order.push_back("readiness off");
    deadlines.push_back(deadline);
    clock_.Advance(absl::Milliseconds(200));
    return absl::OkStatus();
  });
  drain.AddStep("stop consumers", absl::Seconds(5), [&](absl::Time deadline) {
    order.push_back("stop consumers");
    deadlines.push_back(deadline);
    return absl::OkStatus();
  });
  const absl::Time start = clock_.Now();
  DrainSequence::Report report = drain.Run();
  EXPECT_TRUE(report.ok());
  EXPECT_THAT(order, ElementsAre("readiness off", "stop consumers"));
  EXPECT_THAT(deadlines, ElementsAre(start + absl::Seconds(1),
                                     start + absl::Milliseconds(200) + absl::Seconds(5)));
  ASSERT_EQ(report.steps.size(), 2u);
  EXPECT_EQ(report.steps[0].duration, absl::Milliseconds(200));
  EXPECT_EQ(report.steps[1].duration, absl::ZeroDuration());

  // Steps already run do not run again.
  EXPECT_TRUE(drain.Run().steps.empty());
  EXPECT_EQ(order.size(), 2u);
}

TEST_F(DrainSequenceTest, FailedAndLateStepsAreReportedAndLaterStepsStillRun) {
  DrainSequence drain(&clock_);
  bool flushed = false;
  drain.AddStep("stop consumers", absl::Seconds(1),
                [&](absl::Time) { return absl::UnavailableError("broker gone"); });
  drain.AddStep("commit offsets", absl::Seconds(1), [&](absl::Time) {
    clock_.Advance(absl::Seconds(3));  // returns OK, but late
    return absl::OkStatus();
  });
  drain.AddStep("flush outbox", absl::Seconds(1), [&](absl::Time) {
    flushed = true;
    return absl::OkStatus();
  });
  DrainSequence::Report report = drain.Run();
  EXPECT_TRUE(flushed);
  EXPECT_FALSE(report.ok());
  ASSERT_EQ(report.steps.size(), 3u);
  EXPECT_THAT(report.steps[0].status, StatusIs(absl::StatusCode::kUnavailable));
  EXPECT_THAT(report.steps[1].status,
              StatusIs(absl::StatusCode::kDeadlineExceeded, HasSubstr("3s")));
  EXPECT_THAT(report.steps[2].status, IsOk());
  EXPECT_THAT(report.status(), StatusIs(absl::StatusCode::kUnavailable,
                                        AllOf(HasSubstr("stop consumers: broker gone"),
                                              HasSubstr("commit offsets: took 3s"))));
}

TEST_F(DrainSequenceTest, LogsEachStep) {
  DrainSequence drain(&clock_);
  drain.AddStep("stop grpc", absl::Seconds(1), [&](absl::Time) {
    clock_.Advance(absl::Milliseconds(10));
    return absl::OkStatus();
  });
  drain.AddStep("flush outbox", absl::Seconds(1),
                [](absl::Time) { return absl::InternalError("disk full"); });
  drain.Run();
  std::vector<nlohmann::json> logs = Logs();
  std::vector<std::string> summary;
  for (const nlohmann::json& record : logs) {
    std::string line = record["level"].get<std::string>() + " " + record["msg"].get<std::string>();
    if (record.contains("step")) line += " " + record["step"].get<std::string>();
    if (record.contains("duration")) line += " " + record["duration"].get<std::string>();
    summary.push_back(line);
  }
  EXPECT_THAT(summary, ElementsAre("info drain step starting stop grpc",
                                   "info drain step done stop grpc 10ms",
                                   "info drain step starting flush outbox",
                                   "warning drain step failed flush outbox 0",
                                   "warning drain finished with failures 10ms"));
  EXPECT_THAT(logs[3]["status"].get<std::string>(), HasSubstr("disk full"));
}

}  // namespace
}  // namespace arrears::runtime
