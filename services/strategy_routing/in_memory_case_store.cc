#include "services/strategy_routing/in_memory_case_store.h"

#include <algorithm>
#include <tuple>

#include "absl/strings/str_cat.h"
#include "common/proto_convert/proto_convert.h"
#include "common/status/status_macros.h"
#include "services/strategy_routing/case_codec.h"

namespace arrears::strategy {
namespace {

v1::Case Parse(const std::string& encoded) {
  v1::Case c;
  c.ParseFromString(encoded);
  return c;
}

absl::CivilDay DayOf(const common::v1::Date& d) {
  return absl::CivilDay(d.year(), d.month(), d.day());
}

}  // namespace

absl::StatusOr<std::optional<CaseRecord>> InMemoryCaseStore::Decode(
    const std::string& encoded) const {
  ARREARS_ASSIGN_OR_RETURN(CaseRecord record, CaseCodec::FromProto(Parse(encoded), policy_));
  return std::optional<CaseRecord>(std::move(record));
}

std::vector<v1::Case> InMemoryCaseStore::CasesLocked() const {
  std::vector<v1::Case> out;
  out.reserve(data_.cases.size());
  for (const auto& [id, encoded] : data_.cases) out.push_back(Parse(encoded));
  return out;
}

absl::StatusOr<std::optional<CaseRecord>> InMemoryCaseStore::LoadCase(store::Transaction&,
                                                                      absl::string_view case_id) {
  absl::MutexLock lock(&mu_);
  auto it = data_.cases.find(std::string(case_id));
  if (it == data_.cases.end()) return std::optional<CaseRecord>();
  return Decode(it->second);
}

absl::StatusOr<std::optional<CaseRecord>> InMemoryCaseStore::LoadOpenCase(
    store::Transaction&, absl::string_view customer_id) {
  absl::MutexLock lock(&mu_);
  for (const auto& [id, encoded] : data_.cases) {
    const v1::Case c = Parse(encoded);
    if (c.customer_id() == customer_id && c.state() == v1::Case::STATE_OPEN) return Decode(encoded);
  }
  return std::optional<CaseRecord>();
}

absl::StatusOr<std::optional<CaseRecord>> InMemoryCaseStore::LoadLatestCase(
    store::Transaction&, absl::string_view customer_id) {
  absl::MutexLock lock(&mu_);
  const std::string* best = nullptr;
  std::tuple<bool, absl::CivilDay, std::string> best_key;
  for (const auto& [id, encoded] : data_.cases) {
    const v1::Case c = Parse(encoded);
    if (c.customer_id() != customer_id) continue;
    auto key = std::make_tuple(c.state() == v1::Case::STATE_OPEN, DayOf(c.opened_on()), id);
    if (best == nullptr || key > best_key) {
      best = &encoded;
      best_key = key;
    }
  }
  if (best == nullptr) return std::optional<CaseRecord>();
  return Decode(*best);
}

absl::Status InMemoryCaseStore::SaveCase(store::Transaction&, const CaseRecord& record) {
  absl::MutexLock lock(&mu_);
  const CollectionCase& c = record.kase;
  if (!c.closed()) {
    for (const auto& [id, encoded] : data_.cases) {
      if (id == c.case_id()) continue;
      const v1::Case other = Parse(encoded);
      if (other.customer_id() == c.customer_id() && other.state() == v1::Case::STATE_OPEN) {
        return absl::AlreadyExistsError(
            absl::StrCat("customer ", c.customer_id(), " already has open case ", id));
      }
    }
  }
  std::string encoded;
  CaseCodec::ToProto(record).SerializeToString(&encoded);
  data_.cases[c.case_id()] = std::move(encoded);
  return absl::OkStatus();
}

absl::StatusOr<std::vector<std::string>> InMemoryCaseStore::DueCases(store::Transaction&,
                                                                     absl::string_view time_zone,
                                                                     absl::CivilDay day,
                                                                     int limit) {
  absl::MutexLock lock(&mu_);
  std::vector<std::pair<absl::CivilDay, std::string>> due;
  for (const v1::Case& c : CasesLocked()) {
    if (c.state() != v1::Case::STATE_OPEN || c.time_zone() != time_zone ||
        !c.strategy().has_next_decision_date()) {
      continue;
    }
    const absl::CivilDay next = DayOf(c.strategy().next_decision_date());
    if (next <= day) due.emplace_back(next, c.case_id());
  }
  std::sort(due.begin(), due.end());
  std::vector<std::string> ids;
  for (auto& [date, id] : due) {
    if (static_cast<int>(ids.size()) >= limit) break;
    ids.push_back(std::move(id));
  }
  return ids;
}

absl::StatusOr<CasePage> InMemoryCaseStore::ListCases(store::Transaction&, const CaseQuery& query) {
  int64_t after_priority = 0;
  std::string after_id;
  const bool paged = !query.page_token.empty();
  if (paged) {
    ARREARS_RETURN_IF_ERROR(DecodeCasePageToken(query.page_token, &after_priority, &after_id));
  }
  absl::MutexLock lock(&mu_);
  std::vector<v1::Case> matching;
  for (v1::Case& c : CasesLocked()) {
    if (!CaseMatchesQuery(c, query)) continue;
    // Order: priority descending, then case id ascending.
    if (paged &&
        std::make_tuple(-c.priority(), c.case_id()) <= std::make_tuple(-after_priority, after_id)) {
      continue;
    }
    matching.push_back(std::move(c));
  }
  std::sort(matching.begin(), matching.end(), [](const v1::Case& a, const v1::Case& b) {
    return std::make_tuple(-a.priority(), a.case_id()) <
           std::make_tuple(-b.priority(), b.case_id());
  });
  CasePage page;
  const size_t size = static_cast<size_t>(std::max(1, query.page_size));
  if (matching.size() > size) {
    matching.resize(size);
    page.next_page_token =
        EncodeCasePageToken(matching.back().priority(), matching.back().case_id());
  }
  page.cases = std::move(matching);
  return page;
}

absl::Status InMemoryCaseStore::ScanCases(store::Transaction&, const CaseScan& scan,
                                          absl::FunctionRef<absl::Status(const v1::Case&)> visit) {
  std::vector<v1::Case> cases;
  {
    absl::MutexLock lock(&mu_);
    cases = CasesLocked();
  }
  int64_t visited = 0;
  for (const v1::Case& c : cases) {
    if (!scan.strategy_id.empty() && c.strategy().strategy_id() != scan.strategy_id) continue;
    if (scan.open_only && c.state() != v1::Case::STATE_OPEN) continue;
    const absl::CivilDay opened = DayOf(c.opened_on());
    if (scan.opened_from && opened < *scan.opened_from) continue;
    if (scan.opened_to && opened > *scan.opened_to) continue;
    if (scan.limit > 0 && visited >= scan.limit) break;
    ++visited;
    ARREARS_RETURN_IF_ERROR(visit(c));
  }
  return absl::OkStatus();
}

absl::StatusOr<std::optional<absl::CivilDay>> InMemoryCaseStore::LoadBusinessDate(
    store::Transaction&, absl::string_view time_zone) {
  absl::MutexLock lock(&mu_);
  auto it = data_.business_dates.find(std::string(time_zone));
  if (it == data_.business_dates.end()) return std::optional<absl::CivilDay>();
  return std::optional<absl::CivilDay>(it->second);
}

absl::Status InMemoryCaseStore::SaveBusinessDate(store::Transaction&, absl::string_view time_zone,
                                                 absl::CivilDay day) {
  absl::MutexLock lock(&mu_);
  data_.business_dates[std::string(time_zone)] = day;
  return absl::OkStatus();
}

absl::StatusOr<std::vector<std::pair<std::string, absl::CivilDay>>>
InMemoryCaseStore::LoadBusinessDates(store::Transaction&) {
  absl::MutexLock lock(&mu_);
  return std::vector<std::pair<std::string, absl::CivilDay>>(data_.business_dates.begin(),
                                                             data_.business_dates.end());
}

absl::StatusOr<std::optional<CustomerProfile>> InMemoryCaseStore::LoadProfile(
    store::Transaction&, absl::string_view customer_id) {
  absl::MutexLock lock(&mu_);
  auto it = data_.profiles.find(std::string(customer_id));
  if (it == data_.profiles.end()) return std::optional<CustomerProfile>();
  return std::optional<CustomerProfile>(it->second);
}

absl::Status InMemoryCaseStore::SaveProfile(store::Transaction&, const CustomerProfile& profile) {
  absl::MutexLock lock(&mu_);
  data_.profiles[profile.customer_id] = profile;
  return absl::OkStatus();
}

absl::StatusOr<int> InMemoryCaseStore::VisitsBooked(store::Transaction&, absl::string_view staff_id,
                                                    absl::CivilDay day) {
  absl::MutexLock lock(&mu_);
  auto it = data_.bookings.find({std::string(staff_id), day});
  return it == data_.bookings.end() ? 0 : it->second;
}

absl::Status InMemoryCaseStore::AddVisitBooking(store::Transaction&, absl::string_view staff_id,
                                                absl::CivilDay day) {
  absl::MutexLock lock(&mu_);
  ++data_.bookings[{std::string(staff_id), day}];
  return absl::OkStatus();
}

absl::StatusOr<std::vector<StoredStrategy>> InMemoryCaseStore::LoadStrategies(store::Transaction&) {
  absl::MutexLock lock(&mu_);
  std::vector<StoredStrategy> out;
  for (const auto& [key, s] : data_.strategies) out.push_back(s);
  return out;
}

absl::StatusOr<std::optional<StoredStrategy>> InMemoryCaseStore::LoadStrategy(
    store::Transaction&, absl::string_view strategy_id, int64_t version) {
  absl::MutexLock lock(&mu_);
  auto it = data_.strategies.find({std::string(strategy_id), version});
  if (it == data_.strategies.end()) return std::optional<StoredStrategy>();
  return std::optional<StoredStrategy>(it->second);
}

absl::Status InMemoryCaseStore::SaveStrategy(store::Transaction&, const StoredStrategy& strategy) {
  absl::MutexLock lock(&mu_);
  if (!data_.strategies.try_emplace({strategy.strategy_id, strategy.version}, strategy).second) {
    return absl::AlreadyExistsError(
        absl::StrCat("strategy ", strategy.strategy_id, " version ", strategy.version, " exists"));
  }
  return absl::OkStatus();
}

InMemoryCaseStore::Data InMemoryCaseStore::Snapshot() const {
  absl::MutexLock lock(&mu_);
  return data_;
}

void InMemoryCaseStore::Restore(Data data) {
  absl::MutexLock lock(&mu_);
  data_ = std::move(data);
}

}  // namespace arrears::strategy
