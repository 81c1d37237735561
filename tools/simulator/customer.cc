#include "tools/simulator/customer.h"

#include <algorithm>
#include <string>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/types/span.h"
#include "tools/simulator/entity_random.h"

namespace arrears::simulator {
namespace {

using ::arrears::common::v1::Channel;
using ::arrears::common::v1::Counterparty;
using ::arrears::customer::v1::ChannelConsent;
using ::arrears::customer::v1::Email;
using ::arrears::customer::v1::PersonName;
using ::arrears::customer::v1::Phone;
using ::arrears::customer::v1::PostalAddress;

struct City {
  const char* name;         // as written on the address
  const char* region_code;  // ISO 3166-2
  const char* country_code;
  const char* time_zone;
  const char* branch_code;
  const char* postal_prefix;  // the postal code starts with it
  const char* phone_prefix;   // land line prefix (E.164 without the number)
  bool chinese;               // Chinese address format, Chinese-speaking majority
  int weight;
};

constexpr City kCities[] = {
    {"上海市", "CN-SH", "CN", "Asia/Shanghai", "SH", "200", "+8621", true, 180},
    {"北京市", "CN-BJ", "CN", "Asia/Shanghai", "BJ", "100", "+8610", true, 140},
    {"广州市", "CN-GD", "CN", "Asia/Shanghai", "GZ", "510", "+8620", true, 100},
    {"深圳市", "CN-GD", "CN", "Asia/Shanghai", "SZ", "518", "+86755", true, 100},
    {"杭州市", "CN-ZJ", "CN", "Asia/Shanghai", "HZ", "310", "+86571", true, 80},
    {"成都市", "CN-SC", "CN", "Asia/Shanghai", "CD", "610", "+8628", true, 80},
    {"南京市", "CN-JS", "CN", "Asia/Shanghai", "NJ", "210", "+8625", true, 60},
    {"武汉市", "CN-HB", "CN", "Asia/Shanghai", "WH", "430", "+8627", true, 70},
    {"西安市", "CN-SN", "CN", "Asia/Shanghai", "XA", "710", "+8629", true, 50},
    // Many in Xinjiang live on Xinjiang time, two hours behind Beijing.
    {"乌鲁木齐市", "CN-XJ", "CN", "Asia/Urumqi", "UQ", "830", "+86991", true, 20},
    {"New York", "US-NY", "US", "America/New_York", "NY", "100", "+1212", false, 50},
    {"San Francisco", "US-CA", "US", "America/Los_Angeles", "SF", "941", "+1415", false, 20},
};

constexpr const char* kChineseFamilyNames[] = {
    "王", "李", "张", "刘", "陈", "杨", "黄", "赵", "吴", "周", "徐", "孙", "马", "朱", "胡",
    "郭", "何", "林", "高", "罗", "郑", "梁", "谢", "宋", "唐", "许", "韩", "冯", "邓", "曹"};
constexpr int kChineseFamilyWeights[] = {72, 72, 70, 54, 46, 31, 24, 23, 21, 19, 18, 17, 12, 11, 11,
                                         11, 10, 10, 10, 9,  9,  8,  7,  7,  6,  6,  6,  6,  6,  5};
constexpr const char* kChineseGivenNames[] = {
    "伟",   "芳",   "娜",   "敏",   "静",   "丽",   "强",   "磊",   "军",   "洋",   "勇",
    "艳",   "杰",   "娟",   "涛",   "明",   "超",   "霞",   "平",   "刚",   "秀英", "桂英",
    "建华", "志强", "晓明", "婷婷", "雪",   "慧",   "鑫",   "宇",   "浩",   "欣怡", "子涵",
    "梓萱", "俊杰", "嘉怡", "一诺", "家豪", "海燕", "红梅", "玉兰", "国强", "建国", "文博"};
constexpr const char* kEnglishFamilyNames[] = {
    "Smith",  "Johnson",   "Williams", "Brown",    "Jones",  "Garcia", "Miller", "Davis",
    "Wilson", "Rodriguez", "Martinez", "Anderson", "Taylor", "Thomas", "Moore",  "Jackson",
    "Martin", "Lee",       "Thompson", "White",    "Harris", "Clark",  "Lewis",  "Walker"};
constexpr const char* kEnglishGivenNames[] = {
    "James",  "Mary",  "Robert",  "Patricia", "John",    "Jennifer", "Michael", "Linda",
    "David",  "Susan", "William", "Barbara",  "Richard", "Jessica",  "Joseph",  "Sarah",
    "Thomas", "Karen", "Daniel",  "Emily",    "Kevin",   "Grace",    "Brian",   "Laura"};
constexpr const char* kChineseDistricts[] = {"中心区", "新城区", "高新区", "经开区",
                                             "滨江区", "东城区", "西城区", "南湖区"};
constexpr const char* kChineseStreets[] = {"人民路",   "解放路",   "中山路", "建设路",
                                           "和平路",   "长江路",   "文化路", "花园路",
                                           "科技大道", "世纪大道", "幸福路", "光明路"};
constexpr const char* kChineseCompanies[] = {"科技有限公司", "贸易有限公司", "物流有限公司",
                                             "餐饮管理有限公司", "建筑工程有限公司"};
constexpr const char* kUsStreets[] = {"Main St",       "Broadway",   "Park Ave",  "Oak St",
                                      "Maple Ave",     "Mission St", "Market St", "Columbus Ave",
                                      "Lexington Ave", "Pine St"};
constexpr const char* kCnMobilePrefixes[] = {"130", "131", "132", "133", "135", "136", "137",
                                             "138", "139", "150", "151", "152", "153", "155",
                                             "156", "158", "159", "177", "180", "181", "182",
                                             "183", "185", "186", "187", "188", "189", "199"};
constexpr const char* kUsMobileAreaCodes[] = {"212", "646", "917", "347", "415", "628"};
constexpr const char* kRelationships[] = {"SPOUSE", "PARENT", "SIBLING", "FRIEND", "COLLEAGUE"};

template <typename T, size_t N>
absl::Span<const T> Span(const T (&array)[N]) {
  return absl::Span<const T>(array, N);
}

const City& PickCity(EntityRandom& random) {
  std::vector<int> weights;
  for (const City& city : kCities) weights.push_back(city.weight);
  return kCities[random.Weighted(weights)];
}

PersonName ChineseName(EntityRandom& random) {
  PersonName name;
  std::vector<int> weights(std::begin(kChineseFamilyWeights), std::end(kChineseFamilyWeights));
  name.set_family_name(kChineseFamilyNames[random.Weighted(weights)]);
  name.set_given_name(random.Pick(Span(kChineseGivenNames)));
  name.set_full_name(absl::StrCat(name.family_name(), name.given_name()));
  return name;
}

PersonName EnglishName(EntityRandom& random) {
  PersonName name;
  name.set_family_name(random.Pick(Span(kEnglishFamilyNames)));
  name.set_given_name(random.Pick(Span(kEnglishGivenNames)));
  name.set_full_name(absl::StrCat(name.given_name(), " ", name.family_name()));
  return name;
}

std::string MobileNumber(EntityRandom& random, const City& city) {
  if (std::string(city.country_code) == "US") {
    // 555-01xx is reserved for fiction.
    return absl::StrCat("+1", random.Pick(Span(kUsMobileAreaCodes)), "55501", random.Digits(2));
  }
  return absl::StrCat("+86", random.Pick(Span(kCnMobilePrefixes)), random.Digits(8));
}

std::string LandLine(EntityRandom& random, const City& city) {
  if (std::string(city.country_code) == "US") {
    return absl::StrCat(city.phone_prefix, "55501", random.Digits(2));
  }
  // Big cities have 8-digit local numbers after a 2-digit area code, others 7.
  const int digits = std::string(city.phone_prefix).size() <= 5 ? 8 : 7;
  return absl::StrCat(city.phone_prefix, random.Uniform(2, 8), random.Digits(digits - 1));
}

PostalAddress HomeAddress(EntityRandom& random, const City& city, const std::string& id,
                          PostalAddress::Type type) {
  PostalAddress address;
  address.set_contact_point_id(id);
  address.set_type(type);
  address.set_locality(city.name);
  address.set_region_code(city.region_code);
  address.set_country_code(city.country_code);
  address.set_time_zone(city.time_zone);
  if (city.chinese) {
    address.add_lines(absl::StrCat(random.Pick(Span(kChineseDistricts)),
                                   random.Pick(Span(kChineseStreets)), random.Uniform(1, 999),
                                   "号"));
    address.add_lines(type == PostalAddress::TYPE_WORK
                          ? absl::StrCat(random.Uniform(1, 30), "楼")
                          : absl::StrCat(random.Uniform(1, 30), "号楼", random.Uniform(1, 33),
                                         absl::StrFormat("%02d", random.Uniform(1, 8)), "室"));
    address.set_postal_code(absl::StrCat(city.postal_prefix, random.Digits(3)));
  } else {
    address.add_lines(absl::StrCat(random.Uniform(1, 2999), " ", random.Pick(Span(kUsStreets))));
    if (random.ChancePerMille(600)) {
      address.add_lines(
          absl::StrCat("Apt ", random.Uniform(1, 40),
                       std::string(1, static_cast<char>('A' + random.Uniform(0, 7)))));
    }
    address.set_postal_code(absl::StrCat(city.postal_prefix, random.Digits(2)));
  }
  address.set_verified(random.ChancePerMille(850));
  return address;
}

ChannelConsent Consent(const std::string& customer_id, Channel channel, bool granted,
                       absl::string_view suffix) {
  ChannelConsent consent;
  consent.set_channel(channel);
  consent.set_status(granted ? ChannelConsent::STATUS_GRANTED : ChannelConsent::STATUS_REVOKED);
  consent.set_consent_record_id(absl::StrCat("consent-", customer_id, "-", suffix));
  return consent;
}

}  // namespace

std::string CustomerId(int64_t index) { return absl::StrFormat("C%08d", index); }

Customer GenerateCustomer(const CustomerGeneration& generation, int64_t index) {
  EntityRandom random(generation.seed, "customer", static_cast<uint64_t>(index));
  Customer customer;
  customer.customer_id = CustomerId(index);
  customer.behaviour = static_cast<Behaviour>(random.Weighted(generation.mix.weights));
  customer.onset_day =
      StopsPaying(customer.behaviour)
          ? static_cast<int>(random.Uniform(0, std::max(0, generation.simulated_days * 2 / 3)))
          : 0;

  const City& city = PickCity(random);
  const bool in_china = std::string(city.country_code) == "CN";
  // Most in China prefer Chinese (a few expatriates English); in the US,
  // most prefer English and some Chinese.
  const bool chinese = in_china ? !random.ChancePerMille(20) : random.ChancePerMille(300);
  customer.language = chinese ? "zh-CN" : "en";
  customer.time_zone = city.time_zone;
  customer.residence_jurisdiction = in_china ? "CN" : city.region_code;
  customer.branch_id = absl::StrFormat("BR-%s-%02d", city.branch_code, random.Uniform(1, 6));

  customer::v1::ContactData& data = customer.contact_data;
  *data.mutable_name() = chinese ? ChineseName(random) : EnglishName(random);
  data.set_time_zone(city.time_zone);
  data.set_preferred_language(customer.language);
  data.set_residence_jurisdiction(customer.residence_jurisdiction);

  Phone& mobile = *data.add_phones();
  mobile.set_contact_point_id("phone-1");
  mobile.set_number(MobileNumber(random, city));
  mobile.set_type(Phone::TYPE_MOBILE);
  mobile.set_verified(random.ChancePerMille(920));
  if (random.ChancePerMille(300)) {
    Phone& second = *data.add_phones();
    second.set_contact_point_id("phone-2");
    const bool work = random.ChancePerMille(500);
    second.set_number(LandLine(random, city));
    second.set_type(work ? Phone::TYPE_WORK : Phone::TYPE_HOME);
    second.set_verified(random.ChancePerMille(700));
  }

  const bool has_email = chinese ? random.ChancePerMille(600) : random.ChancePerMille(950);
  if (has_email) {
    Email& email = *data.add_emails();
    email.set_contact_point_id("email-1");
    email.set_type(Email::TYPE_PERSONAL);
    if (chinese) {
      email.set_address(absl::StrCat(random.Uniform(10000, 999999999), "@example.cn"));
    } else {
      email.set_address(absl::StrCat(absl::AsciiStrToLower(data.name().given_name()), ".",
                                     absl::AsciiStrToLower(data.name().family_name()),
                                     random.Digits(2), "@example.com"));
    }
    email.set_verified(random.ChancePerMille(800));
    // Rules may forbid employer mailboxes; some customers give one anyway.
    if (random.ChancePerMille(60)) {
      Email& work = *data.add_emails();
      work.set_contact_point_id("email-2");
      work.set_type(Email::TYPE_EMPLOYER);
      work.set_address(absl::StrCat("staff", random.Digits(5), "@corp.example.com"));
      work.set_verified(false);
    }
  }

  *data.add_addresses() = HomeAddress(random, city, "address-1", PostalAddress::TYPE_HOME);
  if (random.ChancePerMille(400)) {
    PostalAddress work = HomeAddress(random, city, "address-2", PostalAddress::TYPE_WORK);
    if (city.chinese) {
      work.mutable_lines(0)->append(
          absl::StrCat(" ", data.name().family_name(), "氏", random.Pick(Span(kChineseCompanies))));
    }
    *data.add_addresses() = std::move(work);
  }

  const bool has_app = random.ChancePerMille(850);
  if (has_app) {
    customer::v1::AppAccount& app = *data.add_app_accounts();
    app.set_contact_point_id("app-1");
    app.set_account_id(absl::StrFormat("dev-%016x", random.Next()));
  }

  const int related = static_cast<int>(random.Uniform(1, 2));
  for (int r = 1; r <= related; ++r) {
    customer::v1::RelatedContact& contact = *data.add_related_contacts();
    contact.set_related_contact_id(absl::StrCat("related-", r));
    contact.set_counterparty(common::v1::COUNTERPARTY_UNRELATED_THIRD_PARTY);
    contact.set_relationship(random.Pick(Span(kRelationships)));
    *contact.mutable_name() = chinese ? ChineseName(random) : EnglishName(random);
    Phone& phone = *contact.add_phones();
    phone.set_contact_point_id(absl::StrCat("related-", r, "-phone-1"));
    phone.set_number(MobileNumber(random, city));
    phone.set_type(Phone::TYPE_MOBILE);
    phone.set_verified(random.ChancePerMille(500));
  }

  customer::v1::Consents& consents = customer.consents;
  const std::string& id = customer.customer_id;
  // A few have opted out of SMS; everyone agreed to calls when borrowing.
  *consents.add_channel_consents() =
      Consent(id, common::v1::CHANNEL_SMS, !random.ChancePerMille(40), "sms");
  *consents.add_channel_consents() = Consent(id, common::v1::CHANNEL_VOICE_CALL, true, "voice");
  if (has_email) {
    *consents.add_channel_consents() = Consent(id, common::v1::CHANNEL_EMAIL, true, "email");
  }
  if (has_app) {
    *consents.add_channel_consents() = Consent(id, common::v1::CHANNEL_APP_MESSAGE, true, "app");
  }
  consents.set_recording_consent(random.ChancePerMille(950));
  consents.set_electronic_delivery_consent(random.ChancePerMille(800));
  // Shift workers agree on an evening window (outside default quiet hours
  // in some packs) for calls on weekdays.
  if (random.ChancePerMille(30)) {
    customer::v1::AgreedContactTime& agreed = *consents.add_agreed_contact_times();
    agreed.set_consent_record_id(absl::StrCat("consent-", id, "-agreed-time"));
    agreed.add_channels(common::v1::CHANNEL_VOICE_CALL);
    agreed.mutable_window()->mutable_start()->set_hours(21);
    agreed.mutable_window()->mutable_end()->set_hours(22);
    for (int day = common::v1::DAY_OF_WEEK_MONDAY; day <= common::v1::DAY_OF_WEEK_FRIDAY; ++day) {
      agreed.add_days(static_cast<common::v1::DayOfWeek>(day));
    }
    agreed.set_time_zone(city.time_zone);
  }
  return customer;
}

}  // namespace arrears::simulator
