// ChannelConfig: the contact channel service's YAML configuration of
// templates and providers (simulated: the embedded default; http: real
// carriers by URL and credentials), parsed into domain types. Providers are
// built from it by ContactChannels.
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
//     - name: sms-gateway          # a real carrier (http_provider.h)
//       type: http                 # simulated (default) | http
//       channels: [SMS]
//       rate_per_second: 50        # limiter and breaker keys as above
//       http:
//         base_url: https://sms.example.com/api
//         send_path: /v1/messages              # default /messages
//         lookup_path: /v1/messages/{key}      # optional: GET by key
//         auth: bearer                         # none | bearer | basic
//         credentials_file: /run/secrets/sms   # or credentials_env: SMS_TOKEN
//         connect_timeout_ms: 2000
//         timeout_ms: 5000
//         ca_cert_file: ""                     # extra CA bundle (PEM)
//         message_id_pointer: /id              # JSON pointers in responses
//         error_code_pointer: /error/code
//
//     - name: agency-gateway
//       channels: [AGENCY_PLACEMENT]
//       batch:                     # hand placements over in batches
//         max_placements: 100      # a batch closes when this full...
//         window: 24h              # ...or when its window ends
//         time_zone: America/New_York  # windows follow the local clock
//         window_offset: 18h       # local cut-off (without time_zone: a
//                                  # shift of epoch-aligned windows)
//
// Secrets never go in the YAML: an `http` mapping with a token, password,
// secret, api_key or credentials key is rejected; the file or variable
// holding the secret is named instead.
//
// Errors: InvalidArgument naming the field path ("templates[1].channel") and
// the bad value; malformed YAML names the line. No yaml-cpp exception
// escapes. Templates are only parsed here; registering them (with
// screening) is TemplateRegistry's job. Pure functions; thread-safe.
#ifndef ARREARS_SERVICES_CONTACT_CHANNELS_CHANNEL_CONFIG_H_
#define ARREARS_SERVICES_CONTACT_CHANNELS_CHANNEL_CONFIG_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "arrears/common/v1/contact.pb.h"
#include "arrears/contact/v1/template.pb.h"
#include "services/contact_channels/agency_batch.h"
#include "services/contact_channels/circuit_breaker.h"
#include "services/contact_channels/http_provider.h"
#include "services/contact_channels/simulated_provider.h"

namespace arrears::contact {

enum class ProviderType { kSimulated, kHttp };

struct ProviderConfig {
  ProviderType type = ProviderType::kSimulated;
  // The provider's name is simulated.name (also copied to http.name).
  SimulatedProvider::Options simulated;
  // For type kHttp.
  HttpProvider::Options http;
  std::vector<common::v1::Channel> channels;
  int64_t rate_per_second = 100;
  int64_t burst = 10;
  CircuitBreaker::Options breaker;
  // The dialer behind a voice provider records every call; compliance packs
  // (cn-default) deny unrecorded collection calls, so calls through a
  // provider without it are blocked rather than made.
  bool records_calls = false;
  // `batch:` set: agency placements through this provider go over in
  // batches (agency_batch.h).
  std::optional<AgencyBatchPolicy> agency_batch;
};

struct ChannelConfig {
  std::vector<v1::Template> templates;
  std::vector<ProviderConfig> providers;
};

absl::StatusOr<ChannelConfig> ParseChannelConfig(absl::string_view yaml_text);
absl::StatusOr<ChannelConfig> LoadChannelConfigFile(const std::string& path);

}  // namespace arrears::contact

#endif  // ARREARS_SERVICES_CONTACT_CHANNELS_CHANNEL_CONFIG_H_
