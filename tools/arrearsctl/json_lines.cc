#include "tools/arrearsctl/json_lines.h"

#include <string>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "common/ids/id_generator.h"
#include "common/ids/ids.h"
#include "common/proto_convert/proto_convert.h"
#include "common/topics/topics.h"
#include "google/protobuf/io/coded_stream.h"
#include "google/protobuf/io/zero_copy_stream_impl_lite.h"
#include "google/protobuf/util/json_util.h"

namespace arrears::ctl {
namespace {

constexpr char kSource[] = "//arrearsctl";

absl::Status LineError(int line_number, absl::string_view message) {
  return absl::InvalidArgumentError(absl::StrCat("line ", line_number, ": ", message));
}

absl::Status ParseJson(absl::string_view line, int line_number, google::protobuf::Message* out) {
  google::protobuf::util::JsonParseOptions options;
  options.ignore_unknown_fields = false;
  const auto status = google::protobuf::util::JsonStringToMessage(
      google::protobuf::StringPiece(line.data(), line.size()), out, options);
  if (!status.ok()) {
    return LineError(line_number, absl::StrCat("not a ", out->GetDescriptor()->full_name(),
                                               " in protobuf JSON: ", status.message().ToString()));
  }
  return absl::OkStatus();
}

bool EventSet(const google::protobuf::Message& message) {
  const google::protobuf::OneofDescriptor* oneof =
      message.GetDescriptor()->FindOneofByName("event");
  return message.GetReflection()->GetOneofFieldDescriptor(message, oneof) != nullptr;
}

std::string Deterministic(const google::protobuf::Message& message) {
  std::string bytes;
  google::protobuf::io::StringOutputStream stream(&bytes);
  google::protobuf::io::CodedOutputStream coded(&stream);
  coded.SetSerializationDeterministic(true);
  message.SerializeToCodedStream(&coded);
  coded.Trim();
  return bytes;
}

events::Event Make(const google::protobuf::Message& payload, topics::v1::Topic topic,
                   const std::string& key, absl::Time at) {
  events::Event event;
  event.topic = topics::Spec(topic).name();
  event.key = key;
  event.payload = Deterministic(payload);
  // Same content, same id: a re-published line is a duplicate, not news.
  event.envelope.id =
      ids::DeriveTimeOrderedId(absl::StrCat("arrearsctl/", topics::Spec(topic).name()),
                               ids::DeriveId(key, event.payload), at);
  event.envelope.type = payload.GetDescriptor()->full_name();
  event.envelope.source = kSource;
  event.envelope.time = at;
  return event;
}

}  // namespace

absl::StatusOr<loan::v1::LoanEvent> ParseLoanEventLine(absl::string_view line, int line_number,
                                                       absl::Time now) {
  loan::v1::LoanEvent event;
  if (absl::Status parsed = ParseJson(line, line_number, &event); !parsed.ok()) return parsed;
  if (absl::StatusOr<ids::LoanId> id = ids::LoanId::Parse(event.loan_id()); !id.ok()) {
    return LineError(line_number, id.status().message());
  }
  if (absl::StatusOr<ids::CustomerId> id = ids::CustomerId::Parse(event.customer_id()); !id.ok()) {
    return LineError(line_number, id.status().message());
  }
  if (!EventSet(event)) {
    return LineError(line_number,
                     "event: none of loanOpened, repaymentPosted, repaymentReversed, "
                     "scheduleRestructured, feeCharged, feeWaived, loanClosed, loanWrittenOff "
                     "is set");
  }
  if (!event.has_occurred_at()) *event.mutable_occurred_at() = ToTimestamp(now);
  return event;
}

absl::StatusOr<customer::v1::CustomerEvent> ParseCustomerEventLine(absl::string_view line,
                                                                   int line_number,
                                                                   absl::Time now) {
  customer::v1::CustomerEvent event;
  if (absl::Status parsed = ParseJson(line, line_number, &event); !parsed.ok()) return parsed;
  if (absl::StatusOr<ids::CustomerId> id = ids::CustomerId::Parse(event.customer_id()); !id.ok()) {
    return LineError(line_number, id.status().message());
  }
  if (!EventSet(event)) {
    return LineError(line_number,
                     "event: none of contactDataChanged, consentChanged, "
                     "attorneyRepresentationChanged, deceasedNotified, bankruptcyNotified is set");
  }
  if (!event.has_occurred_at()) *event.mutable_occurred_at() = ToTimestamp(now);
  return event;
}

events::Event ToEvent(const loan::v1::LoanEvent& event) {
  return Make(event, topics::v1::TOPIC_LOAN_EVENTS, event.loan_id(),
              FromTimestamp(event.occurred_at()));
}

events::Event ToEvent(const customer::v1::CustomerEvent& event) {
  return Make(event, topics::v1::TOPIC_CUSTOMER_EVENTS, event.customer_id(),
              FromTimestamp(event.occurred_at()));
}

absl::StatusOr<std::vector<events::Event>> ReadEventLines(std::istream& input, EventKind kind,
                                                          absl::Time now) {
  std::vector<events::Event> out;
  std::string line;
  int line_number = 0;
  while (std::getline(input, line)) {
    ++line_number;
    const absl::string_view text = absl::StripAsciiWhitespace(line);
    if (text.empty() || absl::StartsWith(text, "#")) continue;
    if (kind == EventKind::kLoan) {
      absl::StatusOr<loan::v1::LoanEvent> event = ParseLoanEventLine(text, line_number, now);
      if (!event.ok()) return event.status();
      out.push_back(ToEvent(*event));
    } else {
      absl::StatusOr<customer::v1::CustomerEvent> event =
          ParseCustomerEventLine(text, line_number, now);
      if (!event.ok()) return event.status();
      out.push_back(ToEvent(*event));
    }
  }
  if (input.bad()) return absl::UnavailableError("reading the input failed");
  return out;
}

}  // namespace arrears::ctl
