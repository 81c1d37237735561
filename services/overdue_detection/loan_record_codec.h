// LoanRecordCodec: a LoanRecord as compact bytes, for stores that keep
// records as blobs: the service's SQLite repository (one BLOB column next to
// the loan id and next boundary) and InMemoryLoanStore.
//
// Format (version 1): a version byte, then every field of the record in a
// fixed order as LEB128 varints (signed values zigzag-encoded, dates as days
// since 1970-01-01, due dates as gaps, strings length-prefixed). A new
// 12-installment loan takes 212 bytes, each repayment about 20 more, against
// about 1.4 KB as C++ objects. The format is stable: a change of layout gets a new version
// byte and Decode keeps reading the old ones.
//
// Decode() of bytes Encode() did not produce (truncated, trailing bytes,
// unknown version, unknown currency or time zone) is DataLoss naming what
// was wrong; it never crashes. Pure functions; thread-safe.
#ifndef ARREARS_SERVICES_OVERDUE_DETECTION_LOAN_RECORD_CODEC_H_
#define ARREARS_SERVICES_OVERDUE_DETECTION_LOAN_RECORD_CODEC_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "services/overdue_detection/loan_store.h"

namespace arrears::overdue {

class LoanRecordCodec {
 public:
  static std::string Encode(const LoanRecord& record);
  static absl::StatusOr<LoanRecord> Decode(absl::string_view bytes);
};

}  // namespace arrears::overdue

#endif  // ARREARS_SERVICES_OVERDUE_DETECTION_LOAN_RECORD_CODEC_H_
