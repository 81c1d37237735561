// ComplianceTestEnv: the compliance service's app on a temp directory — the
// service database (core + compliance migrations), its outbox, a fake clock
// and the shipped policy packs — without Kafka or a ServiceHost. Events are
// consumed by calling the applier inside a transaction, as the exactly-once
// processor does; published events are read from the outbox. Test-only.
#ifndef ARREARS_SERVICES_COMPLIANCE_AUDITING_SERVICE_TESTING_COMPLIANCE_TEST_ENV_H_
#define ARREARS_SERVICES_COMPLIANCE_AUDITING_SERVICE_TESTING_COMPLIANCE_TEST_ENV_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "common/events/event.h"
#include "common/store/sqlite_database.h"
#include "common/store/sqlite_outbox.h"
#include "common/store/testing/temp_dir.h"
#include "common/time/clock.h"
#include "google/protobuf/message_lite.h"
#include "services/compliance_auditing/service/compliance_app.h"

namespace arrears::compliance::service::testing {

// The shipped packs and screening rules (source tree).
std::vector<std::string> ShippedPackPaths();
std::string ShippedScreeningRulesPath();

class ComplianceTestEnv {
 public:
  // `lender_jurisdictions` apply to every customer.
  static absl::StatusOr<std::unique_ptr<ComplianceTestEnv>> Create(
      absl::Time start, std::vector<std::string> lender_jurisdictions = {},
      bool allow_reveal = true);

  // Closes and reopens everything on the same files (a restart).
  absl::Status Reopen();

  // Applies one consumed event (as the exactly-once processor would).
  absl::Status Consume(absl::string_view topic, absl::string_view key,
                       const google::protobuf::MessageLite& payload, absl::string_view event_id);
  // Committed, unpublished events (the outbox's, oldest first, then the
  // decision feed's), optionally of one topic.
  std::vector<events::Event> Outbox(absl::string_view topic = "");

  FakeClock& clock() { return clock_; }
  ComplianceApp& app() { return *app_; }
  ComplianceCore& core() { return app_->core(); }
  store::SqliteDatabase& db() { return *db_; }
  const store::TempDir& dir() const { return dir_; }
  TransactionRunnerWithOutbox runner();

 private:
  ComplianceTestEnv(store::TempDir dir, absl::Time start, std::vector<std::string> lender,
                    bool allow_reveal)
      : dir_(std::move(dir)),
        clock_(start),
        lender_(std::move(lender)),
        allow_reveal_(allow_reveal) {}
  absl::Status Open();

  store::TempDir dir_;
  FakeClock clock_;
  const std::vector<std::string> lender_;
  const bool allow_reveal_;
  std::unique_ptr<store::SqliteDatabase> db_;
  std::unique_ptr<store::SqliteOutbox> outbox_;
  std::unique_ptr<ComplianceApp> app_;
};

}  // namespace arrears::compliance::service::testing

#endif  // ARREARS_SERVICES_COMPLIANCE_AUDITING_SERVICE_TESTING_COMPLIANCE_TEST_ENV_H_
