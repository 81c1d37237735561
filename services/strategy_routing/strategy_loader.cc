#include "services/strategy_routing/strategy_loader.h"

#include <algorithm>
#include <fstream>
#include <sstream>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "common/money/currency.h"
#include "common/time/civil_date.h"
#include "services/strategy_routing/strategy_textproto.h"

namespace arrears::strategy {
namespace {

// Accepts "SMS" and "CHANNEL_SMS" (any case) for enum names with `prefix`.
template <typename Enum>
std::optional<Enum> ParseEnum(const std::string& text, absl::string_view prefix,
                              bool (*parse)(const std::string&, Enum*)) {
  std::string name = absl::AsciiStrToUpper(text);
  if (!absl::StartsWith(name, prefix)) name = absl::StrCat(prefix, name);
  Enum value;
  if (!parse(name, &value) || static_cast<int>(value) == 0) return std::nullopt;
  return value;
}

// "09:30" -> 570; "24:00" allowed as an end.
std::optional<int> ParseMinuteOfDay(const std::string& text) {
  std::vector<std::string> parts = absl::StrSplit(text, ':');
  int hours, minutes;
  if (parts.size() != 2 || parts[1].size() != 2 || !absl::SimpleAtoi(parts[0], &hours) ||
      !absl::SimpleAtoi(parts[1], &minutes) || hours < 0 || hours > 24 || minutes < 0 ||
      minutes > 59 || (hours == 24 && minutes != 0)) {
    return std::nullopt;
  }
  return hours * 60 + minutes;
}

class StrategyParser {
 public:
  explicit StrategyParser(std::vector<ConfigError>* errors) : errors_(errors), reader_(errors) {}

  std::optional<Strategy> Parse(absl::string_view text) {
    std::optional<YAML::Node> root = reader_.Parse(text);
    if (!root) return std::nullopt;
    return ParseDocument(*root);
  }

  std::optional<Strategy> ParseDocument(const YAML::Node& doc) {
    if (!doc.IsMap()) {
      errors_->push_back({1, 1, "", "document must be a mapping"});
      return std::nullopt;
    }
    reader_.CheckKeys(doc, "",
                      {"strategy", "version", "effective_from", "currency", "description",
                       "variants", "segments", "migration"});
    Strategy strategy;
    strategy.id = reader_.String(doc, "", "strategy", true).value_or("");
    if (std::optional<int64_t> version = reader_.Int(doc, "", "version", true)) {
      if (*version < 1) reader_.Error(doc["version"], "version", "must be >= 1");
      strategy.version = *version;
    }
    if (std::optional<std::string> date = reader_.String(doc, "", "effective_from", true)) {
      absl::StatusOr<absl::CivilDay> day = time::ParseCivilDay(*date);
      if (day.ok()) {
        strategy.effective_from = *day;
      } else {
        reader_.Error(doc["effective_from"], "effective_from", day.status().message());
      }
    }
    if (std::optional<std::string> currency = reader_.String(doc, "", "currency", true)) {
      if (!money::Currency::FromCode(*currency).ok()) {
        reader_.Error(doc["currency"], "currency",
                      absl::StrCat("unknown currency '", *currency, "'"));
      }
      strategy.currency_code = *currency;
    }
    strategy.description = reader_.String(doc, "", "description", false).value_or("");
    if (std::optional<std::string> migration = reader_.String(doc, "", "migration", false)) {
      if (*migration == "migrate_immediately") {
        strategy.migration = MigrationRule::kMigrateImmediately;
      } else if (*migration == "migrate_at_next_step") {
        strategy.migration = MigrationRule::kMigrateAtNextStep;
      } else if (*migration != "keep_version") {
        reader_.Error(
            doc["migration"], "migration",
            absl::StrCat("unknown rule '", *migration,
                         "' (keep_version, migrate_at_next_step or migrate_immediately)"));
      }
    }
    ParseVariants(doc, &strategy);
    ParseSegments(doc, &strategy);
    if (!errors_->empty()) return std::nullopt;
    return strategy;
  }

 private:
  void ParseVariants(const YAML::Node& doc, Strategy* strategy) {
    const YAML::Node node = doc["variants"];
    if (!node.IsDefined() || node.IsNull()) return;
    if (!node.IsSequence() || node.size() == 0) {
      reader_.Error(node, "variants", "must be a non-empty list");
      return;
    }
    int total = 0;
    int champions = 0;
    absl::flat_hash_set<std::string> ids;
    for (size_t i = 0; i < node.size(); ++i) {
      const std::string path = YamlReader::Index("variants", i);
      const YAML::Node v = node[i];
      reader_.CheckKeys(v, path, {"id", "percent", "champion"});
      if (!v.IsMap()) continue;
      Variant variant;
      variant.id = reader_.String(v, path, "id", true).value_or("");
      if (!variant.id.empty() && !ids.insert(variant.id).second) {
        reader_.Error(v["id"], path + ".id", absl::StrCat("duplicate variant '", variant.id, "'"));
      }
      if (std::optional<int64_t> percent = reader_.Int(v, path, "percent", true)) {
        if (*percent < 0 || *percent > 100) {
          reader_.Error(v["percent"], path + ".percent", "must be 0..100");
        }
        variant.percent = static_cast<int>(*percent);
      }
      variant.champion = reader_.Bool(v, path, "champion").value_or(false);
      if (variant.champion) ++champions;
      total += variant.percent;
      strategy->variants.push_back(std::move(variant));
    }
    if (total != 100) {
      reader_.Error(node, "variants", absl::StrCat("percentages sum to ", total, ", not 100"));
    }
    if (champions != 1) {
      reader_.Error(node, "variants", absl::StrCat("exactly one champion needed, got ", champions));
    }
    variant_ids_ = std::move(ids);
  }

  void ParseSegments(const YAML::Node& doc, Strategy* strategy) {
    const YAML::Node node = doc["segments"];
    if (!node.IsDefined() || !node.IsSequence() || node.size() == 0) {
      reader_.Error(node.IsDefined() ? node : doc, "segments", "must be a non-empty list");
      return;
    }
    absl::flat_hash_set<std::string> ids;
    for (size_t i = 0; i < node.size(); ++i) {
      const std::string path = YamlReader::Index("segments", i);
      const YAML::Node s = node[i];
      reader_.CheckKeys(s, path, {"id", "description", "conditions", "steps"});
      if (!s.IsMap()) continue;
      Segment segment;
      segment.id = reader_.String(s, path, "id", true).value_or("");
      if (!segment.id.empty() && !ids.insert(segment.id).second) {
        reader_.Error(s["id"], path + ".id", absl::StrCat("duplicate segment '", segment.id, "'"));
      }
      segment.description = reader_.String(s, path, "description", false).value_or("");
      const YAML::Node conditions = s["conditions"];
      if (conditions.IsDefined() && !conditions.IsNull()) {
        ParseConditions(conditions, path + ".conditions", &segment.conditions);
      }
      ParseSteps(s, path, &segment);
      strategy->segments.push_back(std::move(segment));
    }
  }

  void ParseConditions(const YAML::Node& c, const std::string& path, SegmentConditions* out) {
    reader_.CheckKeys(
        c, path,
        {"dpd", "bucket", "products", "overdue_minor", "self_cure_permille", "contactability",
         "broken_promises", "hardship", "prior_complaints", "refusing"});
    if (!c.IsMap()) return;
    out->dpd = reader_.Range(c, path, "dpd");
    out->bucket = reader_.Range(c, path, "bucket");
    out->products = reader_.StringList(c, path, "products");
    out->overdue_minor = reader_.Range(c, path, "overdue_minor");
    out->self_cure_permille = reader_.Range(c, path, "self_cure_permille");
    const IntRange permille_domain{0, 1000};
    if (out->self_cure_permille &&
        (!permille_domain.Contains(out->self_cure_permille->min.value_or(0)) ||
         !permille_domain.Contains(out->self_cure_permille->max.value_or(1000)))) {
      reader_.Error(c["self_cure_permille"], path + ".self_cure_permille",
                    "must be within 0..1000");
    }
    for (const std::string& name : reader_.StringList(c, path, "contactability")) {
      std::optional<v1::Contactability> value =
          ParseEnum<v1::Contactability>(name, "CONTACTABILITY_", v1::Contactability_Parse);
      if (!value) {
        reader_.Error(c["contactability"], path + ".contactability",
                      absl::StrCat("unknown contactability '", name, "'"));
        continue;
      }
      out->contactability.push_back(*value);
    }
    out->broken_promises = reader_.Range(c, path, "broken_promises");
    out->hardship = reader_.Bool(c, path, "hardship");
    out->prior_complaints = reader_.Range(c, path, "prior_complaints");
    out->refusing = reader_.Bool(c, path, "refusing");
  }

  void ParseSteps(const YAML::Node& s, const std::string& segment_path, Segment* segment) {
    const YAML::Node node = s["steps"];
    const std::string steps_path = segment_path + ".steps";
    if (!node.IsDefined() || !node.IsSequence() || node.size() == 0) {
      reader_.Error(node.IsDefined() ? node : s, steps_path, "must be a non-empty list");
      return;
    }
    absl::flat_hash_set<std::string> ids;
    for (size_t i = 0; i < node.size(); ++i) {
      const std::string path = YamlReader::Index(steps_path, i);
      const YAML::Node n = node[i];
      reader_.CheckKeys(n, path,
                        {"id", "offset_days", "anchor", "channel", "template", "purpose",
                         "priority", "window", "valid_days", "during_promise", "plan_offer",
                         "only_if_previous_unanswered", "variants"});
      if (!n.IsMap()) continue;
      Step step;
      step.id = reader_.String(n, path, "id", true).value_or("");
      if (!step.id.empty() && !ids.insert(step.id).second) {
        reader_.Error(n["id"], path + ".id", absl::StrCat("duplicate step '", step.id, "'"));
      }
      if (std::optional<int64_t> offset = reader_.Int(n, path, "offset_days", true)) {
        if (*offset < 0 || *offset > 3650)
          reader_.Error(n["offset_days"], path + ".offset_days", "must be 0..3650");
        step.offset_days = static_cast<int>(*offset);
      }
      if (std::optional<std::string> anchor = reader_.String(n, path, "anchor", false)) {
        if (*anchor == "dpd") {
          step.anchor = StepAnchor::kDpd;
        } else if (*anchor != "segment_entry") {
          reader_.Error(n["anchor"], path + ".anchor",
                        absl::StrCat("unknown anchor '", *anchor, "' (segment_entry | dpd)"));
        }
      }
      if (std::optional<std::string> channel = reader_.String(n, path, "channel", true)) {
        std::optional<common::v1::Channel> value =
            ParseEnum<common::v1::Channel>(*channel, "CHANNEL_", common::v1::Channel_Parse);
        if (!value) {
          reader_.Error(n["channel"], path + ".channel",
                        absl::StrCat("unknown channel '", *channel, "'"));
        } else {
          step.channel = *value;
        }
      }
      step.template_id = reader_.String(n, path, "template", false).value_or("");
      if (std::optional<std::string> purpose = reader_.String(n, path, "purpose", false)) {
        std::optional<common::v1::ContactPurpose> value = ParseEnum<common::v1::ContactPurpose>(
            *purpose, "CONTACT_PURPOSE_", common::v1::ContactPurpose_Parse);
        if (!value) {
          reader_.Error(n["purpose"], path + ".purpose",
                        absl::StrCat("unknown purpose '", *purpose, "'"));
        } else {
          step.purpose = *value;
        }
      }
      if (std::optional<int64_t> priority = reader_.Int(n, path, "priority", false)) {
        if (*priority < 0 || *priority > 1000)
          reader_.Error(n["priority"], path + ".priority", "must be 0..1000");
        step.priority = static_cast<int>(*priority);
      }
      ParseWindow(n, path, &step);
      if (std::optional<int64_t> valid = reader_.Int(n, path, "valid_days", false)) {
        if (*valid < 0 || *valid > 30)
          reader_.Error(n["valid_days"], path + ".valid_days", "must be 0..30");
        step.valid_days = static_cast<int>(*valid);
      }
      step.during_promise = reader_.Bool(n, path, "during_promise").value_or(false);
      step.conditions.previous_unanswered =
          reader_.Bool(n, path, "only_if_previous_unanswered").value_or(false);
      if (std::optional<std::string> offer = reader_.String(n, path, "plan_offer", false)) {
        if (*offer == "deferral") {
          step.plan_offer = PlanOffer::kDeferral;
        } else if (*offer == "new_schedule") {
          step.plan_offer = PlanOffer::kNewSchedule;
        } else {
          reader_.Error(
              n["plan_offer"], path + ".plan_offer",
              absl::StrCat("unknown plan offer '", *offer, "' (deferral | new_schedule)"));
        }
      }
      step.variants = reader_.StringList(n, path, "variants");
      for (const std::string& variant : step.variants) {
        if (!variant_ids_.contains(variant) && !(variant_ids_.empty() && variant == "champion")) {
          reader_.Error(n["variants"], path + ".variants",
                        absl::StrCat("unknown variant '", variant, "'"));
        }
      }
      if (i > 0 && step.anchor == segment->steps.back().anchor &&
          step.offset_days < segment->steps.back().offset_days) {
        reader_.Error(n["offset_days"], path + ".offset_days",
                      "steps must be in non-decreasing offset order");
      }
      segment->steps.push_back(std::move(step));
    }
  }

  void ParseWindow(const YAML::Node& n, const std::string& path, Step* step) {
    const YAML::Node w = n["window"];
    if (!w.IsDefined() || w.IsNull()) return;
    const std::string field = path + ".window";
    reader_.CheckKeys(w, field, {"start", "end"});
    if (!w.IsMap()) return;
    std::optional<std::string> start = reader_.String(w, field, "start", true);
    std::optional<std::string> end = reader_.String(w, field, "end", true);
    if (!start || !end) return;
    std::optional<int> start_minute = ParseMinuteOfDay(*start);
    std::optional<int> end_minute = ParseMinuteOfDay(*end);
    if (!start_minute || *start_minute >= 24 * 60) {
      reader_.Error(w["start"], field + ".start", absl::StrCat("'", *start, "' is not HH:MM"));
      return;
    }
    if (!end_minute) {
      reader_.Error(w["end"], field + ".end", absl::StrCat("'", *end, "' is not HH:MM"));
      return;
    }
    if (*start_minute >= *end_minute) {
      reader_.Error(w, field, "start must be before end");
      return;
    }
    step->window_start_minute = *start_minute;
    step->window_end_minute = *end_minute;
  }

  std::vector<ConfigError>* errors_;
  YamlReader reader_;
  absl::flat_hash_set<std::string> variant_ids_;
};

}  // namespace

StrategyParseResult ParseStrategyDocument(const YAML::Node& doc) {
  StrategyParseResult result;
  StrategyParser parser(&result.errors);
  result.strategy = parser.ParseDocument(doc);
  return result;
}

v1::StrategyFormat DetectStrategyFormat(absl::string_view source) {
  for (absl::string_view line : absl::StrSplit(source, '\n')) {
    line = absl::StripAsciiWhitespace(line);
    if (absl::StartsWith(line, "# proto-message:") || absl::StartsWith(line, "# proto-file:")) {
      return v1::STRATEGY_FORMAT_TEXTPROTO;
    }
    if (line.empty() || line[0] == '#' || line.back() != '{') continue;
    // "segments {": a message block, which YAML has no form for (its flow
    // mappings follow a "key:").
    line.remove_suffix(1);
    line = absl::StripAsciiWhitespace(line);
    if (!line.empty() && std::all_of(line.begin(), line.end(), [](char c) {
          return absl::ascii_isalnum(static_cast<unsigned char>(c)) || c == '_';
        })) {
      return v1::STRATEGY_FORMAT_TEXTPROTO;
    }
  }
  return v1::STRATEGY_FORMAT_YAML;
}

v1::StrategyFormat StrategyFormatForPath(absl::string_view path) {
  for (absl::string_view ext : {".textproto", ".txtpb", ".pbtxt"}) {
    if (absl::EndsWith(path, ext)) return v1::STRATEGY_FORMAT_TEXTPROTO;
  }
  return v1::STRATEGY_FORMAT_YAML;
}

StrategyParseResult ParseStrategy(absl::string_view source, v1::StrategyFormat format) {
  if (format == v1::STRATEGY_FORMAT_UNSPECIFIED) format = DetectStrategyFormat(source);
  if (format == v1::STRATEGY_FORMAT_TEXTPROTO) return ParseStrategyTextProto(source);
  StrategyParseResult result;
  StrategyParser parser(&result.errors);
  result.strategy = parser.Parse(source);
  return result;
}

absl::StatusOr<Strategy> LoadStrategy(absl::string_view source, v1::StrategyFormat format) {
  StrategyParseResult result = ParseStrategy(source, format);
  if (!result.errors.empty()) return ErrorsToStatus("invalid strategy", result.errors);
  return std::move(*result.strategy);
}

absl::StatusOr<Strategy> LoadStrategyFile(const std::string& path) {
  std::ifstream in(path);
  if (!in) return absl::NotFoundError(absl::StrCat("cannot read strategy file '", path, "'"));
  std::stringstream buffer;
  buffer << in.rdbuf();
  absl::StatusOr<Strategy> strategy = LoadStrategy(buffer.str(), StrategyFormatForPath(path));
  if (!strategy.ok()) {
    return absl::Status(strategy.status().code(),
                        absl::StrCat(path, ": ", strategy.status().message()));
  }
  return strategy;
}

}  // namespace arrears::strategy
