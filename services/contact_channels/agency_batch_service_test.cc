// Agency batches over the service's SQLite store: placements gathered
// across restarts are handed over once, as one batch, and nothing is lost or
// repeated.
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "common/status/status_matchers.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "services/contact_channels/contact_test_harness.h"

namespace arrears::contact {
namespace {

using ::testing::IsEmpty;
using ::testing::SizeIs;

class AgencyBatchServiceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_OK_AND_ASSIGN(config_, LoadChannelConfigFile(DefaultChannelConfigPath()));
    for (ProviderConfig& provider : config_.providers) {
      provider.simulated.failure_rate = 0.0;
      if (provider.simulated.name == "field-sim") {
        ASSERT_TRUE(provider.agency_batch.has_value()) << "the default batches placements";
        provider.agency_batch = AgencyBatchPolicy{.max_placements = 3, .window = absl::Hours(1)};
      }
    }
    ASSERT_OK_AND_ASSIGN(harness_, ContactTestHarness::Create({.config = &config_}));
    for (const std::string customer : {"cust-1", "cust-2"}) {
      ASSERT_OK(harness_->DeliverCustomerEvent(
          TestContactDataEvent(customer, harness_->clock().Now()), "data-" + customer));
    }
  }

  void Place(const std::string& id, const std::string& customer, const std::string& agency) {
    ASSERT_OK(harness_->DeliverContactRequest(
        TestPlacementRequest(id, customer, harness_->clock().Now(), agency), "ce-" + id));
    ASSERT_OK(harness_->RunDue());
  }

  std::vector<v1::ContactEvent> Events() {
    absl::StatusOr<std::vector<v1::ContactEvent>> events = harness_->OutboxEvents();
    EXPECT_OK(events);
    return events.ok() ? *events : std::vector<v1::ContactEvent>{};
  }

  ChannelConfig config_;
  std::unique_ptr<ContactTestHarness> harness_;
};

TEST_F(AgencyBatchServiceTest, ARestartInTheMiddleLosesNothingAndRepeatsNothing) {
  Place("p-1", "cust-1", "AG-1");
  Place("p-2", "cust-2", "AG-1");
  EXPECT_THAT(Events(), IsEmpty());
  ASSERT_OK(harness_->Reopen());  // a restart with two placements waiting
  Place("p-3", "cust-1", "AG-2");
  ASSERT_OK(harness_->Reopen());
  EXPECT_THAT(harness_->ProviderOutboxLines("field-sim"), IsEmpty());
  Place("p-4", "cust-2", "AG-1");  // the third of AG-1: its batch goes now
  EXPECT_THAT(harness_->ProviderOutboxLines("field-sim"), SizeIs(1));
  ASSERT_OK(harness_->Reopen());  // AG-2's batch waits for its window's end

  ASSERT_OK(harness_->RunTimers());
  std::map<std::string, std::string> batch_of;
  for (const v1::ContactEvent& event : Events()) {
    EXPECT_EQ(event.outcome(), v1::CONTACT_OUTCOME_SENT) << event.request_id();
    EXPECT_TRUE(batch_of.emplace(event.request_id(), event.batch_id()).second)
        << "one SENT per placement: " << event.request_id();
  }
  ASSERT_THAT(batch_of, SizeIs(4));
  EXPECT_EQ(batch_of["p-1"], batch_of["p-2"]);
  EXPECT_EQ(batch_of["p-1"], batch_of["p-4"]);
  EXPECT_NE(batch_of["p-1"], batch_of["p-3"]);
  const std::vector<std::string> lines = harness_->ProviderOutboxLines("field-sim");
  ASSERT_THAT(lines, SizeIs(2));
  std::set<std::string> items;
  for (const std::string& line : lines) {
    const nlohmann::json order = nlohmann::json::parse(line);
    for (const nlohmann::json& item : order["items"]) {
      items.insert(item["order_id"].get<std::string>());
    }
  }
  EXPECT_EQ(items, (std::set<std::string>{"pl-p-1", "pl-p-2", "pl-p-3", "pl-p-4"}));

  // Another restart: nothing is handed over again.
  ASSERT_OK(harness_->Reopen());
  ASSERT_OK_AND_ASSIGN(int tries, harness_->RunTimers());
  EXPECT_EQ(tries, 0);
  EXPECT_THAT(harness_->ProviderOutboxLines("field-sim"), SizeIs(2));
  EXPECT_THAT(Events(), SizeIs(4));
}

}  // namespace
}  // namespace arrears::contact
