#include "tools/simulator/quiet_detector.h"

#include <deque>

#include "common/status/status_matchers.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace arrears::simulator {
namespace {

using ::arrears::testing::StatusIs;
using ::testing::HasSubstr;

class QuietDetectorTest : public ::testing::Test {
 protected:
  // Plays `samples` one per poll, then repeats the last one.
  absl::Status Await(std::deque<absl::StatusOr<PipelineSample>> samples) {
    samples_ = std::move(samples);
    return AwaitQuiet(
        [this]() -> absl::StatusOr<PipelineSample> {
          ++calls_;
          absl::StatusOr<PipelineSample> next = samples_.front();
          if (samples_.size() > 1) samples_.pop_front();
          return next;
        },
        options_, clock_, [this](absl::Duration d) { clock_.Advance(d); });
  }

  static PipelineSample Sample(int64_t backlog, std::vector<int64_t> progress) {
    return PipelineSample{backlog, std::move(progress), absl::StrCat("backlog ", backlog)};
  }

  QuietOptions options_ = [] {
    QuietOptions options;
    options.settle = absl::Milliseconds(100);
    options.poll = absl::Milliseconds(20);
    options.deadline = absl::Seconds(5);
    return options;
  }();
  FakeClock clock_;
  std::deque<absl::StatusOr<PipelineSample>> samples_;
  int calls_ = 0;
};

TEST_F(QuietDetectorTest, QuietOnceNoBacklogAndNothingMovesForTheSettleTime) {
  const absl::Time start = clock_.Now();
  ASSERT_OK(Await({Sample(0, {5})}));
  EXPECT_GE(clock_.Now() - start, absl::Milliseconds(100));
  EXPECT_LT(clock_.Now() - start, absl::Milliseconds(200));
}

TEST_F(QuietDetectorTest, WaitsForTheBacklogToDrainAndProgressToStop) {
  const absl::Time start = clock_.Now();
  ASSERT_OK(
      Await({Sample(3, {1}), Sample(1, {2}), Sample(0, {3}), Sample(0, {4}), Sample(0, {4})}));
  // The last change is seen on the 4th poll (60 ms); quiet 100 ms later.
  EXPECT_GE(clock_.Now() - start, absl::Milliseconds(160));
  EXPECT_GE(calls_, 9);
}

TEST_F(QuietDetectorTest, ProgressWithoutBacklogIsNotQuiet) {
  // Offsets keep moving although no backlog shows (work in flight).
  std::deque<absl::StatusOr<PipelineSample>> samples;
  for (int i = 0; i < 20; ++i) samples.push_back(Sample(0, {i}));
  samples.push_back(Sample(0, {20}));
  const absl::Time start = clock_.Now();
  ASSERT_OK(Await(samples));
  EXPECT_GE(clock_.Now() - start, absl::Milliseconds(20 * 20 + 100));
}

TEST_F(QuietDetectorTest, DeadlineNamesWhatIsOutstanding) {
  EXPECT_THAT(Await({PipelineSample{7, {1}, "strategy-routing: 7 on delinquency"}}),
              StatusIs(absl::StatusCode::kDeadlineExceeded,
                       HasSubstr("strategy-routing: 7 on delinquency")));
}

TEST_F(QuietDetectorTest, SamplerErrorsAreNotQuietAndAreReportedAtTheDeadline) {
  EXPECT_THAT(Await({absl::UnavailableError("broker down")}),
              StatusIs(absl::StatusCode::kDeadlineExceeded, HasSubstr("broker down")));
  ASSERT_OK(Await({absl::UnavailableError("blip"), Sample(0, {1})}));
}

TEST_F(QuietDetectorTest, CancelledEndsTheWaitAtOnce) {
  int polls = 0;
  options_.cancelled = [&polls] { return ++polls > 3; };
  EXPECT_THAT(Await({Sample(5, {1})}), StatusIs(absl::StatusCode::kCancelled));
  EXPECT_EQ(calls_, 3);
}

}  // namespace
}  // namespace arrears::simulator
