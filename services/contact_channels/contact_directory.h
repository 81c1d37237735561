// ContactDirectory: where the dispatcher gets the personal data a contact
// needs (the person's name, the raw contact point to address, the time zone
// and language). It is the only source of raw personal data in the
// dispatcher; the data is used to render and address, and only its masked
// forms go into events.
//
// The directory is fed by the customer-events topic: each customer's latest
// complete ContactData (phones, e-mails, addresses, app accounts, related
// persons, time zone, preferred language). LookupInContactData() is the one
// place that picks a contact point out of it:
//  - by contact_point_id when given (ids are unique across the customer's
//    whole ContactData, related persons included);
//  - else the best point of the channel's type: verified before unverified;
//    for phones mobile first, for e-mails personal before employer-provided
//    (which is last), for addresses home first;
//  - of the related person `related_contact_id` instead of the customer's own
//    when that is set (name and points are then theirs).
// NotFound naming the field when the related person or point is unknown or
// has the wrong type. A customer without contact data yet is
// FailedPrecondition: the data may still be on its way (the customer-events
// topic is not ordered with the contact requests), so the contact waits.
// Implementations must be thread-safe.
#ifndef ARREARS_SERVICES_CONTACT_CHANNELS_CONTACT_DIRECTORY_H_
#define ARREARS_SERVICES_CONTACT_CHANNELS_CONTACT_DIRECTORY_H_

#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "arrears/common/v1/contact.pb.h"
#include "arrears/customer/v1/customer_events.pb.h"

namespace arrears::contact {

struct ContactLookup {
  std::string customer_id;
  // Empty: the best point of `type`.
  std::string contact_point_id;
  common::v1::ContactPointType type = common::v1::CONTACT_POINT_TYPE_UNSPECIFIED;
  // A related person's data instead of the customer's; empty for the customer.
  std::string related_contact_id;
};

struct CustomerContact {
  std::string full_name;
  // With its raw value set.
  common::v1::ContactPoint contact_point;
  // The address's zone for an address, else the customer's; may be empty.
  std::string time_zone;
  // BCP 47; may be empty.
  std::string preferred_language;
};

class ContactDirectory {
 public:
  virtual ~ContactDirectory() = default;
  virtual absl::StatusOr<CustomerContact> Lookup(const ContactLookup& lookup) = 0;
};

absl::StatusOr<CustomerContact> LookupInContactData(const customer::v1::ContactData& data,
                                                    const ContactLookup& lookup);

// An address on one line, as a carrier or field app would print it:
// Chinese addresses run from the largest unit down without separators,
// others from the street up with ", ".
std::string OneLineAddress(const customer::v1::PostalAddress& address);

// ContactData holding `points` (verified) under `full_name`: phones, e-mails,
// postal addresses (one line each) and app accounts by their type.
customer::v1::ContactData ContactDataOf(const std::string& full_name,
                                        const std::vector<common::v1::ContactPoint>& points,
                                        const std::string& time_zone = "");

// In-memory directory for tests and benchmarks. Thread-safe.
class InMemoryContactDirectory final : public ContactDirectory {
 public:
  void Put(const std::string& customer_id, customer::v1::ContactData data) {
    absl::MutexLock lock(&mu_);
    customers_[customer_id] = std::move(data);
  }
  void Put(const std::string& customer_id, const std::string& full_name,
           const std::vector<common::v1::ContactPoint>& points) {
    Put(customer_id, ContactDataOf(full_name, points));
  }

  absl::StatusOr<CustomerContact> Lookup(const ContactLookup& lookup) override;

 private:
  absl::Mutex mu_;
  absl::flat_hash_map<std::string, customer::v1::ContactData> customers_ ABSL_GUARDED_BY(mu_);
};

}  // namespace arrears::contact

#endif  // ARREARS_SERVICES_CONTACT_CHANNELS_CONTACT_DIRECTORY_H_
