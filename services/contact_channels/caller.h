// Caller: who calls the contact service's API, and what they may see.
//
// The identity is established outside the service: the trusted gateway (or
// sidecar) authenticates the user and passes the user id and roles as gRPC
// metadata (contact_service.proto); the gRPC adapter maps them into a Caller
// (CallerFromMetadata) and the domain code only ever sees this type. An
// empty user_id is an anonymous caller (no metadata): it may read nothing
// restricted.
//
// Field visit notes (free text that may hold personal data) are opened only
// for the visit's assigned staff (staff_ids, and staff who checked in) and
// for supervisors (role kSupervisorRole). Pure functions; thread-safe.
#ifndef ARREARS_SERVICES_CONTACT_CHANNELS_CALLER_H_
#define ARREARS_SERVICES_CONTACT_CHANNELS_CALLER_H_

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "arrears/contact/v1/field_visit.pb.h"

namespace arrears::contact {

inline constexpr absl::string_view kCallerUserMetadataKey = "x-arrears-user";
inline constexpr absl::string_view kCallerRolesMetadataKey = "x-arrears-roles";
inline constexpr absl::string_view kSupervisorRole = "supervisor";

struct Caller {
  std::string user_id;
  std::vector<std::string> roles;

  bool HasRole(absl::string_view role) const;
};

// The caller from the metadata values (user id; comma-separated roles,
// blanks trimmed, empty entries dropped).
Caller CallerFromMetadata(absl::string_view user, absl::string_view roles);

// Whether `caller` may read `visit`'s opened notes.
bool MayReadFieldVisitNotes(const Caller& caller, const v1::FieldVisit& visit);

// OK if MayReadFieldVisitNotes, else PermissionDenied naming the visit
// (its resource name) and the caller.
absl::Status AuthorizeFieldVisitNotes(const Caller& caller, const v1::FieldVisit& visit);

}  // namespace arrears::contact

#endif  // ARREARS_SERVICES_CONTACT_CHANNELS_CALLER_H_
