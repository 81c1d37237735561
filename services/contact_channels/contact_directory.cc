#include "services/contact_channels/contact_directory.h"

#include <functional>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace arrears::contact {
namespace {

using common::v1::ContactPoint;
using customer::v1::ContactData;

// A CJK unified ideograph (U+4E00..U+9FFF) starts with a byte E4..E9.
bool StartsWithCjk(const std::string& text) {
  if (text.empty()) return false;
  const auto first = static_cast<unsigned char>(text[0]);
  return first >= 0xE4 && first <= 0xE9;
}

// One person's points, their name, ranked within each type: lower rank first.
struct Candidate {
  ContactPoint point;
  int rank = 0;
  std::string time_zone;  // for addresses
};

struct Person {
  std::string full_name;
  std::vector<Candidate> candidates;
};

void AddPhones(const google::protobuf::RepeatedPtrField<customer::v1::Phone>& phones,
               Person& person) {
  for (const customer::v1::Phone& phone : phones) {
    Candidate c;
    c.point.set_contact_point_id(phone.contact_point_id());
    c.point.set_type(common::v1::CONTACT_POINT_TYPE_PHONE);
    c.point.set_value(phone.number());
    c.rank =
        (phone.verified() ? 0 : 2) + (phone.type() == customer::v1::Phone::TYPE_MOBILE ? 0 : 1);
    person.candidates.push_back(std::move(c));
  }
}

void AddEmails(const google::protobuf::RepeatedPtrField<customer::v1::Email>& emails,
               Person& person) {
  for (const customer::v1::Email& email : emails) {
    Candidate c;
    c.point.set_contact_point_id(email.contact_point_id());
    c.point.set_type(common::v1::CONTACT_POINT_TYPE_EMAIL);
    c.point.set_value(email.address());
    // An employer's mailbox is read by others: last resort.
    c.rank = (email.type() == customer::v1::Email::TYPE_EMPLOYER ? 4 : 0) +
             (email.verified() ? 0 : 2) +
             (email.type() == customer::v1::Email::TYPE_PERSONAL ? 0 : 1);
    person.candidates.push_back(std::move(c));
  }
}

void AddAddresses(const google::protobuf::RepeatedPtrField<customer::v1::PostalAddress>& addresses,
                  Person& person) {
  for (const customer::v1::PostalAddress& address : addresses) {
    Candidate c;
    c.point.set_contact_point_id(address.contact_point_id());
    c.point.set_type(common::v1::CONTACT_POINT_TYPE_POSTAL_ADDRESS);
    c.point.set_value(OneLineAddress(address));
    c.rank = (address.verified() ? 0 : 2) +
             (address.type() == customer::v1::PostalAddress::TYPE_HOME ? 0 : 1);
    c.time_zone = address.time_zone();
    person.candidates.push_back(std::move(c));
  }
}

}  // namespace

std::string OneLineAddress(const customer::v1::PostalAddress& address) {
  const std::string first_line = address.lines().empty() ? "" : address.lines(0);
  if (StartsWithCjk(first_line) || StartsWithCjk(address.locality())) {
    // "北京市" + "朝阳区建国路88号": largest unit first, no separators.
    std::string text = address.locality();
    for (const std::string& line : address.lines()) absl::StrAppend(&text, line);
    return text;
  }
  std::vector<std::string> parts(address.lines().begin(), address.lines().end());
  for (const std::string* part : {&address.locality(), &address.region_code(),
                                  &address.postal_code(), &address.country_code()}) {
    if (!part->empty()) parts.push_back(*part);
  }
  return absl::StrJoin(parts, ", ");
}

ContactData ContactDataOf(const std::string& full_name, const std::vector<ContactPoint>& points,
                          const std::string& time_zone) {
  ContactData data;
  data.mutable_name()->set_full_name(full_name);
  data.set_time_zone(time_zone);
  for (const ContactPoint& point : points) {
    switch (point.type()) {
      case common::v1::CONTACT_POINT_TYPE_PHONE: {
        customer::v1::Phone* phone = data.add_phones();
        phone->set_contact_point_id(point.contact_point_id());
        phone->set_number(point.value());
        phone->set_type(customer::v1::Phone::TYPE_MOBILE);
        phone->set_verified(true);
        break;
      }
      case common::v1::CONTACT_POINT_TYPE_EMAIL: {
        customer::v1::Email* email = data.add_emails();
        email->set_contact_point_id(point.contact_point_id());
        email->set_address(point.value());
        email->set_type(customer::v1::Email::TYPE_PERSONAL);
        email->set_verified(true);
        break;
      }
      case common::v1::CONTACT_POINT_TYPE_POSTAL_ADDRESS: {
        customer::v1::PostalAddress* address = data.add_addresses();
        address->set_contact_point_id(point.contact_point_id());
        address->add_lines(point.value());
        address->set_type(customer::v1::PostalAddress::TYPE_HOME);
        address->set_verified(true);
        break;
      }
      case common::v1::CONTACT_POINT_TYPE_APP_ACCOUNT: {
        customer::v1::AppAccount* account = data.add_app_accounts();
        account->set_contact_point_id(point.contact_point_id());
        account->set_account_id(point.value());
        break;
      }
      default:
        break;
    }
  }
  return data;
}

absl::StatusOr<CustomerContact> LookupInContactData(const ContactData& data,
                                                    const ContactLookup& lookup) {
  Person person;
  if (lookup.related_contact_id.empty()) {
    person.full_name = data.name().full_name();
    AddPhones(data.phones(), person);
    AddEmails(data.emails(), person);
    AddAddresses(data.addresses(), person);
    for (const customer::v1::AppAccount& account : data.app_accounts()) {
      Candidate c;
      c.point.set_contact_point_id(account.contact_point_id());
      c.point.set_type(common::v1::CONTACT_POINT_TYPE_APP_ACCOUNT);
      c.point.set_value(account.account_id());
      person.candidates.push_back(std::move(c));
    }
  } else {
    const customer::v1::RelatedContact* related = nullptr;
    for (const customer::v1::RelatedContact& r : data.related_contacts()) {
      if (r.related_contact_id() == lookup.related_contact_id) related = &r;
    }
    if (related == nullptr) {
      return absl::NotFoundError(absl::StrCat("related_contact_id: no related person \"",
                                              lookup.related_contact_id, "\" of customer ",
                                              lookup.customer_id));
    }
    person.full_name = related->name().full_name();
    AddPhones(related->phones(), person);
    AddEmails(related->emails(), person);
    AddAddresses(related->addresses(), person);
  }

  const Candidate* best = nullptr;
  for (const Candidate& c : person.candidates) {
    if (!lookup.contact_point_id.empty()) {
      if (c.point.contact_point_id() == lookup.contact_point_id) best = &c;
      continue;
    }
    if (c.point.type() == lookup.type && (best == nullptr || c.rank < best->rank)) best = &c;
  }
  if (best == nullptr || (lookup.type != common::v1::CONTACT_POINT_TYPE_UNSPECIFIED &&
                          best->point.type() != lookup.type)) {
    return absl::NotFoundError(absl::StrCat(
        "contact_point_id: no contact point \"", lookup.contact_point_id, "\" of type ",
        common::v1::ContactPointType_Name(lookup.type), " for customer ", lookup.customer_id));
  }
  CustomerContact contact;
  contact.full_name = person.full_name;
  contact.contact_point = best->point;
  contact.time_zone = best->time_zone.empty() ? data.time_zone() : best->time_zone;
  contact.preferred_language = data.preferred_language();
  return contact;
}

absl::StatusOr<CustomerContact> InMemoryContactDirectory::Lookup(const ContactLookup& lookup) {
  absl::MutexLock lock(&mu_);
  auto it = customers_.find(lookup.customer_id);
  if (it == customers_.end()) {
    return absl::FailedPreconditionError(
        absl::StrCat("customer_id: no contact data yet for customer ", lookup.customer_id));
  }
  return LookupInContactData(it->second, lookup);
}

}  // namespace arrears::contact
