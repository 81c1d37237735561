// The system's Kafka topics, read from the annotations in
// proto/arrears/topics/v1/topics.proto (the single place they are written down).
//
//   const TopicSpec& spec = topics::Spec(topics::v1::TOPIC_LOAN_EVENTS);
//   spec.name()  // "arrears.loan.events.v1"
//
// All functions are thread-safe; the table is built once on first use.
#ifndef ARREARS_COMMON_TOPICS_TOPICS_H_
#define ARREARS_COMMON_TOPICS_TOPICS_H_

#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "arrears/topics/v1/topics.pb.h"

namespace arrears::topics {

using ::arrears::topics::v1::Topic;
using ::arrears::topics::v1::TopicSpec;

// The spec of `topic`. TOPIC_UNSPECIFIED or an unknown value yields an empty spec.
const TopicSpec& Spec(Topic topic);

// Every declared topic (not TOPIC_UNSPECIFIED), in declaration order.
const std::vector<TopicSpec>& AllTopics();

// "<name>.dlq": where a consumer of `topic_name` puts what it could not apply.
std::string DeadLetterTopicName(absl::string_view topic_name);

}  // namespace arrears::topics

#endif  // ARREARS_COMMON_TOPICS_TOPICS_H_
