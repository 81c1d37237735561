#include "services/overdue_detection/product_config.h"

#include <algorithm>
#include <fstream>
#include <sstream>
#include <utility>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/status/status_macros.h"
#include "yaml-cpp/yaml.h"

namespace arrears::overdue {
namespace {

using delinquency::v1::RegulatoryClass;

constexpr int32_t kMaxDays = 3650;
// 1 % per day (365 % a year) is far above any lawful penalty rate and keeps
// penalty sums far from int64 limits (see kMaxAmountMinor in loan.h).
constexpr int64_t kMaxDailyRatePpb = 10'000'000;

absl::Status FieldError(absl::string_view field, absl::string_view reason) {
  return absl::InvalidArgumentError(absl::StrCat(field, ": ", reason));
}

bool IsProductCode(absl::string_view code) {
  if (code.empty() || code.size() > 64) {
    return false;
  }
  return std::all_of(code.begin(), code.end(), [](char c) {
    return (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
  });
}

absl::StatusOr<AllocationComponent> ParseComponent(absl::string_view name) {
  for (AllocationComponent c : {AllocationComponent::kPenalty, AllocationComponent::kFees,
                                AllocationComponent::kInterest, AllocationComponent::kPrincipal}) {
    if (AllocationComponentName(c) == name) {
      return c;
    }
  }
  return absl::InvalidArgumentError(absl::StrCat(
      "unknown component \"", name, "\" (expected penalty, fees, interest or principal)"));
}

// --- YAML reading. yaml-cpp reports errors by exception; every call that can
// throw is inside FromYaml's try block, and scalars are converted here with
// absl, so a wrong type becomes a field error rather than an exception.

absl::Status CheckKeys(const YAML::Node& map, absl::string_view field,
                       std::initializer_list<absl::string_view> allowed) {
  if (!map.IsMap()) {
    return FieldError(field, "must be a mapping");
  }
  for (const auto& entry : map) {
    const std::string key = entry.first.as<std::string>();
    if (std::find(allowed.begin(), allowed.end(), key) == allowed.end()) {
      return FieldError(absl::StrCat(field, ".", key), "unknown field");
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<std::string> ReadScalar(const YAML::Node& node, absl::string_view field) {
  if (!node.IsScalar()) {
    return FieldError(field, "must be a scalar");
  }
  return node.Scalar();
}

absl::StatusOr<int32_t> ReadInt(const YAML::Node& node, absl::string_view field) {
  ARREARS_ASSIGN_OR_RETURN(std::string text, ReadScalar(node, field));
  int32_t value = 0;
  if (!absl::SimpleAtoi(text, &value)) {
    return FieldError(field, absl::StrCat("must be an integer, got \"", text, "\""));
  }
  return value;
}

absl::StatusOr<std::vector<BucketDefinition>> ReadBuckets(const YAML::Node& node,
                                                          absl::string_view field) {
  if (!node.IsSequence()) {
    return FieldError(field, "must be a list");
  }
  std::vector<BucketDefinition> buckets;
  int32_t next_min = 0;
  for (size_t i = 0; i < node.size(); ++i) {
    const std::string bucket_field = absl::StrCat(field, "[", i, "]");
    const YAML::Node entry = node[i];
    ARREARS_RETURN_IF_ERROR(CheckKeys(entry, bucket_field, {"code", "max_dpd"}));
    BucketDefinition bucket;
    if (!entry["code"]) {
      return FieldError(absl::StrCat(bucket_field, ".code"), "required");
    }
    ARREARS_ASSIGN_OR_RETURN(bucket.code,
                             ReadScalar(entry["code"], absl::StrCat(bucket_field, ".code")));
    bucket.min_dpd = next_min;
    if (entry["max_dpd"]) {
      ARREARS_ASSIGN_OR_RETURN(int32_t max_dpd,
                               ReadInt(entry["max_dpd"], absl::StrCat(bucket_field, ".max_dpd")));
      bucket.max_dpd = max_dpd;
      next_min = max_dpd + 1;
    }
    buckets.push_back(std::move(bucket));
  }
  return buckets;
}

absl::StatusOr<ProductConfig> ReadProduct(const YAML::Node& node, size_t position) {
  std::string field = absl::StrCat("products[", position, "]");
  if (!node.IsMap()) {
    return FieldError(field, "must be a mapping");
  }
  if (!node["code"]) {
    return FieldError(absl::StrCat(field, ".code"), "required");
  }
  ARREARS_ASSIGN_OR_RETURN(std::string code, ReadScalar(node["code"], field + ".code"));
  if (!IsProductCode(code)) {
    return FieldError(field + ".code",
                      absl::StrCat("\"", code, "\" is not a product code ([A-Z0-9_]{1,64})"));
  }
  // From here on errors name the product, not its position.
  field = absl::StrCat("products[", code, "]");
  ARREARS_RETURN_IF_ERROR(
      CheckKeys(node, field,
                {"code", "currency", "grace_days", "tolerance", "allocation_order", "penalty",
                 "charge_off_dpd", "pre_due_notice_days", "buckets", "regulatory_classes"}));

  if (!node["currency"]) {
    return FieldError(field + ".currency", "required");
  }
  ARREARS_ASSIGN_OR_RETURN(std::string currency_code,
                           ReadScalar(node["currency"], field + ".currency"));
  absl::StatusOr<money::Currency> currency = money::Currency::FromCode(currency_code);
  if (!currency.ok()) {
    return Annotate(currency.status(), field + ".currency");
  }
  ProductConfig product(code, *currency);

  if (node["grace_days"]) {
    ARREARS_ASSIGN_OR_RETURN(product.grace_days,
                             ReadInt(node["grace_days"], field + ".grace_days"));
  }
  if (node["tolerance"]) {
    ARREARS_ASSIGN_OR_RETURN(std::string text, ReadScalar(node["tolerance"], field + ".tolerance"));
    absl::StatusOr<money::Money> tolerance = money::Money::Parse(text, *currency);
    if (!tolerance.ok()) {
      return Annotate(tolerance.status(), field + ".tolerance");
    }
    product.tolerance = *tolerance;
  }
  if (node["allocation_order"]) {
    const std::string order_field = field + ".allocation_order";
    const YAML::Node order = node["allocation_order"];
    if (!order.IsSequence() || order.size() != 4) {
      return FieldError(order_field, "must list penalty, fees, interest and principal once each");
    }
    for (size_t i = 0; i < 4; ++i) {
      const std::string item_field = absl::StrCat(order_field, "[", i, "]");
      ARREARS_ASSIGN_OR_RETURN(std::string name, ReadScalar(order[i], item_field));
      absl::StatusOr<AllocationComponent> component = ParseComponent(name);
      if (!component.ok()) {
        return Annotate(component.status(), item_field);
      }
      product.allocation_order[i] = *component;
    }
  }
  if (node["penalty"]) {
    const std::string penalty_field = field + ".penalty";
    const YAML::Node penalty = node["penalty"];
    ARREARS_RETURN_IF_ERROR(CheckKeys(penalty, penalty_field, {"daily_rate", "rounding"}));
    if (!penalty["daily_rate"]) {
      return FieldError(penalty_field + ".daily_rate", "required");
    }
    ARREARS_ASSIGN_OR_RETURN(std::string rate_text,
                             ReadScalar(penalty["daily_rate"], penalty_field + ".daily_rate"));
    absl::StatusOr<money::Rate> rate = money::Rate::Parse(rate_text);
    if (!rate.ok()) {
      return Annotate(rate.status(), penalty_field + ".daily_rate");
    }
    product.penalty_daily_rate = *rate;
    if (penalty["rounding"]) {
      ARREARS_ASSIGN_OR_RETURN(std::string mode_text,
                               ReadScalar(penalty["rounding"], penalty_field + ".rounding"));
      absl::StatusOr<money::RoundingMode> mode = money::ParseRoundingMode(mode_text);
      if (!mode.ok()) {
        return Annotate(mode.status(), penalty_field + ".rounding");
      }
      product.penalty_rounding = *mode;
    }
  }
  if (!node["charge_off_dpd"]) {
    return FieldError(field + ".charge_off_dpd", "required");
  }
  ARREARS_ASSIGN_OR_RETURN(product.charge_off_dpd,
                           ReadInt(node["charge_off_dpd"], field + ".charge_off_dpd"));
  if (node["pre_due_notice_days"]) {
    const std::string notice_field = field + ".pre_due_notice_days";
    const YAML::Node days = node["pre_due_notice_days"];
    if (!days.IsSequence()) {
      return FieldError(notice_field, "must be a list of day counts");
    }
    for (size_t i = 0; i < days.size(); ++i) {
      ARREARS_ASSIGN_OR_RETURN(int32_t value,
                               ReadInt(days[i], absl::StrCat(notice_field, "[", i, "]")));
      product.pre_due_notice_days.push_back(value);
    }
  }
  if (node["buckets"]) {
    ARREARS_ASSIGN_OR_RETURN(product.buckets, ReadBuckets(node["buckets"], field + ".buckets"));
  }
  if (node["regulatory_classes"]) {
    const std::string class_field = field + ".regulatory_classes";
    const YAML::Node classes = node["regulatory_classes"];
    ARREARS_RETURN_IF_ERROR(CheckKeys(classes, class_field,
                                      {"special_mention_over_dpd", "substandard_over_dpd",
                                       "doubtful_over_dpd", "loss_over_dpd"}));
    struct Entry {
      const char* key;
      int32_t* value;
    };
    for (const Entry& entry :
         {Entry{"special_mention_over_dpd", &product.regulatory.special_mention_over_dpd},
          Entry{"substandard_over_dpd", &product.regulatory.substandard_over_dpd},
          Entry{"doubtful_over_dpd", &product.regulatory.doubtful_over_dpd},
          Entry{"loss_over_dpd", &product.regulatory.loss_over_dpd}}) {
      if (classes[entry.key]) {
        ARREARS_ASSIGN_OR_RETURN(
            *entry.value, ReadInt(classes[entry.key], absl::StrCat(class_field, ".", entry.key)));
      }
    }
  }
  return product;
}

}  // namespace

absl::string_view AllocationComponentName(AllocationComponent component) {
  switch (component) {
    case AllocationComponent::kPenalty:
      return "penalty";
    case AllocationComponent::kFees:
      return "fees";
    case AllocationComponent::kInterest:
      return "interest";
    case AllocationComponent::kPrincipal:
      return "principal";
  }
  return "unknown";
}

ProductConfig::ProductConfig(std::string code, money::Currency currency)
    : code(std::move(code)),
      currency(currency),
      tolerance(money::Money::Zero(currency)),
      buckets(DefaultBuckets()) {
  Finalize();
}

std::vector<BucketDefinition> ProductConfig::DefaultBuckets() {
  std::vector<BucketDefinition> buckets;
  buckets.push_back({"CURRENT", 0, 0});
  for (int32_t month = 1; month <= 6; ++month) {
    buckets.push_back({absl::StrCat("M", month), (month - 1) * 30 + 1, month * 30});
  }
  buckets.push_back({"M7+", 181, absl::nullopt});
  return buckets;
}

int32_t ProductConfig::BucketOrdinalFor(int64_t dpd) const {
  // Tables are short (about 8 rows); a linear scan beats a search.
  for (size_t i = buckets.size(); i-- > 1;) {
    if (dpd >= buckets[i].min_dpd) {
      return static_cast<int32_t>(i);
    }
  }
  return 0;
}

RegulatoryClass ProductConfig::ClassFor(int64_t dpd) const {
  if (dpd > regulatory.loss_over_dpd) {
    return delinquency::v1::REGULATORY_CLASS_LOSS;
  }
  if (dpd > regulatory.doubtful_over_dpd) {
    return delinquency::v1::REGULATORY_CLASS_DOUBTFUL;
  }
  if (dpd > regulatory.substandard_over_dpd) {
    return delinquency::v1::REGULATORY_CLASS_SUBSTANDARD;
  }
  if (dpd > regulatory.special_mention_over_dpd) {
    return delinquency::v1::REGULATORY_CLASS_SPECIAL_MENTION;
  }
  return delinquency::v1::REGULATORY_CLASS_NORMAL;
}

int64_t ProductConfig::DailyPenaltyMinor(int64_t unpaid_principal_minor) const {
  if (unpaid_principal_minor <= 0 || penalty_daily_rate.parts_per_billion() == 0) {
    return 0;
  }
  // Bounded inputs (validated amounts and rate) cannot fail or overflow.
  absl::StatusOr<int64_t> penalty = money::DivideRounded(
      static_cast<__int128>(unpaid_principal_minor) * penalty_daily_rate.parts_per_billion(),
      money::Rate::kPartsPerUnit, penalty_rounding);
  return penalty.ok() ? *penalty : 0;
}

void ProductConfig::Finalize() {
  std::sort(pre_due_notice_days.begin(), pre_due_notice_days.end());
  pre_due_notice_days.erase(std::unique(pre_due_notice_days.begin(), pre_due_notice_days.end()),
                            pre_due_notice_days.end());
  dpd_boundaries_.clear();
  for (size_t i = 1; i < buckets.size(); ++i) {
    dpd_boundaries_.push_back(buckets[i].min_dpd);
  }
  for (int32_t over : {regulatory.special_mention_over_dpd, regulatory.substandard_over_dpd,
                       regulatory.doubtful_over_dpd, regulatory.loss_over_dpd}) {
    dpd_boundaries_.push_back(over + 1);
  }
  dpd_boundaries_.push_back(charge_off_dpd);
  std::sort(dpd_boundaries_.begin(), dpd_boundaries_.end());
  dpd_boundaries_.erase(std::unique(dpd_boundaries_.begin(), dpd_boundaries_.end()),
                        dpd_boundaries_.end());
}

absl::Status ValidateProductConfig(const ProductConfig& p) {
  const std::string field = absl::StrCat("products[", p.code, "]");
  if (!IsProductCode(p.code)) {
    return FieldError(field + ".code", "must match [A-Z0-9_]{1,64}");
  }
  if (p.grace_days < 0 || p.grace_days > 365) {
    return FieldError(field + ".grace_days", absl::StrCat("must be 0..365, got ", p.grace_days));
  }
  if (p.tolerance.currency() != p.currency) {
    return FieldError(field + ".tolerance", absl::StrCat("must be in ", p.currency.code()));
  }
  if (p.tolerance.IsNegative()) {
    return FieldError(field + ".tolerance", "must not be negative");
  }
  absl::flat_hash_set<AllocationComponent> seen(p.allocation_order.begin(),
                                                p.allocation_order.end());
  if (seen.size() != 4) {
    return FieldError(field + ".allocation_order",
                      "must list penalty, fees, interest and principal once each");
  }
  const int64_t rate = p.penalty_daily_rate.parts_per_billion();
  if (rate < 0 || rate > kMaxDailyRatePpb) {
    return FieldError(
        field + ".penalty.daily_rate",
        absl::StrCat("must be between 0 and 1% per day, got ", p.penalty_daily_rate.ToString()));
  }
  if (p.charge_off_dpd <= p.grace_days || p.charge_off_dpd > kMaxDays) {
    return FieldError(field + ".charge_off_dpd",
                      absl::StrCat("must be greater than grace_days (", p.grace_days,
                                   ") and at most ", kMaxDays, ", got ", p.charge_off_dpd));
  }
  absl::flat_hash_set<int32_t> notice_days;
  for (size_t i = 0; i < p.pre_due_notice_days.size(); ++i) {
    const int32_t days = p.pre_due_notice_days[i];
    const std::string notice_field = absl::StrCat(field, ".pre_due_notice_days[", i, "]");
    if (days < 0 || days > 365) {
      return FieldError(notice_field, absl::StrCat("must be 0..365, got ", days));
    }
    if (!notice_days.insert(days).second) {
      return FieldError(notice_field, absl::StrCat("duplicate day count ", days));
    }
  }
  if (p.buckets.size() < 2) {
    return FieldError(field + ".buckets", "needs a current bucket and at least one more");
  }
  absl::flat_hash_set<std::string> codes;
  for (size_t i = 0; i < p.buckets.size(); ++i) {
    const BucketDefinition& b = p.buckets[i];
    const std::string bucket_field = absl::StrCat(field, ".buckets[", i, "]");
    if (b.code.empty()) {
      return FieldError(bucket_field + ".code", "required");
    }
    if (!codes.insert(b.code).second) {
      return FieldError(bucket_field + ".code", absl::StrCat("duplicate bucket code ", b.code));
    }
    const bool last = i + 1 == p.buckets.size();
    if (last && b.max_dpd.has_value()) {
      return FieldError(bucket_field + ".max_dpd",
                        "must be omitted: the last bucket is open-ended");
    }
    if (!last && !b.max_dpd.has_value()) {
      return FieldError(bucket_field + ".max_dpd", "required (only the last bucket has none)");
    }
    if (i == 0) {
      if (b.min_dpd != 0 || *b.max_dpd != 0) {
        return FieldError(bucket_field + ".max_dpd",
                          "must be 0: the first bucket holds the current loans (DPD 0)");
      }
      continue;
    }
    const BucketDefinition& previous = p.buckets[i - 1];
    if (b.min_dpd != *previous.max_dpd + 1) {
      return FieldError(bucket_field + ".min_dpd",
                        absl::StrCat("must be ", *previous.max_dpd + 1,
                                     " (buckets are contiguous), got ", b.min_dpd));
    }
    if (b.max_dpd.has_value() && (*b.max_dpd < b.min_dpd || *b.max_dpd > kMaxDays)) {
      return FieldError(bucket_field + ".max_dpd",
                        absl::StrCat("must be greater than ", *previous.max_dpd, " and at most ",
                                     kMaxDays, ", got ", *b.max_dpd));
    }
  }
  const RegulatoryThresholds& r = p.regulatory;
  const std::string class_field = field + ".regulatory_classes";
  if (r.special_mention_over_dpd < 0) {
    return FieldError(class_field + ".special_mention_over_dpd", "must be >= 0");
  }
  if (r.substandard_over_dpd <= r.special_mention_over_dpd) {
    return FieldError(class_field + ".substandard_over_dpd",
                      "must be greater than special_mention_over_dpd");
  }
  if (r.doubtful_over_dpd <= r.substandard_over_dpd) {
    return FieldError(class_field + ".doubtful_over_dpd",
                      "must be greater than substandard_over_dpd");
  }
  if (r.loss_over_dpd <= r.doubtful_over_dpd || r.loss_over_dpd > kMaxDays) {
    return FieldError(
        class_field + ".loss_over_dpd",
        absl::StrCat("must be greater than doubtful_over_dpd and at most ", kMaxDays));
  }
  return absl::OkStatus();
}

absl::StatusOr<ProductCatalog> ProductCatalog::FromProducts(std::vector<ProductConfig> products) {
  ProductCatalog catalog;
  for (ProductConfig& product : products) {
    ARREARS_RETURN_IF_ERROR(ValidateProductConfig(product));
    if (catalog.index_.contains(product.code)) {
      return FieldError(absl::StrCat("products[", product.code, "].code"), "duplicate product");
    }
    product.Finalize();
    catalog.index_.emplace(product.code, catalog.products_.size());
    catalog.products_.push_back(std::move(product));
  }
  if (catalog.products_.empty()) {
    return FieldError("products", "at least one product required");
  }
  return catalog;
}

absl::StatusOr<ProductCatalog> ProductCatalog::FromYaml(absl::string_view yaml_text) {
  std::vector<ProductConfig> products;
  try {
    const YAML::Node root = YAML::Load(std::string(yaml_text));
    if (!root.IsMap()) {
      return FieldError("(document)", "must be a mapping with a products list");
    }
    ARREARS_RETURN_IF_ERROR(CheckKeys(root, "(document)", {"products"}));
    const YAML::Node list = root["products"];
    if (!list || !list.IsSequence()) {
      return FieldError("products", "must be a list");
    }
    for (size_t i = 0; i < list.size(); ++i) {
      ARREARS_ASSIGN_OR_RETURN(ProductConfig product, ReadProduct(list[i], i));
      products.push_back(std::move(product));
    }
  } catch (const YAML::Exception& e) {
    return absl::InvalidArgumentError(absl::StrCat("products YAML: line ", e.mark.line + 1,
                                                   ", column ", e.mark.column + 1, ": ", e.msg));
  }
  return FromProducts(std::move(products));
}

absl::StatusOr<ProductCatalog> ProductCatalog::LoadFile(const std::string& path) {
  std::ifstream in(path);
  if (!in) {
    return absl::NotFoundError(absl::StrCat(path, ": cannot open product configuration"));
  }
  std::stringstream text;
  text << in.rdbuf();
  absl::StatusOr<ProductCatalog> catalog = FromYaml(text.str());
  if (!catalog.ok()) {
    return Annotate(catalog.status(), path);
  }
  return catalog;
}

const ProductConfig* ProductCatalog::Find(absl::string_view code) const {
  auto it = index_.find(code);
  return it == index_.end() ? nullptr : &products_[it->second];
}

}  // namespace arrears::overdue
