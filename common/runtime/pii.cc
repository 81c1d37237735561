#include "common/runtime/pii.h"

#include <algorithm>
#include <cstdint>
#include <string>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"

namespace arrears::runtime {
namespace {

constexpr absl::string_view kMasked = "***";

// One decoded code point and the bytes it came from. An invalid byte is a
// unit of its own with `code_point` == kInvalid.
struct Unit {
  static constexpr char32_t kInvalid = 0xFFFFFFFF;
  absl::string_view bytes;
  char32_t code_point;
};

std::vector<Unit> DecodeUtf8(absl::string_view s) {
  std::vector<Unit> units;
  size_t i = 0;
  while (i < s.size()) {
    const auto lead = static_cast<unsigned char>(s[i]);
    size_t length = 0;
    char32_t cp = 0;
    if (lead < 0x80) {
      length = 1;
      cp = lead;
    } else if ((lead & 0xE0) == 0xC0 && lead >= 0xC2) {
      length = 2;
      cp = lead & 0x1F;
    } else if ((lead & 0xF0) == 0xE0) {
      length = 3;
      cp = lead & 0x0F;
    } else if ((lead & 0xF8) == 0xF0 && lead <= 0xF4) {
      length = 4;
      cp = lead & 0x07;
    }
    bool valid = length > 0 && i + length <= s.size();
    for (size_t k = 1; valid && k < length; ++k) {
      const auto c = static_cast<unsigned char>(s[i + k]);
      if ((c & 0xC0) != 0x80) valid = false;
      cp = (cp << 6) | (c & 0x3F);
    }
    if (!valid) {
      units.push_back({s.substr(i, 1), Unit::kInvalid});
      ++i;
      continue;
    }
    units.push_back({s.substr(i, length), cp});
    i += length;
  }
  return units;
}

bool IsCjkIdeograph(char32_t cp) {
  return (cp >= 0x3400 && cp <= 0x4DBF) || (cp >= 0x4E00 && cp <= 0x9FFF) ||
         (cp >= 0xF900 && cp <= 0xFAFF) || (cp >= 0x20000 && cp <= 0x2FA1F);
}

bool IsSpace(const Unit& u) { return u.code_point < 0x80 && absl::ascii_isspace(u.code_point); }

// Appends the units [begin, end) verbatim.
void AppendKept(const std::vector<Unit>& units, size_t begin, size_t end, std::string* out) {
  for (size_t i = begin; i < end; ++i) absl::StrAppend(out, units[i].bytes);
}

// Appends one '*' per unit in [begin, end); whitespace is kept so word
// boundaries stay visible.
void AppendMasked(const std::vector<Unit>& units, size_t begin, size_t end, std::string* out) {
  for (size_t i = begin; i < end; ++i) {
    if (IsSpace(units[i])) {
      absl::StrAppend(out, units[i].bytes);
    } else {
      out->push_back('*');
    }
  }
}

// How much of an identifying number stays visible, by its length: enough to
// tell two records apart, never enough to rebuild the number.
struct Visible {
  size_t front;
  size_t back;
};
Visible VisibleCharsOfNumber(size_t length) {
  if (length >= 11) return {3, 4};
  if (length >= 8) return {0, 4};
  if (length >= 5) return {0, 2};
  return {0, 0};
}

std::string MaskNumber(absl::string_view chars) {
  const Visible visible = VisibleCharsOfNumber(chars.size());
  std::string out(chars.substr(0, visible.front));
  out.append(chars.size() - visible.front - visible.back, '*');
  absl::StrAppend(&out, chars.substr(chars.size() - visible.back));
  return out;
}

// E.164 country codes are prefix-free: 1 and 7 are the only one-digit
// codes, these are the two-digit ones, and every other code has three.
size_t CountryCodeLength(absl::string_view digits) {
  if (digits.empty()) return 0;
  if (digits[0] == '1' || digits[0] == '7') return 1;
  static constexpr absl::string_view kTwoDigitCodes[] = {
      "20", "27", "30", "31", "32", "33", "34", "36", "39", "40", "41", "43", "44", "45", "46",
      "47", "48", "49", "51", "52", "53", "54", "55", "56", "57", "58", "60", "61", "62", "63",
      "64", "65", "66", "81", "82", "84", "86", "90", "91", "92", "93", "94", "95", "98"};
  const absl::string_view prefix = digits.substr(0, 2);
  for (absl::string_view code : kTwoDigitCodes) {
    if (prefix == code) return 2;
  }
  return std::min<size_t>(3, digits.size());
}

bool HasCompoundSurname(const std::vector<Unit>& units) {
  static constexpr absl::string_view kCompoundSurnames[] = {
      "欧阳", "司马", "诸葛", "上官", "东方", "皇甫", "尉迟", "公孙", "慕容", "令狐",
      "长孙", "宇文", "司徒", "夏侯", "轩辕", "端木", "独孤", "南宫", "西门", "申屠"};
  if (units.size() < 3) return false;  // "欧阳" alone reads as surname 欧 + given name 阳.
  const std::string first_two = absl::StrCat(units[0].bytes, units[1].bytes);
  for (absl::string_view surname : kCompoundSurnames) {
    if (first_two == surname) return true;
  }
  return false;
}

std::string MaskChineseName(const std::vector<Unit>& units) {
  const size_t surname_length = HasCompoundSurname(units) ? 2 : 1;
  std::string out;
  AppendKept(units, 0, surname_length, &out);
  AppendMasked(units, surname_length, units.size(), &out);
  return out;
}

std::string MaskLatinName(const std::vector<Unit>& units) {
  std::string out;
  // "Surname, Given": the surname comes first.
  for (size_t i = 0; i < units.size(); ++i) {
    if (units[i].code_point == ',') {
      AppendKept(units, 0, i + 1, &out);
      AppendMasked(units, i + 1, units.size(), &out);
      return out;
    }
  }
  // "Given Middle Surname": the surname is the last word.
  size_t end = units.size();
  while (end > 0 && IsSpace(units[end - 1])) --end;
  size_t surname_begin = end;
  while (surname_begin > 0 && !IsSpace(units[surname_begin - 1])) --surname_begin;
  size_t first_word = 0;
  while (first_word < end && IsSpace(units[first_word])) ++first_word;
  if (surname_begin <= first_word) {
    // A single word: keep only its initial.
    AppendKept(units, 0, std::min(first_word + 1, units.size()), &out);
    AppendMasked(units, first_word + 1, units.size(), &out);
    return out;
  }
  AppendMasked(units, 0, surname_begin, &out);
  AppendKept(units, surname_begin, units.size(), &out);
  return out;
}

bool IsAdministrativeSuffix(char32_t cp) {
  return cp == U'省' || cp == U'市' || cp == U'区' || cp == U'县' || cp == U'州' || cp == U'盟' ||
         cp == U'旗';
}

}  // namespace

std::string MaskPhone(absl::string_view phone) {
  if (phone.empty()) return "";
  const absl::string_view trimmed = absl::StripLeadingAsciiWhitespace(phone);
  const bool international = !trimmed.empty() && trimmed[0] == '+';
  std::string digits;
  for (char c : phone) {
    if (absl::ascii_isdigit(c)) digits.push_back(c);
  }
  if (digits.empty()) return std::string(kMasked);
  if (!international) return MaskNumber(digits);
  const size_t code_length = CountryCodeLength(digits);
  const absl::string_view all = digits;
  const absl::string_view national = all.substr(code_length);
  if (national.empty()) return absl::StrCat("+", all);
  return absl::StrCat("+", all.substr(0, code_length), " ", MaskNumber(national));
}

std::string MaskIdNumber(absl::string_view id_number) {
  if (id_number.empty()) return "";
  std::string chars;
  for (char c : id_number) {
    if (absl::ascii_isalnum(c)) chars.push_back(c);
  }
  if (chars.empty()) return std::string(kMasked);
  return MaskNumber(chars);
}

std::string MaskName(absl::string_view name) {
  const std::vector<Unit> units = DecodeUtf8(absl::StripAsciiWhitespace(name));
  if (units.empty()) return "";
  if (IsCjkIdeograph(units[0].code_point)) return MaskChineseName(units);
  return MaskLatinName(units);
}

std::string MaskEmail(absl::string_view email) {
  if (email.empty()) return "";
  const size_t at = email.rfind('@');
  const absl::string_view local = at == absl::string_view::npos ? email : email.substr(0, at);
  const absl::string_view domain = at == absl::string_view::npos ? "" : email.substr(at);
  const std::vector<Unit> units = DecodeUtf8(local);
  std::string out;
  // A one-character local part would be given away whole by its initial.
  const size_t kept = units.size() > 1 ? 1 : 0;
  AppendKept(units, 0, kept, &out);
  out.append(units.size() - kept, '*');
  absl::StrAppend(&out, domain);
  return out;
}

std::string MaskAddress(absl::string_view address, int max_kept_code_points) {
  const std::vector<Unit> units = DecodeUtf8(absl::StripAsciiWhitespace(address));
  if (units.empty()) return "";
  std::string out;
  if (IsCjkIdeograph(units[0].code_point)) {
    const size_t window =
        std::min(units.size(), static_cast<size_t>(std::max(0, max_kept_code_points)));
    size_t kept = 0;
    for (size_t i = 0; i < window; ++i) {
      if (IsAdministrativeSuffix(units[i].code_point)) kept = i + 1;
    }
    if (kept == 0) kept = std::min<size_t>(3, window);
    AppendKept(units, 0, kept, &out);
    if (kept < units.size()) absl::StrAppend(&out, kMasked);
    return out;
  }
  for (size_t i = 0; i < units.size(); ++i) {
    if (units[i].code_point == ',') {
      absl::StrAppend(&out, kMasked);
      AppendKept(units, i, units.size(), &out);
      return out;
    }
  }
  AppendKept(units, 0, std::min<size_t>(3, units.size()), &out);
  if (units.size() > 3) absl::StrAppend(&out, kMasked);
  return out;
}

}  // namespace arrears::runtime
