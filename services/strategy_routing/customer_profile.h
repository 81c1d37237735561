// CustomerProfile: what the strategy service keeps from the customer events
// topic — only what its decisions need and no personal data: contact point
// ids (never numbers or addresses), whether a phone and a visit address are
// verified, the address's roster region and time zone, recording consent,
// and the deceased / bankruptcy notices that become typed holds.
//
// Built from arrears.customer.v1.CustomerEvent by ApplyCustomerEvent; a
// profile exists before any case does (the events are independent of
// delinquency), and a case opened later takes its holds from it.
//
// Plain value type; not synchronized.
#ifndef ARREARS_SERVICES_STRATEGY_ROUTING_CUSTOMER_PROFILE_H_
#define ARREARS_SERVICES_STRATEGY_ROUTING_CUSTOMER_PROFILE_H_

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "arrears/customer/v1/customer_events.pb.h"

namespace arrears::strategy {

struct CustomerProfile {
  std::string customer_id;
  // Every contact point id seen in the customer's contact data, sorted, so a
  // new one can be recognised (it may restore a lost contact).
  std::vector<std::string> contact_point_ids;
  bool has_verified_phone = false;
  // The verified address a field visit goes to (home first, then work).
  std::string visit_address_id;
  // Roster region of that address (ISO 3166-2 code, e.g. "CN-SH").
  std::string visit_region;
  std::string visit_time_zone;
  bool recording_consent = false;
  bool deceased = false;
  // Set while bankruptcy proceedings are filed (not discharged / dismissed).
  std::string bankruptcy_case_number;

  friend bool operator==(const CustomerProfile&, const CustomerProfile&) = default;
};

// What one customer event changed in a profile.
struct ProfileChange {
  // Contact points never seen before arrived.
  bool new_contact_points = false;
  bool became_deceased = false;
  // Filed (case number in the profile) or ended (the previous number here).
  bool bankruptcy_filed = false;
  std::string bankruptcy_ended;
};

// Applies `event` to `profile` (whose customer_id must match).
// InvalidArgument naming the field for an event without a member set.
absl::StatusOr<ProfileChange> ApplyCustomerEvent(const customer::v1::CustomerEvent& event,
                                                 CustomerProfile* profile);

}  // namespace arrears::strategy

#endif  // ARREARS_SERVICES_STRATEGY_ROUTING_CUSTOMER_PROFILE_H_
