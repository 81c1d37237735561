// Simulated customers: people with realistic contact data, a residence (and
// with it a time zone, a language and a jurisdiction) and a repayment
// behaviour.
//
// Most customers live in mainland China (Asia/Shanghai; a few in Xinjiang keep
// Asia/Urumqi time) and prefer Chinese; a few live in the United States
// (America/New_York, America/Los_Angeles), where the US policy pack applies,
// and prefer English or Chinese. Names, phone numbers (E.164, mobile first),
// e-mail addresses (example.com / example.cn only), postal addresses, app
// accounts, emergency contacts and consents are drawn from the customer's own
// random stream (entity_random.h), so customer N is the same person for a
// seed whatever the book size. All of it is made up: no real person, number
// or mailbox. Value types; GenerateCustomer is pure and thread-safe.
#ifndef ARREARS_TOOLS_SIMULATOR_CUSTOMER_H_
#define ARREARS_TOOLS_SIMULATOR_CUSTOMER_H_

#include <cstdint>
#include <string>

#include "arrears/customer/v1/customer_events.pb.h"
#include "tools/simulator/behaviour.h"

namespace arrears::simulator {

struct Customer {
  std::string customer_id;
  Behaviour behaviour = Behaviour::kOnTime;
  // For behaviours that stop paying: the day of the simulation (0 = the
  // first day) from which installments falling due are no longer paid.
  int onset_day = 0;
  // BCP 47: "zh-CN" or "en".
  std::string language;
  // IANA time zone of the residence.
  std::string time_zone;
  // "CN", "US-NY", "US-CA".
  std::string residence_jurisdiction;
  // The branch near the residence that books the customer's loans.
  std::string branch_id;
  // Complete contact data and consents as the CRM publishes them.
  customer::v1::ContactData contact_data;
  customer::v1::Consents consents;
};

struct CustomerGeneration {
  uint64_t seed = 1;
  BehaviourMix mix;
  // Length of the simulation in days; onsets fall in its first two thirds.
  int simulated_days = 120;
};

// "C00000042" for index 42.
std::string CustomerId(int64_t index);

// Customer number `index` (>= 0) of the book.
Customer GenerateCustomer(const CustomerGeneration& generation, int64_t index);

}  // namespace arrears::simulator

#endif  // ARREARS_TOOLS_SIMULATOR_CUSTOMER_H_
