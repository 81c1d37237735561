#include "common/topics/topics.h"

#include "absl/strings/str_cat.h"
#include "google/protobuf/descriptor.h"

namespace arrears::topics {

const std::vector<TopicSpec>& AllTopics() {
  static const std::vector<TopicSpec>* const kAll = [] {
    auto* all = new std::vector<TopicSpec>();
    const google::protobuf::EnumDescriptor* descriptor = v1::Topic_descriptor();
    for (int i = 0; i < descriptor->value_count(); ++i) {
      const google::protobuf::EnumValueDescriptor* value = descriptor->value(i);
      if (value->number() == v1::TOPIC_UNSPECIFIED) continue;
      all->push_back(value->options().GetExtension(v1::topic));
    }
    return all;
  }();
  return *kAll;
}

const TopicSpec& Spec(Topic topic) {
  static const TopicSpec kEmpty;
  const google::protobuf::EnumValueDescriptor* value =
      v1::Topic_descriptor()->FindValueByNumber(topic);
  if (value == nullptr || topic == v1::TOPIC_UNSPECIFIED) return kEmpty;
  return value->options().GetExtension(v1::topic);
}

std::string DeadLetterTopicName(absl::string_view topic_name) {
  return absl::StrCat(topic_name, ".dlq");
}

}  // namespace arrears::topics
