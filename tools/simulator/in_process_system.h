// InProcessSystem: the reference run's system — the four services in this
// process, each on its own InProcessHost (own SQLite store under data_dir,
// own gRPC server on loopback, address file as run.sh writes it), wired by
// the very assemblies their main.cc use, on one InMemoryEventBus instead of
// Kafka, all reading the simulated clock file.
//
// The flags that differ from a service's defaults are the ones tools/run.sh
// gives the processes (no scheduled close, first business date = the
// simulation's, quick agenda and timer scans), so a Kafka run and this run
// of the same book must end with the same figures; the end-to-end test
// (tests/e2e) checks that they do.
//
// Also the PipelineMonitor of this system: quiet once the bus has delivered
// everything (the simulator's own tap is one of its subscribers), every
// outbox is empty and nothing moved for the settle time.
//
// Thread-safety: Create/Stop from one thread; Sample and AwaitQuiet from any.
#ifndef ARREARS_TOOLS_SIMULATOR_IN_PROCESS_SYSTEM_H_
#define ARREARS_TOOLS_SIMULATOR_IN_PROCESS_SYSTEM_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/civil_time.h"
#include "common/events/handler.h"
#include "common/events/in_memory_bus.h"
#include "common/service/in_process_host.h"
#include "tools/simulator/pipeline.h"
#include "tools/simulator/quiet_detector.h"

namespace arrears::simulator {

struct InProcessSystemOptions {
  // Stores, address files ("<data_dir>/<service>.grpc-address") and keys.
  std::string data_dir;
  // The simulated clock file the simulator advances.
  std::string clock_file;
  // Where services/*/config and the policy packs are (the source tree).
  std::string source_dir;
  // The overdue service's first business date.
  absl::CivilDay first_business_date;
  QuietOptions quiet;
};

class InProcessSystem final : public PipelineMonitor {
 public:
  static absl::StatusOr<std::unique_ptr<InProcessSystem>> Create(InProcessSystemOptions options);
  ~InProcessSystem() override;

  // The services' topics; the simulator publishes here and taps them with
  // Subscribe.
  events::InMemoryEventBus& bus() { return bus_; }

  absl::Status AwaitQuiet() override;

  // Stops the background work, the bus and the hosts. Idempotent.
  void Stop();

 private:
  struct Service;
  explicit InProcessSystem(InProcessSystemOptions options);
  absl::StatusOr<PipelineSample> Sample();

  const InProcessSystemOptions options_;
  events::InMemoryEventBus bus_;
  std::vector<std::unique_ptr<Service>> services_;
  bool stopped_ = false;
};

}  // namespace arrears::simulator

#endif  // ARREARS_TOOLS_SIMULATOR_IN_PROCESS_SYSTEM_H_
