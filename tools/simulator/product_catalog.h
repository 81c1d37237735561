// The loan products of the simulated book and how each is shaped.
//
// Product codes are those the overdue detection service is configured with
// (services/overdue_detection/config/products.yaml; a test checks the codes
// and currencies against that file). The shapes (principal ranges, terms,
// rates, card installment fees, mix) are what a mid-sized Chinese retail bank's
// collections book looks like: a few large car loans, many consumer loans,
// and many small credit-card installment plans. Immutable; thread-safe.
#ifndef ARREARS_TOOLS_SIMULATOR_PRODUCT_CATALOG_H_
#define ARREARS_TOOLS_SIMULATOR_PRODUCT_CATALOG_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"

namespace arrears::simulator {

struct ProductShape {
  // Product code, e.g. "CAR_LOAN".
  std::string code;
  // ISO 4217 currency of every loan of the product.
  std::string currency;
  // Principal range in minor units; drawn principals are whole multiples of
  // `principal_step_minor`.
  int64_t min_principal_minor = 0;
  int64_t max_principal_minor = 0;
  int64_t principal_step_minor = 100;
  // Terms in months to choose from.
  std::vector<int> terms_months;
  // Nominal annual rate in basis points (interest on the remaining balance).
  int32_t nominal_rate_bp = 0;
  // Monthly installment fee in basis points of the original principal (card
  // installment plans charge a fee instead of interest); 0 for none.
  int32_t monthly_fee_bp = 0;
  // Share of the book's loans, in percent; the shares sum to 100.
  int share_percent = 0;
  // Penalty interest a late payer adds on top, per day late, in parts per
  // million of the installment (0.05 % a day = 500). What the customer's app
  // would show; the overdue service computes the exact figure.
  int32_t late_penalty_ppm_per_day = 0;
  // Late fee the card system charges when an installment is missed, in basis
  // points of the missed amount, at least `late_fee_min_minor`; 0 = none.
  int32_t late_fee_bp = 0;
  int64_t late_fee_min_minor = 0;
};

// CAR_LOAN, CONSUMER_LOAN, CREDIT_CARD, in that order.
const std::vector<ProductShape>& Products();

// The product with `code`, or nullptr.
const ProductShape* FindProduct(absl::string_view code);

}  // namespace arrears::simulator

#endif  // ARREARS_TOOLS_SIMULATOR_PRODUCT_CATALOG_H_
