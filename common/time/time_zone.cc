#include "common/time/time_zone.h"

#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"

namespace arrears::time {
namespace {

// The longest IANA name today is 32 bytes ("America/Argentina/ComodRivadavia").
constexpr size_t kMaxNameBytes = 64;

bool IsNameChar(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '/' ||
         c == '_' || c == '-' || c == '+';
}

// IANA names are ASCII words separated by single slashes: no leading or
// trailing slash, no empty or dot segments, so nothing can escape the zoneinfo
// directory. "localtime" is absl's alias for the host zone, never a loan's.
absl::Status CheckName(absl::string_view name) {
  auto error = [&](absl::string_view reason) {
    return absl::InvalidArgumentError(absl::StrCat("time zone \"", name, "\": ", reason));
  };
  if (name.empty()) return absl::InvalidArgumentError("time zone: missing IANA name");
  if (name.size() > kMaxNameBytes) return error("longer than 64 bytes");
  for (char c : name) {
    if (!IsNameChar(c)) return error("not an IANA time zone name");
  }
  if (name.front() == '/' || name.back() == '/' || absl::StrContains(name, "//")) {
    return error("not an IANA time zone name");
  }
  if (name == "localtime") return error("the host's zone is not allowed; name an IANA zone");
  return absl::OkStatus();
}

class ZoneCache {
 public:
  absl::StatusOr<absl::TimeZone> Load(absl::string_view name) {
    {
      absl::ReaderMutexLock lock(&mu_);
      auto it = zones_.find(name);
      if (it != zones_.end()) return it->second;
    }
    if (absl::Status s = CheckName(name); !s.ok()) return s;
    absl::TimeZone zone;
    if (!absl::LoadTimeZone(std::string(name), &zone)) {
      return absl::InvalidArgumentError(
          absl::StrCat("time zone \"", name, "\": unknown (not in the IANA tz database)"));
    }
    absl::MutexLock lock(&mu_);
    zones_.emplace(name, zone);
    return zone;
  }

 private:
  absl::Mutex mu_;
  absl::flat_hash_map<std::string, absl::TimeZone> zones_ ABSL_GUARDED_BY(mu_);
};

}  // namespace

absl::StatusOr<absl::TimeZone> LoadTimeZone(absl::string_view iana_name) {
  static ZoneCache* const cache = new ZoneCache();
  return cache->Load(iana_name);
}

}  // namespace arrears::time
