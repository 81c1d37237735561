#include "tools/simulator/progress_line.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace arrears::simulator {
namespace {

TEST(ProgressLineTest, ShowsTheDayThePhaseBarAndTheCounts) {
  StepProgress progress;
  progress.day_index = 11;
  progress.days = 120;
  progress.day = absl::CivilDay(2026, 1, 16);
  progress.phase_index = 3;
  progress.phases = 7;
  progress.phase = "10:00";
  LiveCounts counts;
  counts.delinquent_loans = 1234;
  counts.contacts_sent = 5678;
  counts.denied = 3;
  counts.deferred = 45;
  counts.cured = 89;
  EXPECT_EQ(FormatProgressLine(progress, counts),
            "day  12/120 2026-01-16 [########------] 10:00  delinquent 1,234 · sent 5,678 · "
            "denied 3 · deferred 45 · cured 89");
  progress.phase_index = 6;
  EXPECT_THAT(FormatProgressLine(progress, counts), ::testing::HasSubstr("[##############]"));
}

}  // namespace
}  // namespace arrears::simulator
