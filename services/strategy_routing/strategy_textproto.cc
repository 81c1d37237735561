#include "services/strategy_routing/strategy_textproto.h"

#include <algorithm>
#include <string>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "google/protobuf/io/tokenizer.h"
#include "google/protobuf/text_format.h"

namespace arrears::strategy {
namespace {

using google::protobuf::Descriptor;
using google::protobuf::EnumValueDescriptor;
using google::protobuf::FieldDescriptor;
using google::protobuf::Message;
using google::protobuf::Reflection;
using google::protobuf::TextFormat;

// "CHANNEL_SMS" -> "sms": the name without the prefix its enum's zero value
// ("CHANNEL_UNSPECIFIED") shares with every value, lowercased, as the YAML
// files write it. An unknown number stays a number (the validator names it).
std::string EnumText(const FieldDescriptor* field, int number) {
  const EnumValueDescriptor* value = field->enum_type()->FindValueByNumber(number);
  if (value == nullptr) return absl::StrCat(number);
  std::string name = value->name();
  const EnumValueDescriptor* zero = field->enum_type()->FindValueByNumber(0);
  if (zero != nullptr && absl::EndsWith(zero->name(), "UNSPECIFIED")) {
    const absl::string_view prefix =
        absl::string_view(zero->name()).substr(0, zero->name().size() - 11);
    if (absl::StartsWith(name, prefix)) name.erase(0, prefix.size());
  }
  return absl::AsciiStrToLower(name);
}

YAML::Node MessageToNode(const Message& message);

// The value of `field` (element `index` of a repeated one).
YAML::Node ValueToNode(const Message& message, const FieldDescriptor* field, int index) {
  const Reflection* r = message.GetReflection();
  const bool repeated = field->is_repeated();
  switch (field->cpp_type()) {
    case FieldDescriptor::CPPTYPE_STRING:
      return YAML::Node(repeated ? r->GetRepeatedString(message, field, index)
                                 : r->GetString(message, field));
    case FieldDescriptor::CPPTYPE_INT64:
      return YAML::Node(static_cast<long long>(  // NOLINT(runtime/int): yaml-cpp's type
          repeated ? r->GetRepeatedInt64(message, field, index) : r->GetInt64(message, field)));
    case FieldDescriptor::CPPTYPE_INT32:
      return YAML::Node(repeated ? r->GetRepeatedInt32(message, field, index)
                                 : r->GetInt32(message, field));
    case FieldDescriptor::CPPTYPE_BOOL:
      return YAML::Node(repeated ? r->GetRepeatedBool(message, field, index)
                                 : r->GetBool(message, field));
    case FieldDescriptor::CPPTYPE_ENUM:
      return YAML::Node(EnumText(field, repeated ? r->GetRepeatedEnumValue(message, field, index)
                                                 : r->GetEnumValue(message, field)));
    case FieldDescriptor::CPPTYPE_MESSAGE:
      return MessageToNode(repeated ? r->GetRepeatedMessage(message, field, index)
                                    : r->GetMessage(message, field));
    default:
      // StrategyDefinition has no other types; a future one shows up as a
      // validator error on its (unknown) key rather than being dropped.
      return YAML::Node("unsupported field type");
  }
}

// The YAML key of a field: its name, except where the YAML key is a C++
// keyword the proto contract forbids as a field name ("template").
std::string YamlKey(const FieldDescriptor* field) {
  return field->name() == "template_id" ? std::string("template") : field->name();
}

const FieldDescriptor* FieldForYamlKey(const Descriptor* type, absl::string_view key) {
  return type->FindFieldByName(key == "template" ? std::string("template_id") : std::string(key));
}

YAML::Node MessageToNode(const Message& message) {
  YAML::Node map(YAML::NodeType::Map);
  std::vector<const FieldDescriptor*> fields;
  // Set fields only: unset optionals, zero enums and empty lists stay out.
  message.GetReflection()->ListFields(message, &fields);
  for (const FieldDescriptor* field : fields) {
    if (field->is_repeated()) {
      YAML::Node list(YAML::NodeType::Sequence);
      const int size = message.GetReflection()->FieldSize(message, field);
      for (int i = 0; i < size; ++i) list.push_back(ValueToNode(message, field, i));
      map[YamlKey(field)] = list;
    } else {
      map[YamlKey(field)] = ValueToNode(message, field, -1);
    }
  }
  return map;
}

class Collector final : public google::protobuf::io::ErrorCollector {
 public:
  explicit Collector(std::vector<ConfigError>* errors) : errors_(errors) {}
  void AddError(int line, google::protobuf::io::ColumnNumber column,
                const std::string& message) override {
    errors_->push_back({line + 1, column + 1, "", message});
  }

 private:
  std::vector<ConfigError>* errors_;
};

// Where the validator's field path ("segments[2].steps[0].channel") is in
// the file: the deepest field of the path present in the parse tree.
void Locate(const TextFormat::ParseInfoTree& root, ConfigError& error) {
  const Descriptor* type = v1::StrategyDefinition::descriptor();
  const TextFormat::ParseInfoTree* tree = &root;
  error.line = 0;
  error.column = 0;
  for (absl::string_view part : absl::StrSplit(error.field, '.')) {
    int index = -1;
    if (const size_t bracket = part.find('['); bracket != absl::string_view::npos) {
      absl::string_view number = part.substr(bracket + 1);
      number.remove_suffix(number.empty() ? 0 : 1);
      if (!absl::SimpleAtoi(number, &index)) index = -1;
      part = part.substr(0, bracket);
    }
    const FieldDescriptor* field = FieldForYamlKey(type, part);
    if (field == nullptr) return;
    const int at = field->is_repeated() ? std::max(index, 0) : -1;
    const TextFormat::ParseLocation location = tree->GetLocation(field, at);
    if (location.line < 0) return;
    error.line = location.line + 1;
    error.column = location.column + 1;
    if (field->cpp_type() != FieldDescriptor::CPPTYPE_MESSAGE ||
        (field->is_repeated() && index < 0)) {
      return;
    }
    tree = tree->GetTreeForNested(field, at);
    type = field->message_type();
    if (tree == nullptr) return;
  }
}

}  // namespace

YAML::Node StrategyDefinitionToDocument(const v1::StrategyDefinition& definition) {
  return MessageToNode(definition);
}

StrategyParseResult ParseStrategyTextProto(absl::string_view text) {
  StrategyParseResult result;
  v1::StrategyDefinition definition;
  TextFormat::ParseInfoTree tree;
  Collector collector(&result.errors);
  TextFormat::Parser parser;
  parser.RecordErrorsTo(&collector);
  parser.WriteLocationsTo(&tree);
  if (!parser.ParseFromString(std::string(text), &definition)) {
    if (result.errors.empty()) result.errors.push_back({0, 0, "", "not a StrategyDefinition"});
    return result;
  }
  result = ParseStrategyDocument(StrategyDefinitionToDocument(definition));
  for (ConfigError& error : result.errors) Locate(tree, error);
  return result;
}

}  // namespace arrears::strategy
