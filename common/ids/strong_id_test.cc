#include "common/ids/strong_id.h"

#include <sstream>
#include <string>
#include <type_traits>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_format.h"
#include "common/ids/ids.h"
#include "common/status/status_matchers.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace arrears::ids {
namespace {

using ::arrears::testing::StatusIs;
using ::testing::HasSubstr;
using ::testing::StartsWith;

TEST(StrongIdTest, ParsesValidIds) {
  for (const char* good :
       {"L1", "0190163d-8694-739b-aea5-966c26f8ad91", "core:LN-2024-000123", "a.b_c:d-e", "Z"}) {
    SCOPED_TRACE(good);
    ASSERT_OK_AND_ASSIGN(LoanId id, LoanId::Parse(good));
    EXPECT_EQ(id.value(), good);
    EXPECT_FALSE(id.empty());
  }
  ASSERT_OK_AND_ASSIGN(LoanId longest, LoanId::Parse(std::string(64, 'x')));
  EXPECT_EQ(longest.value().size(), 64u);
}

TEST(StrongIdTest, ErrorsNameTheField) {
  EXPECT_THAT(LoanId::Parse(""), StatusIs(absl::StatusCode::kInvalidArgument, "loan_id: missing"));
  EXPECT_THAT(
      CustomerId::Parse(std::string(65, 'x')),
      StatusIs(absl::StatusCode::kInvalidArgument, "customer_id: 65 bytes, longer than 64"));
  EXPECT_THAT(CaseId::Parse("case 1"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("case_id: byte 4 (0x20) is not allowed")));
  EXPECT_THAT(EventId::Parse("a/b"),
              StatusIs(absl::StatusCode::kInvalidArgument, StartsWith("event_id: ")));
  EXPECT_THAT(LoanId::Parse("L1\n"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("(0x0a)")));
  EXPECT_THAT(LoanId::Parse("贷款1"), StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(LoanId::Parse(absl::string_view("L\0", 2)),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("(0x00)")));
}

TEST(StrongIdTest, EveryAliasCarriesItsFieldName) {
  EXPECT_EQ(LoanId::kFieldName, "loan_id");
  EXPECT_EQ(CustomerId::kFieldName, "customer_id");
  EXPECT_EQ(CaseId::kFieldName, "case_id");
  EXPECT_EQ(RepaymentId::kFieldName, "repayment_id");
  EXPECT_EQ(ContactRequestId::kFieldName, "contact_request_id");
  EXPECT_EQ(AttemptId::kFieldName, "attempt_id");
  EXPECT_EQ(EventId::kFieldName, "event_id");
  EXPECT_EQ(AgencyId::kFieldName, "agency_id");
  EXPECT_EQ(CollectorId::kFieldName, "collector_id");
  EXPECT_EQ(TemplateId::kFieldName, "template_id");
  EXPECT_EQ(DecisionId::kFieldName, "decision_id");
}

TEST(StrongIdTest, KindsDoNotMix) {
  static_assert(!std::is_same_v<LoanId, CustomerId>);
  static_assert(!std::is_convertible_v<LoanId, CustomerId>);
  static_assert(!std::is_convertible_v<std::string, LoanId>);  // construction is explicit
  static_assert(!std::is_convertible_v<LoanId, std::string>);
}

TEST(StrongIdTest, ComparesOrdersAndHashes) {
  const LoanId a("L1"), b("L2"), a2("L1");
  EXPECT_EQ(a, a2);
  EXPECT_NE(a, b);
  EXPECT_LT(a, b);
  EXPECT_GT(b, a);
  absl::flat_hash_map<LoanId, int> counts;
  ++counts[a];
  ++counts[a2];
  ++counts[b];
  EXPECT_EQ(counts[LoanId("L1")], 2);
  EXPECT_EQ(counts.size(), 2u);
}

TEST(StrongIdTest, Prints) {
  const LoanId id("L-42");
  std::ostringstream os;
  os << id;
  EXPECT_EQ(os.str(), "L-42");
  EXPECT_EQ(absl::StrFormat("loan %s", id), "loan L-42");
  struct Sink {
    std::string out;
    void Append(absl::string_view s) { out.append(s.data(), s.size()); }
  } sink;
  AbslStringify(sink, id);
  EXPECT_EQ(sink.out, "L-42");
}

TEST(StrongIdTest, DefaultIsEmptyAndInvalid) {
  const LoanId id;
  EXPECT_TRUE(id.empty());
  EXPECT_THAT(ValidateId(LoanId::kFieldName, id.value()),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

}  // namespace
}  // namespace arrears::ids
