// ContentScreen: finds prohibited wording in a message or template text.
//
// Rules come from a versioned YAML file (packs/screening-rules.yaml): each has
// a stable id ("en.threat.1"), a category (THREAT, VIOLENCE, INSULT,
// IMPERSONATION, FALSE_LEGAL_CONSEQUENCE, THIRD_PARTY_DISCLOSURE, SUIT_THREAT),
// a language, a condition (always; only when the counterparty is a third
// party; only when a debt is time-barred) and a list of phrases. The file also
// lists the opt-out notice phrases per language that e-mails and texts must
// carry.
//
// Matching:
//  - English ("en*") phrases match ASCII case-insensitively and on word
//    boundaries ("kill" does not match "skill").
//  - Other languages (Chinese) match as exact UTF-8 substrings; the text must
//    be valid UTF-8 (else InvalidArgument: the caller fails closed), which
//    makes every byte match fall on character boundaries.
//  - Every language's rules are applied whatever the message's declared
//    language, so a mixed-language message cannot slip through.
//
// Immutable after Create(); thread-safe.
#ifndef ARREARS_SERVICES_COMPLIANCE_AUDITING_POLICY_CONTENT_SCREEN_H_
#define ARREARS_SERVICES_COMPLIANCE_AUDITING_POLICY_CONTENT_SCREEN_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace arrears::compliance::policy {

enum class ScreenCondition {
  kAlways,
  // Only when the message goes to an unrelated third party.
  kThirdPartyOnly,
  // Only when one of the debts is time-barred.
  kTimeBarredOnly,
};

struct ScreenRule {
  std::string id;
  std::string category;
  std::string language;
  ScreenCondition condition = ScreenCondition::kAlways;
  // English phrases stored lower-cased.
  std::vector<std::string> phrases;
};

// The facts that decide which conditional rules apply.
struct ScreenContext {
  bool to_third_party = false;
  bool debt_time_barred = false;
};

struct ScreenMatch {
  const ScreenRule* rule = nullptr;  // owned by the ContentScreen
  // Byte offset and length of the match in the screened text.
  size_t offset = 0;
  size_t length = 0;
};

class ContentScreen {
 public:
  // Parses rules from YAML text; errors name `source` and the field
  // ("rules[3].phrases: must be a non-empty list").
  static absl::StatusOr<std::unique_ptr<ContentScreen>> FromYaml(absl::string_view yaml_text,
                                                                 absl::string_view source);
  static absl::StatusOr<std::unique_ptr<ContentScreen>> LoadFile(const std::string& path);

  const std::string& version() const { return version_; }
  const std::vector<ScreenRule>& rules() const { return rules_; }

  // Matches of the rules that apply in `context`, ordered by offset, at most
  // one per rule (its earliest phrase occurrence). InvalidArgument on
  // invalid UTF-8.
  absl::StatusOr<std::vector<ScreenMatch>> Screen(absl::string_view text,
                                                  const ScreenContext& context) const;
  // Whether `text` carries an opt-out notice in any language.
  bool HasOptOutNotice(absl::string_view text) const;

 private:
  ContentScreen() = default;

  std::string version_;
  std::vector<ScreenRule> rules_;
  // Opt-out phrases; `english` ones lower-cased.
  std::vector<std::pair<bool, std::string>> opt_out_phrases_;
};

}  // namespace arrears::compliance::policy

#endif  // ARREARS_SERVICES_COMPLIANCE_AUDITING_POLICY_CONTENT_SCREEN_H_
