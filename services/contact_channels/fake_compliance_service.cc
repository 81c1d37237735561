#include "services/contact_channels/fake_compliance_service.h"

#include "absl/strings/str_cat.h"
#include "absl/time/civil_time.h"
#include "common/proto_convert/proto_convert.h"
#include "common/runtime/grpc_status.h"
#include "common/time/time_zone.h"

namespace arrears::contact {

using compliance::v1::CheckContactRequest;
using compliance::v1::ContactDecision;

void FakeComplianceService::SetRule(CheckRule rule) {
  absl::MutexLock lock(&mu_);
  rule_ = std::move(rule);
}

void FakeComplianceService::Ban(std::string phrase, std::string rule_id) {
  absl::MutexLock lock(&mu_);
  banned_.emplace_back(std::move(phrase), std::move(rule_id));
}

void FakeComplianceService::Block() {
  absl::MutexLock lock(&mu_);
  blocked_ = true;
}

void FakeComplianceService::Unblock() {
  absl::MutexLock lock(&mu_);
  blocked_ = false;
}

void FakeComplianceService::Close(int64_t generation) {
  absl::MutexLock lock(&mu_);
  if (generation == generation_) shut_down_ = true;
}

int64_t FakeComplianceService::Open() {
  absl::MutexLock lock(&mu_);
  shut_down_ = false;
  return ++generation_;
}

std::vector<CheckContactRequest> FakeComplianceService::checks() const {
  absl::MutexLock lock(&mu_);
  return checks_;
}

int64_t FakeComplianceService::check_count() const {
  absl::MutexLock lock(&mu_);
  return static_cast<int64_t>(checks_.size());
}

std::vector<compliance::v1::ScreenMessageRequest> FakeComplianceService::screenings() const {
  absl::MutexLock lock(&mu_);
  return screenings_;
}

FakeComplianceService::CheckRule FakeComplianceService::QuietHours(int from_hour, int to_hour) {
  return [from_hour,
          to_hour](const CheckContactRequest& request) -> absl::StatusOr<ContactDecision> {
    absl::TimeZone zone = absl::UTCTimeZone();
    if (!request.candidate_time_zones().empty()) {
      absl::StatusOr<absl::TimeZone> loaded = time::LoadTimeZone(request.candidate_time_zones(0));
      if (!loaded.ok()) return Deny(request, "UNKNOWN_INPUT");
      zone = *loaded;
    }
    const absl::CivilSecond local =
        absl::ToCivilSecond(FromTimestamp(request.proposed_time()), zone);
    if (local.hour() >= from_hour && local.hour() < to_hour) return Allow(request);
    absl::CivilDay day(local);
    if (local.hour() >= to_hour) ++day;
    const absl::Time until = absl::FromCivil(
        absl::CivilSecond(day.year(), day.month(), day.day(), from_hour, 0, 0), zone);
    return Defer(request, until, "QUIET_HOURS");
  };
}

ContactDecision FakeComplianceService::Allow(const CheckContactRequest& request) {
  ContactDecision decision;
  decision.set_decision_id(absl::StrCat("decision-", request.check_id()));
  decision.set_verdict(compliance::v1::VERDICT_ALLOW);
  return decision;
}

ContactDecision FakeComplianceService::Defer(const CheckContactRequest& request, absl::Time until,
                                             std::string reason) {
  ContactDecision decision = Allow(request);
  decision.set_verdict(compliance::v1::VERDICT_DEFER);
  *decision.mutable_defer_until() = ToTimestamp(until);
  decision.add_reason_codes(std::move(reason));
  return decision;
}

ContactDecision FakeComplianceService::Deny(const CheckContactRequest& request,
                                            std::string reason) {
  ContactDecision decision = Allow(request);
  decision.set_verdict(compliance::v1::VERDICT_DENY);
  decision.add_reason_codes(std::move(reason));
  return decision;
}

bool FakeComplianceService::WaitWhileBlocked() {
  absl::MutexLock lock(&mu_);
  mu_.Await(absl::Condition(
      +[](FakeComplianceService* self)
           ABSL_EXCLUSIVE_LOCKS_REQUIRED(self->mu_) { return !self->blocked_ || self->shut_down_; },
      this));
  return !shut_down_;
}

grpc::Status FakeComplianceService::CheckContact(grpc::ServerContext* context,
                                                 const CheckContactRequest* request,
                                                 ContactDecision* response) {
  if (!WaitWhileBlocked()) return grpc::Status(grpc::StatusCode::UNAVAILABLE, "shutting down");
  CheckRule rule;
  {
    absl::MutexLock lock(&mu_);
    checks_.push_back(*request);
    auto recorded = decisions_.find(request->check_id());
    if (recorded != decisions_.end()) {
      *response = recorded->second;
      return grpc::Status::OK;
    }
    rule = rule_;
  }
  absl::StatusOr<ContactDecision> decision = rule ? rule(*request) : Allow(*request);
  if (!decision.ok()) return runtime::ToGrpcStatus(decision.status());
  absl::MutexLock lock(&mu_);
  decision->set_check_id(request->check_id());
  decision->set_audit_index(next_audit_index_++);
  decisions_.emplace(request->check_id(), *decision);
  *response = *decision;
  return grpc::Status::OK;
}

grpc::Status FakeComplianceService::ScreenMessage(
    grpc::ServerContext* context, const compliance::v1::ScreenMessageRequest* request,
    compliance::v1::ScreenMessageResponse* response) {
  if (!WaitWhileBlocked()) return grpc::Status(grpc::StatusCode::UNAVAILABLE, "shutting down");
  absl::MutexLock lock(&mu_);
  screenings_.push_back(*request);
  response->set_screening_id(absl::StrCat("screening-", screenings_.size()));
  for (const auto& [phrase, rule_id] : banned_) {
    const size_t offset = request->text().find(phrase);
    if (offset == std::string::npos) continue;
    compliance::v1::ScreeningMatch* match = response->add_matches();
    match->set_rule_id(rule_id);
    match->set_category("PROHIBITED_WORDING");
    match->set_matched_text(phrase);
    match->set_offset(static_cast<int32_t>(offset));
  }
  response->set_passed(response->matches().empty());
  if (!response->passed()) response->add_reason_codes("PROHIBITED_WORDING");
  response->set_audit_index(next_audit_index_++);
  return grpc::Status::OK;
}

absl::StatusOr<std::unique_ptr<FakeComplianceServer>> FakeComplianceServer::Start(
    FakeComplianceService* service, const std::string& address_file) {
  absl::StatusOr<std::unique_ptr<runtime::GrpcServer>> server = runtime::GrpcServer::Create(
      {.address = "127.0.0.1:0",
       .services = {runtime::GrpcServiceBinding::Of<compliance::v1::ComplianceService>(service)}});
  if (!server.ok()) return server.status();
  (*server)->SetServing(true);
  const int64_t generation = service->Open();
  auto fake = std::unique_ptr<FakeComplianceServer>(
      new FakeComplianceServer(service, *std::move(server), generation));
  if (!address_file.empty()) {
    absl::StatusOr<std::unique_ptr<runtime::PublishedFile>> file =
        runtime::PublishedFile::Create(address_file, fake->address());
    if (!file.ok()) return file.status();
    fake->address_file_ = *std::move(file);
  }
  return fake;
}

FakeComplianceServer::~FakeComplianceServer() { Stop(); }

std::string FakeComplianceServer::address() const {
  return absl::StrCat("127.0.0.1:", server_->port());
}

void FakeComplianceServer::Stop() {
  address_file_.reset();
  service_->Close(generation_);
  server_->Shutdown(absl::ZeroDuration());
}

}  // namespace arrears::contact
