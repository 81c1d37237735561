#include "tools/simulator/file_clock_writer.h"

#include <fstream>

#include "common/status/status_matchers.h"
#include "common/store/testing/temp_dir.h"
#include "common/time/simulated_clock.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace arrears::simulator {
namespace {

using ::arrears::testing::StatusIs;

TEST(FileClockWriterTest, ServicesReadWhatTheWriterPublishes) {
  ASSERT_OK_AND_ASSIGN(auto dir, store::TempDir::Create());
  const std::string path = dir.path() + "/clock";
  ASSERT_OK_AND_ASSIGN(auto writer, FileClockWriter::Open(path));
  EXPECT_EQ(writer->current(), absl::InfinitePast());
  const absl::Time start = absl::FromUnixSeconds(1'767'542'400);  // 2026-01-04T16:00:00Z
  ASSERT_OK(writer->Advance(start));
  ASSERT_OK_AND_ASSIGN(auto clock, SimulatedClock::Create(path));
  EXPECT_EQ(clock->Now(), start);
  ASSERT_OK(writer->Advance(start + absl::Hours(8)));
  EXPECT_EQ(clock->Now(), start + absl::Hours(8));
  ASSERT_OK(writer->Advance(start + absl::Hours(8)));  // same instant: no-op
  EXPECT_THAT(writer->Advance(start), StatusIs(absl::StatusCode::kFailedPrecondition));

  // A second writer resumes from the file.
  ASSERT_OK_AND_ASSIGN(auto again, FileClockWriter::Open(path));
  EXPECT_EQ(again->current(), start + absl::Hours(8));
}

TEST(FileClockWriterTest, UnparsableFileIsAnErrorNamingThePath) {
  ASSERT_OK_AND_ASSIGN(auto dir, store::TempDir::Create());
  const std::string path = dir.path() + "/clock";
  std::ofstream(path) << "yesterday\n";
  EXPECT_THAT(FileClockWriter::Open(path),
              StatusIs(absl::StatusCode::kInvalidArgument, ::testing::HasSubstr(path)));
}

}  // namespace
}  // namespace arrears::simulator
