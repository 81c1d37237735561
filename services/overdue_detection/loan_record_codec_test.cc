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

  const ProductConfig& car = *catalog_.Find("CAR_LOAN");
  for (D day : {D(2024, 3, 25), D(2024, 9, 2), D(2024, 12, 1)}) {
    EXPECT_EQ(ComputePosition(a, car, day), ComputePosition(b, car, day));
  }
  // The decoded loan keeps validating new events as the original would.
  EXPECT_THAT(decoded.loan.Record(Repayment("LN-2024-000123", "R1", 1, D(2024, 2, 15))),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("already posted")));
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
