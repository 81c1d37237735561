#include "services/contact_channels/channel_config.h"

#include <exception>
#include <fstream>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "common/status/status_macros.h"
#include "common/time/time_zone.h"
#include "yaml-cpp/yaml.h"

namespace arrears::contact {
namespace {

absl::Status Bad(absl::string_view field, absl::string_view message) {
  return absl::InvalidArgumentError(absl::StrCat(field, ": ", message));
}

// Parses "SMS" (or "CHANNEL_SMS") with a generated enum's Parse function.
template <typename Enum, typename ParseFn>
absl::StatusOr<Enum> ParseEnum(const YAML::Node& node, absl::string_view field,
                               absl::string_view prefix, ParseFn parse) {
  if (!node.IsScalar()) return Bad(field, "must be a name");
  const std::string& name = node.Scalar();
  Enum value;
  if (parse(absl::StrCat(prefix, name), &value) || parse(name, &value)) {
    if (static_cast<int>(value) != 0) return value;
  }
  return Bad(field, absl::StrCat("unknown value '", name, "'"));
}

template <typename T>
absl::StatusOr<T> Scalar(const YAML::Node& node, absl::string_view field, T fallback) {
  if (!node) return fallback;
  try {
    return node.as<T>();
  } catch (const std::exception& e) {
    return Bad(field, absl::StrCat("bad value at line ", node.Mark().line + 1));
  }
}

absl::StatusOr<v1::Template> ParseTemplate(const YAML::Node& node, const std::string& field) {
  if (!node.IsMap()) return Bad(field, "must be a mapping");
  v1::Template t;
  ARREARS_ASSIGN_OR_RETURN(std::string id,
                           Scalar<std::string>(node["template_id"], field + ".template_id", ""));
  t.set_template_id(id);
  ARREARS_ASSIGN_OR_RETURN(std::string language,
                           Scalar<std::string>(node["language"], field + ".language", ""));
  t.set_language(language);
  ARREARS_ASSIGN_OR_RETURN(common::v1::Channel channel,
                           (ParseEnum<common::v1::Channel>(node["channel"], field + ".channel",
                                                           "CHANNEL_", common::v1::Channel_Parse)));
  t.set_channel(channel);
  if (const YAML::Node purposes = node["purposes"]) {
    if (!purposes.IsSequence()) return Bad(field + ".purposes", "must be a list");
    for (size_t i = 0; i < purposes.size(); ++i) {
      ARREARS_ASSIGN_OR_RETURN(common::v1::ContactPurpose purpose,
                               (ParseEnum<common::v1::ContactPurpose>(
                                   purposes[i], absl::StrCat(field, ".purposes[", i, "]"),
                                   "CONTACT_PURPOSE_", common::v1::ContactPurpose_Parse)));
      t.add_purposes(purpose);
    }
  }
  ARREARS_ASSIGN_OR_RETURN(bool readable, Scalar<bool>(node["third_party_readable"],
                                                       field + ".third_party_readable", false));
  t.set_third_party_readable(readable);
  ARREARS_ASSIGN_OR_RETURN(std::string subject,
                           Scalar<std::string>(node["subject"], field + ".subject", ""));
  t.set_subject(subject);
  ARREARS_ASSIGN_OR_RETURN(std::string body,
                           Scalar<std::string>(node["body"], field + ".body", ""));
  if (body.empty()) return Bad(field + ".body", "must be set");
  t.set_body(body);
  return t;
}

absl::StatusOr<HttpProvider::Options> ParseHttp(const YAML::Node& node, const std::string& field,
                                                const std::string& name) {
  if (!node || !node.IsMap()) return Bad(field, "must be a mapping (type: http)");
  for (const char* secret_key : {"token", "password", "secret", "api_key", "credentials"}) {
    if (node[secret_key]) {
      return Bad(absl::StrCat(field, ".", secret_key),
                 "secrets do not go in the configuration: name a credentials_file or "
                 "credentials_env");
    }
  }
  HttpProvider::Options http;
  http.name = name;
  ARREARS_ASSIGN_OR_RETURN(http.base_url,
                           Scalar<std::string>(node["base_url"], field + ".base_url", ""));
  if (http.base_url.empty()) return Bad(field + ".base_url", "must be set");
  ARREARS_ASSIGN_OR_RETURN(
      http.send_path, Scalar<std::string>(node["send_path"], field + ".send_path", http.send_path));
  ARREARS_ASSIGN_OR_RETURN(http.lookup_path,
                           Scalar<std::string>(node["lookup_path"], field + ".lookup_path", ""));
  ARREARS_ASSIGN_OR_RETURN(std::string auth,
                           Scalar<std::string>(node["auth"], field + ".auth", "none"));
  if (auth == "none") {
    http.auth = HttpAuth::kNone;
  } else if (auth == "bearer") {
    http.auth = HttpAuth::kBearer;
  } else if (auth == "basic") {
    http.auth = HttpAuth::kBasic;
  } else {
    return Bad(field + ".auth", absl::StrCat("unknown value '", auth, "' (none|bearer|basic)"));
  }
  ARREARS_ASSIGN_OR_RETURN(
      http.credentials_file,
      Scalar<std::string>(node["credentials_file"], field + ".credentials_file", ""));
  ARREARS_ASSIGN_OR_RETURN(
      http.credentials_env,
      Scalar<std::string>(node["credentials_env"], field + ".credentials_env", ""));
  if (http.auth != HttpAuth::kNone &&
      http.credentials_file.empty() == http.credentials_env.empty()) {
    return Bad(field + ".credentials_file",
               "set exactly one of credentials_file and credentials_env");
  }
  ARREARS_ASSIGN_OR_RETURN(
      int64_t connect_ms,
      Scalar<int64_t>(node["connect_timeout_ms"], field + ".connect_timeout_ms", 2000));
  if (connect_ms < 1) return Bad(field + ".connect_timeout_ms", "must be >= 1");
  http.connect_timeout = absl::Milliseconds(connect_ms);
  ARREARS_ASSIGN_OR_RETURN(int64_t timeout_ms,
                           Scalar<int64_t>(node["timeout_ms"], field + ".timeout_ms", 5000));
  if (timeout_ms < 1) return Bad(field + ".timeout_ms", "must be >= 1");
  http.request_timeout = absl::Milliseconds(timeout_ms);
  ARREARS_ASSIGN_OR_RETURN(http.ca_cert_file,
                           Scalar<std::string>(node["ca_cert_file"], field + ".ca_cert_file", ""));
  ARREARS_ASSIGN_OR_RETURN(
      http.message_id_pointer,
      Scalar<std::string>(node["message_id_pointer"], field + ".message_id_pointer",
                          http.message_id_pointer));
  ARREARS_ASSIGN_OR_RETURN(
      http.error_code_pointer,
      Scalar<std::string>(node["error_code_pointer"], field + ".error_code_pointer",
                          http.error_code_pointer));
  return http;
}

absl::StatusOr<absl::Duration> DurationScalar(const YAML::Node& node, const std::string& field,
                                              absl::Duration fallback) {
  if (!node) return fallback;
  ARREARS_ASSIGN_OR_RETURN(std::string text, Scalar<std::string>(node, field, ""));
  absl::Duration duration;
  if (!absl::ParseDuration(text, &duration)) {
    return Bad(field, absl::StrCat("'", text, "' is not a duration such as 24h or 90m"));
  }
  return duration;
}

absl::StatusOr<AgencyBatchPolicy> ParseBatch(const YAML::Node& node, const std::string& field) {
  if (!node.IsMap()) return Bad(field, "must be a mapping");
  AgencyBatchPolicy policy;
  ARREARS_ASSIGN_OR_RETURN(
      policy.max_placements,
      Scalar<int>(node["max_placements"], field + ".max_placements", policy.max_placements));
  ARREARS_ASSIGN_OR_RETURN(policy.window,
                           DurationScalar(node["window"], field + ".window", policy.window));
  ARREARS_ASSIGN_OR_RETURN(
      policy.window_offset,
      DurationScalar(node["window_offset"], field + ".window_offset", policy.window_offset));
  ARREARS_ASSIGN_OR_RETURN(const std::string zone_name,
                           Scalar<std::string>(node["time_zone"], field + ".time_zone", ""));
  if (!zone_name.empty()) {
    absl::StatusOr<absl::TimeZone> zone = time::LoadTimeZone(zone_name);
    if (!zone.ok()) return Bad(field + ".time_zone", zone.status().message());
    policy.time_zone = *zone;
  }
  ARREARS_RETURN_IF_ERROR(ValidateAgencyBatchPolicy(policy, field));
  return policy;
}

absl::StatusOr<ProviderConfig> ParseProvider(const YAML::Node& node, const std::string& field) {
  if (!node.IsMap()) return Bad(field, "must be a mapping");
  ProviderConfig config;
  SimulatedProvider::Options& sim = config.simulated;
  ARREARS_ASSIGN_OR_RETURN(sim.name, Scalar<std::string>(node["name"], field + ".name", ""));
  if (sim.name.empty()) return Bad(field + ".name", "must be set");
  ARREARS_ASSIGN_OR_RETURN(std::string type,
                           Scalar<std::string>(node["type"], field + ".type", "simulated"));
  if (type == "http") {
    config.type = ProviderType::kHttp;
    ARREARS_ASSIGN_OR_RETURN(config.http, ParseHttp(node["http"], field + ".http", sim.name));
  } else if (type != "simulated") {
    return Bad(field + ".type", absl::StrCat("unknown value '", type, "' (simulated|http)"));
  } else if (node["http"]) {
    return Bad(field + ".http", "only for type: http");
  }
  const YAML::Node channels = node["channels"];
  if (!channels || !channels.IsSequence() || channels.size() == 0) {
    return Bad(field + ".channels", "must be a non-empty list");
  }
  for (size_t i = 0; i < channels.size(); ++i) {
    ARREARS_ASSIGN_OR_RETURN(
        common::v1::Channel channel,
        (ParseEnum<common::v1::Channel>(channels[i], absl::StrCat(field, ".channels[", i, "]"),
                                        "CHANNEL_", common::v1::Channel_Parse)));
    config.channels.push_back(channel);
  }
  ARREARS_ASSIGN_OR_RETURN(int64_t min_ms,
                           Scalar<int64_t>(node["min_latency_ms"], field + ".min_latency_ms", 0));
  ARREARS_ASSIGN_OR_RETURN(
      int64_t max_ms, Scalar<int64_t>(node["max_latency_ms"], field + ".max_latency_ms", min_ms));
  if (min_ms < 0 || max_ms < min_ms) {
    return Bad(field + ".max_latency_ms", "need 0 <= min_latency_ms <= max_latency_ms");
  }
  sim.min_latency = absl::Milliseconds(min_ms);
  sim.max_latency = absl::Milliseconds(max_ms);
  ARREARS_ASSIGN_OR_RETURN(sim.failure_rate,
                           Scalar<double>(node["failure_rate"], field + ".failure_rate", 0.0));
  if (!(sim.failure_rate >= 0.0 && sim.failure_rate <= 1.0)) {
    return Bad(field + ".failure_rate", "must be in [0, 1]");
  }
  if (const YAML::Node outcomes = node["outcomes"]) {
    if (!outcomes.IsMap()) return Bad(field + ".outcomes", "must be a mapping");
    for (const auto& entry : outcomes) {
      const std::string name = entry.first.Scalar();
      const std::string entry_field = absl::StrCat(field, ".outcomes.", name);
      ARREARS_ASSIGN_OR_RETURN(
          v1::ContactOutcome outcome,
          (ParseEnum<v1::ContactOutcome>(entry.first, entry_field, "CONTACT_OUTCOME_",
                                         v1::ContactOutcome_Parse)));
      ARREARS_ASSIGN_OR_RETURN(int weight, Scalar<int>(entry.second, entry_field, -1));
      if (weight < 0) return Bad(entry_field, "weight must be >= 0");
      sim.outcome_weights.emplace_back(outcome, weight);
    }
  }
  ARREARS_ASSIGN_OR_RETURN(int64_t seed, Scalar<int64_t>(node["seed"], field + ".seed", 1));
  sim.seed = static_cast<uint64_t>(seed);
  ARREARS_ASSIGN_OR_RETURN(
      config.rate_per_second,
      Scalar<int64_t>(node["rate_per_second"], field + ".rate_per_second", 100));
  ARREARS_ASSIGN_OR_RETURN(config.burst, Scalar<int64_t>(node["burst"], field + ".burst", 10));
  if (config.rate_per_second < 1) return Bad(field + ".rate_per_second", "must be >= 1");
  if (config.burst < 1) return Bad(field + ".burst", "must be >= 1");
  ARREARS_ASSIGN_OR_RETURN(config.records_calls,
                           Scalar<bool>(node["records_calls"], field + ".records_calls", false));
  ARREARS_ASSIGN_OR_RETURN(config.breaker.failure_threshold,
                           Scalar<int>(node["failure_threshold"], field + ".failure_threshold", 5));
  if (config.breaker.failure_threshold < 1) {
    return Bad(field + ".failure_threshold", "must be >= 1");
  }
  ARREARS_ASSIGN_OR_RETURN(int64_t cool_down_ms,
                           Scalar<int64_t>(node["cool_down_ms"], field + ".cool_down_ms", 30000));
  if (cool_down_ms < 0) return Bad(field + ".cool_down_ms", "must be >= 0");
  config.breaker.cool_down = absl::Milliseconds(cool_down_ms);
  if (const YAML::Node batch = node["batch"]) {
    ARREARS_ASSIGN_OR_RETURN(config.agency_batch, ParseBatch(batch, field + ".batch"));
  }
  return config;
}

}  // namespace

absl::StatusOr<ChannelConfig> ParseChannelConfig(absl::string_view yaml_text) {
  YAML::Node root;
  try {
    root = YAML::Load(std::string(yaml_text));
  } catch (const YAML::Exception& e) {
    return absl::InvalidArgumentError(
        absl::StrCat("channel config: malformed YAML at line ", e.mark.line + 1, ": ", e.msg));
  }
  if (!root.IsMap()) return absl::InvalidArgumentError("channel config: must be a mapping");
  ChannelConfig config;
  try {
    if (const YAML::Node templates = root["templates"]) {
      if (!templates.IsSequence()) return Bad("templates", "must be a list");
      for (size_t i = 0; i < templates.size(); ++i) {
        ARREARS_ASSIGN_OR_RETURN(v1::Template t,
                                 ParseTemplate(templates[i], absl::StrCat("templates[", i, "]")));
        config.templates.push_back(std::move(t));
      }
    }
    if (const YAML::Node providers = root["providers"]) {
      if (!providers.IsSequence()) return Bad("providers", "must be a list");
      for (size_t i = 0; i < providers.size(); ++i) {
        ARREARS_ASSIGN_OR_RETURN(ProviderConfig p,
                                 ParseProvider(providers[i], absl::StrCat("providers[", i, "]")));
        config.providers.push_back(std::move(p));
      }
    }
  } catch (const YAML::Exception& e) {
    return absl::InvalidArgumentError(
        absl::StrCat("channel config: line ", e.mark.line + 1, ": ", e.msg));
  }
  return config;
}

absl::StatusOr<ChannelConfig> LoadChannelConfigFile(const std::string& path) {
  std::ifstream in(path);
  if (!in) return absl::NotFoundError(absl::StrCat("channel config: cannot read \"", path, "\""));
  std::stringstream text;
  text << in.rdbuf();
  absl::StatusOr<ChannelConfig> config = ParseChannelConfig(text.str());
  if (!config.ok()) return Annotate(config.status(), path);
  return config;
}

}  // namespace arrears::contact
