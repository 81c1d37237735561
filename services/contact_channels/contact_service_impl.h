// ContactServiceImpl: the gRPC ContactService (arrears/contact/v1/
// contact_service.proto), a thin adapter over the store, the field visit
// lifecycle and the template registry.
//
//  - RecordOutcome: a person reports what happened on an attempt (or an
//    inbound contact: no attempt_id, direction INBOUND). Idempotent by
//    request_id (a retry returns the first event). The event is appended to
//    the history and published through the outbox in one transaction; its
//    notes are stored sealed (notes_sealer.h), never published.
//  - GetContactHistory: a customer's events, newest first, paged.
//  - ListFieldVisits / CheckInFieldVisit / CompleteFieldVisit: the work
//    order lifecycle (field_visit_lifecycle.h); check-in and completion are
//    published as CHECKED_IN and outcome events of the visit's attempt.
//    Visit notes are stored sealed and opened only for callers who may read
//    them (caller.h: the visit's assigned staff, supervisors); the caller
//    comes from the gateway's gRPC metadata (x-arrears-user,
//    x-arrears-roles), mapped here and nowhere else. Others get listed
//    visits without notes (notes_withheld), and check-in / completion,
//    whose answers carry the notes, fail with PERMISSION_DENIED naming the
//    visit.
//  - RegisterTemplate / GetTemplate: screened registration, lookup.
//
// Errors: INVALID_ARGUMENT naming the field ("parent: ...",
// "promise_to_pay.amount: ..."), NOT_FOUND for an unknown resource,
// FAILED_PRECONDITION for a transition the state does not allow, the
// store's or compliance's errors otherwise (UNAVAILABLE when compliance
// cannot screen a template). Thread-safe (the store serializes).
#ifndef ARREARS_SERVICES_CONTACT_CHANNELS_CONTACT_SERVICE_IMPL_H_
#define ARREARS_SERVICES_CONTACT_CHANNELS_CONTACT_SERVICE_IMPL_H_

#include "absl/status/statusor.h"
#include "arrears/contact/v1/contact_service.grpc.pb.h"
#include "common/ids/id_generator.h"
#include "common/store/sqlite_database.h"
#include "common/time/clock.h"
#include "services/contact_channels/caller.h"
#include "services/contact_channels/notes_sealer.h"
#include "services/contact_channels/sqlite_contact_transactions.h"
#include "services/contact_channels/template_registry.h"

namespace arrears::contact {

class ContactServiceImpl final : public v1::ContactService::Service {
 public:
  // All must outlive the service.
  ContactServiceImpl(store::SqliteDatabase* db, OutboxTransactionRunner runner,
                     TemplateRegistry* templates, const NotesSealer* notes, const Clock* clock,
                     ids::IdGenerator* ids)
      : db_(db),
        runner_(std::move(runner)),
        templates_(templates),
        notes_(notes),
        clock_(clock),
        ids_(ids) {}

  grpc::Status RecordOutcome(grpc::ServerContext* context, const v1::RecordOutcomeRequest* request,
                             v1::ContactEvent* response) override;
  grpc::Status GetContactHistory(grpc::ServerContext* context,
                                 const v1::GetContactHistoryRequest* request,
                                 v1::GetContactHistoryResponse* response) override;
  grpc::Status ListFieldVisits(grpc::ServerContext* context,
                               const v1::ListFieldVisitsRequest* request,
                               v1::ListFieldVisitsResponse* response) override;
  grpc::Status CheckInFieldVisit(grpc::ServerContext* context,
                                 const v1::CheckInFieldVisitRequest* request,
                                 v1::FieldVisit* response) override;
  grpc::Status CompleteFieldVisit(grpc::ServerContext* context,
                                  const v1::CompleteFieldVisitRequest* request,
                                  v1::FieldVisit* response) override;
  grpc::Status RegisterTemplate(grpc::ServerContext* context,
                                const v1::RegisterTemplateRequest* request,
                                v1::Template* response) override;
  grpc::Status GetTemplate(grpc::ServerContext* context, const v1::GetTemplateRequest* request,
                           v1::Template* response) override;

  // The same operations on domain types, for the handlers above and tests.
  absl::StatusOr<v1::ContactEvent> DoRecordOutcome(const v1::RecordOutcomeRequest& request);
  absl::StatusOr<v1::GetContactHistoryResponse> DoGetContactHistory(
      const v1::GetContactHistoryRequest& request);
  absl::StatusOr<v1::ListFieldVisitsResponse> DoListFieldVisits(
      const v1::ListFieldVisitsRequest& request, const Caller& caller);
  absl::StatusOr<v1::FieldVisit> DoCheckInFieldVisit(const v1::CheckInFieldVisitRequest& request,
                                                     const Caller& caller);
  absl::StatusOr<v1::FieldVisit> DoCompleteFieldVisit(const v1::CompleteFieldVisitRequest& request,
                                                      const Caller& caller);

 private:
  // Applies `change` to the named visit and publishes the event it yields,
  // in one transaction, if `caller` may read the visit's notes.
  absl::StatusOr<v1::FieldVisit> ChangeFieldVisit(
      const std::string& name, const Caller& caller,
      const std::function<absl::StatusOr<v1::ContactEvent>(v1::FieldVisit&, const ContactRecord&,
                                                           absl::Time now)>& change);

  store::SqliteDatabase* const db_;
  const OutboxTransactionRunner runner_;
  TemplateRegistry* const templates_;
  const NotesSealer* const notes_;
  const Clock* const clock_;
  ids::IdGenerator* const ids_;
};

}  // namespace arrears::contact

#endif  // ARREARS_SERVICES_CONTACT_CHANNELS_CONTACT_SERVICE_IMPL_H_
