// ChannelConfig: the contact channel service's YAML configuration of
// templates and simulated providers (the embedded default), parsed into
// domain types. Real providers (URL, credentials) are wired by the service,
// not here.
//
//   templates:
//     - template_id: sms-d1-reminder
//       language: zh-CN            # zh-CN | en
//       channel: SMS               # common.v1.Channel without "CHANNEL_"
//       purposes: [COLLECTION]     # ContactPurpose without "CONTACT_PURPOSE_"
//       third_party_readable: false
//       subject: ""
//       body: "{{surname}}您好..."
//   providers:
//     - name: sms-sim
//       channels: [SMS]
//       min_latency_ms: 5
//       max_latency_ms: 20
//       failure_rate: 0.01
//       outcomes: {DELIVERED: 95, FAILED: 5}   # ContactOutcome without prefix
//       rate_per_second: 100
//       burst: 20
//       failure_threshold: 5
//       cool_down_ms: 30000
//       seed: 1
//
// Errors: InvalidArgument naming the field path ("templates[1].channel") and
// the bad value; malformed YAML names the line. No yaml-cpp exception
// escapes. Templates are only parsed here; registering them (with
// screening) is TemplateRegistry's job. Pure functions; thread-safe.
#ifndef ARREARS_SERVICES_CONTACT_CHANNELS_CHANNEL_CONFIG_H_
#define ARREARS_SERVICES_CONTACT_CHANNELS_CHANNEL_CONFIG_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "arrears/common/v1/contact.pb.h"
#include "arrears/contact/v1/template.pb.h"
#include "services/contact_channels/circuit_breaker.h"
#include "services/contact_channels/simulated_provider.h"

namespace arrears::contact {

struct ProviderConfig {
  SimulatedProvider::Options simulated;
  std::vector<common::v1::Channel> channels;
  int64_t rate_per_second = 100;
  int64_t burst = 10;
  CircuitBreaker::Options breaker;
  // The dialer behind a voice provider records every call; compliance packs
  // (cn-default) deny unrecorded collection calls, so calls through a
  // provider without it are blocked rather than made.
  bool records_calls = false;
};

struct ChannelConfig {
  std::vector<v1::Template> templates;
  std::vector<ProviderConfig> providers;
};

absl::StatusOr<ChannelConfig> ParseChannelConfig(absl::string_view yaml_text);
absl::StatusOr<ChannelConfig> LoadChannelConfigFile(const std::string& path);

}  // namespace arrears::contact

#endif  // ARREARS_SERVICES_CONTACT_CHANNELS_CHANNEL_CONFIG_H_
