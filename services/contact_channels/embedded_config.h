// The service's embedded default channel configuration: the text of
// config/default_channels.yaml, compiled into the binary so that the
// service runs with no configuration file (--channel_config overrides it).
#ifndef ARREARS_SERVICES_CONTACT_CHANNELS_EMBEDDED_CONFIG_H_
#define ARREARS_SERVICES_CONTACT_CHANNELS_EMBEDDED_CONFIG_H_

#include "absl/strings/string_view.h"

namespace arrears::contact {

absl::string_view DefaultChannelConfigYaml();

}  // namespace arrears::contact

#endif  // ARREARS_SERVICES_CONTACT_CHANNELS_EMBEDDED_CONFIG_H_
