// LoanRecordCodec: a LoanRecord as compact bytes, for stores that keep
// records as blobs: the service's SQLite repository (one BLOB column next to
// the loan id and next boundary) and InMemoryLoanStore.
//
// Format (version 2; version 1, without the planned notices, still decodes): a version byte, then
// every field of the record in a fixed order as LEB128 varints (signed values zigzag-encoded, dates
// as days since 1970-01-01, due dates as gaps, strings length-prefixed). A new 12-installment loan
// takes 212 bytes, each repayment about 20 more, against about 1.4 KB as C++ objects. The format is
// stable: a change of layout gets a new version byte and Decode keeps reading the old ones.
//
// Decode() of bytes Encode() did not produce (truncated, trailing bytes,
// unknown version, unknown currency or time zone) is DataLoss naming what
// was wrong; it never crashes. Pure functions; thread-safe.
#ifndef ARREARS_SERVICES_OVERDUE_DETECTION_LOAN_RECORD_CODEC_H_
#define ARREARS_SERVICES_OVERDUE_DETECTION_LOAN_RECORD_CODEC_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "services/overdue_detection/loan_store.h"

namespace arrears::overdue {

class LoanRecordCodec {
 public:
  // Without `planned_notices`, the record's are left out (decoded empty):
  // for stores that keep them in the LoanBrief and overlay it on Load.
  static std::string Encode(const LoanRecord& record, bool planned_notices = true);
  static absl::StatusOr<LoanRecord> Decode(absl::string_view bytes);

  // A LoanBrief alone (stores keep it apart from the record, see
  // loan_store.h): about 60 bytes plus 20 per planned notice.
  static std::string EncodeBrief(const LoanBrief& brief);
  // The same into `*bytes`, reusing its buffer.
  static void EncodeBrief(const LoanBrief& brief, std::string* bytes);
  static absl::StatusOr<LoanBrief> DecodeBrief(absl::string_view bytes);
  // The same, but of the planned notices only those of the earliest day and
  // the first one after it are decoded; the others stay encoded in
  // LoanBrief::later_notices, which EncodeBrief writes back byte for byte
  // (so EncodeBrief(DecodeBriefHead(b)) == b). A corrupt tail is found by
  // the next full decode, not here.
  static absl::StatusOr<LoanBrief> DecodeBriefHead(absl::string_view bytes);
  // The notices of LoanBrief::later_notices.
  static absl::StatusOr<std::vector<PlannedNotice>> DecodeNotices(
      const LoanBrief::EncodedNotices& notices);
};

}  // namespace arrears::overdue

#endif  // ARREARS_SERVICES_OVERDUE_DETECTION_LOAN_RECORD_CODEC_H_
