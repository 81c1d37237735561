// Loading IANA time zones by name, for loans, products and schedules that
// state their zone in configuration or in events ("Asia/Shanghai").
//
// LoadTimeZone() accepts IANA zone names only ("Area/Location" such as
// "America/New_York", or "UTC"): names are checked before any file is looked
// up, so paths ("/etc/passwd", "../x"), absl's special "localtime" and fixed
// offsets ("Fixed/UTC+08:00") are rejected, and a service never silently falls
// back to UTC, which is what absl::LoadTimeZone() does on failure.
//
// Loaded zones are cached for the life of the process (a zone is a small
// handle to immutable data); the cache is thread-safe and only successful
// loads are cached. Zone data comes from the system tzdata
// (/usr/share/zoneinfo, package tzdata).
#ifndef ARREARS_COMMON_TIME_TIME_ZONE_H_
#define ARREARS_COMMON_TIME_TIME_ZONE_H_

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace arrears::time {

// The zone named `iana_name`. InvalidArgument naming the input when it is
// empty, not shaped like an IANA name, or not in the tz database.
absl::StatusOr<absl::TimeZone> LoadTimeZone(absl::string_view iana_name);

}  // namespace arrears::time

#endif  // ARREARS_COMMON_TIME_TIME_ZONE_H_
