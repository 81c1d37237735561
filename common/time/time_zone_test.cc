#include "common/time/time_zone.h"

#include <thread>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "common/status/status_matchers.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace arrears::time {
namespace {

using ::arrears::testing::StatusIs;
using ::testing::HasSubstr;

TEST(LoadTimeZoneTest, LoadsIanaZones) {
  ASSERT_OK_AND_ASSIGN(absl::TimeZone shanghai, LoadTimeZone("Asia/Shanghai"));
  EXPECT_EQ(shanghai.name(), "Asia/Shanghai");
  // 2024-07-01T00:00:00Z is 08:00 in Shanghai.
  EXPECT_EQ(absl::ToCivilHour(absl::FromUnixSeconds(1'719'792'000), shanghai),
            absl::CivilHour(2024, 7, 1, 8));
  ASSERT_OK_AND_ASSIGN(absl::TimeZone utc, LoadTimeZone("UTC"));
  EXPECT_EQ(utc, absl::UTCTimeZone());
  ASSERT_OK_AND_ASSIGN(absl::TimeZone buenos_aires, LoadTimeZone("America/Argentina/Buenos_Aires"));
  EXPECT_EQ(buenos_aires.name(), "America/Argentina/Buenos_Aires");
  EXPECT_OK(LoadTimeZone("America/Port-au-Prince"));
  EXPECT_OK(LoadTimeZone("Etc/GMT+5"));
}

TEST(LoadTimeZoneTest, SecondLoadReturnsTheSameZone) {
  ASSERT_OK_AND_ASSIGN(absl::TimeZone first, LoadTimeZone("America/New_York"));
  ASSERT_OK_AND_ASSIGN(absl::TimeZone second, LoadTimeZone("America/New_York"));
  EXPECT_EQ(first, second);
}

TEST(LoadTimeZoneTest, UnknownZoneIsNamedAndNotUtc) {
  EXPECT_THAT(
      LoadTimeZone("Mars/Olympus_Mons"),
      StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("\"Mars/Olympus_Mons\": unknown")));
  // Case matters in the tz database.
  EXPECT_THAT(LoadTimeZone("asia/shanghai"), StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST(LoadTimeZoneTest, EmptyNameIsAnError) {
  EXPECT_THAT(LoadTimeZone(""), StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("missing")));
}

TEST(LoadTimeZoneTest, RejectsNamesThatAreNotIanaNames) {
  for (const char* bad :
       {"/etc/localtime", "/usr/share/zoneinfo/UTC", "../zoneinfo/UTC", "Asia/../Asia/Shanghai",
        "Asia//Shanghai", "Asia/Shanghai/", "localtime", "Fixed/UTC+08:00:00", "Asia/Shanghai ",
        "UTC\n", "EST5EDT,M3.2.0,M11.1.0"}) {
    SCOPED_TRACE(bad);
    EXPECT_THAT(LoadTimeZone(bad), StatusIs(absl::StatusCode::kInvalidArgument));
  }
  EXPECT_THAT(LoadTimeZone(std::string(65, 'A')),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("64 bytes")));
}

TEST(LoadTimeZoneTest, ConcurrentLoadsAgree) {
  const std::vector<std::string> names = {"Asia/Shanghai", "Asia/Hong_Kong", "Europe/Paris",
                                          "America/Santiago"};
  absl::Mutex mu;
  int failures = 0;
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 200; ++i) {
        const std::string& name = names[(t + i) % names.size()];
        absl::StatusOr<absl::TimeZone> zone = LoadTimeZone(name);
        if (!zone.ok() || zone->name() != name) {
          absl::MutexLock lock(&mu);
          ++failures;
        }
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  EXPECT_EQ(failures, 0);
}

}  // namespace
}  // namespace arrears::time
