#include "services/contact_channels/simulated_provider.h"

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <map>
#include <string>
#include <vector>

#include "common/status/status_matchers.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"

namespace arrears::contact {
namespace {

using ::arrears::testing::StatusIs;

RenderedMessage Sms() {
  RenderedMessage message;
  message.channel = common::v1::CHANNEL_SMS;
  message.contact_point.set_contact_point_id("phone-1");
  message.contact_point.set_value("13812341234");
  message.contact_point.set_masked_value("138****1234");
  message.body = "张**您好";
  return message;
}

std::string TempPath(const std::string& name) {
  const char* dir = std::getenv("TEST_TMPDIR");
  return std::string(dir != nullptr ? dir : ::testing::TempDir()) + "/" + name;
}

TEST(SimulatedProviderTest, WritesOutboxOncePerKeyWithMaskedContactPoint) {
  FakeClock clock;
  const std::string path = TempPath("outbox_once.jsonl");
  std::remove(path.c_str());
  absl::Duration waited;
  ASSERT_OK_AND_ASSIGN(auto provider,
                       SimulatedProvider::Create(&clock, {.name = "sms-sim",
                                                          .min_latency = absl::Milliseconds(100),
                                                          .max_latency = absl::Milliseconds(100),
                                                          .outbox_path = path,
                                                          .wait = [&](absl::Duration d) {
                                                            waited += d;
                                                            clock.Advance(d);
                                                          }}));
  const absl::Time start = clock.Now();
  ASSERT_OK_AND_ASSIGN(ProviderReceipt first, provider->Send(Sms(), "k1"));
  EXPECT_EQ(first.outcome, v1::CONTACT_OUTCOME_DELIVERED);
  EXPECT_EQ(first.accepted_at, start + absl::Milliseconds(100));
  EXPECT_EQ(waited, absl::Milliseconds(100));
  ASSERT_OK_AND_ASSIGN(ProviderReceipt again, provider->Send(Sms(), "k1"));
  EXPECT_EQ(again.provider_reference, first.provider_reference);
  EXPECT_EQ(provider->unique_sends(), 1);
  EXPECT_EQ(provider->calls(), 2);

  std::ifstream in(path);
  std::vector<std::string> lines;
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  ASSERT_EQ(lines.size(), 1u);
  nlohmann::json j = nlohmann::json::parse(lines[0]);
  EXPECT_EQ(j["to"], "138****1234");
  EXPECT_EQ(j["idempotency_key"], "k1");
  EXPECT_EQ(j["body"], "张**您好");
  EXPECT_EQ(lines[0].find("13812341234"), std::string::npos);
}

TEST(SimulatedProviderTest, FailureRateIsSeededAndTransient) {
  FakeClock clock;
  auto run = [&](uint64_t seed) {
    auto provider = SimulatedProvider::Create(&clock, {.failure_rate = 0.5, .seed = seed});
    EXPECT_TRUE(provider.ok());
    std::vector<bool> results;
    int failures = 0;
    for (int i = 0; i < 1000; ++i) {
      absl::StatusOr<ProviderReceipt> r = (*provider)->Send(Sms(), std::to_string(i));
      if (!r.ok()) {
        EXPECT_TRUE(IsTransientProviderError(r.status()));
        ++failures;
      }
      results.push_back(r.ok());
    }
    EXPECT_GT(failures, 400);
    EXPECT_LT(failures, 600);
    return results;
  };
  EXPECT_EQ(run(3), run(3));
}

TEST(SimulatedProviderTest, EachKeysAnswerIsIndependentOfSendOrder) {
  FakeClock clock;
  const SimulatedProvider::Options options{
      .failure_rate = 0.3,
      .outcome_weights = {{v1::CONTACT_OUTCOME_DELIVERED, 1}, {v1::CONTACT_OUTCOME_FAILED, 1}},
      .seed = 11};
  // Each key is sent until accepted; returns key -> (tries, outcome).
  auto run = [&](bool reversed) {
    auto provider = SimulatedProvider::Create(&clock, options);
    EXPECT_TRUE(provider.ok());
    std::map<std::string, std::pair<int, v1::ContactOutcome>> answers;
    for (int n = 0; n < 200; ++n) {
      const std::string key = std::to_string(reversed ? 199 - n : n);
      int tries = 1;
      absl::StatusOr<ProviderReceipt> r = (*provider)->Send(Sms(), key);
      for (; !r.ok() && tries < 50; ++tries) r = (*provider)->Send(Sms(), key);
      EXPECT_TRUE(r.ok()) << key;
      if (r.ok()) answers[key] = {tries, r->outcome};
    }
    return answers;
  };
  const auto forward = run(false);
  const auto backward = run(true);
  EXPECT_EQ(forward, backward);
  int retried = 0, failed = 0;
  for (const auto& [key, answer] : forward) {
    retried += answer.first > 1;
    failed += answer.second == v1::CONTACT_OUTCOME_FAILED;
  }
  // Both draws really vary from key to key.
  EXPECT_GT(retried, 20);
  EXPECT_GT(failed, 50);
  EXPECT_LT(failed, 150);
}

TEST(SimulatedProviderTest, OutcomeWeights) {
  FakeClock clock;
  ASSERT_OK_AND_ASSIGN(
      auto provider,
      SimulatedProvider::Create(&clock, {.outcome_weights = {{v1::CONTACT_OUTCOME_NO_ANSWER, 1},
                                                             {v1::CONTACT_OUTCOME_ANSWERED, 1}}}));
  WorkOrder call;
  call.channel = common::v1::CHANNEL_VOICE_CALL;
  int no_answer = 0;
  for (int i = 0; i < 400; ++i) {
    ASSERT_OK_AND_ASSIGN(ProviderReceipt r, provider->Send(call, std::to_string(i)));
    ASSERT_TRUE(r.outcome == v1::CONTACT_OUTCOME_NO_ANSWER ||
                r.outcome == v1::CONTACT_OUTCOME_ANSWERED);
    no_answer += r.outcome == v1::CONTACT_OUTCOME_NO_ANSWER;
  }
  EXPECT_GT(no_answer, 140);
  EXPECT_LT(no_answer, 260);
}

TEST(SimulatedProviderTest, RemembersAcceptedKeysAcrossARestartAndSkipsATornLine) {
  FakeClock clock;
  const std::string path = TempPath("outbox_restart.jsonl");
  std::remove(path.c_str());
  ProviderReceipt first;
  {
    ASSERT_OK_AND_ASSIGN(
        auto provider, SimulatedProvider::Create(&clock, {.name = "sms-sim", .outbox_path = path}));
    ASSERT_OK_AND_ASSIGN(first, provider->Send(Sms(), "k1"));
    ASSERT_OK_AND_ASSIGN(std::optional<ProviderReceipt> unknown, provider->Lookup("k2"));
    EXPECT_FALSE(unknown.has_value());
  }
  {
    // A crash mid-write leaves half a line.
    std::ofstream torn(path, std::ios::app);
    torn << R"({"idempotency_key":"k2","provid)";
  }
  ASSERT_OK_AND_ASSIGN(auto restarted,
                       SimulatedProvider::Create(&clock, {.name = "sms-sim", .outbox_path = path}));
  ASSERT_OK_AND_ASSIGN(std::optional<ProviderReceipt> found, restarted->Lookup("k1"));
  ASSERT_TRUE(found.has_value());
  EXPECT_EQ(found->provider_reference, first.provider_reference);
  EXPECT_EQ(found->outcome, v1::CONTACT_OUTCOME_DELIVERED);
  EXPECT_EQ(found->accepted_at, first.accepted_at);
  ASSERT_OK_AND_ASSIGN(std::optional<ProviderReceipt> torn, restarted->Lookup("k2"));
  EXPECT_FALSE(torn.has_value());
  // k1 is not sent again; k2 is sent now, on a line of its own.
  ASSERT_OK(restarted->Send(Sms(), "k1"));
  ASSERT_OK(restarted->Send(Sms(), "k2"));
  EXPECT_EQ(restarted->unique_sends(), 2);
  std::ifstream in(path);
  int keyed_lines = 0;
  for (std::string line; std::getline(in, line);) {
    nlohmann::json j = nlohmann::json::parse(line, nullptr, /*allow_exceptions=*/false);
    if (!j.is_discarded()) ++keyed_lines;
  }
  EXPECT_EQ(keyed_lines, 2);
}

TEST(SimulatedProviderTest, RejectsBadOptions) {
  FakeClock clock;
  EXPECT_THAT(SimulatedProvider::Create(&clock, {.failure_rate = 1.5}),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(SimulatedProvider::Create(
                  &clock, {.min_latency = absl::Seconds(2), .max_latency = absl::Seconds(1)}),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_FALSE(SimulatedProvider::Create(&clock, {.outbox_path = "/nonexistent-dir/x.jsonl"}).ok());
}

}  // namespace
}  // namespace arrears::contact
