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
