#include "services/strategy_routing/field_roster.h"

#include <algorithm>
#include <tuple>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "common/status/status_macros.h"
#include "services/strategy_routing/yaml_util.h"

namespace arrears::strategy {
namespace {

// "MON".."SUN" (any case) -> absl::Weekday index (Monday = 0).
std::optional<int> ParseDay(const std::string& text) {
  static constexpr const char* kNames[] = {"MON", "TUE", "WED", "THU", "FRI", "SAT", "SUN"};
  const std::string upper = absl::AsciiStrToUpper(text);
  for (int i = 0; i < 7; ++i) {
    if (upper == kNames[i]) return i;
  }
  return std::nullopt;
}

int WeekdayIndex(absl::CivilDay day) { return static_cast<int>(absl::GetWeekday(day)); }

}  // namespace

absl::StatusOr<std::unique_ptr<FieldRoster>> FieldRoster::CreateFromFile(const std::string& path) {
  ARREARS_ASSIGN_OR_RETURN(std::string text, ReadConfigFile(path));
  absl::StatusOr<std::unique_ptr<FieldRoster>> roster = Create(text);
  if (!roster.ok()) return Annotate(roster.status(), path);
  return roster;
}

absl::StatusOr<std::unique_ptr<FieldRoster>> FieldRoster::Create(absl::string_view yaml) {
  std::vector<ConfigError> errors;
  YamlReader reader(&errors);
  std::unique_ptr<FieldRoster> roster(new FieldRoster());
  std::optional<YAML::Node> root = reader.Parse(yaml);
  if (root) {
    const YAML::Node& doc = *root;
    reader.CheckKeys(doc, "", {"roster", "horizon_days", "regions"});
    roster->id_ = reader.String(doc, "", "roster", true).value_or("");
    if (std::optional<int64_t> horizon = reader.Int(doc, "", "horizon_days", false)) {
      if (*horizon < 1 || *horizon > 60)
        reader.Error(doc["horizon_days"], "horizon_days", "must be 1..60");
      roster->horizon_days_ = static_cast<int>(*horizon);
    }
    const YAML::Node regions = doc["regions"];
    if (!regions.IsDefined() || !regions.IsSequence() || regions.size() == 0) {
      reader.Error(regions.IsDefined() ? regions : doc, "regions", "must be a non-empty list");
    } else {
      absl::flat_hash_set<std::string> region_ids;
      absl::flat_hash_set<std::string> staff_ids;
      for (size_t i = 0; i < regions.size(); ++i) {
        const std::string path = YamlReader::Index("regions", i);
        const YAML::Node node = regions[i];
        reader.CheckKeys(node, path, {"region", "staff"});
        if (!node.IsMap()) continue;
        Region region;
        region.id = reader.String(node, path, "region", true).value_or("");
        if (!region.id.empty() && !region_ids.insert(region.id).second) {
          reader.Error(node["region"], path + ".region",
                       absl::StrCat("duplicate region '", region.id, "'"));
        }
        const YAML::Node staff = node["staff"];
        if (!staff.IsDefined() || !staff.IsSequence() || staff.size() < 2) {
          reader.Error(staff.IsDefined() ? staff : node, path + ".staff",
                       "needs at least two staff (a visit takes two)");
          continue;
        }
        for (size_t j = 0; j < staff.size(); ++j) {
          const std::string staff_path = YamlReader::Index(path + ".staff", j);
          const YAML::Node s = staff[j];
          reader.CheckKeys(s, staff_path, {"id", "capacity_per_day", "days"});
          if (!s.IsMap()) continue;
          FieldStaff member;
          member.id = reader.String(s, staff_path, "id", true).value_or("");
          if (!member.id.empty() && !staff_ids.insert(member.id).second) {
            reader.Error(s["id"], staff_path + ".id",
                         absl::StrCat("duplicate staff id '", member.id, "'"));
          }
          if (std::optional<int64_t> capacity =
                  reader.Int(s, staff_path, "capacity_per_day", true)) {
            if (*capacity < 1) {
              reader.Error(s["capacity_per_day"], staff_path + ".capacity_per_day", "must be >= 1");
            }
            member.capacity_per_day = static_cast<int>(*capacity);
          }
          const std::vector<std::string> days = reader.StringList(s, staff_path, "days");
          if (days.empty()) reader.Error(s, staff_path + ".days", "required, e.g. [MON, TUE]");
          for (const std::string& day : days) {
            if (std::optional<int> index = ParseDay(day)) {
              member.works[*index] = true;
            } else {
              reader.Error(s["days"], staff_path + ".days",
                           absl::StrCat("unknown day '", day, "'"));
            }
          }
          region.staff.push_back(std::move(member));
        }
        roster->regions_.push_back(std::move(region));
      }
    }
  }
  ARREARS_RETURN_IF_ERROR(ErrorsToStatus("field roster", errors));
  return roster;
}

bool FieldRoster::HasRegion(absl::string_view region) const {
  return std::any_of(regions_.begin(), regions_.end(),
                     [&](const Region& r) { return r.id == region; });
}

absl::StatusOr<std::optional<VisitSlot>> FieldRoster::Book(CaseStore& store,
                                                           store::Transaction& txn,
                                                           absl::string_view region_id,
                                                           absl::CivilDay from) const {
  const Region* region = nullptr;
  for (const Region& r : regions_) {
    if (r.id == region_id) region = &r;
  }
  if (region == nullptr) return std::optional<VisitSlot>();
  for (int offset = 0; offset < horizon_days_; ++offset) {
    const absl::CivilDay day = from + offset;
    const int weekday = WeekdayIndex(day);
    std::vector<std::tuple<int, std::string>> free;  // (booked, id)
    for (const FieldStaff& member : region->staff) {
      if (!member.works[weekday]) continue;
      ARREARS_ASSIGN_OR_RETURN(int booked, store.VisitsBooked(txn, member.id, day));
      if (booked < member.capacity_per_day) free.emplace_back(booked, member.id);
    }
    if (free.size() < 2) continue;
    std::sort(free.begin(), free.end());
    VisitSlot slot{.day = day, .staff_ids = {std::get<1>(free[0]), std::get<1>(free[1])}};
    for (const std::string& id : slot.staff_ids) {
      ARREARS_RETURN_IF_ERROR(store.AddVisitBooking(txn, id, day));
    }
    return std::optional<VisitSlot>(std::move(slot));
  }
  return std::optional<VisitSlot>();
}

}  // namespace arrears::strategy
