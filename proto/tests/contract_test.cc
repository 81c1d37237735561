// Checks the contract rules of proto/README.md mechanically, over every file
// of package arrears.* linked into the binary:
//   - enums: a zero value <ENUM_NAME>_UNSPECIFIED, every value prefixed with
//     the enum's UPPER_SNAKE name;
//   - no float or double fields (money and rates are integers);
//   - paged methods (List*, or any request with page_token) take page_size and
//     page_token and answer next_page_token;
//   - field names are lower_snake_case and not C++ keywords (generated
//     accessors would get a trailing underscore);
//   - each file's package is arrears.<area>.v1 matching its path;
//   - top-level enum names are unique across packages (one Channel enum);
//   - every topic's value_type is a linked message.
// Each checker is also run on a deliberately bad file, so that a checker that
// silently accepts everything fails here.
#include <map>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "common/topics/topics.h"
#include "gmock/gmock.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/descriptor.pb.h"
#include "google/protobuf/descriptor_database.h"
#include "google/protobuf/text_format.h"
#include "gtest/gtest.h"

namespace arrears::proto_contract {
namespace {

using ::google::protobuf::Descriptor;
using ::google::protobuf::DescriptorPool;
using ::google::protobuf::EnumDescriptor;
using ::google::protobuf::FieldDescriptor;
using ::google::protobuf::FileDescriptor;
using ::google::protobuf::FileDescriptorProto;
using ::google::protobuf::MethodDescriptor;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::SizeIs;

using Violations = std::vector<std::string>;

// "ContactOutcome" -> "CONTACT_OUTCOME".
std::string UpperSnake(const std::string& camel) {
  std::string out;
  for (size_t i = 0; i < camel.size(); ++i) {
    const char c = camel[i];
    if (absl::ascii_isupper(c) && i > 0) out.push_back('_');
    out.push_back(absl::ascii_toupper(c));
  }
  return out;
}

bool IsLowerSnake(const std::string& name) {
  if (name.empty() || !absl::ascii_islower(name[0])) return false;
  for (char c : name) {
    if (!absl::ascii_islower(c) && !absl::ascii_isdigit(c) && c != '_') return false;
  }
  return !absl::StrContains(name, "__") && name.back() != '_';
}

bool IsCppKeyword(const std::string& name) {
  static const std::set<std::string> kKeywords = {
      "alignas",       "alignof",     "and",        "and_eq",   "asm",       "auto",
      "bitand",        "bitor",       "bool",       "break",    "case",      "catch",
      "char",          "class",       "compl",      "concept",  "const",     "consteval",
      "constexpr",     "constinit",   "const_cast", "continue", "co_await",  "co_return",
      "co_yield",      "decltype",    "default",    "delete",   "do",        "double",
      "dynamic_cast",  "else",        "enum",       "explicit", "export",    "extern",
      "false",         "float",       "for",        "friend",   "goto",      "if",
      "inline",        "int",         "long",       "mutable",  "namespace", "new",
      "noexcept",      "not",         "not_eq",     "nullptr",  "operator",  "or",
      "or_eq",         "private",     "protected",  "public",   "register",  "reinterpret_cast",
      "requires",      "return",      "short",      "signed",   "sizeof",    "static",
      "static_assert", "static_cast", "struct",     "switch",   "template",  "this",
      "thread_local",  "throw",       "true",       "try",      "typedef",   "typeid",
      "typename",      "union",       "unsigned",   "using",    "virtual",   "void",
      "volatile",      "wchar_t",     "while",      "xor",      "xor_eq"};
  return kKeywords.contains(name);
}

void CheckEnum(const EnumDescriptor& e, Violations& out) {
  const std::string prefix = UpperSnake(e.name()) + "_";
  if (e.value(0)->number() != 0 || e.value(0)->name() != prefix + "UNSPECIFIED") {
    out.push_back(absl::StrCat(e.full_name(), ": first value must be ", prefix,
                               "UNSPECIFIED = 0, is ", e.value(0)->name()));
  }
  for (int i = 0; i < e.value_count(); ++i) {
    if (!absl::StartsWith(e.value(i)->name(), prefix)) {
      out.push_back(
          absl::StrCat(e.full_name(), ".", e.value(i)->name(), ": not prefixed with ", prefix));
    }
  }
}

void CheckField(const FieldDescriptor& f, Violations& out) {
  if (f.type() == FieldDescriptor::TYPE_FLOAT || f.type() == FieldDescriptor::TYPE_DOUBLE) {
    out.push_back(absl::StrCat(f.full_name(), ": float/double field (use integers)"));
  }
  if (!IsLowerSnake(f.name())) {
    out.push_back(absl::StrCat(f.full_name(), ": field name not lower_snake_case"));
  }
  if (IsCppKeyword(f.name())) {
    out.push_back(absl::StrCat(f.full_name(), ": field name is a C++ keyword"));
  }
}

void CheckMessage(const Descriptor& m, Violations& out) {
  for (int i = 0; i < m.field_count(); ++i) CheckField(*m.field(i), out);
  for (int i = 0; i < m.enum_type_count(); ++i) CheckEnum(*m.enum_type(i), out);
  for (int i = 0; i < m.nested_type_count(); ++i) {
    // Map entries are synthesized by protoc; their key/value fields are fine.
    if (!m.nested_type(i)->options().map_entry()) CheckMessage(*m.nested_type(i), out);
  }
}

bool HasField(const Descriptor& m, const std::string& name, FieldDescriptor::Type type) {
  const FieldDescriptor* f = m.FindFieldByName(name);
  return f != nullptr && f->type() == type && !f->is_repeated();
}

void CheckMethod(const MethodDescriptor& method, Violations& out) {
  const Descriptor& in = *method.input_type();
  const Descriptor& response = *method.output_type();
  const bool paged =
      absl::StartsWith(method.name(), "List") || in.FindFieldByName("page_token") != nullptr;
  if (!paged) return;
  if (!HasField(in, "page_size", FieldDescriptor::TYPE_INT32)) {
    out.push_back(absl::StrCat(method.full_name(), ": request lacks int32 page_size"));
  }
  if (!HasField(in, "page_token", FieldDescriptor::TYPE_STRING)) {
    out.push_back(absl::StrCat(method.full_name(), ": request lacks string page_token"));
  }
  if (!HasField(response, "next_page_token", FieldDescriptor::TYPE_STRING)) {
    out.push_back(absl::StrCat(method.full_name(), ": response lacks string next_page_token"));
  }
}

void CheckPackage(const FileDescriptor& file, Violations& out) {
  // "arrears/loan/v1/loan_events.proto" must declare "arrears.loan.v1".
  std::vector<std::string> parts = absl::StrSplit(file.name(), '/');
  parts.pop_back();
  const std::string expected = absl::StrJoin(parts, ".");
  if (parts.size() != 3 || file.package() != expected) {
    out.push_back(absl::StrCat(file.name(), ": package ", file.package(),
                               " does not match path (want arrears.<area>.v1)"));
  }
}

Violations CheckFile(const FileDescriptor& file) {
  Violations out;
  CheckPackage(file, out);
  for (int i = 0; i < file.enum_type_count(); ++i) CheckEnum(*file.enum_type(i), out);
  for (int i = 0; i < file.message_type_count(); ++i) CheckMessage(*file.message_type(i), out);
  for (int i = 0; i < file.service_count(); ++i) {
    for (int j = 0; j < file.service(i)->method_count(); ++j) {
      CheckMethod(*file.service(i)->method(j), out);
    }
  }
  return out;
}

// Every arrears/ file linked into this binary.
std::vector<const FileDescriptor*> ArrearsFiles() {
  std::vector<std::string> names;
  DescriptorPool::internal_generated_database()->FindAllFileNames(&names);
  std::vector<const FileDescriptor*> files;
  for (const std::string& name : names) {
    if (!absl::StartsWith(name, "arrears/")) continue;
    const FileDescriptor* file = DescriptorPool::generated_pool()->FindFileByName(name);
    if (file != nullptr) files.push_back(file);
  }
  return files;
}

TEST(ContractRulesTest, UpperSnake) {
  EXPECT_EQ(UpperSnake("Channel"), "CHANNEL");
  EXPECT_EQ(UpperSnake("ContactOutcome"), "CONTACT_OUTCOME");
}

// The checkers reject a file that breaks every rule.
TEST(ContractRulesTest, CheckersCatchViolations) {
  FileDescriptorProto proto;
  ASSERT_TRUE(google::protobuf::TextFormat::ParseFromString(
      R"pb(
        name: "arrears/bad/v1/bad.proto"
        package: "arrears.wrong.v1"
        syntax: "proto3"
        enum_type {
          name: "Color"
          value { name: "RED" number: 0 }
          value { name: "COLOR_BLUE" number: 1 }
        }
        message_type {
          name: "Price"
          field { name: "amount" number: 1 type: TYPE_DOUBLE label: LABEL_OPTIONAL }
          field { name: "class" number: 2 type: TYPE_STRING label: LABEL_OPTIONAL }
          field { name: "BadName" number: 3 type: TYPE_STRING label: LABEL_OPTIONAL }
        }
        message_type {
          name: "ListPricesRequest"
          field { name: "page_size" number: 1 type: TYPE_INT64 label: LABEL_OPTIONAL }
        }
        service {
          name: "PriceService"
          method {
            name: "ListPrices"
            input_type: ".arrears.wrong.v1.ListPricesRequest"
            output_type: ".arrears.wrong.v1.Price"
          }
        }
      )pb",
      &proto));
  DescriptorPool pool;
  const FileDescriptor* file = pool.BuildFile(proto);
  ASSERT_NE(file, nullptr);
  const Violations violations = CheckFile(*file);
  EXPECT_THAT(violations, SizeIs(9)) << absl::StrJoin(violations, "\n");
  EXPECT_THAT(
      absl::StrJoin(violations, "\n"),
      testing::AllOf(
          HasSubstr("package arrears.wrong.v1"), HasSubstr("first value must be COLOR_UNSPECIFIED"),
          HasSubstr("RED: not prefixed with COLOR_"), HasSubstr("Price.amount: float/double"),
          HasSubstr("Price.class: field name is a C++ keyword"),
          HasSubstr("Price.BadName: field name not lower_snake_case"),
          HasSubstr("lacks int32 page_size"), HasSubstr("lacks string page_token"),
          HasSubstr("lacks string next_page_token")));
}

TEST(ContractTest, EveryAreaIsLinked) {
  std::set<std::string> packages;
  for (const FileDescriptor* file : ArrearsFiles()) packages.insert(file->package());
  EXPECT_THAT(packages, testing::IsSupersetOf({"arrears.common.v1", "arrears.loan.v1",
                                               "arrears.customer.v1", "arrears.delinquency.v1",
                                               "arrears.strategy.v1", "arrears.contact.v1",
                                               "arrears.compliance.v1", "arrears.topics.v1"}));
}

TEST(ContractTest, EveryFileFollowsTheRules) {
  for (const FileDescriptor* file : ArrearsFiles()) {
    EXPECT_THAT(CheckFile(*file), IsEmpty()) << file->name();
  }
}

TEST(ContractTest, TopLevelEnumsAreDefinedOnce) {
  std::map<std::string, std::string> defined_in;
  for (const FileDescriptor* file : ArrearsFiles()) {
    for (int i = 0; i < file->enum_type_count(); ++i) {
      const EnumDescriptor& e = *file->enum_type(i);
      auto [it, inserted] = defined_in.emplace(e.name(), e.full_name());
      EXPECT_TRUE(inserted) << e.full_name() << " duplicates " << it->second;
    }
  }
}

TEST(ContractTest, EveryServiceMethodIsPresent) {
  // The methods the issues name; a rename breaks their implementations.
  const std::map<std::string, std::vector<std::string>> kMethods = {
      {"arrears.delinquency.v1.OverdueService",
       {"GetLoanDelinquency", "ListDelinquentLoans", "GetOverdueReport", "CloseBusinessDay",
        "GetDelinquencyHistory"}},
      {"arrears.strategy.v1.StrategyService",
       {"GetCase", "ListCases", "AssignCase", "RecordPromise", "ProposePlan", "AcceptPlan",
        "PutStrategy", "GetStrategy", "SimulateStrategy", "GetStrategyReport"}},
      {"arrears.contact.v1.ContactService",
       {"RecordOutcome", "GetContactHistory", "ListFieldVisits", "CheckInFieldVisit",
        "CompleteFieldVisit", "RegisterTemplate"}},
      {"arrears.compliance.v1.ComplianceService",
       {"CheckContact", "RecordPreference", "RegisterDispute", "ResolveDispute",
        "RegisterComplaint", "ResolveComplaint", "ScreenMessage", "GetAuditEntry", "QueryAudit",
        "GetInclusionProof", "GetConsistencyProof", "GetCheckpoint", "VerifyLog", "ExportAudit"}},
  };
  for (const auto& [service_name, methods] : kMethods) {
    const auto* service = DescriptorPool::generated_pool()->FindServiceByName(service_name);
    ASSERT_NE(service, nullptr) << service_name;
    for (const std::string& method : methods) {
      EXPECT_NE(service->FindMethodByName(method), nullptr) << service_name << "." << method;
    }
  }
}

TEST(ContractTest, EveryTopicValueTypeResolves) {
  ASSERT_FALSE(topics::AllTopics().empty());
  for (const topics::TopicSpec& spec : topics::AllTopics()) {
    EXPECT_NE(DescriptorPool::generated_pool()->FindMessageTypeByName(spec.value_type()), nullptr)
        << spec.name() << " names unknown value type " << spec.value_type();
  }
}

}  // namespace
}  // namespace arrears::proto_contract
