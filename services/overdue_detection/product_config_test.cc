#include "services/overdue_detection/product_config.h"

#include <string>

#include "absl/strings/str_cat.h"
#include "common/status/status_matchers.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace arrears::overdue {
namespace {

using ::arrears::testing::StatusIs;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
namespace dv1 = delinquency::v1;

// One CAR_LOAN product; `fields` are extra "key: value" lines (4-space
// indented) appended to a valid base.
std::string CarLoan(absl::string_view fields, absl::string_view charge_off = "180") {
  return absl::StrCat(
      "products:\n"
      "  - code: CAR_LOAN\n"
      "    currency: CNY\n"
      "    charge_off_dpd: ",
      charge_off, "\n", fields);
}

TEST(ProductCatalogTest, LoadsTheShippedConfiguration) {
  ASSERT_OK_AND_ASSIGN(ProductCatalog catalog, ProductCatalog::LoadFile(OVERDUE_PRODUCTS_YAML));
  ASSERT_EQ(catalog.products().size(), 3u);

  const ProductConfig* car = catalog.Find("CAR_LOAN");
  ASSERT_NE(car, nullptr);
  EXPECT_EQ(car->currency.code(), "CNY");
  EXPECT_EQ(car->grace_days, 3);
  EXPECT_EQ(car->tolerance, money::Money::FromMinor(1000, money::Currency::Of("CNY")));
  EXPECT_EQ(car->penalty_daily_rate.parts_per_billion(), 500'000);
  EXPECT_EQ(car->penalty_rounding, money::RoundingMode::kHalfEven);
  EXPECT_EQ(car->charge_off_dpd, 180);
  EXPECT_THAT(car->pre_due_notice_days, ElementsAre(1, 3, 7));
  ASSERT_EQ(car->buckets.size(), 8u);
  EXPECT_EQ(car->buckets[1].code, "M1");
  EXPECT_EQ(car->buckets[1].min_dpd, 1);
  EXPECT_EQ(car->buckets[1].max_dpd, 30);
  EXPECT_EQ(car->buckets[7].code, "M7+");
  EXPECT_EQ(car->buckets[7].min_dpd, 181);
  EXPECT_FALSE(car->buckets[7].max_dpd.has_value());

  const ProductConfig* consumer = catalog.Find("CONSUMER_LOAN");
  ASSERT_NE(consumer, nullptr);
  EXPECT_EQ(consumer->buckets.size(), 8u) << "default bucket table";
  EXPECT_THAT(consumer->allocation_order,
              ElementsAre(AllocationComponent::kPenalty, AllocationComponent::kFees,
                          AllocationComponent::kInterest, AllocationComponent::kPrincipal));

  const ProductConfig* card = catalog.Find("CREDIT_CARD");
  ASSERT_NE(card, nullptr);
  EXPECT_THAT(card->allocation_order,
              ElementsAre(AllocationComponent::kFees, AllocationComponent::kInterest,
                          AllocationComponent::kPenalty, AllocationComponent::kPrincipal));
  EXPECT_EQ(card->penalty_daily_rate.parts_per_billion(), 0);
  EXPECT_EQ(card->DailyPenaltyMinor(1'000'000), 0);

  EXPECT_EQ(catalog.Find("MORTGAGE"), nullptr);
}

TEST(ProductConfigTest, BucketsAndClassesAtEveryBoundary) {
  ProductConfig p("CAR_LOAN", money::Currency::Of("CNY"));
  struct Case {
    int dpd;
    const char* bucket;
    dv1::RegulatoryClass regulatory_class;
  };
  for (const Case& c : {
           Case{0, "CURRENT", dv1::REGULATORY_CLASS_NORMAL},
           Case{1, "M1", dv1::REGULATORY_CLASS_SPECIAL_MENTION},
           Case{30, "M1", dv1::REGULATORY_CLASS_SPECIAL_MENTION},
           Case{31, "M2", dv1::REGULATORY_CLASS_SPECIAL_MENTION},
           Case{90, "M3", dv1::REGULATORY_CLASS_SPECIAL_MENTION},
           Case{91, "M4", dv1::REGULATORY_CLASS_SUBSTANDARD},
           Case{180, "M6", dv1::REGULATORY_CLASS_SUBSTANDARD},
           Case{181, "M7+", dv1::REGULATORY_CLASS_SUBSTANDARD},
           Case{270, "M7+", dv1::REGULATORY_CLASS_SUBSTANDARD},
           Case{271, "M7+", dv1::REGULATORY_CLASS_DOUBTFUL},
           Case{360, "M7+", dv1::REGULATORY_CLASS_DOUBTFUL},
           Case{361, "M7+", dv1::REGULATORY_CLASS_LOSS},
       }) {
    EXPECT_EQ(p.buckets[p.BucketOrdinalFor(c.dpd)].code, c.bucket) << "dpd " << c.dpd;
    EXPECT_EQ(p.ClassFor(c.dpd), c.regulatory_class) << "dpd " << c.dpd;
  }
  EXPECT_THAT(p.dpd_boundaries(), ElementsAre(1, 31, 61, 91, 121, 151, 180, 181, 271, 361));
}

TEST(ProductConfigTest, DailyPenaltyIsRoundedOncePerDayByTheConfiguredMode) {
  ASSERT_OK_AND_ASSIGN(ProductCatalog half_even,
                       ProductCatalog::FromYaml(CarLoan("    penalty: {daily_rate: \"0.05%\"}\n")));
  ASSERT_OK_AND_ASSIGN(ProductCatalog half_up,
                       ProductCatalog::FromYaml(
                           CarLoan("    penalty: {daily_rate: \"0.05%\", rounding: half_up}\n")));
  const ProductConfig& even = half_even.products()[0];
  const ProductConfig& up = half_up.products()[0];
  EXPECT_EQ(even.DailyPenaltyMinor(100'000), 50);  // 1000.00 x 0.0005 = 0.50 exactly
  EXPECT_EQ(even.DailyPenaltyMinor(123'456), 62);  // 61.728 fen
  EXPECT_EQ(even.DailyPenaltyMinor(100'010), 50);  // 50.005 fen: nearest
  EXPECT_EQ(up.DailyPenaltyMinor(100'010), 50);
  EXPECT_EQ(even.DailyPenaltyMinor(101'000), 50);  // 50.5 fen: tie to even
  EXPECT_EQ(up.DailyPenaltyMinor(101'000), 51);    // 50.5 fen: tie away from zero
  EXPECT_EQ(even.DailyPenaltyMinor(103'000), 52);  // 51.5 fen: tie to even
  EXPECT_EQ(even.DailyPenaltyMinor(0), 0);
}

TEST(ProductCatalogTest, DefaultsApplyWhenOmitted) {
  ASSERT_OK_AND_ASSIGN(ProductCatalog catalog, ProductCatalog::FromYaml(CarLoan("")));
  const ProductConfig& p = catalog.products()[0];
  EXPECT_EQ(p.grace_days, 0);
  EXPECT_TRUE(p.tolerance.IsZero());
  EXPECT_EQ(p.penalty_daily_rate.parts_per_billion(), 0);
  EXPECT_TRUE(p.pre_due_notice_days.empty());
  EXPECT_EQ(p.buckets.size(), 8u);
  EXPECT_EQ(p.regulatory.substandard_over_dpd, 90);
  EXPECT_EQ(p.regulatory.doubtful_over_dpd, 270);
  EXPECT_EQ(p.regulatory.loss_over_dpd, 360);
}

TEST(ProductCatalogTest, CustomBucketTable) {
  ASSERT_OK_AND_ASSIGN(ProductCatalog catalog,
                       ProductCatalog::FromYaml(CarLoan("    buckets:\n"
                                                        "      - {code: C, max_dpd: 0}\n"
                                                        "      - {code: EARLY, max_dpd: 15}\n"
                                                        "      - {code: LATE}\n")));
  const ProductConfig& p = catalog.products()[0];
  EXPECT_EQ(p.BucketOrdinalFor(15), 1);
  EXPECT_EQ(p.BucketOrdinalFor(16), 2);
  EXPECT_EQ(p.BucketOrdinalFor(5000), 2);
}

struct BadConfig {
  std::string name;
  std::string yaml;
  std::string message;
};

void PrintTo(const BadConfig& config, std::ostream* os) { *os << config.name; }

class ProductValidationTest : public ::testing::TestWithParam<BadConfig> {};

TEST_P(ProductValidationTest, NamesTheProductAndField) {
  EXPECT_THAT(ProductCatalog::FromYaml(GetParam().yaml),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr(GetParam().message)));
}

const char kBucketsHead[] =
    "    buckets:\n"
    "      - {code: CURRENT, max_dpd: 0}\n"
    "      - {code: M1, max_dpd: 30}\n";

INSTANTIATE_TEST_SUITE_P(
    Errors, ProductValidationTest,
    ::testing::Values(
        BadConfig{"BucketNotIncreasing",
                  CarLoan(absl::StrCat(kBucketsHead, "      - {code: M2, max_dpd: 25}\n",
                                       "      - {code: M3+}\n")),
                  "products[CAR_LOAN].buckets[2].max_dpd: must be greater than 30"},
        BadConfig{"FirstBucketNotCurrent",
                  CarLoan("    buckets:\n      - {code: CURRENT, max_dpd: 5}\n      - {code: X}\n"),
                  "products[CAR_LOAN].buckets[0].max_dpd: must be 0"},
        BadConfig{"LastBucketClosed", CarLoan(kBucketsHead),
                  "products[CAR_LOAN].buckets[1].max_dpd: must be omitted"},
        BadConfig{"MiddleBucketOpen",
                  CarLoan("    buckets:\n      - {code: CURRENT, max_dpd: 0}\n      - {code: M1}\n"
                          "      - {code: M2}\n"),
                  "products[CAR_LOAN].buckets[1].max_dpd: required"},
        BadConfig{"DuplicateBucketCode",
                  CarLoan(absl::StrCat(kBucketsHead, "      - {code: M1}\n")),
                  "products[CAR_LOAN].buckets[2].code: duplicate bucket code M1"},
        BadConfig{"UnknownField", CarLoan("    grace_day: 3\n"),
                  "products[CAR_LOAN].grace_day: unknown field"},
        BadConfig{"UnknownCurrency",
                  "products:\n  - {code: CAR_LOAN, currency: XYZ, charge_off_dpd: 180}\n",
                  "products[CAR_LOAN].currency"},
        BadConfig{"GraceNotANumber", CarLoan("    grace_days: three\n"),
                  "products[CAR_LOAN].grace_days: must be an integer"},
        BadConfig{"GraceNegative", CarLoan("    grace_days: -1\n"),
                  "products[CAR_LOAN].grace_days: must be 0..365"},
        BadConfig{"ToleranceTooPrecise", CarLoan("    tolerance: \"1.001\"\n"),
                  "products[CAR_LOAN].tolerance"},
        BadConfig{"ToleranceNegative", CarLoan("    tolerance: \"-1.00\"\n"),
                  "products[CAR_LOAN].tolerance: must not be negative"},
        BadConfig{"PenaltyRateTooHigh", CarLoan("    penalty: {daily_rate: \"2%\"}\n"),
                  "products[CAR_LOAN].penalty.daily_rate: must be between 0 and 1% per day"},
        BadConfig{"PenaltyRateNotExact", CarLoan("    penalty: {daily_rate: \"0.0000000001\"}\n"),
                  "products[CAR_LOAN].penalty.daily_rate"},
        BadConfig{"PenaltyRounding",
                  CarLoan("    penalty: {daily_rate: \"0.05%\", rounding: bankers}\n"),
                  "products[CAR_LOAN].penalty.rounding"},
        BadConfig{"AllocationDuplicate",
                  CarLoan("    allocation_order: [penalty, fees, fees, principal]\n"),
                  "products[CAR_LOAN].allocation_order: must list"},
        BadConfig{"AllocationUnknown",
                  CarLoan("    allocation_order: [penalty, fees, tax, principal]\n"),
                  "products[CAR_LOAN].allocation_order[2]: unknown component \"tax\""},
        BadConfig{"ChargeOffMissing", "products:\n  - {code: CAR_LOAN, currency: CNY}\n",
                  "products[CAR_LOAN].charge_off_dpd: required"},
        BadConfig{"ChargeOffWithinGrace", CarLoan("    grace_days: 10\n", "10"),
                  "products[CAR_LOAN].charge_off_dpd: must be greater than grace_days"},
        BadConfig{"NoticeDaysDuplicate", CarLoan("    pre_due_notice_days: [3, 3]\n"),
                  "products[CAR_LOAN].pre_due_notice_days[1]: duplicate day count 3"},
        BadConfig{"ClassesNotIncreasing",
                  CarLoan("    regulatory_classes: {doubtful_over_dpd: 60}\n"),
                  "products[CAR_LOAN].regulatory_classes.doubtful_over_dpd"},
        BadConfig{"BadProductCode",
                  "products:\n  - {code: car loan, currency: CNY, charge_off_dpd: 180}\n",
                  "products[0].code"},
        BadConfig{"DuplicateProduct",
                  "products:\n  - {code: A, currency: CNY, charge_off_dpd: 180}\n"
                  "  - {code: A, currency: CNY, charge_off_dpd: 90}\n",
                  "products[A].code: duplicate product"},
        BadConfig{"NoProducts", "products: []\n", "products: at least one product"},
        BadConfig{"NotYaml", "products: [\n", "products YAML: line"},
        BadConfig{"NotAMapping", "- 1\n- 2\n", "(document): must be a mapping"}),
    [](const ::testing::TestParamInfo<BadConfig>& info) { return info.param.name; });

TEST(ProductCatalogTest, MissingFileIsNotFound) {
  EXPECT_THAT(ProductCatalog::LoadFile("/nonexistent/products.yaml"),
              StatusIs(absl::StatusCode::kNotFound, HasSubstr("/nonexistent/products.yaml")));
}

}  // namespace
}  // namespace arrears::overdue
