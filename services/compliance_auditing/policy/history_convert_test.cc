#include "services/compliance_auditing/policy/history_convert.h"

#include "services/compliance_auditing/policy/policy_test_util.h"

namespace arrears::compliance::policy {
namespace {

using ::arrears::testing::StatusIs;
using ::testing::HasSubstr;

contact::v1::ContactEvent CallEvent(contact::v1::ContactOutcome outcome) {
  contact::v1::ContactEvent e;
  e.set_channel(common::v1::CHANNEL_VOICE_CALL);
  e.set_outcome(outcome);
  e.add_loan_ids("loan-A");
  e.mutable_contact_point()->set_contact_point_id("phone-1");
  e.set_counterparty(common::v1::COUNTERPARTY_DEBTOR);
  e.set_agency_id("ag-1");
  *e.mutable_occurred_at() = ToTimestamp(absl::FromUnixSeconds(1'777'903'200));
  return e;
}

TEST(CallRecordFromEventTest, OutcomeTable) {
  struct Case {
    contact::v1::ContactOutcome outcome;
    bool connected, conversation;
    std::optional<CallOutcome> want;
  };
  const Case cases[] = {
      {contact::v1::CONTACT_OUTCOME_FAILED, false, false, CallOutcome::kNotConnected},
      {contact::v1::CONTACT_OUTCOME_NO_ANSWER, false, false, CallOutcome::kUnanswered},
      {contact::v1::CONTACT_OUTCOME_LEFT_MESSAGE, false, false, CallOutcome::kUnanswered},
      {contact::v1::CONTACT_OUTCOME_ANSWERED, false, false, CallOutcome::kConnected},
      {contact::v1::CONTACT_OUTCOME_REFUSED, true, false, CallOutcome::kConnected},
      {contact::v1::CONTACT_OUTCOME_PROMISE_TO_PAY, true, true, CallOutcome::kConversation},
      {contact::v1::CONTACT_OUTCOME_SENT, false, false, std::nullopt},
      {contact::v1::CONTACT_OUTCOME_BLOCKED, false, false, std::nullopt},
      {contact::v1::CONTACT_OUTCOME_DEFERRED, false, false, std::nullopt},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(contact::v1::ContactOutcome_Name(c.outcome));
    contact::v1::ContactEvent e = CallEvent(c.outcome);
    e.set_connected(c.connected);
    e.set_conversation(c.conversation);
    const std::optional<CallRecord> call = CallRecordFromEvent(e);
    ASSERT_EQ(call.has_value(), c.want.has_value());
    if (call.has_value()) {
      EXPECT_EQ(call->outcome, *c.want);
      EXPECT_EQ(call->contact_point_id, "phone-1");
      EXPECT_EQ(call->agency_id, "ag-1");
      EXPECT_EQ(call->debt_ids, std::vector<std::string>{"loan-A"});
      EXPECT_EQ(call->time, absl::FromUnixSeconds(1'777'903'200));
    }
  }
  contact::v1::ContactEvent sms = CallEvent(contact::v1::CONTACT_OUTCOME_DELIVERED);
  sms.set_channel(common::v1::CHANNEL_SMS);
  EXPECT_FALSE(CallRecordFromEvent(sms).has_value());
}

v1::Preference AgreedPreference() {
  v1::Preference p;
  p.set_preference_id("pref-1");
  p.set_type(v1::Preference::TYPE_AGREED_CONTACT_TIME);
  p.set_time_zone("Asia/Shanghai");
  p.mutable_window()->mutable_start()->set_hours(22);
  p.mutable_window()->mutable_end()->set_hours(23);
  p.add_days(common::v1::DAY_OF_WEEK_MONDAY);
  p.add_days(common::v1::DAY_OF_WEEK_SUNDAY);
  return p;
}

TEST(PreferenceConvertTest, AgreedContactTime) {
  absl::StatusOr<AgreedContactTime> agreed = AgreedContactTimeFromProto(AgreedPreference());
  ASSERT_TRUE(agreed.ok()) << agreed.status();
  EXPECT_EQ(agreed->consent_record_id, "pref-1");
  EXPECT_EQ(agreed->start_second, 22 * 3600);
  EXPECT_EQ(agreed->end_second, 23 * 3600);
  EXPECT_EQ(agreed->weekday_mask, (1u << 1) | (1u << 7));
  EXPECT_EQ(agreed->end_time, absl::InfiniteFuture());

  v1::Preference bad_zone = AgreedPreference();
  bad_zone.set_time_zone("Nowhere/City");
  EXPECT_THAT(AgreedContactTimeFromProto(bad_zone),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("preference.time_zone")));
  v1::Preference inverted = AgreedPreference();
  inverted.mutable_window()->mutable_end()->set_hours(21);
  EXPECT_THAT(AgreedContactTimeFromProto(inverted),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("preference.window.end")));
  v1::Preference no_window = AgreedPreference();
  no_window.clear_window();
  EXPECT_THAT(AgreedContactTimeFromProto(no_window),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("preference.window")));
  v1::Preference wrong_type = AgreedPreference();
  wrong_type.set_type(v1::Preference::TYPE_DO_NOT_CONTACT);
  EXPECT_THAT(AgreedContactTimeFromProto(wrong_type),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("preference.type")));
}

TEST(PreferenceConvertTest, OptOutAndCease) {
  v1::Preference p;
  p.set_preference_id("pref-2");
  p.set_type(v1::Preference::TYPE_DO_NOT_CONTACT);
  p.set_channel(common::v1::CHANNEL_SMS);
  p.set_contact_point_id("phone-1");
  absl::StatusOr<OptOut> opt_out = OptOutFromProto(p);
  ASSERT_TRUE(opt_out.ok()) << opt_out.status();
  EXPECT_EQ(opt_out->channel, common::v1::CHANNEL_SMS);
  EXPECT_EQ(opt_out->contact_point_id, "phone-1");

  p.set_type(v1::Preference::TYPE_CEASE_COMMUNICATION);
  p.add_allowed_purposes(common::v1::CONTACT_PURPOSE_LEGAL_NOTICE);
  absl::StatusOr<CeaseRequest> cease = CeaseRequestFromProto(p);
  ASSERT_TRUE(cease.ok()) << cease.status();
  EXPECT_EQ(cease->allowed_purposes,
            std::vector<common::v1::ContactPurpose>{common::v1::CONTACT_PURPOSE_LEGAL_NOTICE});
  p.clear_preference_id();
  EXPECT_THAT(CeaseRequestFromProto(p),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("preference_id")));
}

TEST(PriorConsentFromProtoTest, AnHourFromTheConsentTimeOrTheGivenValidity) {
  v1::Preference p;
  p.set_preference_id("pc-1");
  p.set_type(v1::Preference::TYPE_PRIOR_CONSENT);
  const absl::Time at = absl::FromUnixSeconds(1'777'903'200);
  *p.mutable_consent_time() = ToTimestamp(at);
  absl::StatusOr<PriorConsent> consent = PriorConsentFromProto(p);
  ASSERT_TRUE(consent.ok()) << consent.status();
  EXPECT_EQ(consent->start_time, at);
  EXPECT_EQ(consent->end_time, at + absl::Hours(1));
  *p.mutable_start_time() = ToTimestamp(at - absl::Hours(2));
  *p.mutable_end_time() = ToTimestamp(at + absl::Hours(2));
  consent = PriorConsentFromProto(p);
  ASSERT_TRUE(consent.ok()) << consent.status();
  EXPECT_EQ(consent->end_time - consent->start_time, absl::Hours(4));
  *p.mutable_end_time() = p.start_time();
  EXPECT_THAT(PriorConsentFromProto(p),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("end_time")));
  p.clear_start_time();
  p.clear_end_time();
  p.clear_consent_time();
  EXPECT_THAT(PriorConsentFromProto(p),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("consent_time")));
}

TEST(PreferencesFromConsentsTest, RevokedChannelsAndAgreedTimesPerChannel) {
  customer::v1::Consents consents;
  customer::v1::ChannelConsent& revoked = *consents.add_channel_consents();
  revoked.set_channel(common::v1::CHANNEL_SMS);
  revoked.set_status(customer::v1::ChannelConsent::STATUS_REVOKED);
  customer::v1::ChannelConsent& granted = *consents.add_channel_consents();
  granted.set_channel(common::v1::CHANNEL_EMAIL);
  granted.set_status(customer::v1::ChannelConsent::STATUS_GRANTED);
  customer::v1::AgreedContactTime& agreed = *consents.add_agreed_contact_times();
  agreed.set_consent_record_id("crm-9");
  agreed.add_channels(common::v1::CHANNEL_VOICE_CALL);
  agreed.add_channels(common::v1::CHANNEL_FIELD_VISIT);
  agreed.mutable_window()->mutable_start()->set_hours(7);
  agreed.mutable_window()->mutable_end()->set_hours(8);
  agreed.set_time_zone("Asia/Shanghai");
  *agreed.mutable_valid_from() = ToProto(absl::CivilDay(2026, 5, 1));
  *agreed.mutable_valid_until() = ToProto(absl::CivilDay(2026, 5, 31));

  absl::StatusOr<std::vector<v1::Preference>> preferences =
      PreferencesFromConsents("cust-1", consents);
  ASSERT_TRUE(preferences.ok()) << preferences.status();
  ASSERT_EQ(preferences->size(), 3u);
  EXPECT_EQ((*preferences)[0].type(), v1::Preference::TYPE_DO_NOT_CONTACT);
  EXPECT_EQ((*preferences)[0].preference_id(), "consent:CHANNEL_SMS:");
  EXPECT_EQ((*preferences)[1].preference_id(), "crm-9#CHANNEL_VOICE_CALL");
  EXPECT_EQ((*preferences)[2].preference_id(), "crm-9#CHANNEL_FIELD_VISIT");
  // Valid from local midnight of the first day to local midnight after the
  // last (Shanghai is UTC+8).
  EXPECT_EQ(FromTimestamp((*preferences)[1].start_time()), testing::Utc(2026, 4, 30, 16));
  EXPECT_EQ(FromTimestamp((*preferences)[1].end_time()), testing::Utc(2026, 5, 31, 16));

  agreed.set_time_zone("Nowhere/Special");
  EXPECT_THAT(
      PreferencesFromConsents("cust-1", consents),
      StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("agreed_contact_times[0].time_zone")));
}

}  // namespace
}  // namespace arrears::compliance::policy
