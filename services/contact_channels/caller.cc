#include "services/contact_channels/caller.h"

#include <algorithm>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"

namespace arrears::contact {

bool Caller::HasRole(absl::string_view role) const {
  return std::find(roles.begin(), roles.end(), role) != roles.end();
}

Caller CallerFromMetadata(absl::string_view user, absl::string_view roles) {
  Caller caller;
  caller.user_id = std::string(absl::StripAsciiWhitespace(user));
  for (absl::string_view role : absl::StrSplit(roles, ',')) {
    role = absl::StripAsciiWhitespace(role);
    if (!role.empty()) caller.roles.emplace_back(role);
  }
  return caller;
}

bool MayReadFieldVisitNotes(const Caller& caller, const v1::FieldVisit& visit) {
  if (caller.HasRole(kSupervisorRole)) return true;
  if (caller.user_id.empty()) return false;
  auto has = [&](const auto& ids) {
    return std::find(ids.begin(), ids.end(), caller.user_id) != ids.end();
  };
  return has(visit.staff_ids()) || has(visit.checked_in_staff_ids());
}

absl::Status AuthorizeFieldVisitNotes(const Caller& caller, const v1::FieldVisit& visit) {
  if (MayReadFieldVisitNotes(caller, visit)) return absl::OkStatus();
  return absl::PermissionDeniedError(
      absl::StrCat(visit.name(), ": ",
                   caller.user_id.empty() ? std::string("an anonymous caller")
                                          : absl::StrCat("user ", caller.user_id),
                   " is neither assigned to the visit nor a ", kSupervisorRole));
}

}  // namespace arrears::contact
