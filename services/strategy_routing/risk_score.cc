#include "services/strategy_routing/risk_score.h"

#include <cmath>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"

namespace arrears::strategy {
namespace {

constexpr int64_t kPpm = 1'000'000;

std::vector<Scorecard::Bin> ReadBins(YamlReader& reader, const YAML::Node& features,
                                     const char* key) {
  std::vector<Scorecard::Bin> bins;
  const std::string path = YamlReader::Join("features", key);
  const YAML::Node node = features[key];
  if (!node.IsDefined() || !node.IsSequence() || node.size() == 0) {
    reader.Error(node.IsDefined() ? node : features, path, "must be a non-empty list of bins");
    return bins;
  }
  for (size_t i = 0; i < node.size(); ++i) {
    const std::string bin_path = YamlReader::Index(path, i);
    reader.CheckKeys(node[i], bin_path, {"max", "weight"});
    if (!node[i].IsMap()) continue;
    Scorecard::Bin bin;
    bin.max = reader.Int(node[i], bin_path, "max", false);
    bin.weight = reader.Double(node[i], bin_path, "weight", true).value_or(0);
    const bool last = i + 1 == node.size();
    if (last != !bin.max.has_value()) {
      reader.Error(node[i], bin_path,
                   last ? "the last bin has no max" : "only the last bin may omit max");
    } else if (!bins.empty() && bin.max && *bin.max <= *bins.back().max) {
      reader.Error(node[i], bin_path + ".max", "bins must have ascending max");
    }
    bins.push_back(bin);
  }
  return bins;
}

}  // namespace

ScoreInput ScoreInput::FromCase(const CollectionCase& c) {
  ScoreInput input;
  input.dpd = c.max_dpd();
  input.overdue_minor = c.total_overdue().minor_units();
  input.broken_promises = c.broken_promise_count();
  input.contactability = c.contactability();
  // The worst loan's product drives the product weight.
  int worst_dpd = -1;
  for (const CaseLoan& loan : c.loans()) {
    if (loan.dpd > worst_dpd) {
      worst_dpd = loan.dpd;
      input.product_code = loan.product_code;
    }
  }
  return input;
}

absl::StatusOr<std::unique_ptr<Scorecard>> Scorecard::Create(absl::string_view yaml) {
  std::vector<ConfigError> errors;
  YamlReader reader(&errors);
  std::optional<YAML::Node> root = reader.Parse(yaml);
  std::unique_ptr<Scorecard> card(new Scorecard());
  if (root) {
    const YAML::Node& doc = *root;
    reader.CheckKeys(doc, "", {"scorecard", "intercept", "features"});
    card->id_ = reader.String(doc, "", "scorecard", true).value_or("");
    card->intercept_ = reader.Double(doc, "", "intercept", true).value_or(0);
    const YAML::Node features = doc["features"];
    if (!features.IsDefined() || !features.IsMap()) {
      reader.Error(features.IsDefined() ? features : doc, "features", "required mapping");
    } else {
      reader.CheckKeys(features, "features",
                       {"dpd", "overdue_minor", "broken_promises", "contactability", "product"});
      card->dpd_bins_ = ReadBins(reader, features, "dpd");
      card->overdue_bins_ = ReadBins(reader, features, "overdue_minor");
      card->broken_promise_bins_ = ReadBins(reader, features, "broken_promises");
      const YAML::Node contactability = features["contactability"];
      if (contactability.IsDefined() && contactability.IsMap()) {
        for (const auto& entry : contactability) {
          const std::string name = entry.first.Scalar();
          v1::Contactability value;
          if (!v1::Contactability_Parse(
                  absl::StrCat("CONTACTABILITY_", absl::AsciiStrToUpper(name)), &value)) {
            reader.Error(entry.first, "features.contactability." + name, "unknown contactability");
            continue;
          }
          if (std::optional<double> w =
                  reader.Double(contactability, "features.contactability", name.c_str(), true)) {
            card->contactability_weights_[value] = *w;
          }
        }
      }
      const YAML::Node product = features["product"];
      if (product.IsDefined() && product.IsMap()) {
        for (const auto& entry : product) {
          const std::string name = entry.first.Scalar();
          std::optional<double> w = reader.Double(product, "features.product", name.c_str(), true);
          if (!w) continue;
          if (name == "default") {
            card->default_product_weight_ = *w;
          } else {
            card->product_weights_[name] = *w;
          }
        }
      }
    }
  }
  if (!errors.empty()) return ErrorsToStatus("invalid scorecard", errors);
  return card;
}

double Scorecard::BinWeight(const std::vector<Bin>& bins, int64_t value) {
  for (const Bin& bin : bins) {
    if (!bin.max || value <= *bin.max) return bin.weight;
  }
  return 0;
}

std::vector<int> Scorecard::DpdBoundaries() const {
  std::vector<int> out;
  for (const Bin& bin : dpd_bins_) {
    if (bin.max) out.push_back(static_cast<int>(*bin.max) + 1);
  }
  return out;
}

RiskScore Scorecard::Score(const ScoreInput& input) const {
  double logit = intercept_ + BinWeight(dpd_bins_, input.dpd) +
                 BinWeight(overdue_bins_, input.overdue_minor) +
                 BinWeight(broken_promise_bins_, input.broken_promises);
  if (auto it = contactability_weights_.find(input.contactability);
      it != contactability_weights_.end()) {
    logit += it->second;
  }
  auto product = product_weights_.find(input.product_code);
  logit += product != product_weights_.end() ? product->second : default_product_weight_;

  RiskScore score;
  score.logit = logit;
  const double p = 1.0 / (1.0 + std::exp(-logit));
  score.self_cure_ppm = static_cast<int32_t>(std::llround(p * kPpm));
  score.self_cure_permille = (score.self_cure_ppm + 500) / 1000;
  // overdue * (1e6 - ppm) / 1e6 without overflow for any int64 overdue:
  // split overdue into quotient and remainder by 1e6.
  const int64_t keep = kPpm - score.self_cure_ppm;
  const int64_t q = input.overdue_minor / kPpm;
  const int64_t r = input.overdue_minor % kPpm;
  score.expected_recovery_minor = q * keep + (r * keep) / kPpm;
  return score;
}

}  // namespace arrears::strategy
