#include "services/compliance_auditing/service/decision_event_bytes.h"

#include <climits>
#include <cstddef>
#include <cstring>

#include "arrears/common/v1/contact.pb.h"
#include "arrears/compliance/v1/decision_events.pb.h"
#include "google/protobuf/io/coded_stream.h"
#include "google/protobuf/unknown_field_set.h"
#include "google/protobuf/wire_format.h"
#include "google/protobuf/wire_format_lite.h"
#include "services/compliance_auditing/service/audit_records.h"

namespace arrears::compliance::service {
namespace {

using ::google::protobuf::UnknownFieldSet;
using ::google::protobuf::internal::WireFormat;
using ::google::protobuf::internal::WireFormatLite;
using ::google::protobuf::io::CodedInputStream;
using ::google::protobuf::io::CodedOutputStream;

using Request = v1::CheckContactRequest;
using ContactPoint = common::v1::ContactPoint;
using Event = v1::ComplianceDecisionEvent;

constexpr uint32_t kRequestTag =
    WireFormatLite::MakeTag(Event::kRequestFieldNumber, WireFormatLite::WIRETYPE_LENGTH_DELIMITED);
constexpr uint32_t kDecisionTag =
    WireFormatLite::MakeTag(Event::kDecisionFieldNumber, WireFormatLite::WIRETYPE_LENGTH_DELIMITED);
constexpr uint32_t kContactPointTag = WireFormatLite::MakeTag(
    Request::kContactPointFieldNumber, WireFormatLite::WIRETYPE_LENGTH_DELIMITED);
constexpr uint32_t kMessageTextTag = WireFormatLite::MakeTag(
    Request::kMessageTextFieldNumber, WireFormatLite::WIRETYPE_LENGTH_DELIMITED);
constexpr uint32_t kContactValueTag = WireFormatLite::MakeTag(
    ContactPoint::kValueFieldNumber, WireFormatLite::WIRETYPE_LENGTH_DELIMITED);
constexpr uint32_t kAuditIndexTag = WireFormatLite::MakeTag(
    v1::ContactDecision::kAuditIndexFieldNumber, WireFormatLite::WIRETYPE_VARINT);

constexpr int kMaxVarint32Bytes = 5;
constexpr int kMaxVarint64Bytes = 10;

constexpr int VarintSize(uint64_t value) { return value < 0x80 ? 1 : 1 + VarintSize(value >> 7); }

// An empty contact_point (tag and length 0) takes this many bytes.
constexpr int kEmptyContactPointSize = VarintSize(kContactPointTag) + 1;

void AppendVarint32(uint32_t value, std::string& out) {
  uint8_t buffer[kMaxVarint32Bytes];
  const uint8_t* end = CodedOutputStream::WriteVarint32ToArray(value, buffer);
  out.append(reinterpret_cast<const char*>(buffer), end - buffer);
}

// Compacts the serialized message data[0, size) in place, leaving out the
// fields whose tag is `drop`; returns the new size, or -1 if the bytes do
// not parse.
int DropFields(uint8_t* data, int size, uint32_t drop) {
  CodedInputStream input(data, size);
  int written = 0;
  while (input.CurrentPosition() < size) {
    const int start = input.CurrentPosition();
    const uint32_t tag = input.ReadTag();
    if (tag == 0 || !WireFormatLite::SkipField(&input, tag)) return -1;
    if (tag == drop) continue;
    const int end = input.CurrentPosition();
    std::memmove(data + written, data + start, end - start);
    written += end - start;
  }
  return written;
}

// Writes to `out` the serialized request in[0, size) without message_text
// and contact_point.value, and with an empty contact_point where it has none
// (`add_contact_point`; its known fields end at `known_end`, the unknown
// fields follow); returns the size written, or -1 if the bytes do not parse.
// `out` may be `in` - kEmptyContactPointSize or later: writes never pass
// reads, and `in` is modified. Fields keep their order; only a
// length-delimited field is message_text, contact_point or its value (any
// other wire type makes an unknown field, which a copy keeps).
int StripRequest(uint8_t* in, int size, bool add_contact_point, int known_end, uint8_t* out) {
  CodedInputStream input(in, size);
  int written = 0;
  const auto copy = [&](const uint8_t* from, int length) {
    std::memmove(out + written, from, length);
    written += length;
  };
  const auto write_empty_contact_point = [&] {
    uint8_t* end = CodedOutputStream::WriteTagToArray(kContactPointTag, out + written);
    *end++ = 0;
    written = static_cast<int>(end - out);
    add_contact_point = false;
  };
  while (input.CurrentPosition() < size) {
    const int start = input.CurrentPosition();
    if (add_contact_point && start >= known_end) write_empty_contact_point();
    const uint32_t tag = input.ReadTag();
    if (tag == 0) return -1;
    if (add_contact_point &&
        WireFormatLite::GetTagFieldNumber(tag) > Request::kContactPointFieldNumber) {
      write_empty_contact_point();
    }
    if (tag == kContactPointTag) {
      uint32_t length = 0;
      if (!input.ReadVarint32(&length)) return -1;
      const int contents = input.CurrentPosition();
      if (length > static_cast<uint32_t>(size - contents)) return -1;
      input.Skip(static_cast<int>(length));
      const int kept = DropFields(in + contents, static_cast<int>(length), kContactValueTag);
      if (kept < 0) return -1;
      // The new length is no longer than the old one, so what is written
      // stays before `contents`.
      uint8_t* end = CodedOutputStream::WriteTagToArray(kContactPointTag, out + written);
      end = CodedOutputStream::WriteVarint32ToArray(static_cast<uint32_t>(kept), end);
      written = static_cast<int>(end - out);
      copy(in + contents, kept);
      continue;
    }
    if (!WireFormatLite::SkipField(&input, tag)) return -1;
    if (tag == kMessageTextTag) continue;
    copy(in + start, input.CurrentPosition() - start);
  }
  if (add_contact_point) write_empty_contact_point();
  return written;
}

// AppendRequestWithoutPersonalData with the request's ByteSizeLong() just
// computed (its cached sizes are current).
void AppendStripped(const Request& request, size_t request_size, std::string& out) {
  if (request_size <= static_cast<size_t>(INT_MAX - kEmptyContactPointSize)) {
    const int size = static_cast<int>(request_size);
    int known_end = size;
    const bool add_contact_point = !request.has_contact_point();
    if (add_contact_point) {
      const UnknownFieldSet& unknown = request.GetReflection()->GetUnknownFields(request);
      if (!unknown.empty()) {
        known_end -= static_cast<int>(WireFormat::ComputeUnknownFieldsSize(unknown));
      }
    }
    // The request is serialized kEmptyContactPointSize bytes further on
    // than where the result goes, leaving room for an added contact_point.
    const size_t start = out.size();
    out.resize(start + kEmptyContactPointSize + size);
    uint8_t* result = reinterpret_cast<uint8_t*>(&out[start]);
    uint8_t* serialized = result + kEmptyContactPointSize;
    request.SerializeWithCachedSizesToArray(serialized);
    const int written = StripRequest(serialized, size, add_contact_point, known_end, result);
    if (written >= 0) {
      out.resize(start + written);
      return;
    }
    out.resize(start);
  }
  // Not reached with bytes protobuf wrote (nor with a request of 2 GiB,
  // which does not serialize anyway); the copy gives the same bytes, slower.
  DecisionEvent(request, v1::ContactDecision()).request().AppendToString(&out);
}

}  // namespace

void AppendRequestWithoutPersonalData(const v1::CheckContactRequest& request, std::string& out) {
  AppendStripped(request, request.ByteSizeLong(), out);
}

std::string SerializeDecisionEvent(const v1::CheckContactRequest& request,
                                   const v1::ContactDecision& decision) {
  const size_t request_size = request.ByteSizeLong();
  const size_t decision_size = decision.ByteSizeLong();
  if (decision_size > static_cast<size_t>(INT_MAX)) {
    return DecisionEvent(request, decision).SerializeAsString();
  }
  std::string out;
  // Room for both fields' tags and lengths, the request (which may gain an
  // empty contact_point) and the decision: nothing below reallocates.
  out.reserve(2 * (kMaxVarint32Bytes + kMaxVarint32Bytes) + kEmptyContactPointSize + request_size +
              decision_size);
  AppendVarint32(kRequestTag, out);
  const size_t request_start = out.size();
  AppendStripped(request, request_size, out);
  uint8_t length[kMaxVarint32Bytes];
  const uint8_t* length_end = CodedOutputStream::WriteVarint32ToArray(
      static_cast<uint32_t>(out.size() - request_start), length);
  out.insert(request_start, reinterpret_cast<const char*>(length), length_end - length);

  AppendVarint32(kDecisionTag, out);
  AppendVarint32(static_cast<uint32_t>(decision_size), out);
  const size_t decision_start = out.size();
  out.resize(decision_start + decision_size);
  decision.SerializeWithCachedSizesToArray(reinterpret_cast<uint8_t*>(&out[decision_start]));
  return out;
}

std::string DecisionAuditIndexSuffix(uint64_t index) {
  const size_t decision_size =
      CodedOutputStream::VarintSize32(kAuditIndexTag) + CodedOutputStream::VarintSize64(index);
  uint8_t buffer[3 * kMaxVarint32Bytes + kMaxVarint64Bytes];
  uint8_t* end = CodedOutputStream::WriteTagToArray(kDecisionTag, buffer);
  end = CodedOutputStream::WriteVarint32ToArray(static_cast<uint32_t>(decision_size), end);
  end = CodedOutputStream::WriteTagToArray(kAuditIndexTag, end);
  end = CodedOutputStream::WriteVarint64ToArray(index, end);
  return std::string(reinterpret_cast<const char*>(buffer), end - buffer);
}

}  // namespace arrears::compliance::service
