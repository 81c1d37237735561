// GoogleMock matchers for absl::Status and absl::StatusOr<T> (Debian's Abseil
// 20220623 has none):
//
//   EXPECT_THAT(s, IsOk());
//   EXPECT_THAT(or, IsOkAndHolds(Eq(3)));
//   EXPECT_THAT(s, StatusIs(absl::StatusCode::kInvalidArgument));
//   EXPECT_THAT(s, StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("amount")));
//   ASSERT_OK(expr); EXPECT_OK(expr);
//   ASSERT_OK_AND_ASSIGN(auto x, expr);
//
// Test-only; never include from production code.
#ifndef ARREARS_COMMON_STATUS_STATUS_MATCHERS_H_
#define ARREARS_COMMON_STATUS_STATUS_MATCHERS_H_

#include <ostream>
#include <string>
#include <utility>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "common/status/status_macros.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace arrears::testing {
namespace internal {

inline const absl::Status& GetStatus(const absl::Status& s) { return s; }
template <typename T>
const absl::Status& GetStatus(const absl::StatusOr<T>& s) {
  return s.status();
}

MATCHER(IsOkMatcher, "is OK") {
  const absl::Status& s = GetStatus(arg);
  if (!s.ok()) *result_listener << "status is " << s;
  return s.ok();
}

MATCHER_P(IsOkAndHoldsMatcher, inner, "is OK and holds a value that matches") {
  if (!arg.ok()) {
    *result_listener << "status is " << arg.status();
    return false;
  }
  return ::testing::ExplainMatchResult(inner, *arg, result_listener);
}

MATCHER_P2(StatusIsMatcher, code, message, "has the expected code and message") {
  const absl::Status& s = GetStatus(arg);
  *result_listener << "status is " << s;
  return s.code() == code &&
         ::testing::ExplainMatchResult(message, std::string(s.message()), result_listener);
}

}  // namespace internal

inline auto IsOk() { return internal::IsOkMatcher(); }

template <typename Inner>
auto IsOkAndHolds(Inner inner) {
  return internal::IsOkAndHoldsMatcher(std::move(inner));
}

inline auto StatusIs(absl::StatusCode code) {
  return internal::StatusIsMatcher(code, ::testing::_);
}

template <typename Message>
auto StatusIs(absl::StatusCode code, Message message) {
  return internal::StatusIsMatcher(code, std::move(message));
}

}  // namespace arrears::testing

#define EXPECT_OK(expr) EXPECT_THAT((expr), ::arrears::testing::IsOk())
#define ASSERT_OK(expr) ASSERT_THAT((expr), ::arrears::testing::IsOk())
#define ASSERT_OK_AND_ASSIGN(lhs, expr) \
  ARREARS_ASSERT_OK_AND_ASSIGN_IMPL_(ARREARS_STATUS_CONCAT_(arrears_assign_, __LINE__), lhs, expr)
#define ARREARS_ASSERT_OK_AND_ASSIGN_IMPL_(statusor, lhs, expr) \
  auto statusor = (expr);                                       \
  ASSERT_TRUE(statusor.ok()) << statusor.status();              \
  lhs = std::move(statusor).value()

#endif  // ARREARS_COMMON_STATUS_STATUS_MATCHERS_H_
