#include "services/contact_channels/agency_batch.h"

#include <string>

#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "common/status/status_matchers.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace arrears::contact {
namespace {

using ::arrears::testing::IsOk;
using ::arrears::testing::StatusIs;
using ::testing::HasSubstr;

absl::TimeZone Zone(const std::string& name) {
  absl::TimeZone zone;
  EXPECT_TRUE(absl::LoadTimeZone(name, &zone)) << name;
  return zone;
}

// A local civil time in `zone`, as an instant (the first, for a repeated
// one).
absl::Time Local(absl::TimeZone zone, int y, int m, int d, int hh, int mm = 0) {
  return absl::FromCivil(absl::CivilSecond(y, m, d, hh, mm, 0), zone);
}

struct LocalWindowCase {
  std::string name;
  std::string zone;
  absl::Duration window;
  absl::Duration offset;
  // The instant, as local civil time in `zone` (+ extra to reach the second
  // occurrence of a repeated hour).
  absl::CivilSecond at;
  absl::Duration extra;
  // The expected window, as local civil times.
  absl::CivilSecond start;
  absl::CivilSecond end;
  absl::Duration length;
};

class LocalBatchWindowTest : public ::testing::TestWithParam<LocalWindowCase> {};

TEST_P(LocalBatchWindowTest, FollowsTheLocalClock) {
  const LocalWindowCase& c = GetParam();
  const absl::TimeZone zone = Zone(c.zone);
  AgencyBatchPolicy policy{.window = c.window, .window_offset = c.offset, .time_zone = zone};
  ASSERT_THAT(ValidateAgencyBatchPolicy(policy), IsOk());
  const absl::Time at = absl::FromCivil(c.at, zone) + c.extra;
  const BatchWindow window = BatchWindowAt(policy, at);
  EXPECT_EQ(window.start, absl::FromCivil(c.start, zone)) << absl::FormatTime(window.start, zone);
  EXPECT_EQ(window.end, absl::FromCivil(c.end, zone)) << absl::FormatTime(window.end, zone);
  EXPECT_EQ(window.end - window.start, c.length);
  EXPECT_LE(window.start, at);
  EXPECT_LT(at, window.end);
}

using CS = absl::CivilSecond;
INSTANTIATE_TEST_SUITE_P(
    Windows, LocalBatchWindowTest,
    ::testing::Values(
        // China: no daylight saving; the same windows as 24h at offset -8h.
        LocalWindowCase{"ShanghaiDay", "Asia/Shanghai", absl::Hours(24), absl::ZeroDuration(),
                        CS(2026, 3, 9, 13, 5, 0), absl::ZeroDuration(), CS(2026, 3, 9, 0, 0, 0),
                        CS(2026, 3, 10, 0, 0, 0), absl::Hours(24)},
        LocalWindowCase{"ShanghaiMidnightOpensTheDay", "Asia/Shanghai", absl::Hours(24),
                        absl::ZeroDuration(), CS(2026, 3, 10, 0, 0, 0), absl::ZeroDuration(),
                        CS(2026, 3, 10, 0, 0, 0), CS(2026, 3, 11, 0, 0, 0), absl::Hours(24)},
        LocalWindowCase{"ShanghaiLastSecondOfTheDay", "Asia/Shanghai", absl::Hours(24),
                        absl::ZeroDuration(), CS(2026, 3, 9, 23, 59, 59), absl::ZeroDuration(),
                        CS(2026, 3, 9, 0, 0, 0), CS(2026, 3, 10, 0, 0, 0), absl::Hours(24)},
        // New York, 2026-03-08: 02:00 EST becomes 03:00 EDT; the day has 23 hours.
        LocalWindowCase{"NewYorkSpringForwardDay", "America/New_York", absl::Hours(24),
                        absl::ZeroDuration(), CS(2026, 3, 8, 12, 0, 0), absl::ZeroDuration(),
                        CS(2026, 3, 8, 0, 0, 0), CS(2026, 3, 9, 0, 0, 0), absl::Hours(23)},
        // 2026-11-01: 02:00 EDT becomes 01:00 EST; the day has 25 hours.
        LocalWindowCase{"NewYorkFallBackDay", "America/New_York", absl::Hours(24),
                        absl::ZeroDuration(), CS(2026, 11, 1, 12, 0, 0), absl::ZeroDuration(),
                        CS(2026, 11, 1, 0, 0, 0), CS(2026, 11, 2, 0, 0, 0), absl::Hours(25)},
        // An 18:00 cut-off: the evening belongs to the next business day's
        // file, and the window holding the change is 23 hours long.
        LocalWindowCase{"NewYorkCutOffBefore", "America/New_York", absl::Hours(24), absl::Hours(18),
                        CS(2026, 3, 8, 17, 59, 59), absl::ZeroDuration(), CS(2026, 3, 7, 18, 0, 0),
                        CS(2026, 3, 8, 18, 0, 0), absl::Hours(23)},
        LocalWindowCase{"NewYorkCutOffAt", "America/New_York", absl::Hours(24), absl::Hours(18),
                        CS(2026, 3, 8, 18, 0, 0), absl::ZeroDuration(), CS(2026, 3, 8, 18, 0, 0),
                        CS(2026, 3, 9, 18, 0, 0), absl::Hours(24)},
        // Six-hour windows keep their local start times; the one with the
        // change is five (spring) or seven (autumn) hours long.
        LocalWindowCase{"NewYorkSixHoursSpring", "America/New_York", absl::Hours(6),
                        absl::ZeroDuration(), CS(2026, 3, 8, 4, 0, 0), absl::ZeroDuration(),
                        CS(2026, 3, 8, 0, 0, 0), CS(2026, 3, 8, 6, 0, 0), absl::Hours(5)},
        LocalWindowCase{"NewYorkSixHoursAfterTheChange", "America/New_York", absl::Hours(6),
                        absl::ZeroDuration(), CS(2026, 3, 8, 6, 0, 0), absl::ZeroDuration(),
                        CS(2026, 3, 8, 6, 0, 0), CS(2026, 3, 8, 12, 0, 0), absl::Hours(6)},
        // The second 01:30 of the autumn change is in the same window as the
        // first.
        LocalWindowCase{"NewYorkRepeatedHour", "America/New_York", absl::Hours(6),
                        absl::ZeroDuration(), CS(2026, 11, 1, 1, 30, 0), absl::Hours(1),
                        CS(2026, 11, 1, 0, 0, 0), CS(2026, 11, 1, 6, 0, 0), absl::Hours(7)}),
    [](const ::testing::TestParamInfo<LocalWindowCase>& info) { return info.param.name; });

TEST(AgencyBatchWindowTest, WithoutATimeZoneWindowsAreAlignedToTheShiftedEpoch) {
  const AgencyBatchPolicy policy{.window = absl::Hours(24), .window_offset = absl::Hours(-8)};
  const absl::TimeZone shanghai = Zone("Asia/Shanghai");
  const BatchWindow window = BatchWindowAt(policy, Local(shanghai, 2026, 3, 9, 13));
  EXPECT_EQ(window.start, Local(shanghai, 2026, 3, 9, 0));
  EXPECT_EQ(window.end, Local(shanghai, 2026, 3, 10, 0));
  // The same policy in New York ignores daylight saving: always 24 hours.
  const absl::TimeZone new_york = Zone("America/New_York");
  const AgencyBatchPolicy eastern{.window = absl::Hours(24), .window_offset = absl::Hours(5)};
  const BatchWindow spring = BatchWindowAt(eastern, Local(new_york, 2026, 3, 8, 12));
  EXPECT_EQ(spring.end - spring.start, absl::Hours(24));
  EXPECT_NE(spring.end, Local(new_york, 2026, 3, 9, 0)) << "midnight EDT is 23:00 EST";
}

TEST(AgencyBatchWindowTest, ValidationNamesTheField) {
  const absl::TimeZone zone = Zone("Europe/London");
  EXPECT_THAT(ValidateAgencyBatchPolicy({.window = absl::Hours(7), .time_zone = zone}, "p.batch"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("p.batch.window")));
  EXPECT_THAT(ValidateAgencyBatchPolicy({.window = absl::Milliseconds(1500), .time_zone = zone}),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("batch.window")));
  EXPECT_THAT(ValidateAgencyBatchPolicy({.window_offset = absl::Hours(24), .time_zone = zone}),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("batch.window_offset")));
  EXPECT_THAT(ValidateAgencyBatchPolicy({.window_offset = -absl::Hours(1), .time_zone = zone}),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("batch.window_offset")));
  EXPECT_THAT(ValidateAgencyBatchPolicy({.max_placements = 0}),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("batch.max_placements")));
  // Without a zone any positive window and offset go (the old form).
  EXPECT_THAT(
      ValidateAgencyBatchPolicy({.window = absl::Hours(7), .window_offset = -absl::Hours(8)}),
      IsOk());
  EXPECT_THAT(
      ValidateAgencyBatchPolicy(
          {.window = absl::Minutes(30), .window_offset = absl::Hours(17), .time_zone = zone}),
      IsOk());
}

}  // namespace
}  // namespace arrears::contact
