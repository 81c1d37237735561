// StrongId<Tag>: a typed identifier, so a LoanId cannot be passed where a
// CustomerId is expected and ids never mix with other strings.
//
// Each Tag names its field for error messages:
//
//   struct LoanIdTag { static constexpr absl::string_view kFieldName = "loan_id"; };
//   using LoanId = StrongId<LoanIdTag>;
//
//   ARREARS_ASSIGN_OR_RETURN(LoanId loan, LoanId::Parse(event.loan_id()));
//
// Valid ids are 1–64 bytes of [A-Za-z0-9._:-]: enough for UUIDs, ULIDs, core
// banking account numbers and namespaced ids ("core:LN-2024-000123"), and safe
// in Kafka keys, log lines, metric labels and resource names without quoting.
//
// Construction:
//  - Parse() validates; use it for everything from outside the process
//    (events, RPC requests, files). Its errors are InvalidArgument and start
//    with the field name ("loan_id: ...").
//  - The explicit constructor does not validate; it is for values this
//    service validated before (its own store) and for tests.
//  - A default-constructed id is empty (invalid), for aggregate members that
//    are filled in later; empty() tells.
//
// Value type, ordered and hashable (absl containers); no internal
// synchronization, like std::string.
#ifndef ARREARS_COMMON_IDS_STRONG_ID_H_
#define ARREARS_COMMON_IDS_STRONG_ID_H_

#include <compare>
#include <cstddef>
#include <ostream>
#include <string>
#include <utility>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/string_view.h"

namespace arrears::ids {

inline constexpr size_t kMaxIdBytes = 64;

// OK if `value` is a valid id; otherwise InvalidArgument "<field_name>: ...".
absl::Status ValidateId(absl::string_view field_name, absl::string_view value);

template <typename Tag>
class StrongId {
 public:
  static constexpr absl::string_view kFieldName = Tag::kFieldName;

  StrongId() = default;
  explicit StrongId(std::string value) : value_(std::move(value)) {}

  static absl::StatusOr<StrongId> Parse(absl::string_view value) {
    if (absl::Status status = ValidateId(kFieldName, value); !status.ok()) return status;
    return StrongId(std::string(value));
  }

  const std::string& value() const { return value_; }
  bool empty() const { return value_.empty(); }

  friend bool operator==(const StrongId&, const StrongId&) = default;
  friend std::strong_ordering operator<=>(const StrongId& a, const StrongId& b) {
    return a.value_.compare(b.value_) <=> 0;
  }

  template <typename H>
  friend H AbslHashValue(H h, const StrongId& id) {
    return H::combine(std::move(h), id.value_);
  }
  // Picked up by absl::StrCat/StrFormat("%v") in Abseil releases that have
  // them (20230125+); with this Abseil use StrFormat("%s", id) or value().
  template <typename Sink>
  friend void AbslStringify(Sink& sink, const StrongId& id) {
    sink.Append(id.value_);
  }
  friend absl::FormatConvertResult<absl::FormatConversionCharSet::kString> AbslFormatConvert(
      const StrongId& id, const absl::FormatConversionSpec&, absl::FormatSink* sink) {
    sink->Append(id.value_);
    return {true};
  }
  friend std::ostream& operator<<(std::ostream& os, const StrongId& id) { return os << id.value_; }

 private:
  std::string value_;
};

}  // namespace arrears::ids

#endif  // ARREARS_COMMON_IDS_STRONG_ID_H_
