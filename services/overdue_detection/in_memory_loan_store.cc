#include "services/overdue_detection/in_memory_loan_store.h"

#include "absl/strings/str_cat.h"
#include "common/status/status_macros.h"
#include "services/overdue_detection/loan_record_codec.h"

namespace arrears::overdue {

absl::StatusOr<absl::optional<LoanHandle>> InMemoryLoanStore::Find(absl::string_view loan_id) {
  absl::MutexLock lock(&mu_);
  auto it = handles_.find(loan_id);
  if (it == handles_.end()) {
    return absl::optional<LoanHandle>();
  }
  return absl::optional<LoanHandle>(it->second);
}

absl::StatusOr<LoanHandle> InMemoryLoanStore::Insert(const LoanRecord& record) {
  absl::MutexLock lock(&mu_);
  const LoanHandle handle = static_cast<LoanHandle>(records_.size());
  if (!handles_.emplace(record.loan.loan_id(), handle).second) {
    return absl::AlreadyExistsError(
        absl::StrCat("loan_id: loan ", record.loan.loan_id(), " is already stored"));
  }
  records_.push_back(LoanRecordCodec::Encode(record, /*planned_notices=*/false));
  briefs_.push_back(LoanRecordCodec::EncodeBrief(LoanBrief::Of(record)));
  return handle;
}

absl::StatusOr<LoanRecord> InMemoryLoanStore::Load(LoanHandle handle) {
  absl::MutexLock lock(&mu_);
  if (handle >= records_.size()) {
    return absl::NotFoundError(absl::StrCat("no loan with handle ", handle));
  }
  return DecodeLocked(handle);
}

absl::StatusOr<LoanRecord> InMemoryLoanStore::DecodeLocked(LoanHandle handle) const {
  ARREARS_ASSIGN_OR_RETURN(LoanRecord record, LoanRecordCodec::Decode(records_[handle]));
  ARREARS_ASSIGN_OR_RETURN(LoanBrief brief, LoanRecordCodec::DecodeBrief(briefs_[handle]));
  brief.ApplyTo(&record);
  return record;
}

absl::StatusOr<LoanBrief> InMemoryLoanStore::LoadBrief(LoanHandle handle) {
  absl::MutexLock lock(&mu_);
  if (handle >= briefs_.size()) {
    return absl::NotFoundError(absl::StrCat("no loan with handle ", handle));
  }
  return LoanRecordCodec::DecodeBriefHead(briefs_[handle]);
}

absl::Status InMemoryLoanStore::UpdateBrief(LoanHandle handle, const LoanBrief& brief) {
  absl::MutexLock lock(&mu_);
  if (handle >= briefs_.size()) {
    return absl::NotFoundError(absl::StrCat("no loan with handle ", handle));
  }
  LoanRecordCodec::EncodeBrief(brief, &briefs_[handle]);
  return absl::OkStatus();
}

absl::Status InMemoryLoanStore::Update(LoanHandle handle, const LoanRecord& record) {
  absl::MutexLock lock(&mu_);
  if (handle >= records_.size()) {
    return absl::NotFoundError(absl::StrCat("no loan with handle ", handle));
  }
  records_[handle] = LoanRecordCodec::Encode(record, /*planned_notices=*/false);
  briefs_[handle] = LoanRecordCodec::EncodeBrief(LoanBrief::Of(record));
  return absl::OkStatus();
}

absl::StatusOr<absl::optional<absl::CivilDay>> InMemoryLoanStore::LoadBusinessDate() {
  absl::MutexLock lock(&mu_);
  return business_date_;
}

absl::Status InMemoryLoanStore::SaveBusinessDate(absl::CivilDay date) {
  absl::MutexLock lock(&mu_);
  business_date_ = date;
  return absl::OkStatus();
}

absl::Status InMemoryLoanStore::ForEachNextBoundary(
    absl::FunctionRef<void(LoanHandle, absl::optional<absl::CivilDay>)> visit) {
  absl::MutexLock lock(&mu_);
  for (size_t i = 0; i < records_.size(); ++i) {
    ARREARS_ASSIGN_OR_RETURN(LoanBrief brief, LoanRecordCodec::DecodeBrief(briefs_[i]));
    visit(static_cast<LoanHandle>(i), brief.next_boundary);
  }
  return absl::OkStatus();
}

absl::Status InMemoryLoanStore::ForEachRecord(
    absl::FunctionRef<absl::Status(LoanHandle, const LoanRecord&)> visit) {
  absl::MutexLock lock(&mu_);
  for (size_t i = 0; i < records_.size(); ++i) {
    ARREARS_ASSIGN_OR_RETURN(LoanRecord record, DecodeLocked(static_cast<LoanHandle>(i)));
    ARREARS_RETURN_IF_ERROR(visit(static_cast<LoanHandle>(i), record));
  }
  return absl::OkStatus();
}

size_t InMemoryLoanStore::size() const {
  absl::MutexLock lock(&mu_);
  return records_.size();
}

}  // namespace arrears::overdue
