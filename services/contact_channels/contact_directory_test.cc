#include "services/contact_channels/contact_directory.h"

#include "common/status/status_matchers.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace arrears::contact {
namespace {

using ::arrears::testing::StatusIs;
using ::testing::HasSubstr;

customer::v1::ContactData Data() {
  customer::v1::ContactData data;
  data.mutable_name()->set_full_name("王小明");
  data.set_time_zone("Asia/Shanghai");
  data.set_preferred_language("zh-CN");
  customer::v1::Phone* home = data.add_phones();
  home->set_contact_point_id("phone-home");
  home->set_number("01066667777");
  home->set_type(customer::v1::Phone::TYPE_HOME);
  home->set_verified(true);
  customer::v1::Phone* unverified = data.add_phones();
  unverified->set_contact_point_id("phone-new");
  unverified->set_number("13900000000");
  unverified->set_type(customer::v1::Phone::TYPE_MOBILE);
  customer::v1::Phone* mobile = data.add_phones();
  mobile->set_contact_point_id("phone-mobile");
  mobile->set_number("13812341234");
  mobile->set_type(customer::v1::Phone::TYPE_MOBILE);
  mobile->set_verified(true);
  customer::v1::Email* work = data.add_emails();
  work->set_contact_point_id("email-work");
  work->set_address("wang@employer.example");
  work->set_type(customer::v1::Email::TYPE_EMPLOYER);
  work->set_verified(true);
  customer::v1::Email* personal = data.add_emails();
  personal->set_contact_point_id("email-me");
  personal->set_address("wang@example.com");
  personal->set_type(customer::v1::Email::TYPE_PERSONAL);
  customer::v1::PostalAddress* address = data.add_addresses();
  address->set_contact_point_id("address-1");
  address->set_locality("北京市");
  address->add_lines("朝阳区建国路88号");
  address->set_time_zone("Asia/Urumqi");
  customer::v1::RelatedContact* guarantor = data.add_related_contacts();
  guarantor->set_related_contact_id("related-1");
  guarantor->set_counterparty(common::v1::COUNTERPARTY_GUARANTOR);
  guarantor->mutable_name()->set_full_name("李四");
  customer::v1::Phone* guarantor_phone = guarantor->add_phones();
  guarantor_phone->set_contact_point_id("phone-guarantor");
  guarantor_phone->set_number("13700000000");
  return data;
}

TEST(ContactDirectoryTest, PicksTheBestPointOfTheType) {
  ASSERT_OK_AND_ASSIGN(
      CustomerContact phone,
      LookupInContactData(Data(), {"c", "", common::v1::CONTACT_POINT_TYPE_PHONE, ""}));
  EXPECT_EQ(phone.contact_point.contact_point_id(), "phone-mobile");  // verified mobile
  EXPECT_EQ(phone.full_name, "王小明");
  EXPECT_EQ(phone.time_zone, "Asia/Shanghai");
  EXPECT_EQ(phone.preferred_language, "zh-CN");
  ASSERT_OK_AND_ASSIGN(
      CustomerContact email,
      LookupInContactData(Data(), {"c", "", common::v1::CONTACT_POINT_TYPE_EMAIL, ""}));
  EXPECT_EQ(email.contact_point.value(), "wang@example.com");  // never the employer's first
  ASSERT_OK_AND_ASSIGN(
      CustomerContact address,
      LookupInContactData(Data(), {"c", "", common::v1::CONTACT_POINT_TYPE_POSTAL_ADDRESS, ""}));
  EXPECT_EQ(address.contact_point.value(), "北京市朝阳区建国路88号");
  EXPECT_EQ(address.time_zone, "Asia/Urumqi");  // the address's own zone
}

TEST(ContactDirectoryTest, FindsAPointByIdAndChecksItsType) {
  ASSERT_OK_AND_ASSIGN(
      CustomerContact home,
      LookupInContactData(Data(), {"c", "phone-home", common::v1::CONTACT_POINT_TYPE_PHONE, ""}));
  EXPECT_EQ(home.contact_point.value(), "01066667777");
  EXPECT_THAT(
      LookupInContactData(Data(), {"c", "phone-home", common::v1::CONTACT_POINT_TYPE_EMAIL, ""}),
      StatusIs(absl::StatusCode::kNotFound, HasSubstr("contact_point_id")));
  EXPECT_THAT(LookupInContactData(Data(), {"c", "nope", common::v1::CONTACT_POINT_TYPE_PHONE, ""}),
              StatusIs(absl::StatusCode::kNotFound));
}

TEST(ContactDirectoryTest, RelatedPersonsUseTheirOwnNameAndPoints) {
  ASSERT_OK_AND_ASSIGN(
      CustomerContact guarantor,
      LookupInContactData(Data(), {"c", "", common::v1::CONTACT_POINT_TYPE_PHONE, "related-1"}));
  EXPECT_EQ(guarantor.full_name, "李四");
  EXPECT_EQ(guarantor.contact_point.value(), "13700000000");
  EXPECT_THAT(
      LookupInContactData(Data(), {"c", "", common::v1::CONTACT_POINT_TYPE_PHONE, "related-9"}),
      StatusIs(absl::StatusCode::kNotFound, HasSubstr("related_contact_id")));
}

TEST(ContactDirectoryTest, OneLineAddresses) {
  customer::v1::PostalAddress latin;
  latin.add_lines("221B Baker Street");
  latin.set_locality("London");
  latin.set_postal_code("NW1 6XE");
  latin.set_country_code("GB");
  EXPECT_EQ(OneLineAddress(latin), "221B Baker Street, London, NW1 6XE, GB");
}

}  // namespace
}  // namespace arrears::contact
