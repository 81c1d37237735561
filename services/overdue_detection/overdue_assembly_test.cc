#include "services/overdue_detection/overdue_assembly.h"

#include <memory>

#include "common/events/in_memory_bus.h"
#include "common/service/in_process_host.h"
#include "common/status/status_matchers.h"
#include "common/store/testing/temp_dir.h"
#include "common/time/clock.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "services/overdue_detection/dead_letter_sink.h"

namespace arrears::overdue {
namespace {

using ::arrears::testing::StatusIs;
using ::testing::HasSubstr;

// The business time zone is configuration: only IANA names are accepted,
// never absl's "localtime" (the host's zone, which would make the business
// date depend on where the process runs) or a silent fallback to UTC.
TEST(OverdueAssemblyTest, RejectsABusinessTimeZoneThatIsNotAnIanaName) {
  ASSERT_OK_AND_ASSIGN(store::TempDir dir, store::TempDir::Create());
  events::InMemoryEventBus bus;
  FakeClock clock;
  runtime::RuntimeConfig config;
  config.service_name = "overdue-detection";
  config.data_dir = dir.path();
  config.grpc_address = "127.0.0.1:0";
  config.drain_timeout = absl::Seconds(5);
  ASSERT_OK_AND_ASSIGN(auto host, service::InProcessHost::Create(config, {}, &clock, &bus));
  RecordingDeadLetterSink dead_letters;
  for (const char* zone : {"localtime", "Fixed/UTC+08:00", "Mars/Olympus_Mons"}) {
    OverdueAssemblyOptions options;
    options.business_time_zone = zone;
    EXPECT_THAT(OverdueAssembly::Create(*host, &clock, &dead_letters, options),
                StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("--business_time_zone")))
        << zone;
  }
}

}  // namespace
}  // namespace arrears::overdue
