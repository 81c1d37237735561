#include "services/overdue_detection/loan_record_codec.h"

#include <algorithm>
#include <cstdint>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "common/status/status_macros.h"
#include "common/time/time_zone.h"

namespace arrears::overdue {
namespace {

// Version 1 ends at next_boundary; version 2 adds status_boundary, the
// planned notices and last_changed_at.
constexpr uint8_t kVersion1 = 1;
constexpr uint8_t kVersion = 2;
constexpr uint8_t kBriefVersion = 1;
constexpr absl::CivilDay kEpoch(1970, 1, 1);

class Writer {
 public:
  Writer() = default;
  // Writes into `buffer` (cleared, its capacity kept); Take() moves it back.
  explicit Writer(std::string* buffer) : out_(std::move(*buffer)) { out_.clear(); }

  void Unsigned(uint64_t value) {
    while (value >= 0x80) {
      out_.push_back(static_cast<char>(value | 0x80));
      value >>= 7;
    }
    out_.push_back(static_cast<char>(value));
  }
  void Signed(int64_t value) {
    Unsigned((static_cast<uint64_t>(value) << 1) ^ static_cast<uint64_t>(value >> 63));
  }
  void String(absl::string_view text) {
    Unsigned(text.size());
    out_.append(text.data(), text.size());
  }
  void Day(absl::CivilDay day) { Signed(day - kEpoch); }
  void OptionalDay(const absl::optional<absl::CivilDay>& day) {
    Unsigned(day.has_value() ? 1 : 0);
    if (day.has_value()) {
      Day(*day);
    }
  }
  // Due dates as the gap from the previous one (from `base` for the first):
  // one byte for a monthly schedule instead of three.
  void Installments(const std::vector<ScheduledInstallment>& installments, absl::CivilDay base) {
    Unsigned(installments.size());
    for (const ScheduledInstallment& i : installments) {
      Signed(i.number);
      Signed(i.due_date - base);
      base = i.due_date;
      Signed(i.principal_minor);
      Signed(i.interest_minor);
      Signed(i.fees_minor);
    }
  }
  void Periods(const std::vector<Period>& periods) {
    Unsigned(periods.size());
    for (const Period& p : periods) {
      Signed(p.value);
      Day(p.entered_on);
      OptionalDay(p.left_on);
    }
  }
  void OptionalTime(const absl::optional<absl::Time>& time) {
    Unsigned(time.has_value() ? 1 : 0);
    if (time.has_value()) {
      Signed(absl::ToUnixMicros(*time));
    }
  }
  void Amounts(const ComponentAmounts& a) {
    Signed(a.principal);
    Signed(a.interest);
    Signed(a.fees);
    Signed(a.penalty);
  }
  void PlannedNotices(const std::vector<PlannedNotice>& planned,
                      const LoanBrief::EncodedNotices& later = {}) {
    Unsigned(planned.size() + later.count);
    for (const PlannedNotice& p : planned) Notice(p);
    out_.append(later.bytes);
  }
  void Notice(const PlannedNotice& p) {
    const SnapshotFigures& f = p.figures;
    Day(f.as_of);
    Signed(p.notice.installment_number);
    Signed(p.notice.due_date - f.as_of);
    Signed(p.notice.amount_minor);
    Signed(p.notice.days_until_due);
    Signed(f.state);
    Signed(f.dpd);
    Signed(f.bucket_ordinal);
    Signed(f.regulatory_class);
    Amounts(f.overdue);
    Signed(f.total_outstanding_minor);
    OptionalDay(f.oldest_overdue_due_date);
    Signed(f.missed_installment_count);
    Signed(f.credit_minor);
    OptionalDay(f.next_due_date);
    Signed(f.next_due_amount_minor);
    OptionalDay(f.delinquent_since);
  }
  std::string Take() { return std::move(out_); }

 private:
  std::string out_;
};

// Reads what Writer wrote; the first problem sticks and every later read
// returns zero values, so decoding code stays linear and checks once.
class Reader {
 public:
  explicit Reader(absl::string_view in) : in_(in) {}

  // At most 10 bytes (64 bits); the input is consumed only once the varint
  // is complete (the close decodes a brief per loan: this is its hot loop).
  uint64_t Unsigned() {
    constexpr size_t kMaxBytes = 10;
    const size_t available = std::min(in_.size(), kMaxBytes);
    uint64_t value = 0;
    for (size_t i = 0; i < available; ++i) {
      const uint8_t byte = static_cast<uint8_t>(in_[i]);
      value |= static_cast<uint64_t>(byte & 0x7f) << (7 * i);
      if ((byte & 0x80) == 0) {
        in_.remove_prefix(i + 1);
        return value;
      }
    }
    return Fail(in_.size() >= kMaxBytes ? "varint too long" : "truncated");
  }
  int64_t Signed() {
    const uint64_t raw = Unsigned();
    return static_cast<int64_t>((raw >> 1) ^ (~(raw & 1) + 1));
  }
  int32_t Int32() { return static_cast<int32_t>(Signed()); }
  std::string String() {
    const uint64_t size = Unsigned();
    if (size > in_.size()) {
      Fail("string runs past the end");
      return "";
    }
    std::string text(in_.substr(0, size));
    in_.remove_prefix(size);
    return text;
  }
  absl::CivilDay Day() { return kEpoch + Signed(); }
  absl::optional<absl::CivilDay> OptionalDay() {
    if (Unsigned() == 0) {
      return absl::nullopt;
    }
    return Day();
  }
  // A count of items that each take at least one byte: bounds allocation on
  // corrupt input.
  size_t Count() {
    const uint64_t count = Unsigned();
    if (count > in_.size()) {
      Fail("count larger than the record");
      return 0;
    }
    return static_cast<size_t>(count);
  }
  std::vector<ScheduledInstallment> Installments(absl::CivilDay base) {
    std::vector<ScheduledInstallment> result(Count());
    for (ScheduledInstallment& i : result) {
      i.number = Int32();
      i.due_date = base + Signed();
      base = i.due_date;
      i.principal_minor = Signed();
      i.interest_minor = Signed();
      i.fees_minor = Signed();
    }
    return result;
  }
  std::vector<Period> Periods() {
    std::vector<Period> result(Count());
    for (Period& p : result) {
      p.value = Int32();
      p.entered_on = Day();
      p.left_on = OptionalDay();
    }
    return result;
  }

  absl::optional<absl::Time> OptionalTime() {
    if (Unsigned() == 0) {
      return absl::nullopt;
    }
    return absl::FromUnixMicros(Signed());
  }
  ComponentAmounts Amounts() {
    ComponentAmounts a;
    a.principal = Signed();
    a.interest = Signed();
    a.fees = Signed();
    a.penalty = Signed();
    return a;
  }
  std::vector<PlannedNotice> PlannedNotices() {
    std::vector<PlannedNotice> result(Count());
    for (PlannedNotice& p : result) Notice(p);
    return result;
  }
  // The notices of the earliest day and the first one after it; the rest,
  // which must end the input, into `later` undecoded.
  std::vector<PlannedNotice> PlannedNoticesHead(LoanBrief::EncodedNotices* later) {
    const size_t count = Count();
    std::vector<PlannedNotice> result;
    while (result.size() < count && ok() &&
           (result.empty() || result.back().day() == result.front().day())) {
      Notice(result.emplace_back());
    }
    later->count = static_cast<uint32_t>(count - std::min(count, result.size()));
    if (later->count > 0 && ok()) {
      later->bytes.assign(in_.data(), in_.size());
      in_ = absl::string_view();
    }
    return result;
  }
  std::vector<PlannedNotice> Notices(size_t count) {
    std::vector<PlannedNotice> result(count);
    for (PlannedNotice& p : result) Notice(p);
    return result;
  }
  void Notice(PlannedNotice& p) {
    SnapshotFigures& f = p.figures;
    f.as_of = Day();
    p.notice.installment_number = Int32();
    p.notice.due_date = f.as_of + Signed();
    p.notice.amount_minor = Signed();
    p.notice.days_until_due = Int32();
    f.state = static_cast<delinquency::v1::DelinquencyState>(Int32());
    f.dpd = Int32();
    f.bucket_ordinal = Int32();
    f.regulatory_class = static_cast<delinquency::v1::RegulatoryClass>(Int32());
    f.overdue = Amounts();
    f.total_outstanding_minor = Signed();
    f.oldest_overdue_due_date = OptionalDay();
    f.missed_installment_count = Int32();
    f.credit_minor = Signed();
    f.next_due_date = OptionalDay();
    f.next_due_amount_minor = Signed();
    f.delinquent_since = OptionalDay();
  }

  bool ok() const { return error_.empty(); }
  absl::Status Error() const { return absl::DataLossError(absl::StrCat("loan record: ", error_)); }

  absl::Status Finish() {
    if (!ok()) {
      return Error();
    }
    if (!in_.empty()) {
      return absl::DataLossError(absl::StrCat("loan record: ", in_.size(), " trailing bytes"));
    }
    return absl::OkStatus();
  }

 private:
  uint64_t Fail(absl::string_view what) {
    if (error_.empty()) {
      error_ = std::string(what);
    }
    in_ = absl::string_view();
    return 0;
  }

  absl::string_view in_;
  std::string error_;
};

}  // namespace

std::string LoanRecordCodec::Encode(const LoanRecord& record, bool planned_notices) {
  const Loan& loan = record.loan;
  Writer w;
  w.Unsigned(kVersion);
  w.String(loan.loan_id_);
  w.String(loan.customer_id_);
  w.String(loan.product_code_);
  w.String(loan.branch_id_);
  w.String(loan.currency_.code());
  w.String(loan.time_zone_name_);
  w.Day(loan.disbursement_date_);
  w.Signed(loan.principal_minor_);
  w.Installments(loan.opening_schedule_, loan.disbursement_date_);
  w.Unsigned(loan.repayments_.size());
  for (const RepaymentFact& r : loan.repayments_) {
    w.String(r.repayment_id);
    w.Signed(r.amount_minor);
    w.Day(r.value_date);
    w.String(r.reversal_id);
  }
  w.Unsigned(loan.restructures_.size());
  for (const RestructureFact& r : loan.restructures_) {
    w.String(r.restructure_id);
    w.Day(r.effective_date);
    w.Signed(r.replaces_from_number);
    w.Installments(r.installments, r.effective_date);
  }
  w.Unsigned(loan.fees_.size());
  for (const FeeFact& f : loan.fees_) {
    w.String(f.fee_id);
    w.String(f.fee_code);
    w.Signed(f.amount_minor);
    w.Signed(f.installment_number);
    w.Day(f.due_date);
    w.Day(f.charge_date);
    w.Signed(f.waived_minor);
  }
  w.Unsigned(loan.waivers_.size());
  for (const WaiverFact& v : loan.waivers_) {
    w.String(v.waiver_id);
    w.String(v.fee_id);
    w.Signed(v.amount_minor);
    w.Day(v.effective_date);
  }
  w.OptionalDay(loan.closed_on_);
  w.Signed(loan.close_reason_);
  w.OptionalDay(loan.written_off_on_);
  w.Signed(loan.written_off_minor_);

  const StatusSummary& s = record.status;
  w.Signed(s.state);
  w.Signed(s.dpd);
  w.Signed(s.bucket_ordinal);
  w.Signed(s.regulatory_class);
  w.OptionalDay(s.oldest_overdue_due_date);
  w.Signed(s.missed_installment_count);
  w.Signed(s.overdue.principal);
  w.Signed(s.overdue.interest);
  w.Signed(s.overdue.fees);
  w.Signed(s.overdue.penalty);
  w.Day(record.evaluated_on);
  w.Periods(record.history.buckets);
  w.Periods(record.history.classes);
  w.Signed(record.event_sequence);
  w.OptionalDay(record.next_boundary);
  w.OptionalDay(record.status_boundary);
  w.PlannedNotices(planned_notices ? record.planned_notices : std::vector<PlannedNotice>());
  w.OptionalTime(record.last_changed_at);
  return w.Take();
}

absl::StatusOr<LoanRecord> LoanRecordCodec::Decode(absl::string_view bytes) {
  Reader r(bytes);
  const uint64_t version = r.Unsigned();
  if (version != kVersion && version != kVersion1) {
    return absl::DataLossError(absl::StrCat("loan record: unknown version ", version));
  }
  std::string loan_id = r.String();
  std::string customer_id = r.String();
  std::string product_code = r.String();
  std::string branch_id = r.String();
  const std::string currency_code = r.String();
  std::string time_zone_name = r.String();
  if (!r.ok()) {
    return r.Error();
  }
  absl::StatusOr<money::Currency> currency = money::Currency::FromCode(currency_code);
  if (!currency.ok()) {
    return absl::DataLossError(absl::StrCat("loan record: ", currency.status().message()));
  }
  absl::StatusOr<absl::TimeZone> zone = time::LoadTimeZone(time_zone_name);
  if (!zone.ok()) {
    return absl::DataLossError(absl::StrCat("loan record: ", zone.status().message()));
  }

  Loan loan(*currency);
  loan.loan_id_ = std::move(loan_id);
  loan.customer_id_ = std::move(customer_id);
  loan.product_code_ = std::move(product_code);
  loan.branch_id_ = std::move(branch_id);
  loan.time_zone_name_ = std::move(time_zone_name);
  loan.time_zone_ = *zone;
  loan.disbursement_date_ = r.Day();
  loan.principal_minor_ = r.Signed();
  loan.opening_schedule_ = r.Installments(loan.disbursement_date_);
  loan.repayments_.resize(r.Count());
  for (RepaymentFact& p : loan.repayments_) {
    p.repayment_id = r.String();
    p.amount_minor = r.Signed();
    p.value_date = r.Day();
    p.reversal_id = r.String();
  }
  loan.restructures_.resize(r.Count());
  for (RestructureFact& s : loan.restructures_) {
    s.restructure_id = r.String();
    s.effective_date = r.Day();
    s.replaces_from_number = r.Int32();
    s.installments = r.Installments(s.effective_date);
  }
  loan.fees_.resize(r.Count());
  for (FeeFact& f : loan.fees_) {
    f.fee_id = r.String();
    f.fee_code = r.String();
    f.amount_minor = r.Signed();
    f.installment_number = r.Int32();
    f.due_date = r.Day();
    f.charge_date = r.Day();
    f.waived_minor = r.Signed();
  }
  loan.waivers_.resize(r.Count());
  for (WaiverFact& v : loan.waivers_) {
    v.waiver_id = r.String();
    v.fee_id = r.String();
    v.amount_minor = r.Signed();
    v.effective_date = r.Day();
  }
  loan.closed_on_ = r.OptionalDay();
  loan.close_reason_ = static_cast<loan::v1::LoanClosed::Reason>(r.Int32());
  loan.written_off_on_ = r.OptionalDay();
  loan.written_off_minor_ = r.Signed();

  LoanRecord record(std::move(loan));
  StatusSummary& s = record.status;
  s.state = static_cast<delinquency::v1::DelinquencyState>(r.Int32());
  s.dpd = r.Int32();
  s.bucket_ordinal = r.Int32();
  s.regulatory_class = static_cast<delinquency::v1::RegulatoryClass>(r.Int32());
  s.oldest_overdue_due_date = r.OptionalDay();
  s.missed_installment_count = r.Int32();
  s.overdue.principal = r.Signed();
  s.overdue.interest = r.Signed();
  s.overdue.fees = r.Signed();
  s.overdue.penalty = r.Signed();
  record.evaluated_on = r.Day();
  record.history.buckets = r.Periods();
  record.history.classes = r.Periods();
  record.event_sequence = r.Signed();
  record.next_boundary = r.OptionalDay();
  if (version == kVersion1) {
    // Notices were not planned: the boundary wakes a full evaluation.
    record.status_boundary = record.next_boundary;
  } else {
    record.status_boundary = r.OptionalDay();
    record.planned_notices = r.PlannedNotices();
    record.last_changed_at = r.OptionalTime();
  }
  ARREARS_RETURN_IF_ERROR(r.Finish());
  return record;
}

std::string LoanRecordCodec::EncodeBrief(const LoanBrief& brief) {
  std::string bytes;
  EncodeBrief(brief, &bytes);
  return bytes;
}

void LoanRecordCodec::EncodeBrief(const LoanBrief& brief, std::string* bytes) {
  Writer w(bytes);
  w.Unsigned(kBriefVersion);
  w.String(brief.loan_id);
  w.String(brief.customer_id);
  w.String(brief.product_code);
  w.String(brief.branch_id);
  w.String(brief.currency_code);
  w.String(brief.time_zone);
  w.Signed(brief.event_sequence);
  w.OptionalDay(brief.next_boundary);
  w.OptionalDay(brief.status_boundary);
  w.PlannedNotices(brief.planned_notices, brief.later_notices);
  *bytes = w.Take();
}

namespace {

// DecodeBrief, with the planned notices in full or only their head.
absl::StatusOr<LoanBrief> DecodeBriefWith(absl::string_view bytes, bool whole) {
  Reader r(bytes);
  const uint64_t version = r.Unsigned();
  if (version != kBriefVersion) {
    return absl::DataLossError(absl::StrCat("loan record: unknown brief version ", version));
  }
  LoanBrief brief;
  brief.loan_id = r.String();
  brief.customer_id = r.String();
  brief.product_code = r.String();
  brief.branch_id = r.String();
  brief.currency_code = r.String();
  brief.time_zone = r.String();
  brief.event_sequence = r.Signed();
  brief.next_boundary = r.OptionalDay();
  brief.status_boundary = r.OptionalDay();
  brief.planned_notices = whole ? r.PlannedNotices() : r.PlannedNoticesHead(&brief.later_notices);
  ARREARS_RETURN_IF_ERROR(r.Finish());
  return brief;
}

}  // namespace

absl::StatusOr<LoanBrief> LoanRecordCodec::DecodeBrief(absl::string_view bytes) {
  return DecodeBriefWith(bytes, /*whole=*/true);
}

absl::StatusOr<LoanBrief> LoanRecordCodec::DecodeBriefHead(absl::string_view bytes) {
  return DecodeBriefWith(bytes, /*whole=*/false);
}

absl::StatusOr<std::vector<PlannedNotice>> LoanRecordCodec::DecodeNotices(
    const LoanBrief::EncodedNotices& notices) {
  if (notices.count > notices.bytes.size()) {
    return absl::DataLossError("loan record: count larger than the record");
  }
  Reader r(notices.bytes);
  std::vector<PlannedNotice> result = r.Notices(notices.count);
  ARREARS_RETURN_IF_ERROR(r.Finish());
  return result;
}

}  // namespace arrears::overdue
