// FakeComplianceService: an in-process stand-in for the compliance auditing
// service's gRPC API (CheckContact and ScreenMessage), for tests and
// benchmarks of the contact channel service while the real binary is not at
// hand. Other methods answer UNIMPLEMENTED.
//
//  - CheckContact answers ALLOW unless the rule says otherwise; a rule sees
//    the request and returns a decision or an error status (an outage). Like
//    the real service it is idempotent on check_id: a repeated check_id gets
//    the recorded decision without asking the rule again.
//  - ScreenMessage rejects a text containing a banned phrase, reporting
//    each match with its rule id and byte offset.
//  - Block() holds every call until Unblock() (to test deadlines without
//    sleeping); the server's shutdown unblocks them.
// Every request is recorded. Thread-safe.
//
// FakeComplianceServer runs one on 127.0.0.1:0 with the runtime's GrpcServer
// and can publish its address in a file, as the real service does with
// --grpc_address_file.
#ifndef ARREARS_SERVICES_CONTACT_CHANNELS_FAKE_COMPLIANCE_SERVICE_H_
#define ARREARS_SERVICES_CONTACT_CHANNELS_FAKE_COMPLIANCE_SERVICE_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "arrears/compliance/v1/compliance_service.grpc.pb.h"
#include "common/runtime/grpc_server.h"
#include "common/runtime/published_file.h"

namespace arrears::contact {

class FakeComplianceService final : public compliance::v1::ComplianceService::Service {
 public:
  using CheckRule = std::function<absl::StatusOr<compliance::v1::ContactDecision>(
      const compliance::v1::CheckContactRequest&)>;

  // Replaces the rule; an empty rule means ALLOW everything.
  void SetRule(CheckRule rule);
  // Adds a banned phrase for ScreenMessage.
  void Ban(std::string phrase, std::string rule_id);
  void Block();
  void Unblock();

  std::vector<compliance::v1::CheckContactRequest> checks() const;
  int64_t check_count() const;
  std::vector<compliance::v1::ScreenMessageRequest> screenings() const;

  // A rule like the policy packs' quiet hours: ALLOW when the proposed time
  // is within [from_hour, to_hour) local time in the request's first
  // candidate time zone (UTC when none), else DEFER to the next from_hour.
  static CheckRule QuietHours(int from_hour, int to_hour);

  // Convenience decisions for rules.
  static compliance::v1::ContactDecision Allow(const compliance::v1::CheckContactRequest& request);
  static compliance::v1::ContactDecision Defer(const compliance::v1::CheckContactRequest& request,
                                               absl::Time until, std::string reason);
  static compliance::v1::ContactDecision Deny(const compliance::v1::CheckContactRequest& request,
                                              std::string reason);

  grpc::Status CheckContact(grpc::ServerContext* context,
                            const compliance::v1::CheckContactRequest* request,
                            compliance::v1::ContactDecision* response) override;
  grpc::Status ScreenMessage(grpc::ServerContext* context,
                             const compliance::v1::ScreenMessageRequest* request,
                             compliance::v1::ScreenMessageResponse* response) override;

  // Open serves (returns a generation); Close(generation) lets blocked calls
  // go and makes later ones fail UNAVAILABLE, unless the service was opened
  // again since (by a newer server). FakeComplianceServer calls them.
  int64_t Open();
  void Close(int64_t generation);

 private:
  // Waits while blocked; false when shutting down.
  bool WaitWhileBlocked();

  mutable absl::Mutex mu_;
  CheckRule rule_ ABSL_GUARDED_BY(mu_);
  std::vector<std::pair<std::string, std::string>> banned_ ABSL_GUARDED_BY(mu_);
  bool blocked_ ABSL_GUARDED_BY(mu_) = false;
  bool shut_down_ ABSL_GUARDED_BY(mu_) = false;
  int64_t generation_ ABSL_GUARDED_BY(mu_) = 0;
  std::vector<compliance::v1::CheckContactRequest> checks_ ABSL_GUARDED_BY(mu_);
  absl::flat_hash_map<std::string, compliance::v1::ContactDecision> decisions_ ABSL_GUARDED_BY(mu_);
  std::vector<compliance::v1::ScreenMessageRequest> screenings_ ABSL_GUARDED_BY(mu_);
  int64_t next_audit_index_ ABSL_GUARDED_BY(mu_) = 1;
};

class FakeComplianceServer {
 public:
  // Serves `service` (not owned) on 127.0.0.1:0; when `address_file` is
  // given, publishes "127.0.0.1:<port>" there while serving.
  static absl::StatusOr<std::unique_ptr<FakeComplianceServer>> Start(
      FakeComplianceService* service, const std::string& address_file = "");
  ~FakeComplianceServer();

  std::string address() const;
  int port() const { return server_->port(); }
  // Stops serving (blocked calls fail) and removes the address file.
  void Stop();

 private:
  FakeComplianceServer(FakeComplianceService* service, std::unique_ptr<runtime::GrpcServer> server,
                       int64_t generation)
      : service_(service), generation_(generation), server_(std::move(server)) {}

  FakeComplianceService* const service_;
  const int64_t generation_;
  std::unique_ptr<runtime::GrpcServer> server_;
  std::unique_ptr<runtime::PublishedFile> address_file_;
};

}  // namespace arrears::contact

#endif  // ARREARS_SERVICES_CONTACT_CHANNELS_FAKE_COMPLIANCE_SERVICE_H_
