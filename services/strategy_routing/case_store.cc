#include "services/strategy_routing/case_store.h"

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"

namespace arrears::strategy {

std::string EncodeCasePageToken(int64_t priority, absl::string_view case_id) {
  return absl::StrCat(priority, "/", case_id);
}

absl::Status DecodeCasePageToken(absl::string_view token, int64_t* priority, std::string* case_id) {
  std::pair<absl::string_view, absl::string_view> parts =
      absl::StrSplit(token, absl::MaxSplits('/', 1));
  if (parts.second.empty() || !absl::SimpleAtoi(parts.first, priority)) {
    return absl::InvalidArgumentError("page_token: not a token from a previous response");
  }
  *case_id = std::string(parts.second);
  return absl::OkStatus();
}

bool CaseMatchesQuery(const v1::Case& c, const CaseQuery& query) {
  if ((c.state() == v1::Case::STATE_CLOSED) != query.closed) return false;
  const v1::Assignment& a = c.assignment();
  if (!query.collector_id.empty() && a.collector_id() != query.collector_id) return false;
  if (!query.team_id.empty() && a.team_id() != query.team_id) return false;
  if (!query.queue_id.empty() && a.queue_id() != query.queue_id) return false;
  if (!query.agency_id.empty() && a.agency_id() != query.agency_id) return false;
  if (!query.include_held && !query.closed) {
    // Active on the case's business date; dates compare as (y, m, d).
    auto key = [](const common::v1::Date& d) { return std::tuple(d.year(), d.month(), d.day()); };
    const auto today = key(c.business_date());
    for (const v1::Hold& hold : c.holds()) {
      const bool started = key(hold.start_date()) <= today;
      const bool not_ended = !hold.has_until_date() || key(hold.until_date()) >= today;
      if (started && not_ended) return false;
    }
  }
  return true;
}

}  // namespace arrears::strategy
