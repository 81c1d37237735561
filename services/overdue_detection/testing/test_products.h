// The product catalog of overdue detection tests: the shipped
// config/products.yaml (CAR_LOAN, CONSUMER_LOAN, CREDIT_CARD) plus
//   STRICT  no grace, no tolerance, 0.05 % a day half-even, charge-off at
//           180 DPD, pre-due notices 3 days before and on the due date.
// Test-only; the test target defines OVERDUE_PRODUCTS_YAML.
#ifndef ARREARS_SERVICES_OVERDUE_DETECTION_TESTING_TEST_PRODUCTS_H_
#define ARREARS_SERVICES_OVERDUE_DETECTION_TESTING_TEST_PRODUCTS_H_

#include <fstream>
#include <sstream>
#include <string>

#include "absl/strings/string_view.h"
#include "gtest/gtest.h"
#include "services/overdue_detection/product_config.h"

namespace arrears::overdue::testing {

inline constexpr char kStrictProduct[] =
    "\n  - code: STRICT\n"
    "    currency: CNY\n"
    "    penalty: {daily_rate: \"0.05%\"}\n"
    "    charge_off_dpd: 180\n"
    "    pre_due_notice_days: [3, 0]\n";

// The shipped products followed by `extra_products` (YAML list items).
inline ProductCatalog TestCatalog(absl::string_view extra_products = kStrictProduct) {
  std::ifstream in(OVERDUE_PRODUCTS_YAML);
  std::stringstream text;
  text << in.rdbuf() << extra_products;
  absl::StatusOr<ProductCatalog> catalog = ProductCatalog::FromYaml(text.str());
  EXPECT_TRUE(catalog.ok()) << catalog.status();
  return catalog.ok() ? *std::move(catalog) : ProductCatalog();
}

}  // namespace arrears::overdue::testing

#endif  // ARREARS_SERVICES_OVERDUE_DETECTION_TESTING_TEST_PRODUCTS_H_
