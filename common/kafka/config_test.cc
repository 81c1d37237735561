#include "common/kafka/config.h"

#include <cstdio>
#include <fstream>
#include <string>

#include "common/status/status_matchers.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace arrears::kafka {
namespace {

using ::arrears::testing::IsOkAndHolds;
using ::arrears::testing::StatusIs;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Pair;

std::string Get(const rd_kafka_conf_t* conf, const char* name) {
  char value[512];
  size_t size = sizeof(value);
  if (rd_kafka_conf_get(conf, name, value, &size) != RD_KAFKA_CONF_OK) return "<unknown>";
  return value;
}

TEST(ParsePropertiesTest, ParsesPairsAndTrimsWhitespace) {
  EXPECT_THAT(ParseProperties(" security.protocol = SASL_SSL , sasl.mechanism=PLAIN,x=a=b"),
              IsOkAndHolds(ElementsAre(Pair("sasl.mechanism", "PLAIN"),
                                       Pair("security.protocol", "SASL_SSL"), Pair("x", "a=b"))));
  EXPECT_THAT(ParseProperties(""), IsOkAndHolds(IsEmpty()));
  EXPECT_THAT(ParseProperties("  "), IsOkAndHolds(IsEmpty()));
}

TEST(ParsePropertiesTest, ErrorsNameTheEntry) {
  EXPECT_THAT(ParseProperties("linger.ms=5,acks"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("entry 2 (\"acks\")")));
  EXPECT_THAT(ParseProperties("=5"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("entry 1")));
  EXPECT_THAT(ParseProperties("a=1,,b=2"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("entry 2")));
  EXPECT_THAT(ParseProperties("linger.ms=5, linger.ms=6"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("\"linger.ms\"")));
}

TEST(BuildRdKafkaConfTest, DevProfileConfiguresConsumersForTheMockBroker) {
  KafkaConfig config{.bootstrap_servers = "127.0.0.1:9092",
                     .client_id = "svc",
                     .profile = Profile::kDev,
                     .properties = {}};
  ASSERT_OK_AND_ASSIGN(RdConfPtr conf, BuildRdKafkaConf(config, ClientRole::kConsumer));
  EXPECT_EQ(Get(conf.get(), "bootstrap.servers"), "127.0.0.1:9092");
  EXPECT_EQ(Get(conf.get(), "client.id"), "svc");
  EXPECT_EQ(Get(conf.get(), "fetch.wait.max.ms"), "10");
  EXPECT_EQ(Get(conf.get(), "session.timeout.ms"), "6000");
  EXPECT_EQ(Get(conf.get(), "heartbeat.interval.ms"), "1000");
  EXPECT_EQ(Get(conf.get(), "partition.assignment.strategy"), "range,roundrobin");
}

TEST(BuildRdKafkaConfTest, ProductionProfileKeepsLibrdkafkaDefaults) {
  KafkaConfig config{.bootstrap_servers = "kafka:9092",
                     .client_id = "",
                     .profile = Profile::kProduction,
                     .properties = {}};
  ASSERT_OK_AND_ASSIGN(RdConfPtr conf, BuildRdKafkaConf(config, ClientRole::kConsumer));
  RdConfPtr defaults(rd_kafka_conf_new());
  for (const char* name : {"fetch.wait.max.ms", "session.timeout.ms", "heartbeat.interval.ms",
                           "partition.assignment.strategy"}) {
    EXPECT_EQ(Get(conf.get(), name), Get(defaults.get(), name)) << name;
  }
  EXPECT_THAT(ProfileProperties(Profile::kProduction, ClientRole::kProducer), IsEmpty());
}

TEST(BuildRdKafkaConfTest, LayersUserPropertiesBetweenClientDefaultsAndRequirements) {
  KafkaConfig config{.bootstrap_servers = "kafka:9092",
                     .client_id = "",
                     .profile = Profile::kDev,
                     .properties = {{"linger.ms", "20"}, {"session.timeout.ms", "10000"}}};
  ClientProperties client{.defaults = {{"linger.ms", "5"}}, .required = {{"acks", "all"}}};
  ASSERT_OK_AND_ASSIGN(RdConfPtr conf, BuildRdKafkaConf(config, ClientRole::kProducer, client));
  EXPECT_EQ(Get(conf.get(), "linger.ms"), "20");
  EXPECT_EQ(Get(conf.get(), "acks"), "-1");  // librdkafka's spelling of "all"
}

TEST(BuildRdKafkaConfTest, ErrorsNameTheProperty) {
  KafkaConfig config;
  config.bootstrap_servers = "kafka:9092";
  config.properties = {{"no.such.property", "1"}};
  EXPECT_THAT(BuildRdKafkaConf(config, ClientRole::kProducer),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("\"no.such.property\"")));
  config.properties = {{"linger.ms", "soon"}};
  EXPECT_THAT(BuildRdKafkaConf(config, ClientRole::kProducer),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("\"linger.ms\"")));
  config.properties = {{"acks", "1"}};
  EXPECT_THAT(
      BuildRdKafkaConf(config, ClientRole::kProducer,
                       {.defaults = {}, .required = {{"acks", "all"}}}),
      StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("\"acks\": fixed to \"all\"")));
  config.properties = {};
  config.bootstrap_servers = "";
  EXPECT_THAT(BuildRdKafkaConf(config, ClientRole::kProducer),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("bootstrap_servers")));
}

TEST(ReadBootstrapFileTest, ReadsTheTrimmedAddress) {
  std::string path = ::testing::TempDir() + "/bootstrap-ok";
  std::ofstream(path) << "127.0.0.1:39092\n";
  EXPECT_THAT(ReadBootstrapFile(path), IsOkAndHolds("127.0.0.1:39092"));
}

TEST(ReadBootstrapFileTest, MissingOrEmptyFileIsAnError) {
  std::string path = ::testing::TempDir() + "/bootstrap-empty";
  std::ofstream(path) << " \n";
  EXPECT_THAT(ReadBootstrapFile(path),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr(path)));
  EXPECT_THAT(ReadBootstrapFile(::testing::TempDir() + "/no-such-file"),
              StatusIs(absl::StatusCode::kNotFound, HasSubstr("no-such-file")));
}

}  // namespace
}  // namespace arrears::kafka
