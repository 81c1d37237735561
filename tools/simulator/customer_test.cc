#include "tools/simulator/customer.h"

#include <map>
#include <set>
#include <string>

#include "common/status/status_matchers.h"
#include "common/time/time_zone.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace arrears::simulator {
namespace {

CustomerGeneration Generation(uint64_t seed) {
  CustomerGeneration generation;
  generation.seed = seed;
  return generation;
}

using ::testing::AnyOf;
using ::testing::Eq;
using ::testing::MatchesRegex;

TEST(CustomerTest, SameSeedAndIndexGiveTheSamePerson) {
  const CustomerGeneration generation = Generation(11);
  const Customer a = GenerateCustomer(generation, 5);
  const Customer b = GenerateCustomer(generation, 5);
  EXPECT_EQ(a.contact_data.SerializeAsString(), b.contact_data.SerializeAsString());
  EXPECT_EQ(a.consents.SerializeAsString(), b.consents.SerializeAsString());
  EXPECT_EQ(a.behaviour, b.behaviour);
  EXPECT_EQ(a.customer_id, "C00000005");
  EXPECT_NE(GenerateCustomer(Generation(12), 5).contact_data.SerializeAsString(),
            a.contact_data.SerializeAsString());
}

TEST(CustomerTest, ContactDataIsWellFormed) {
  const CustomerGeneration generation = Generation(3);
  for (int64_t index = 0; index < 300; ++index) {
    const Customer customer = GenerateCustomer(generation, index);
    const customer::v1::ContactData& data = customer.contact_data;
    SCOPED_TRACE(customer.customer_id);
    EXPECT_FALSE(data.name().full_name().empty());
    ASSERT_GE(data.phones_size(), 1);
    EXPECT_EQ(data.phones(0).type(), customer::v1::Phone::TYPE_MOBILE);
    std::set<std::string> contact_point_ids;
    auto unique = [&](const std::string& id) {
      EXPECT_TRUE(contact_point_ids.insert(id).second) << "duplicate contact point " << id;
    };
    for (const auto& phone : data.phones()) {
      EXPECT_THAT(phone.number(), MatchesRegex("\\+[1-9][0-9]{9,13}"));
      unique(phone.contact_point_id());
    }
    for (const auto& email : data.emails()) {
      EXPECT_THAT(email.address(), MatchesRegex(".+@([a-z]+\\.)?example\\.(com|cn)"));
      unique(email.contact_point_id());
    }
    ASSERT_GE(data.addresses_size(), 1);
    for (const auto& address : data.addresses()) {
      EXPECT_FALSE(address.lines().empty());
      EXPECT_THAT(address.country_code(), AnyOf(Eq("CN"), Eq("US")));
      EXPECT_OK(time::LoadTimeZone(address.time_zone()));
      unique(address.contact_point_id());
    }
    for (const auto& app : data.app_accounts()) unique(app.contact_point_id());
    for (const auto& related : data.related_contacts()) {
      EXPECT_EQ(related.counterparty(), common::v1::COUNTERPARTY_UNRELATED_THIRD_PARTY);
      for (const auto& phone : related.phones()) unique(phone.contact_point_id());
    }
    EXPECT_OK(time::LoadTimeZone(data.time_zone()));
    EXPECT_EQ(data.time_zone(), customer.time_zone);
    EXPECT_THAT(data.preferred_language(), AnyOf(Eq("zh-CN"), Eq("en")));
    EXPECT_THAT(customer.residence_jurisdiction, AnyOf(Eq("CN"), Eq("US-NY"), Eq("US-CA")));
    EXPECT_FALSE(customer.consents.channel_consents().empty());
    if (StopsPaying(customer.behaviour)) {
      EXPECT_GE(customer.onset_day, 0);
      EXPECT_LE(customer.onset_day, 80);
    } else {
      EXPECT_EQ(customer.onset_day, 0);
    }
  }
}

TEST(CustomerTest, BookLooksLikeAChineseRetailBookWithSomeUsResidents) {
  const CustomerGeneration generation = Generation(1);
  std::map<std::string, int> zones;
  std::map<std::string, int> languages;
  std::map<Behaviour, int> behaviours;
  constexpr int kCustomers = 4000;
  for (int64_t index = 0; index < kCustomers; ++index) {
    const Customer customer = GenerateCustomer(generation, index);
    ++zones[customer.time_zone];
    ++languages[customer.language];
    ++behaviours[customer.behaviour];
  }
  EXPECT_GT(zones["Asia/Shanghai"], kCustomers * 8 / 10);
  EXPECT_GT(zones["America/New_York"], 0);
  EXPECT_GT(zones["Asia/Urumqi"], 0);
  EXPECT_GT(languages["zh-CN"], kCustomers * 8 / 10);
  EXPECT_GT(languages["en"], 0);
  EXPECT_GT(behaviours[Behaviour::kOnTime], kCustomers * 6 / 10);
  for (int b = 0; b < kBehaviourCount; ++b) {
    EXPECT_GT(behaviours[static_cast<Behaviour>(b)], 0) << BehaviourName(static_cast<Behaviour>(b));
  }
}

TEST(CustomerTest, MixWeightsSteerTheBehaviours) {
  ASSERT_OK_AND_ASSIGN(BehaviourMix mix,
                       BehaviourMix::Parse("on_time=0,late=0,partial=0,hardship=1,lost_contact=0,"
                                           "refusing=0"));
  CustomerGeneration generation = Generation(1);
  generation.mix = mix;
  for (int64_t index = 0; index < 50; ++index) {
    EXPECT_EQ(GenerateCustomer(generation, index).behaviour, Behaviour::kHardship);
  }
}

TEST(BehaviourMixTest, ParseNamesTheBadEntry) {
  EXPECT_THAT(BehaviourMix::Parse("late=x"), testing::StatusIs(absl::StatusCode::kInvalidArgument,
                                                               ::testing::HasSubstr("late=x")));
  EXPECT_THAT(BehaviourMix::Parse("sleepy=3"), testing::StatusIs(absl::StatusCode::kInvalidArgument,
                                                                 ::testing::HasSubstr("sleepy")));
  EXPECT_THAT(
      BehaviourMix::Parse("on_time=0,late=0,partial=0,hardship=0,lost_contact=0,refusing=0"),
      testing::StatusIs(absl::StatusCode::kInvalidArgument));
  ASSERT_OK_AND_ASSIGN(BehaviourMix mix, BehaviourMix::Parse(" late = 5 "));
  EXPECT_EQ(mix.weights[static_cast<int>(Behaviour::kLate)], 5);
  EXPECT_EQ(mix.weights[static_cast<int>(Behaviour::kOnTime)], BehaviourMix().weights[0]);
}

TEST(BehaviourTest, NamesRoundTrip) {
  for (int b = 0; b < kBehaviourCount; ++b) {
    const Behaviour behaviour = static_cast<Behaviour>(b);
    EXPECT_THAT(ParseBehaviour(BehaviourName(behaviour)), testing::IsOkAndHolds(behaviour));
  }
}

}  // namespace
}  // namespace arrears::simulator
