// Test helpers for the policy engine: the shipped packs, a request builder
// and local-time instants. Test-only.
#ifndef ARREARS_SERVICES_COMPLIANCE_AUDITING_POLICY_POLICY_TEST_UTIL_H_
#define ARREARS_SERVICES_COMPLIANCE_AUDITING_POLICY_POLICY_TEST_UTIL_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_replace.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "common/proto_convert/proto_convert.h"
#include "common/status/status_matchers.h"
#include "common/time/time_zone.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "services/compliance_auditing/policy/in_memory_contact_history.h"
#include "services/compliance_auditing/policy/policy_engine.h"
#include "services/compliance_auditing/policy/yaml_fields.h"

namespace arrears::compliance::policy::testing {

inline std::string PackPath(absl::string_view file) {
  return std::string(POLICY_PACKS_DIR) + "/" + std::string(file);
}

inline std::string ReadPackText(absl::string_view file) {
  absl::StatusOr<std::string> text = yaml::ReadFile(PackPath(file));
  EXPECT_TRUE(text.ok()) << text.status();
  return text.ok() ? *text : "";
}

inline PolicyPack ShippedPack(absl::string_view file) {
  absl::StatusOr<PolicyPack> pack = LoadPolicyPack(PackPath(file));
  EXPECT_TRUE(pack.ok()) << pack.status();
  return pack.ok() ? *pack : PolicyPack();
}

inline std::unique_ptr<ContentScreen> ShippedScreen() {
  auto screen = ContentScreen::LoadFile(PackPath("screening-rules.yaml"));
  EXPECT_TRUE(screen.ok()) << screen.status();
  return screen.ok() ? *std::move(screen) : nullptr;
}

// The shipped engine (both packs); `cn_gentle` enables the house window.
inline std::unique_ptr<PolicyEngine> ShippedEngine(bool cn_gentle = false) {
  std::vector<PolicyPack> packs;
  std::string cn_text = ReadPackText("cn-default.yaml");
  if (cn_gentle) cn_text = absl::StrReplaceAll(cn_text, {{"enabled: false", "enabled: true"}});
  absl::StatusOr<PolicyPack> cn = ParsePolicyPack(cn_text, "cn-default.yaml");
  EXPECT_TRUE(cn.ok()) << cn.status();
  packs.push_back(*cn);
  packs.push_back(ShippedPack("us-regf-default.yaml"));
  auto engine = PolicyEngine::Create(std::move(packs), ShippedScreen());
  EXPECT_TRUE(engine.ok()) << engine.status();
  return engine.ok() ? *std::move(engine) : nullptr;
}

// The instant of a local civil time in an IANA zone (earlier one if repeated).
inline absl::Time Local(absl::string_view zone_name, int y, int mo, int d, int h, int mi = 0,
                        int s = 0) {
  absl::StatusOr<absl::TimeZone> zone = time::LoadTimeZone(zone_name);
  EXPECT_TRUE(zone.ok()) << zone.status();
  return zone->At(absl::CivilSecond(y, mo, d, h, mi, s)).pre;
}

inline absl::Time Utc(int y, int mo, int d, int h, int mi = 0, int s = 0) {
  return absl::FromCivil(absl::CivilSecond(y, mo, d, h, mi, s), absl::UTCTimeZone());
}

inline constexpr char kCustomer[] = "cust-1";
inline constexpr char kDebtA[] = "loan-A";
inline constexpr char kDebtB[] = "loan-B";

// A recorded voice call to the debtor about loan-A on phone-1.
inline v1::CheckContactRequest CallRequest(absl::Time when) {
  v1::CheckContactRequest r;
  r.set_check_id("check-1");
  r.set_customer_id(kCustomer);
  r.add_debt_ids(kDebtA);
  r.set_channel(common::v1::CHANNEL_VOICE_CALL);
  r.mutable_contact_point()->set_contact_point_id("phone-1");
  r.set_counterparty(common::v1::COUNTERPARTY_DEBTOR);
  r.set_purpose(common::v1::CONTACT_PURPOSE_COLLECTION);
  *r.mutable_proposed_time() = ToTimestamp(when);
  r.set_call_recording_on(true);
  return r;
}

inline v1::CheckContactRequest SmsRequest(absl::Time when, absl::string_view text) {
  v1::CheckContactRequest r = CallRequest(when);
  r.set_channel(common::v1::CHANNEL_SMS);
  r.set_message_text(std::string(text));
  return r;
}

inline v1::CheckContactRequest VisitRequest(absl::Time when) {
  v1::CheckContactRequest r = CallRequest(when);
  r.set_channel(common::v1::CHANNEL_FIELD_VISIT);
  r.mutable_contact_point()->set_contact_point_id("home");
  r.mutable_field_visit()->set_staff_count(2);
  r.mutable_field_visit()->set_recording_on(true);
  return r;
}

inline CallRecord Call(absl::Time when, CallOutcome outcome, absl::string_view point = "phone-1",
                       absl::string_view agency = "", std::vector<std::string> debts = {kDebtA}) {
  CallRecord c;
  c.time = when;
  c.contact_point_id = std::string(point);
  c.debt_ids = std::move(debts);
  c.agency_id = std::string(agency);
  c.outcome = outcome;
  return c;
}

MATCHER_P(HasCode, code, "") {
  for (const auto& c : arg.reason_codes()) {
    if (c == code) return true;
  }
  *result_listener << "reason codes: " << ::testing::PrintToString(arg.reason_codes());
  return false;
}

MATCHER_P(VerdictIs, verdict, "") {
  if (arg.verdict() == verdict) return true;
  *result_listener << "verdict " << v1::Verdict_Name(arg.verdict())
                   << ", codes: " << ::testing::PrintToString(arg.reason_codes());
  return false;
}

inline absl::Time DeferUntil(const v1::ContactDecision& d) {
  return FromTimestamp(d.defer_until());
}

}  // namespace arrears::compliance::policy::testing

#endif  // ARREARS_SERVICES_COMPLIANCE_AUDITING_POLICY_POLICY_TEST_UTIL_H_
