#include "tools/simulator/progress_line.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "common/time/civil_date.h"
#include "tools/simulator/report.h"

namespace arrears::simulator {
namespace {

constexpr int kBarWidth = 14;

std::string Count(int64_t value) {
  // FormatMinor prints two decimals; counts have none.
  const std::string formatted = FormatMinor(value * 100);
  return formatted.substr(0, formatted.size() - 3);
}

}  // namespace

std::string FormatProgressLine(const StepProgress& progress, const LiveCounts& counts) {
  const int phases = std::max(1, progress.phases);
  const int filled = std::clamp((progress.phase_index + 1) * kBarWidth / phases, 0, kBarWidth);
  const int width = static_cast<int>(absl::StrCat(progress.days).size());
  return absl::StrFormat(
      "day %*d/%d %s [%s%s] %-5s  delinquent %s · sent %s · denied %s · deferred %s · cured %s",
      width, progress.day_index + 1, progress.days, time::FormatCivilDay(progress.day),
      std::string(static_cast<size_t>(filled), '#'),
      std::string(static_cast<size_t>(kBarWidth - filled), '-'), progress.phase,
      Count(counts.delinquent_loans), Count(counts.contacts_sent), Count(counts.denied),
      Count(counts.deferred), Count(counts.cured));
}

}  // namespace arrears::simulator
