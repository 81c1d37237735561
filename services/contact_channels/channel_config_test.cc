#include "services/contact_channels/channel_config.h"

#include "common/status/status_matchers.h"
#include "common/time/clock.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "services/contact_channels/template_registry.h"

namespace arrears::contact {
namespace {

using ::arrears::testing::StatusIs;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

TEST(ChannelConfigTest, DefaultConfigParsesAndEveryTemplateRegisters) {
  ASSERT_OK_AND_ASSIGN(ChannelConfig config, LoadChannelConfigFile(CONTACT_DEFAULT_CHANNELS_YAML));
  // default_templates_test.cc checks which templates there are.
  ASSERT_FALSE(config.templates.empty());
  ASSERT_EQ(config.providers.size(), 4u);
  EXPECT_EQ(config.providers[0].simulated.name, "sms-sim");
  EXPECT_THAT(config.providers[0].channels, ElementsAre(common::v1::CHANNEL_SMS));
  EXPECT_EQ(config.providers[0].simulated.max_latency, absl::Milliseconds(20));
  EXPECT_DOUBLE_EQ(config.providers[0].simulated.failure_rate, 0.01);
  EXPECT_EQ(config.providers[0].rate_per_second, 200);
  EXPECT_EQ(config.providers[2].simulated.outcome_weights.size(), 2u);
  EXPECT_EQ(config.providers[2].simulated.name, "dialer-sim");
  EXPECT_TRUE(config.providers[2].records_calls) << "cn-default denies unrecorded calls";
  EXPECT_FALSE(config.providers[0].records_calls);
  ASSERT_TRUE(config.providers[3].agency_batch.has_value()) << "agency placements go in batches";
  EXPECT_EQ(config.providers[3].agency_batch->max_placements, 100);
  EXPECT_EQ(config.providers[3].agency_batch->window, absl::Hours(24));
  EXPECT_EQ(config.providers[3].agency_batch->window_offset, absl::ZeroDuration());
  ASSERT_TRUE(config.providers[3].agency_batch->time_zone.has_value());
  EXPECT_EQ(config.providers[3].agency_batch->time_zone->name(), "Asia/Shanghai");
  EXPECT_FALSE(config.providers[0].agency_batch.has_value());

  FakeClock clock;
  FakeTemplateScreener screener;
  ASSERT_OK_AND_ASSIGN(auto registry, TemplateRegistry::Create(&screener, &clock));
  for (const v1::Template& t : config.templates) {
    EXPECT_OK(registry->Register(t)) << t.template_id() << " " << t.language();
  }
  ASSERT_OK_AND_ASSIGN(v1::Template locate, registry->Get("sms-callback-request", "zh-CN"));
  EXPECT_TRUE(locate.third_party_readable());
}

TEST(ChannelConfigTest, ErrorsNameTheField) {
  EXPECT_THAT(ParseChannelConfig("templates:\n  - template_id: a\n    channel: FAX\n    body: x\n"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("templates[0].channel")));
  EXPECT_THAT(ParseChannelConfig("providers:\n  - name: p\n    channels: [SMS]\n"
                                 "    failure_rate: 2\n"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("providers[0].failure_rate")));
  EXPECT_THAT(ParseChannelConfig("providers:\n  - name: p\n    channels: [SMS]\n"
                                 "    burst: many\n"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("providers[0].burst")));
  EXPECT_THAT(ParseChannelConfig("providers:\n  - name: p\n    channels: [AGENCY_PLACEMENT]\n"
                                 "    batch: {window: soon}\n"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("providers[0].batch.window")));
  EXPECT_THAT(
      ParseChannelConfig("providers:\n  - name: p\n    channels: [AGENCY_PLACEMENT]\n"
                         "    batch: {max_placements: 0}\n"),
      StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("providers[0].batch.max_placements")));
  EXPECT_THAT(
      ParseChannelConfig("providers:\n  - name: p\n    channels: [AGENCY_PLACEMENT]\n"
                         "    batch: {time_zone: Mars/Olympus_Mons}\n"),
      StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("providers[0].batch.time_zone")));
  // absl alone would take the host's zone for this one.
  EXPECT_THAT(
      ParseChannelConfig("providers:\n  - name: p\n    channels: [AGENCY_PLACEMENT]\n"
                         "    batch: {time_zone: localtime}\n"),
      StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("providers[0].batch.time_zone")));
  EXPECT_THAT(ParseChannelConfig("providers:\n  - name: p\n    channels: [AGENCY_PLACEMENT]\n"
                                 "    batch: {time_zone: America/New_York, window: 7h}\n"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("providers[0].batch.window")));
  EXPECT_THAT(
      ParseChannelConfig("providers:\n  - name: p\n    channels: [AGENCY_PLACEMENT]\n"
                         "    batch: {time_zone: America/New_York, window_offset: -8h}\n"),
      StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("providers[0].batch.window_offset")));
  EXPECT_THAT(ParseChannelConfig("templates: [\n"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("malformed YAML")));
}

}  // namespace
}  // namespace arrears::contact
