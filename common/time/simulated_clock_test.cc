#include "common/time/simulated_clock.h"

#include <cstdio>
#include <fstream>
#include <string>

#include "common/status/status_matchers.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace arrears {
namespace {

using ::arrears::testing::StatusIs;
using ::testing::HasSubstr;

class SimulatedClockTest : public ::testing::Test {
 protected:
  void SetUp() override {
    path_ = ::testing::TempDir() + "/simulated_clock_test." + std::to_string(getpid());
    std::remove(path_.c_str());
  }
  void TearDown() override { std::remove(path_.c_str()); }

  // Writes as a simulator does: a new file renamed over the old one.
  void Publish(const std::string& text) {
    const std::string temporary = path_ + ".tmp";
    std::ofstream(temporary) << text;
    ASSERT_EQ(std::rename(temporary.c_str(), path_.c_str()), 0);
  }

  std::string path_;
};

TEST_F(SimulatedClockTest, RefusesToStartWithoutAReadableInstant) {
  EXPECT_THAT(SimulatedClock::Create(path_),
              StatusIs(absl::StatusCode::kNotFound, HasSubstr(path_)));
  Publish("tomorrow");
  EXPECT_THAT(SimulatedClock::Create(path_),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("tomorrow")));
  EXPECT_THAT(SimulatedClock::Create(""), StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST_F(SimulatedClockTest, FollowsTheFileForwardOnly) {
  const absl::Time day1 = absl::FromUnixSeconds(1'772'413'200);  // 2026-03-02T01:00:00Z
  Publish(SimulatedClock::Format(day1) + "\n");
  ASSERT_OK_AND_ASSIGN(auto clock, SimulatedClock::Create(path_));
  EXPECT_EQ(clock->Now(), day1);
  EXPECT_EQ(clock->Now(), day1) << "stands still until the file moves";

  Publish("2026-03-02T17:00:00+08:00");  // offsets are honoured
  EXPECT_EQ(clock->Now(), day1 + absl::Hours(8));

  Publish(SimulatedClock::Format(day1));  // backwards: ignored
  EXPECT_EQ(clock->Now(), day1 + absl::Hours(8));
  std::remove(path_.c_str());  // briefly absent: the last instant stands
  EXPECT_EQ(clock->Now(), day1 + absl::Hours(8));
  Publish("garbage");
  EXPECT_EQ(clock->Now(), day1 + absl::Hours(8));
  Publish(SimulatedClock::Format(day1 + absl::Hours(24)));
  EXPECT_EQ(clock->Now(), day1 + absl::Hours(24));
}

}  // namespace
}  // namespace arrears
