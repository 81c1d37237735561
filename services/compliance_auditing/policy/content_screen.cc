#include "services/compliance_auditing/policy/content_screen.h"

#include <algorithm>
#include <utility>

#include "absl/container/flat_hash_set.h"
#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "common/status/status_macros.h"
#include "services/compliance_auditing/policy/yaml_fields.h"

namespace arrears::compliance::policy {
namespace {

constexpr absl::string_view kCategories[] = {"THREAT",
                                             "VIOLENCE",
                                             "INSULT",
                                             "IMPERSONATION",
                                             "FALSE_LEGAL_CONSEQUENCE",
                                             "THIRD_PARTY_DISCLOSURE",
                                             "SUIT_THREAT"};

bool IsEnglish(absl::string_view language) { return absl::StartsWith(language, "en"); }

bool IsWordByte(char c) { return absl::ascii_isalnum(static_cast<unsigned char>(c)); }

// Structural UTF-8 check (no overlongs, no surrogates, <= U+10FFFF).
bool IsValidUtf8(absl::string_view s) {
  size_t i = 0;
  while (i < s.size()) {
    const unsigned char c = static_cast<unsigned char>(s[i]);
    int extra;
    uint32_t cp;
    if (c < 0x80) {
      ++i;
      continue;
    } else if (c >= 0xC2 && c <= 0xDF) {
      extra = 1;
      cp = c & 0x1F;
    } else if (c >= 0xE0 && c <= 0xEF) {
      extra = 2;
      cp = c & 0x0F;
    } else if (c >= 0xF0 && c <= 0xF4) {
      extra = 3;
      cp = c & 0x07;
    } else {
      return false;
    }
    if (i + extra >= s.size()) return false;
    for (int k = 1; k <= extra; ++k) {
      const unsigned char cc = static_cast<unsigned char>(s[i + k]);
      if ((cc & 0xC0) != 0x80) return false;
      cp = (cp << 6) | (cc & 0x3F);
    }
    if ((extra == 2 && cp < 0x800) || (extra == 3 && (cp < 0x10000 || cp > 0x10FFFF)) ||
        (cp >= 0xD800 && cp <= 0xDFFF)) {
      return false;
    }
    i += extra + 1;
  }
  return true;
}

// First occurrence of `phrase` in `haystack` (already lower-cased for
// English), honouring word boundaries for English.
size_t FindPhrase(absl::string_view haystack, absl::string_view phrase, bool english) {
  size_t from = 0;
  while (true) {
    const size_t at = haystack.find(phrase, from);
    if (at == absl::string_view::npos || !english) return at;
    const bool left_ok = at == 0 || !IsWordByte(haystack[at - 1]) || !IsWordByte(phrase.front());
    const size_t end = at + phrase.size();
    const bool right_ok =
        end == haystack.size() || !IsWordByte(haystack[end]) || !IsWordByte(phrase.back());
    if (left_ok && right_ok) return at;
    from = at + 1;
  }
}

absl::StatusOr<ScreenCondition> ParseCondition(absl::string_view text, absl::string_view where) {
  if (text == "always") return ScreenCondition::kAlways;
  if (text == "third_party") return ScreenCondition::kThirdPartyOnly;
  if (text == "time_barred") return ScreenCondition::kTimeBarredOnly;
  return absl::InvalidArgumentError(
      absl::StrCat(where, ": \"", text, "\" is not one of always, third_party, time_barred"));
}

}  // namespace

absl::StatusOr<std::unique_ptr<ContentScreen>> ContentScreen::FromYaml(absl::string_view yaml_text,
                                                                       absl::string_view source) {
  auto screen = std::unique_ptr<ContentScreen>(new ContentScreen());
  absl::Status status = [&]() -> absl::Status {
    ARREARS_ASSIGN_OR_RETURN(YAML::Node root, yaml::Parse(yaml_text, source));
    ARREARS_ASSIGN_OR_RETURN(screen->version_, yaml::RequiredString(root, "version", ""));
    const YAML::Node notices = root["opt_out_notices"];
    if (!notices.IsSequence() || notices.size() == 0) {
      return absl::InvalidArgumentError("opt_out_notices: must be a non-empty list");
    }
    for (size_t i = 0; i < notices.size(); ++i) {
      const std::string path = absl::StrCat("opt_out_notices[", i, "]");
      ARREARS_ASSIGN_OR_RETURN(std::string language,
                               yaml::RequiredString(notices[i], "language", path));
      ARREARS_ASSIGN_OR_RETURN(auto phrases,
                               yaml::StringList(notices[i], "phrases", path, /*required=*/true));
      for (auto& p : phrases) {
        if (!IsValidUtf8(p)) return absl::InvalidArgumentError(path + ".phrases: invalid UTF-8");
        const bool english = IsEnglish(language);
        screen->opt_out_phrases_.emplace_back(english,
                                              english ? absl::AsciiStrToLower(p) : std::move(p));
      }
    }
    const YAML::Node rules = root["rules"];
    if (!rules.IsSequence() || rules.size() == 0) {
      return absl::InvalidArgumentError("rules: must be a non-empty list");
    }
    absl::flat_hash_set<std::string> ids;
    for (size_t i = 0; i < rules.size(); ++i) {
      const std::string path = absl::StrCat("rules[", i, "]");
      ScreenRule rule;
      ARREARS_ASSIGN_OR_RETURN(rule.id, yaml::RequiredString(rules[i], "id", path));
      if (!ids.insert(rule.id).second) {
        return absl::InvalidArgumentError(
            absl::StrCat(path, ".id: duplicate rule id \"", rule.id, "\""));
      }
      ARREARS_ASSIGN_OR_RETURN(rule.category, yaml::RequiredString(rules[i], "category", path));
      if (std::find(std::begin(kCategories), std::end(kCategories), rule.category) ==
          std::end(kCategories)) {
        return absl::InvalidArgumentError(
            absl::StrCat(path, ".category: unknown category \"", rule.category, "\""));
      }
      ARREARS_ASSIGN_OR_RETURN(rule.language, yaml::RequiredString(rules[i], "language", path));
      ARREARS_ASSIGN_OR_RETURN(std::string condition,
                               yaml::OptionalString(rules[i], "applies_when", path, "always"));
      ARREARS_ASSIGN_OR_RETURN(rule.condition, ParseCondition(condition, path + ".applies_when"));
      ARREARS_ASSIGN_OR_RETURN(rule.phrases,
                               yaml::StringList(rules[i], "phrases", path, /*required=*/true));
      for (auto& p : rule.phrases) {
        if (!IsValidUtf8(p)) return absl::InvalidArgumentError(path + ".phrases: invalid UTF-8");
        if (IsEnglish(rule.language)) absl::AsciiStrToLower(&p);
      }
      screen->rules_.push_back(std::move(rule));
    }
    return absl::OkStatus();
  }();
  if (!status.ok()) return Annotate(status, source);
  return screen;
}

absl::StatusOr<std::unique_ptr<ContentScreen>> ContentScreen::LoadFile(const std::string& path) {
  ARREARS_ASSIGN_OR_RETURN(std::string text, yaml::ReadFile(path));
  return FromYaml(text, path);
}

absl::StatusOr<std::vector<ScreenMatch>> ContentScreen::Screen(absl::string_view text,
                                                               const ScreenContext& context) const {
  std::vector<ScreenMatch> matches;
  if (text.empty()) return matches;
  if (!IsValidUtf8(text)) return absl::InvalidArgumentError("message_text: invalid UTF-8");
  // Lower-casing ASCII keeps byte offsets identical to the original text.
  const std::string lower = absl::AsciiStrToLower(text);
  for (const ScreenRule& rule : rules_) {
    if (rule.condition == ScreenCondition::kThirdPartyOnly && !context.to_third_party) continue;
    if (rule.condition == ScreenCondition::kTimeBarredOnly && !context.debt_time_barred) continue;
    const bool english = IsEnglish(rule.language);
    ScreenMatch best{&rule, absl::string_view::npos, 0};
    for (const std::string& phrase : rule.phrases) {
      const size_t at = FindPhrase(english ? absl::string_view(lower) : text, phrase, english);
      if (at < best.offset) best = {&rule, at, phrase.size()};
    }
    if (best.offset != absl::string_view::npos) matches.push_back(best);
  }
  std::stable_sort(matches.begin(), matches.end(),
                   [](const ScreenMatch& a, const ScreenMatch& b) { return a.offset < b.offset; });
  return matches;
}

bool ContentScreen::HasOptOutNotice(absl::string_view text) const {
  const std::string lower = absl::AsciiStrToLower(text);
  for (const auto& [english, phrase] : opt_out_phrases_) {
    if (FindPhrase(english ? absl::string_view(lower) : text, phrase, english) !=
        absl::string_view::npos) {
      return true;
    }
  }
  return false;
}

}  // namespace arrears::compliance::policy
