// OverdueAssembly: the overdue detection service wired into a Host — the
// book on the host's store, the loan events consumer, the OverdueService
// gRPC API, the scheduled close and the parked-event sweep. main.cc builds
// one from flags on a ServiceHost; the simulator's reference run builds one
// on its in-process host, so both run exactly these parts.
//
// Lifecycle: Create (registers the consumer and the API; before the host
// starts) → StartBackground (scheduled close, sweep) → ... → StopBackground
// (before the host and the assembly go away). Thread-safety: lifecycle calls
// from one thread; the parts are thread-safe.
#ifndef ARREARS_SERVICES_OVERDUE_DETECTION_OVERDUE_ASSEMBLY_H_
#define ARREARS_SERVICES_OVERDUE_DETECTION_OVERDUE_ASSEMBLY_H_

#include <memory>
#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "common/service/host.h"
#include "common/time/clock.h"
#include "services/overdue_detection/business_day_scheduler.h"
#include "services/overdue_detection/dead_letter_sink.h"
#include "services/overdue_detection/loan_event_applier.h"
#include "services/overdue_detection/overdue_book.h"
#include "services/overdue_detection/overdue_grpc_service.h"
#include "services/overdue_detection/periodic_runner.h"

namespace arrears::overdue {

struct OverdueAssemblyOptions {
  std::string products_file;
  // IANA zone whose local date is the business date.
  std::string business_time_zone = "Asia/Shanghai";
  // Business date of a new store; unset: today in business_time_zone.
  std::optional<absl::CivilDay> initial_business_date;
  // Close the day when the local date advances (false: CloseBusinessDay only).
  bool scheduled_close = true;
  absl::Duration business_day_starts_after = absl::ZeroDuration();
  absl::Duration close_check_interval = absl::Seconds(1);
  absl::Duration parked_event_timeout = absl::Hours(24);
  absl::Duration parked_sweep_interval = absl::Seconds(30);
};

class OverdueAssembly final : public service::Assembly {
 public:
  // `host`, `clock` and `dead_letters` must outlive the assembly. Errors name
  // the option (as its flag) at fault.
  static absl::StatusOr<std::unique_ptr<OverdueAssembly>> Create(service::Host& host,
                                                                 const Clock* clock,
                                                                 DeadLetterSink* dead_letters,
                                                                 OverdueAssemblyOptions options);
  ~OverdueAssembly() override;

  void StartBackground() override;
  void StopBackground() override;

  OverdueBook& book() { return *book_; }

 private:
  OverdueAssembly() = default;

  OverdueAssemblyOptions options_;
  const Clock* clock_ = nullptr;
  DeadLetterSink* dead_letters_ = nullptr;
  absl::TimeZone zone_;
  // A second connection to the host's database file for the overdue report
  // (OverdueBookOptions::report_db); null for an in-memory database. Outlives
  // book_.
  std::unique_ptr<store::SqliteDatabase> report_db_;
  std::unique_ptr<OverdueBook> book_;
  std::unique_ptr<LoanEventApplier> applier_;
  std::unique_ptr<OverdueGrpcService> grpc_service_;
  std::unique_ptr<BusinessDayScheduler> scheduler_;
  std::unique_ptr<PeriodicRunner> sweeper_;
  std::unique_ptr<PeriodicRunner> closer_;
};

}  // namespace arrears::overdue

#endif  // ARREARS_SERVICES_OVERDUE_DETECTION_OVERDUE_ASSEMBLY_H_
