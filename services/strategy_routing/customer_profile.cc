#include "services/strategy_routing/customer_profile.h"

#include <algorithm>

#include "absl/strings/str_cat.h"

namespace arrears::strategy {

absl::StatusOr<ProfileChange> ApplyCustomerEvent(const customer::v1::CustomerEvent& event,
                                                 CustomerProfile* profile) {
  using customer::v1::CustomerEvent;
  if (event.customer_id() != profile->customer_id) {
    return absl::InvalidArgumentError(absl::StrCat("customer_id: event for ", event.customer_id(),
                                                   " applied to ", profile->customer_id));
  }
  ProfileChange change;
  switch (event.event_case()) {
    case CustomerEvent::kContactDataChanged: {
      const customer::v1::ContactData& data = event.contact_data_changed().contact_data();
      std::vector<std::string> ids;
      profile->has_verified_phone = false;
      for (const auto& phone : data.phones()) {
        ids.push_back(phone.contact_point_id());
        profile->has_verified_phone |= phone.verified();
      }
      for (const auto& email : data.emails()) ids.push_back(email.contact_point_id());
      for (const auto& app : data.app_accounts()) ids.push_back(app.contact_point_id());
      const customer::v1::PostalAddress* visit = nullptr;
      for (const auto& address : data.addresses()) {
        ids.push_back(address.contact_point_id());
        if (!address.verified() || address.region_code().empty()) continue;
        // Home beats work beats mailing; the first of a kind wins.
        auto rank = [](customer::v1::PostalAddress::Type type) {
          switch (type) {
            case customer::v1::PostalAddress::TYPE_HOME:
              return 0;
            case customer::v1::PostalAddress::TYPE_WORK:
              return 1;
            default:
              return 2;
          }
        };
        if (visit == nullptr || rank(address.type()) < rank(visit->type())) visit = &address;
      }
      profile->visit_address_id = visit ? visit->contact_point_id() : "";
      profile->visit_region = visit ? visit->region_code() : "";
      profile->visit_time_zone =
          visit && !visit->time_zone().empty() ? visit->time_zone() : data.time_zone();
      std::sort(ids.begin(), ids.end());
      ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
      for (const std::string& id : ids) {
        if (!std::binary_search(profile->contact_point_ids.begin(),
                                profile->contact_point_ids.end(), id)) {
          change.new_contact_points = true;
        }
      }
      std::vector<std::string> merged;
      std::set_union(profile->contact_point_ids.begin(), profile->contact_point_ids.end(),
                     ids.begin(), ids.end(), std::back_inserter(merged));
      profile->contact_point_ids = std::move(merged);
      break;
    }
    case CustomerEvent::kConsentChanged:
      profile->recording_consent = event.consent_changed().consents().recording_consent();
      break;
    case CustomerEvent::kAttorneyRepresentationChanged:
      // Attorney rules are the compliance service's: nothing to keep here.
      break;
    case CustomerEvent::kDeceasedNotified:
      change.became_deceased = !profile->deceased;
      profile->deceased = true;
      break;
    case CustomerEvent::kBankruptcyNotified: {
      const customer::v1::BankruptcyNotified& b = event.bankruptcy_notified();
      if (b.case_number().empty()) {
        return absl::InvalidArgumentError("bankruptcy_notified.case_number: required");
      }
      if (b.status() == customer::v1::BankruptcyNotified::STATUS_FILED) {
        change.bankruptcy_filed = profile->bankruptcy_case_number != b.case_number();
        profile->bankruptcy_case_number = b.case_number();
      } else if (profile->bankruptcy_case_number == b.case_number()) {
        change.bankruptcy_ended = profile->bankruptcy_case_number;
        profile->bankruptcy_case_number.clear();
      }
      break;
    }
    case CustomerEvent::EVENT_NOT_SET:
      return absl::InvalidArgumentError("event: one member must be set");
  }
  return change;
}

}  // namespace arrears::strategy
