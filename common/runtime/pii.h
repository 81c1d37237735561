// Masking of personal data before it reaches a log line, a metric label or
// an error message. Masked output keeps just enough for an agent or an
// engineer to tell records apart; it must never be reversible.
//
// All functions are UTF-8 aware: they count and mask Unicode code points,
// never bytes, so a Chinese character becomes one '*'. A byte that is not
// valid UTF-8 counts as one (masked) code point. Pure functions; thread-safe.
//
// Rules (the bank's policy "surname kept, given name masked" for names):
//
//   MaskPhone     digits only, separators dropped. A leading "+<country code>"
//                 is kept (E.164 codes are prefix-free, so the code is found
//                 without separators) and followed by a space. Of the
//                 national number: >= 11 digits keep the first 3 and last 4;
//                 8-10 keep the last 4; 5-7 keep the last 2; shorter ones
//                 are fully masked.
//                   "13812341234"      -> "138****1234"
//                   "+86 138-1234-1234" -> "+86 138****1234"
//                   "+1 415 555 2671"  -> "+1 ******2671"
//   MaskIdNumber  the same digit policy applied to every character (resident
//                 IDs end in 'X'): "11010519491231002X" -> "110***********002X".
//   MaskName      Chinese (no spaces, starts with a CJK ideograph): the
//                 surname is kept, including the common two-character
//                 surnames (欧阳, 司马, ...), every other code point becomes
//                 '*': "张三丰" -> "张**", "欧阳娜娜" -> "欧阳**".
//                 Latin with spaces: "Given Middle Surname" keeps the last
//                 word ("John Smith" -> "**** Smith"); "Surname, Given" keeps
//                 the part before the comma ("Smith, John" -> "Smith, ****").
//                 A single word keeps its first code point ("Madonna" ->
//                 "M******").
//   MaskEmail     the local part keeps its first code point, the domain is
//                 kept: "zhang.san@example.com" -> "z********@example.com".
//                 A one-code-point local part is masked whole. Without '@'
//                 the whole input is treated as a local part.
//   MaskAddress   Chinese (starts with a CJK ideograph): kept up to the last
//                 administrative suffix (省 市 区 县 州 盟 旗) found within the
//                 first `max_kept_code_points` code points, then "***":
//                 "北京市朝阳区建国路88号" -> "北京市朝阳区***",
//                 "广东省深圳市南山区科技园1号" -> "广东省深圳市南山区***".
//                 Without such a suffix only the first 3 code points are kept.
//                 Latin with commas (most specific part first): the first
//                 part (street and number) becomes "***" and the rest is
//                 kept: "221B Baker Street, London" -> "***, London".
//                 Otherwise, since where the city ends is unknown, only the
//                 first 3 code points are kept, then "***".
//
// Empty input gives empty output in every function; a phone or ID number
// without any digit or letter gives "***".
#ifndef ARREARS_COMMON_RUNTIME_PII_H_
#define ARREARS_COMMON_RUNTIME_PII_H_

#include <string>

#include "absl/strings/string_view.h"

namespace arrears::runtime {

std::string MaskPhone(absl::string_view phone);
std::string MaskIdNumber(absl::string_view id_number);
std::string MaskName(absl::string_view name);
std::string MaskEmail(absl::string_view email);
std::string MaskAddress(absl::string_view address, int max_kept_code_points = 9);

}  // namespace arrears::runtime

#endif  // ARREARS_COMMON_RUNTIME_PII_H_
