// The decision event's wire-format writer against the message it replaces:
// DecisionEvent() serialized, for requests with every field, none, only
// personal data, unknown fields, and sizes whose lengths change width.
#include "services/compliance_auditing/service/decision_event_bytes.h"

#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "arrears/common/v1/contact.pb.h"
#include "arrears/compliance/v1/decision.pb.h"
#include "arrears/compliance/v1/decision_events.pb.h"
#include "google/protobuf/io/coded_stream.h"
#include "google/protobuf/io/zero_copy_stream_impl_lite.h"
#include "google/protobuf/util/message_differencer.h"
#include "google/protobuf/wire_format_lite.h"
#include "gtest/gtest.h"
#include "services/compliance_auditing/service/audit_records.h"

namespace arrears::compliance::service {
namespace {

using ::google::protobuf::internal::WireFormatLite;
using ::google::protobuf::io::CodedOutputStream;
using ::google::protobuf::io::StringOutputStream;
using ::google::protobuf::util::MessageDifferencer;

using Request = v1::CheckContactRequest;
using ContactPoint = common::v1::ContactPoint;
using Event = v1::ComplianceDecisionEvent;

constexpr char kValue[] = "+8613812345678";
constexpr char kMaskedValue[] = "+86 138****5678";
constexpr char kMessageText[] = "Dear Zhang San, your loan 42 is overdue.";
// Field numbers no message here has.
constexpr int kUnknownField = 1000;
constexpr int kOtherUnknownField = 1001;

// Raw fields, for unknown ones and known numbers with an unexpected wire
// type (which parse as unknown fields).
class RawFields {
 public:
  RawFields& Varint(int field, uint64_t value) {
    Stream().WriteTag(WireFormatLite::MakeTag(field, WireFormatLite::WIRETYPE_VARINT));
    Stream().WriteVarint64(value);
    return *this;
  }
  RawFields& Fixed64(int field, uint64_t value) {
    Stream().WriteTag(WireFormatLite::MakeTag(field, WireFormatLite::WIRETYPE_FIXED64));
    Stream().WriteLittleEndian64(value);
    return *this;
  }
  RawFields& Bytes(int field, const std::string& value) {
    Stream().WriteTag(WireFormatLite::MakeTag(field, WireFormatLite::WIRETYPE_LENGTH_DELIMITED));
    Stream().WriteVarint32(static_cast<uint32_t>(value.size()));
    Stream().WriteString(value);
    return *this;
  }
  RawFields& Group(int field, uint64_t inner_value) {
    Stream().WriteTag(WireFormatLite::MakeTag(field, WireFormatLite::WIRETYPE_START_GROUP));
    Varint(field + 1, inner_value);
    Stream().WriteTag(WireFormatLite::MakeTag(field, WireFormatLite::WIRETYPE_END_GROUP));
    return *this;
  }
  std::string Done() {
    coded_.reset();
    string_stream_.reset();
    return bytes_;
  }

 private:
  CodedOutputStream& Stream() {
    if (coded_ == nullptr) {
      string_stream_ = std::make_unique<StringOutputStream>(&bytes_);
      coded_ = std::make_unique<CodedOutputStream>(string_stream_.get());
    }
    return *coded_;
  }

  std::string bytes_;
  std::unique_ptr<StringOutputStream> string_stream_;
  std::unique_ptr<CodedOutputStream> coded_;
};

template <typename Message>
Message Parse(const std::string& bytes) {
  Message message;
  EXPECT_TRUE(message.ParseFromString(bytes));
  return message;
}

Request FullRequest() {
  Request request;
  request.set_check_id("attempt-1/1");
  request.set_customer_id("cust-cn");
  request.add_debt_ids("loan-1");
  request.add_debt_ids("loan-2");
  request.add_debt_ids("loan-3");
  request.set_channel(common::v1::CHANNEL_SMS);
  ContactPoint& point = *request.mutable_contact_point();
  point.set_contact_point_id("phone-2");
  point.set_type(common::v1::CONTACT_POINT_TYPE_PHONE);
  point.set_value(kValue);
  point.set_masked_value(kMaskedValue);
  request.set_counterparty(common::v1::COUNTERPARTY_GUARANTOR);
  request.set_related_contact_id("related-7");
  request.set_purpose(common::v1::CONTACT_PURPOSE_COLLECTION);
  request.mutable_proposed_time()->set_seconds(1750039200);
  request.mutable_proposed_time()->set_nanos(500);
  request.set_message_text(kMessageText);
  request.set_template_id("tpl-reminder-3");
  request.set_language("zh-CN");
  v1::FieldVisitDetails& visit = *request.mutable_field_visit();
  visit.set_staff_count(2);
  visit.set_recording_on(true);
  visit.set_enters_premises(true);
  visit.set_premises_entry_consented(true);
  request.set_call_recording_on(true);
  request.set_agency_id("agency-9");
  request.add_candidate_time_zones("Asia/Shanghai");
  request.add_candidate_time_zones("Asia/Urumqi");
  request.set_attempt_id("attempt-1");
  request.set_request_id("contact-request-5");
  request.set_actor("collector-11");
  return request;
}

v1::ContactDecision FullDecision() {
  v1::ContactDecision decision;
  decision.set_decision_id("decision-1");
  decision.set_check_id("attempt-1/1");
  decision.set_verdict(v1::VERDICT_DEFER);
  decision.add_reason_codes("QUIET_HOURS");
  decision.add_reason_codes("FREQUENCY_CAP");
  decision.mutable_defer_until()->set_seconds(1750068000);
  v1::PolicyRef& policy = *decision.add_policies();
  policy.set_pack_id("cn-default");
  policy.set_version("2025.1");
  decision.add_policies()->set_pack_id("cn-agency");
  for (const v1::Verdict verdict : {v1::VERDICT_DEFER, v1::VERDICT_ALLOW}) {
    v1::PackVerdict& pack = *decision.add_pack_verdicts();
    *pack.mutable_policy() = policy;
    pack.set_verdict(verdict);
    if (verdict == v1::VERDICT_DEFER) {
      pack.add_reason_codes("QUIET_HOURS");
      pack.mutable_defer_until()->set_seconds(1750068000);
    }
  }
  decision.set_consent_record_id("consent-3");
  v1::ScreeningMatch& match = *decision.add_screening_matches();
  match.set_rule_id("cn.threat.1");
  match.set_category("THREAT");
  match.set_language("zh-CN");
  match.set_matched_text("overdue");
  match.set_offset(31);
  decision.mutable_decide_time()->set_seconds(1750039201);
  return decision;
}

struct Case {
  std::string name;
  Request request;
};

std::vector<Case> Cases() {
  std::vector<Case> cases;
  cases.push_back({"empty", Request()});
  cases.push_back({"full", FullRequest()});

  Request value_only;
  value_only.mutable_contact_point()->set_value(kValue);
  cases.push_back({"contact point holding only a value", value_only});

  Request empty_point;
  empty_point.set_customer_id("cust-cn");
  empty_point.mutable_contact_point();
  cases.push_back({"empty contact point", empty_point});

  Request text_only;
  text_only.set_message_text(kMessageText);
  cases.push_back({"message text only", text_only});

  Request no_point = FullRequest();
  no_point.clear_contact_point();
  cases.push_back({"full without contact point", no_point});

  Request after_point_only;
  after_point_only.set_actor("collector-11");
  after_point_only.set_message_text(kMessageText);
  cases.push_back({"only fields after the contact point", after_point_only});

  Request before_point_only;
  before_point_only.set_check_id("attempt-1/1");
  before_point_only.set_channel(common::v1::CHANNEL_EMAIL);
  cases.push_back({"only fields before the contact point", before_point_only});

  // Lengths whose varints get shorter once the personal data is gone: the
  // contact point's (2 bytes to 1) and the request's (3 bytes to 2).
  Request big = FullRequest();
  big.mutable_contact_point()->set_value(std::string(200, 'v'));
  big.set_message_text(std::string(20000, 't'));
  cases.push_back({"long personal data", big});

  Request many = FullRequest();
  for (int i = 0; i < 2000; ++i) many.add_debt_ids("loan-" + std::to_string(i));
  cases.push_back({"long request", many});

  // Unknown fields in the request and in its contact point, including known
  // numbers with another wire type (message_text and value as varints,
  // contact_point as fixed64), which a parse keeps as unknown fields.
  const std::string point_unknown = RawFields()
                                        .Bytes(ContactPoint::kContactPointIdFieldNumber, "phone-2")
                                        .Bytes(ContactPoint::kValueFieldNumber, kValue)
                                        .Varint(ContactPoint::kValueFieldNumber, 7)
                                        .Bytes(kUnknownField, "point extra")
                                        .Done();
  const std::string unknown_fields = RawFields()
                                         .Varint(kUnknownField, 1)
                                         .Varint(Request::kMessageTextFieldNumber, 5)
                                         .Fixed64(Request::kContactPointFieldNumber, 9)
                                         .Bytes(kOtherUnknownField, "extra")
                                         .Group(kOtherUnknownField + 10, 3)
                                         .Done();
  Request with_point = Parse<Request>(
      FullRequest().SerializeAsString() +
      RawFields().Bytes(Request::kContactPointFieldNumber, point_unknown).Done() + unknown_fields);
  cases.push_back({"unknown fields", with_point});

  // Without a contact point, where unknown fields with small numbers follow
  // the known fields (the empty contact point DecisionEvent adds goes
  // between the two).
  Request small_numbers;
  small_numbers.set_check_id("attempt-1/1");
  small_numbers.set_message_text(kMessageText);
  small_numbers.MergeFrom(Parse<Request>(
      RawFields().Fixed64(Request::kCheckIdFieldNumber, 1).Varint(kUnknownField, 2).Done()));
  cases.push_back({"unknown fields without contact point", small_numbers});

  Request small_numbers_only = small_numbers;
  small_numbers_only.clear_message_text();
  cases.push_back({"only small numbers without contact point", small_numbers_only});

  Request only_unknown = Parse<Request>(unknown_fields);
  cases.push_back({"only unknown fields", only_unknown});
  return cases;
}

// What the message path gives for the request: a copy with the personal
// fields cleared the way DecisionEvent() clears them.
std::string ClearedCopy(const Request& request) {
  Request copy = request;
  copy.mutable_contact_point()->clear_value();
  copy.clear_message_text();
  return copy.SerializeAsString();
}

void ExpectNoPersonalData(const std::string& bytes) {
  EXPECT_EQ(bytes.find(kValue), std::string::npos);
  EXPECT_EQ(bytes.find(kMessageText), std::string::npos);
  EXPECT_EQ(bytes.find(std::string(200, 'v')), std::string::npos);
  EXPECT_EQ(bytes.find(std::string(100, 't')), std::string::npos);
}

TEST(DecisionEventBytesTest, RequestBytesAreTheClearedCopys) {
  for (const Case& c : Cases()) {
    SCOPED_TRACE(c.name);
    std::string out = "prefix";
    AppendRequestWithoutPersonalData(c.request, out);
    ASSERT_EQ(out.substr(0, 6), "prefix");
    const std::string bytes = out.substr(6);
    EXPECT_EQ(bytes, ClearedCopy(c.request));
    EXPECT_EQ(bytes, DecisionEvent(c.request, v1::ContactDecision()).request().SerializeAsString());
    ExpectNoPersonalData(bytes);
  }
}

TEST(DecisionEventBytesTest, KeepsEverythingButThePersonalData) {
  const Request request = FullRequest();
  std::string bytes;
  AppendRequestWithoutPersonalData(request, bytes);
  const Request parsed = Parse<Request>(bytes);
  EXPECT_EQ(parsed.contact_point().contact_point_id(), "phone-2");
  EXPECT_EQ(parsed.contact_point().masked_value(), kMaskedValue);
  EXPECT_TRUE(parsed.contact_point().value().empty());
  EXPECT_TRUE(parsed.message_text().empty());
  EXPECT_EQ(parsed.actor(), "collector-11");
  EXPECT_EQ(parsed.debt_ids_size(), 3);
  // The request itself is untouched.
  EXPECT_EQ(request.contact_point().value(), kValue);
  EXPECT_EQ(request.message_text(), kMessageText);
}

TEST(DecisionEventBytesTest, EventBytesAreDecisionEventSerialized) {
  v1::ContactDecision indexed = FullDecision();
  indexed.set_audit_index(12345);
  for (const Case& c : Cases()) {
    for (const v1::ContactDecision& decision : {FullDecision(), v1::ContactDecision(), indexed}) {
      SCOPED_TRACE(c.name + " / " + decision.ShortDebugString());
      const std::string bytes = SerializeDecisionEvent(c.request, decision);
      EXPECT_EQ(bytes, DecisionEvent(c.request, decision).SerializeAsString());
      ExpectNoPersonalData(bytes);
    }
  }
}

TEST(DecisionEventBytesTest, SuffixIsAnEventWithOnlyTheAuditIndex) {
  for (const uint64_t index :
       {uint64_t{1}, uint64_t{127}, uint64_t{128}, uint64_t{1} << 40, ~uint64_t{0}}) {
    SCOPED_TRACE(index);
    Event event;
    event.mutable_decision()->set_audit_index(index);
    EXPECT_EQ(DecisionAuditIndexSuffix(index), event.SerializeAsString());
  }
  // For 0 the index is written anyway (a serialized message would leave the
  // decision empty), so it still parses as an audit_index of 0.
  const Event zero = Parse<Event>(DecisionAuditIndexSuffix(0));
  EXPECT_TRUE(zero.has_decision());
  EXPECT_EQ(zero.decision().audit_index(), 0u);
}

TEST(DecisionEventBytesTest, SuffixSetsTheAuditIndex) {
  v1::ContactDecision indexed = FullDecision();
  indexed.set_audit_index(7);
  for (const Case& c : Cases()) {
    for (const v1::ContactDecision& decision : {FullDecision(), indexed}) {
      for (const uint64_t index : {uint64_t{0}, uint64_t{1}, uint64_t{1} << 40}) {
        SCOPED_TRACE(c.name + " / " + std::to_string(decision.audit_index()) + " -> " +
                     std::to_string(index));
        const std::string bytes =
            SerializeDecisionEvent(c.request, decision) + DecisionAuditIndexSuffix(index);
        ExpectNoPersonalData(bytes);
        const Event event = Parse<Event>(bytes);
        v1::ContactDecision expected = decision;
        expected.set_audit_index(index);
        EXPECT_TRUE(MessageDifferencer::Equals(event.decision(), expected))
            << event.decision().ShortDebugString();
        EXPECT_TRUE(event.request().contact_point().value().empty());
        EXPECT_TRUE(event.request().message_text().empty());
        EXPECT_EQ(event.request().SerializeAsString(), ClearedCopy(c.request));
      }
    }
  }
}

}  // namespace
}  // namespace arrears::compliance::service
