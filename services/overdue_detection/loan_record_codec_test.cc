#include "services/overdue_detection/loan_record_codec.h"

#include <string>

#include "common/status/status_matchers.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "services/overdue_detection/ledger.h"
#include "services/overdue_detection/testing/loan_events.h"
#include "services/overdue_detection/testing/test_products.h"

namespace arrears::overdue {
namespace {

using ::arrears::testing::StatusIs;
using ::testing::HasSubstr;
using namespace ::arrears::overdue::testing;  // NOLINT: event builders
namespace dv1 = delinquency::v1;
using D = absl::CivilDay;

class LoanRecordCodecTest : public ::testing::Test {
 protected:
  // A record with every kind of fact, a status, a history and a boundary.
  LoanRecord FullRecord() {
    absl::StatusOr<Loan> loan =
        Loan::Open(Opened("LN-2024-000123", "CAR_LOAN", D(2024, 1, 15),
                          Monthly(D(2024, 2, 15), 12, 1200000, 8000), "America/New_York"),
                   catalog_);
    EXPECT_OK(loan.status());
    for (const loan::v1::LoanEvent& e :
         {Repayment("LN-2024-000123", "R1", 108000, D(2024, 2, 15)),
          Repayment("LN-2024-000123", "R2", 5000, D(2024, 3, 20)),
          Reversal("LN-2024-000123", "V1", "R2"),
          Fee("LN-2024-000123", "F1", 5000, 2, D(2024, 3, 20)),
          Fee("LN-2024-000123", "F2", 700, 0, D(2024, 3, 21), D(2024, 4, 1)),
          Waiver("LN-2024-000123", "W1", "F1", 2500, D(2024, 3, 22)),
          Restructure(
              "LN-2024-000123", "S1", D(2024, 4, 1), 3,
              {Inst(3, D(2024, 5, 15), 500000, 1000), Inst(4, D(2024, 6, 15), 500000, 1000)}),
          WrittenOff("LN-2024-000123", D(2024, 9, 1), 900000),
          Closed("LN-2024-000123", D(2024, 10, 1))}) {
      EXPECT_OK(loan->Record(e).status());
    }
    LoanRecord record(*std::move(loan));
    const LoanPosition position =
        ComputePosition(record.loan, *catalog_.Find("CAR_LOAN"), D(2024, 4, 10));
    record.status = StatusSummary::Of(position);
    record.evaluated_on = D(2024, 4, 10);
    record.history = position.history;
    record.event_sequence = 17;
    record.next_boundary = D(2024, 5, 8);
    record.status_boundary = D(2024, 5, 16);
    PlannedNotice planned;
    planned.notice = {.installment_number = 3,
                      .due_date = D(2024, 5, 15),
                      .amount_minor = 501000,
                      .days_until_due = 7};
    planned.figures = SnapshotFigures::Of(position);
    planned.figures.as_of = D(2024, 5, 8);
    planned.figures.next_due_date = D(2024, 5, 15);
    record.planned_notices = {planned};
    record.last_changed_at = absl::FromUnixMicros(1'712'345'678'901'234);
    return record;
  }

  ProductCatalog catalog_ = TestCatalog();
};

TEST_F(LoanRecordCodecTest, RoundTripsEveryField) {
  const LoanRecord record = FullRecord();
  const std::string bytes = LoanRecordCodec::Encode(record);
  ASSERT_OK_AND_ASSIGN(LoanRecord decoded, LoanRecordCodec::Decode(bytes));
  EXPECT_EQ(LoanRecordCodec::Encode(decoded), bytes);

  const Loan& a = record.loan;
  const Loan& b = decoded.loan;
  EXPECT_TRUE(a.HasSameTerms(b));
  EXPECT_EQ(b.time_zone_name(), "America/New_York");
  ASSERT_EQ(b.repayments().size(), 2u);
  EXPECT_EQ(b.repayments()[1].reversal_id, "V1");
  ASSERT_EQ(b.fees().size(), 2u);
  EXPECT_EQ(b.fees()[0].waived_minor, 2500);
  EXPECT_EQ(b.fees()[1].due_date, D(2024, 4, 1));
  ASSERT_EQ(b.restructures().size(), 1u);
  EXPECT_EQ(b.restructures()[0].installments, a.restructures()[0].installments);
  EXPECT_EQ(b.waivers().size(), 1u);
  EXPECT_EQ(b.closed_on(), D(2024, 10, 1));
  EXPECT_EQ(b.close_reason(), loan::v1::LoanClosed::REASON_PAID_OFF);
  EXPECT_EQ(b.written_off_on(), D(2024, 9, 1));
  EXPECT_EQ(decoded.status, record.status);
  EXPECT_EQ(decoded.evaluated_on, record.evaluated_on);
  EXPECT_EQ(decoded.history, record.history);
  EXPECT_EQ(decoded.event_sequence, 17);
  EXPECT_EQ(decoded.next_boundary, D(2024, 5, 8));
  EXPECT_EQ(decoded.status_boundary, D(2024, 5, 16));
  EXPECT_EQ(decoded.planned_notices, record.planned_notices);
  EXPECT_EQ(decoded.last_changed_at, record.last_changed_at);

  const ProductConfig& car = *catalog_.Find("CAR_LOAN");
  for (D day : {D(2024, 3, 25), D(2024, 9, 2), D(2024, 12, 1)}) {
    EXPECT_EQ(ComputePosition(a, car, day), ComputePosition(b, car, day));
  }
  // The decoded loan keeps validating new events as the original would.
  EXPECT_THAT(decoded.loan.Record(Repayment("LN-2024-000123", "R1", 1, D(2024, 2, 15))),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("already posted")));
}

TEST_F(LoanRecordCodecTest, StoresCanLeaveThePlannedNoticesToTheBrief) {
  const LoanRecord record = FullRecord();
  ASSERT_OK_AND_ASSIGN(LoanRecord without, LoanRecordCodec::Decode(LoanRecordCodec::Encode(
                                               record, /*planned_notices=*/false)));
  EXPECT_TRUE(without.planned_notices.empty());
  EXPECT_EQ(without.status_boundary, record.status_boundary);

  const LoanBrief brief = LoanBrief::Of(record);
  ASSERT_OK_AND_ASSIGN(LoanBrief decoded,
                       LoanRecordCodec::DecodeBrief(LoanRecordCodec::EncodeBrief(brief)));
  EXPECT_EQ(decoded.loan_id, "LN-2024-000123");
  EXPECT_EQ(decoded.time_zone, "America/New_York");
  EXPECT_EQ(decoded.currency_code, record.loan.currency().code());
  EXPECT_EQ(decoded.event_sequence, 17);
  EXPECT_EQ(decoded.next_boundary, D(2024, 5, 8));
  EXPECT_EQ(decoded.status_boundary, D(2024, 5, 16));
  EXPECT_EQ(decoded.planned_notices, record.planned_notices);
  decoded.event_sequence = 18;
  decoded.next_boundary = D(2024, 5, 16);
  decoded.planned_notices.clear();
  decoded.ApplyTo(&without);
  EXPECT_EQ(without.event_sequence, 18);
  EXPECT_EQ(without.next_boundary, D(2024, 5, 16));

  const std::string bytes = LoanRecordCodec::EncodeBrief(brief);
  for (size_t length = 0; length < bytes.size(); ++length) {
    EXPECT_THAT(LoanRecordCodec::DecodeBrief(bytes.substr(0, length)),
                StatusIs(absl::StatusCode::kDataLoss))
        << "truncated to " << length;
  }
}

// The close reads a brief's head (the notices of the earliest day and the
// first one after) and writes back what it changed; the other notices go
// back byte for byte, so the result is what a full decode would give.
TEST_F(LoanRecordCodecTest, BriefHeadLeavesLaterNoticesEncodedAndWritesThemBack) {
  const LoanRecord record = FullRecord();
  LoanBrief full = LoanBrief::Of(record);
  const PlannedNotice first = full.planned_notices.front();
  full.planned_notices.clear();
  for (int i = 0; i < 5; ++i) {
    PlannedNotice notice = first;
    // Two notices on the first day, then one on each of three later days.
    notice.figures.as_of = first.day() + (i < 2 ? 0 : 3 * i);
    notice.notice.installment_number = 3 + i;
    notice.notice.days_until_due = 7 - i;
    notice.figures.total_outstanding_minor += i;
    full.planned_notices.push_back(notice);
  }
  const std::string bytes = LoanRecordCodec::EncodeBrief(full);
  ASSERT_OK_AND_ASSIGN(LoanBrief head, LoanRecordCodec::DecodeBriefHead(bytes));
  ASSERT_EQ(head.planned_notices.size(), 3u) << "both of the first day and the next one";
  EXPECT_EQ(head.planned_notices[2], full.planned_notices[2]);
  EXPECT_EQ(head.later_notices.count, 2u);
  EXPECT_EQ(head.event_sequence, full.event_sequence);
  EXPECT_EQ(LoanRecordCodec::EncodeBrief(head), bytes);
  ASSERT_OK_AND_ASSIGN(std::vector<PlannedNotice> later,
                       LoanRecordCodec::DecodeNotices(head.later_notices));
  EXPECT_EQ(later, std::vector<PlannedNotice>(full.planned_notices.begin() + 3,
                                              full.planned_notices.end()));

  // What a close does: emit the first day's notices, move the sequence and
  // the boundary. Head and full brief must encode the same.
  for (LoanBrief* brief : {&head, &full}) {
    brief->planned_notices.erase(brief->planned_notices.begin(),
                                 brief->planned_notices.begin() + 2);
    brief->event_sequence += 2;
    brief->next_boundary = brief->planned_notices.front().day();
  }
  const std::string rewritten = LoanRecordCodec::EncodeBrief(head);
  EXPECT_EQ(rewritten, LoanRecordCodec::EncodeBrief(full));
  ASSERT_OK_AND_ASSIGN(LoanBrief reread, LoanRecordCodec::DecodeBrief(rewritten));
  EXPECT_EQ(reread.planned_notices, full.planned_notices);

  // The default UpdateBrief (Load, ApplyTo, Update) completes a head first.
  LoanRecord applied = record;
  LoanRecord expected = record;
  full.ApplyTo(&expected);
  class RecordOnly final : public LoanStore {
   public:
    explicit RecordOnly(LoanRecord* record) : record_(record) {}
    absl::StatusOr<absl::optional<LoanHandle>> Find(absl::string_view) override { return 0; }
    absl::StatusOr<LoanHandle> Insert(const LoanRecord&) override { return 0; }
    absl::StatusOr<LoanRecord> Load(LoanHandle) override { return *record_; }
    absl::Status Update(LoanHandle, const LoanRecord& record) override {
      *record_ = record;
      return absl::OkStatus();
    }
    absl::StatusOr<absl::optional<absl::CivilDay>> LoadBusinessDate() override {
      return absl::nullopt;
    }
    absl::Status SaveBusinessDate(absl::CivilDay) override { return absl::OkStatus(); }
    absl::Status ForEachNextBoundary(
        absl::FunctionRef<void(LoanHandle, absl::optional<absl::CivilDay>)>) override {
      return absl::OkStatus();
    }
    absl::Status ForEachRecord(
        absl::FunctionRef<absl::Status(LoanHandle, const LoanRecord&)>) override {
      return absl::OkStatus();
    }

   private:
    LoanRecord* record_;
  } store(&applied);
  ASSERT_OK(store.UpdateBrief(0, head));
  EXPECT_EQ(applied.planned_notices, expected.planned_notices);
  EXPECT_EQ(applied.planned_notices.size(), 3u);
  EXPECT_EQ(applied.event_sequence, expected.event_sequence);

  // A brief without notices, or with one, has nothing left encoded.
  for (size_t keep : {0u, 1u}) {
    LoanBrief few = LoanBrief::Of(record);
    few.planned_notices.resize(keep);
    ASSERT_OK_AND_ASSIGN(LoanBrief few_head,
                         LoanRecordCodec::DecodeBriefHead(LoanRecordCodec::EncodeBrief(few)));
    EXPECT_EQ(few_head.planned_notices, few.planned_notices);
    EXPECT_EQ(few_head.later_notices.count, 0u);
    EXPECT_TRUE(few_head.later_notices.bytes.empty());
  }
  EXPECT_THAT(LoanRecordCodec::DecodeBriefHead(bytes.substr(0, 20)),
              StatusIs(absl::StatusCode::kDataLoss));
}

TEST_F(LoanRecordCodecTest, DecodesVersionOneRecords) {
  // A version-1 record is a version-2 one without the three trailing fields
  // (status boundary, planned notices, last change: one zero byte each when
  // unset).
  LoanRecord record = FullRecord();
  record.status_boundary.reset();
  record.planned_notices.clear();
  record.last_changed_at.reset();
  std::string bytes = LoanRecordCodec::Encode(record);
  ASSERT_EQ(bytes.substr(bytes.size() - 3), std::string(3, '\0'));
  bytes = bytes.substr(0, bytes.size() - 3);
  bytes[0] = 1;
  ASSERT_OK_AND_ASSIGN(LoanRecord decoded, LoanRecordCodec::Decode(bytes));
  // Without a plan the boundary wakes a full evaluation.
  EXPECT_EQ(decoded.status_boundary, D(2024, 5, 8));
  EXPECT_EQ(decoded.next_boundary, D(2024, 5, 8));
  EXPECT_TRUE(decoded.planned_notices.empty());
  EXPECT_EQ(decoded.event_sequence, 17);
}

TEST_F(LoanRecordCodecTest, TypicalLoanIsCompact) {
  absl::StatusOr<Loan> loan = Loan::Open(Opened("LN-2024-000123", "CAR_LOAN", D(2024, 1, 15),
                                                Monthly(D(2024, 2, 15), 12, 1200000, 8000)),
                                         catalog_);
  ASSERT_OK(loan.status());
  LoanRecord record(*std::move(loan));
  record.evaluated_on = D(2024, 1, 15);
  record.history.buckets.push_back({0, D(2024, 1, 15), absl::nullopt});
  record.history.classes.push_back({dv1::REGULATORY_CLASS_NORMAL, D(2024, 1, 15), absl::nullopt});
  record.next_boundary = D(2024, 2, 8);
  EXPECT_LE(LoanRecordCodec::Encode(record).size(), 220u);  // 212 bytes today
}

TEST_F(LoanRecordCodecTest, CorruptBytesAreDataLossNeverACrash) {
  const std::string bytes = LoanRecordCodec::Encode(FullRecord());
  for (size_t length = 0; length < bytes.size(); ++length) {
    EXPECT_THAT(LoanRecordCodec::Decode(bytes.substr(0, length)),
                StatusIs(absl::StatusCode::kDataLoss))
        << "truncated to " << length;
  }
  EXPECT_THAT(LoanRecordCodec::Decode(bytes + "x"),
              StatusIs(absl::StatusCode::kDataLoss, HasSubstr("1 trailing bytes")));
  std::string other_version = bytes;
  other_version[0] = 9;
  EXPECT_THAT(LoanRecordCodec::Decode(other_version),
              StatusIs(absl::StatusCode::kDataLoss, HasSubstr("unknown version 9")));
  std::string huge_count = bytes.substr(0, 1) + std::string(9, '\xff') + '\x01';
  EXPECT_THAT(LoanRecordCodec::Decode(huge_count), StatusIs(absl::StatusCode::kDataLoss));
}

}  // namespace
}  // namespace arrears::overdue
