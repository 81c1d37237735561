// InMemoryLoanStore: a LoanStore in process memory, for tests and in-process
// benchmarks of large books. Records are held encoded (loan_record_codec.h),
// each with its LoanBrief encoded apart,
// as the SQLite repository holds them: a new 12-installment loan takes about
// 330 bytes here (record, string, id index) instead of about 1.4 KB as C++
// objects, and every test
// that uses the store exercises the codec. Load() decodes a copy, as a
// database read would. Thread-safe.
#ifndef ARREARS_SERVICES_OVERDUE_DETECTION_IN_MEMORY_LOAN_STORE_H_
#define ARREARS_SERVICES_OVERDUE_DETECTION_IN_MEMORY_LOAN_STORE_H_

#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/synchronization/mutex.h"
#include "services/overdue_detection/loan_store.h"

namespace arrears::overdue {

class InMemoryLoanStore final : public LoanStore {
 public:
  absl::StatusOr<absl::optional<LoanHandle>> Find(absl::string_view loan_id) override;
  absl::StatusOr<LoanHandle> Insert(const LoanRecord& record) override;
  absl::StatusOr<LoanRecord> Load(LoanHandle handle) override;
  absl::Status Update(LoanHandle handle, const LoanRecord& record) override;
  absl::StatusOr<LoanBrief> LoadBrief(LoanHandle handle) override;
  absl::Status UpdateBrief(LoanHandle handle, const LoanBrief& brief) override;
  absl::StatusOr<absl::optional<absl::CivilDay>> LoadBusinessDate() override;
  absl::Status SaveBusinessDate(absl::CivilDay date) override;
  absl::Status ForEachNextBoundary(
      absl::FunctionRef<void(LoanHandle, absl::optional<absl::CivilDay>)> visit) override;
  absl::Status ForEachRecord(
      absl::FunctionRef<absl::Status(LoanHandle, const LoanRecord&)> visit) override;

  size_t size() const;

 private:
  absl::StatusOr<LoanRecord> DecodeLocked(LoanHandle handle) const
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  mutable absl::Mutex mu_;
  // Encoded; index = handle. The brief's mutable fields override the
  // record's (UpdateBrief writes only the brief).
  std::vector<std::string> records_ ABSL_GUARDED_BY(mu_);
  std::vector<std::string> briefs_ ABSL_GUARDED_BY(mu_);
  absl::flat_hash_map<std::string, LoanHandle> handles_ ABSL_GUARDED_BY(mu_);
  absl::optional<absl::CivilDay> business_date_ ABSL_GUARDED_BY(mu_);
};

}  // namespace arrears::overdue

#endif  // ARREARS_SERVICES_OVERDUE_DETECTION_IN_MEMORY_LOAN_STORE_H_
