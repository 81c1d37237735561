// ContactDirectory: where the dispatcher gets the personal data a contact
// needs (the person's name, the raw contact point to address). It is the
// only source of raw personal data in the dispatcher; the data is used to
// render and address, and only its masked forms go into events.
//
// Lookup() with an empty contact_point_id picks the best verified contact
// point of the channel's type. NotFound when the customer or contact point
// is unknown. Implementations must be thread-safe.
#ifndef ARREARS_SERVICES_CONTACT_CHANNELS_CONTACT_DIRECTORY_H_
#define ARREARS_SERVICES_CONTACT_CHANNELS_CONTACT_DIRECTORY_H_

#include <string>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "arrears/common/v1/contact.pb.h"

namespace arrears::contact {

struct CustomerContact {
  std::string full_name;
  // With its raw value set.
  common::v1::ContactPoint contact_point;
};

class ContactDirectory {
 public:
  virtual ~ContactDirectory() = default;
  virtual absl::StatusOr<CustomerContact> Lookup(const std::string& customer_id,
                                                 const std::string& contact_point_id,
                                                 common::v1::ContactPointType type) = 0;
};

// In-memory directory: a name and a list of contact points per customer; the
// first point of the requested type is the "best" one. Thread-safe.
class InMemoryContactDirectory final : public ContactDirectory {
 public:
  void Put(std::string customer_id, std::string full_name,
           std::vector<common::v1::ContactPoint> points) {
    absl::MutexLock lock(&mu_);
    customers_[std::move(customer_id)] = {std::move(full_name), std::move(points)};
  }

  absl::StatusOr<CustomerContact> Lookup(const std::string& customer_id,
                                         const std::string& contact_point_id,
                                         common::v1::ContactPointType type) override {
    absl::MutexLock lock(&mu_);
    auto it = customers_.find(customer_id);
    if (it == customers_.end()) {
      return absl::NotFoundError(absl::StrCat("customer_id: unknown customer ", customer_id));
    }
    for (const common::v1::ContactPoint& point : it->second.points) {
      if (contact_point_id.empty() ? point.type() == type
                                   : point.contact_point_id() == contact_point_id) {
        return CustomerContact{it->second.full_name, point};
      }
    }
    return absl::NotFoundError(
        absl::StrCat("contact_point_id: no contact point \"", contact_point_id, "\" of type ",
                     common::v1::ContactPointType_Name(type), " for customer ", customer_id));
  }

 private:
  struct Entry {
    std::string full_name;
    std::vector<common::v1::ContactPoint> points;
  };
  absl::Mutex mu_;
  absl::flat_hash_map<std::string, Entry> customers_ ABSL_GUARDED_BY(mu_);
};

}  // namespace arrears::contact

#endif  // ARREARS_SERVICES_CONTACT_CHANNELS_CONTACT_DIRECTORY_H_
