#include "common/runtime/pii.h"

#include "gtest/gtest.h"

namespace arrears::runtime {
namespace {

TEST(MaskPhoneTest, ChineseMobileKeepsFirstThreeAndLastFour) {
  EXPECT_EQ(MaskPhone("13812341234"), "138****1234");
  EXPECT_EQ(MaskPhone("138-1234-1234"), "138****1234");
}

TEST(MaskPhoneTest, KeepsCountryCode) {
  EXPECT_EQ(MaskPhone("+86 138-1234-1234"), "+86 138****1234");
  EXPECT_EQ(MaskPhone("+8613812341234"), "+86 138****1234");
  EXPECT_EQ(MaskPhone("+1 (415) 555-2671"), "+1 ******2671");
  EXPECT_EQ(MaskPhone("+44 20 7946 0958"), "+44 ******0958");
  EXPECT_EQ(MaskPhone("+852 9123 4567"), "+852 ****4567");  // three-digit code
}

TEST(MaskPhoneTest, ShortNumbersAreMostlyMasked) {
  EXPECT_EQ(MaskPhone("95588"), "***88");
  EXPECT_EQ(MaskPhone("1234567"), "*****67");
  EXPECT_EQ(MaskPhone("110"), "***");
  EXPECT_EQ(MaskPhone(""), "");
  EXPECT_EQ(MaskPhone("n/a"), "***");
}

TEST(MaskIdNumberTest, ResidentIdKeepsFirstThreeAndLastFour) {
  EXPECT_EQ(MaskIdNumber("110105194912310021"), "110***********0021");
  EXPECT_EQ(MaskIdNumber("11010519491231002X"), "110***********002X");
  EXPECT_EQ(MaskIdNumber("E12345678"), "*****5678");  // passport
  EXPECT_EQ(MaskIdNumber("1234"), "****");
  EXPECT_EQ(MaskIdNumber(""), "");
}

TEST(MaskNameTest, ChineseKeepsSurnameOnly) {
  EXPECT_EQ(MaskName("张三丰"), "张**");
  EXPECT_EQ(MaskName("李四"), "李*");
  EXPECT_EQ(MaskName("王"), "王");
  EXPECT_EQ(MaskName("欧阳娜娜"), "欧阳**");
  EXPECT_EQ(MaskName("司马光明"), "司马**");
  EXPECT_EQ(MaskName("欧阳"), "欧*");  // too short for a compound surname plus a given name
  EXPECT_EQ(MaskName(" 张三 "), "张*");
}

TEST(MaskNameTest, LatinKeepsSurnameOnly) {
  EXPECT_EQ(MaskName("John Smith"), "**** Smith");
  EXPECT_EQ(MaskName("Mary Ann Smith"), "**** *** Smith");
  EXPECT_EQ(MaskName("Smith, John"), "Smith, ****");
  EXPECT_EQ(MaskName("José Núñez"), "**** Núñez");
  EXPECT_EQ(MaskName("Madonna"), "M******");
  EXPECT_EQ(MaskName(""), "");
}

TEST(MaskNameTest, InvalidUtf8IsMaskedNotPassedThrough) { EXPECT_EQ(MaskName("A\xff\xfe"), "A**"); }

TEST(MaskEmailTest, KeepsFirstCharacterAndDomain) {
  EXPECT_EQ(MaskEmail("zhang.san@example.com"), "z********@example.com");
  EXPECT_EQ(MaskEmail("张三@例子.中国"), "张*@例子.中国");
  EXPECT_EQ(MaskEmail("a@example.com"), "*@example.com");
  EXPECT_EQ(MaskEmail("no-at-sign"), "n*********");
  EXPECT_EQ(MaskEmail(""), "");
}

TEST(MaskAddressTest, ChineseKeepsUpToDistrict) {
  EXPECT_EQ(MaskAddress("北京市朝阳区建国路88号"), "北京市朝阳区***");
  EXPECT_EQ(MaskAddress("广东省深圳市南山区科技园科苑路15号"), "广东省深圳市南山区***");
  EXPECT_EQ(MaskAddress("广东省深圳市南山区科技园科苑路15号", 6), "广东省深圳市***");
  EXPECT_EQ(MaskAddress("建国路88号"), "建国路***");
  EXPECT_EQ(MaskAddress("上海市"), "上海市");
}

TEST(MaskAddressTest, LatinDropsTheStreetPart) {
  EXPECT_EQ(MaskAddress("221B Baker Street, London NW1 6XE, UK"), "***, London NW1 6XE, UK");
  EXPECT_EQ(MaskAddress("Somewhere"), "Som***");
  EXPECT_EQ(MaskAddress(""), "");
}

}  // namespace
}  // namespace arrears::runtime
