#include "common/runtime/process_clock.h"

#include <cstdio>
#include <fstream>
#include <string>

#include "absl/time/clock.h"
#include "common/status/status_matchers.h"
#include "common/time/simulated_clock.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace arrears::runtime {
namespace {

using ::arrears::testing::StatusIs;
using ::testing::HasSubstr;

TEST(ProcessClockTest, SystemClockUnlessASimulatedClockFileIsGiven) {
  RuntimeConfig config;
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<Clock> system, ProcessClock(config));
  EXPECT_LT(absl::AbsDuration(system->Now() - absl::Now()), absl::Minutes(1));

  config.simulated_clock_file = ::testing::TempDir() + "/process_clock_test.now";
  std::remove(config.simulated_clock_file.c_str());
  EXPECT_THAT(ProcessClock(config),
              StatusIs(absl::StatusCode::kNotFound, HasSubstr("--simulated_clock_file")));

  const absl::Time simulated = absl::FromUnixSeconds(1'772'413'200);
  std::ofstream(config.simulated_clock_file) << SimulatedClock::Format(simulated);
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<Clock> clock, ProcessClock(config));
  EXPECT_EQ(clock->Now(), simulated);
  std::remove(config.simulated_clock_file.c_str());
}

}  // namespace
}  // namespace arrears::runtime
