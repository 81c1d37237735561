#include "tools/simulator/product_catalog.h"

namespace arrears::simulator {

const std::vector<ProductShape>& Products() {
  static const std::vector<ProductShape>* const kProducts = new std::vector<ProductShape>{
      {.code = "CAR_LOAN",
       .currency = "CNY",
       .min_principal_minor = 50'000'00,
       .max_principal_minor = 300'000'00,
       .principal_step_minor = 1'000'00,
       .terms_months = {24, 36, 36, 48, 60},
       .nominal_rate_bp = 650,
       .share_percent = 20,
       .late_penalty_ppm_per_day = 500},
      {.code = "CONSUMER_LOAN",
       .currency = "CNY",
       .min_principal_minor = 3'000'00,
       .max_principal_minor = 80'000'00,
       .principal_step_minor = 100'00,
       .terms_months = {3, 6, 12, 12, 24},
       .nominal_rate_bp = 1200,
       .share_percent = 45,
       .late_penalty_ppm_per_day = 500},
      // Card installment plans: the statement balance split into equal
      // parts with a monthly fee; the card system sends late fees.
      {.code = "CREDIT_CARD",
       .currency = "CNY",
       .min_principal_minor = 1'000'00,
       .max_principal_minor = 50'000'00,
       .principal_step_minor = 10'00,
       .terms_months = {3, 6, 12, 12, 24},
       .monthly_fee_bp = 60,
       .share_percent = 35,
       .late_fee_bp = 500,
       .late_fee_min_minor = 10'00},
  };
  return *kProducts;
}

const ProductShape* FindProduct(absl::string_view code) {
  for (const ProductShape& product : Products()) {
    if (product.code == code) return &product;
  }
  return nullptr;
}

}  // namespace arrears::simulator
