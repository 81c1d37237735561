// Early-return helpers for absl::Status and absl::StatusOr.
//
// Debian's Abseil 20220623 ships neither absl/log nor the status macros, so the
// project defines the two it needs, once, here:
//
//   ARREARS_RETURN_IF_ERROR(expr);              // expr yields absl::Status
//   ARREARS_ASSIGN_OR_RETURN(lhs, expr);        // expr yields absl::StatusOr<T>
//
// `lhs` may declare a variable (`auto x`, `const Foo& y`) or name an existing
// one. Both macros evaluate `expr` exactly once and return the error status
// unchanged (they add no context; callers that want context wrap it
// themselves with Annotate()).
#ifndef ARREARS_COMMON_STATUS_STATUS_MACROS_H_
#define ARREARS_COMMON_STATUS_STATUS_MACROS_H_

#include <string>
#include <utility>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"

namespace arrears {

// Returns `status` with `context` prepended to its message ("context: message"),
// keeping its code. OK stays OK.
inline absl::Status Annotate(const absl::Status& status, absl::string_view context) {
  if (status.ok()) return status;
  return absl::Status(status.code(), absl::StrCat(context, ": ", status.message()));
}

namespace status_internal {
inline absl::Status AsStatus(absl::Status s) { return s; }
template <typename T>
absl::Status AsStatus(const absl::StatusOr<T>& s) {
  return s.status();
}
}  // namespace status_internal

}  // namespace arrears

#define ARREARS_STATUS_CONCAT_INNER_(a, b) a##b
#define ARREARS_STATUS_CONCAT_(a, b) ARREARS_STATUS_CONCAT_INNER_(a, b)

#define ARREARS_RETURN_IF_ERROR(expr)                                              \
  do {                                                                             \
    ::absl::Status arrears_status_ = ::arrears::status_internal::AsStatus((expr)); \
    if (!arrears_status_.ok()) return arrears_status_;                             \
  } while (false)

#define ARREARS_ASSIGN_OR_RETURN(lhs, expr) \
  ARREARS_ASSIGN_OR_RETURN_IMPL_(ARREARS_STATUS_CONCAT_(arrears_statusor_, __LINE__), lhs, expr)

#define ARREARS_ASSIGN_OR_RETURN_IMPL_(statusor, lhs, expr) \
  auto statusor = (expr);                                   \
  if (!statusor.ok()) return std::move(statusor).status();  \
  lhs = std::move(statusor).value()

#endif  // ARREARS_COMMON_STATUS_STATUS_MACROS_H_
