#include "services/contact_channels/contact_service_impl.h"

#include <utility>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "common/proto_convert/proto_convert.h"
#include "common/runtime/grpc_status.h"
#include "common/status/status_macros.h"
#include "services/contact_channels/contact_event_builder.h"
#include "services/contact_channels/field_visit_lifecycle.h"
#include "services/contact_channels/sqlite_contact_store.h"

namespace arrears::contact {
namespace {

constexpr int kDefaultPageSize = 100;
constexpr int kMaxPageSize = 1000;

absl::StatusOr<int> PageSize(int requested) {
  if (requested < 0) return absl::InvalidArgumentError("page_size: must be >= 0");
  if (requested == 0) return kDefaultPageSize;
  return std::min(requested, kMaxPageSize);
}

// The id in "<collection>/<id>"; InvalidArgument naming `field` otherwise.
absl::StatusOr<std::string> ResourceId(absl::string_view name, absl::string_view collection,
                                       absl::string_view field, absl::string_view pattern) {
  absl::string_view id = name;
  if (!absl::ConsumePrefix(&id, collection) || !absl::ConsumePrefix(&id, "/") || id.empty() ||
      absl::StrContains(id, '/')) {
    return absl::InvalidArgumentError(absl::StrCat(field, ": \"", name, "\" is not ", pattern));
  }
  return std::string(id);
}

// The caller as the trusted gateway names it (contact_service.proto): the
// one place gRPC metadata becomes a domain Caller.
Caller CallerOf(const grpc::ServerContext& context) {
  const auto& metadata = context.client_metadata();
  auto value = [&](absl::string_view key) -> absl::string_view {
    auto it = metadata.find(grpc::string_ref(key.data(), key.size()));
    return it == metadata.end() ? absl::string_view()
                                : absl::string_view(it->second.data(), it->second.size());
  };
  return CallerFromMetadata(value(kCallerUserMetadataKey), value(kCallerRolesMetadataKey));
}

template <typename T>
grpc::Status Reply(absl::StatusOr<T> result, T* response) {
  if (!result.ok()) return runtime::ToGrpcStatus(result.status());
  *response = *std::move(result);
  return grpc::Status::OK;
}

}  // namespace

grpc::Status ContactServiceImpl::RecordOutcome(grpc::ServerContext*,
                                               const v1::RecordOutcomeRequest* request,
                                               v1::ContactEvent* response) {
  return Reply(DoRecordOutcome(*request), response);
}

grpc::Status ContactServiceImpl::GetContactHistory(grpc::ServerContext*,
                                                   const v1::GetContactHistoryRequest* request,
                                                   v1::GetContactHistoryResponse* response) {
  return Reply(DoGetContactHistory(*request), response);
}

grpc::Status ContactServiceImpl::ListFieldVisits(grpc::ServerContext* context,
                                                 const v1::ListFieldVisitsRequest* request,
                                                 v1::ListFieldVisitsResponse* response) {
  return Reply(DoListFieldVisits(*request, CallerOf(*context)), response);
}

grpc::Status ContactServiceImpl::CheckInFieldVisit(grpc::ServerContext* context,
                                                   const v1::CheckInFieldVisitRequest* request,
                                                   v1::FieldVisit* response) {
  return Reply(DoCheckInFieldVisit(*request, CallerOf(*context)), response);
}

grpc::Status ContactServiceImpl::CompleteFieldVisit(grpc::ServerContext* context,
                                                    const v1::CompleteFieldVisitRequest* request,
                                                    v1::FieldVisit* response) {
  return Reply(DoCompleteFieldVisit(*request, CallerOf(*context)), response);
}

grpc::Status ContactServiceImpl::RegisterTemplate(grpc::ServerContext*,
                                                  const v1::RegisterTemplateRequest* request,
                                                  v1::Template* response) {
  if (!request->has_message_template()) {
    return runtime::ToGrpcStatus(absl::InvalidArgumentError("message_template: required"));
  }
  return Reply(templates_->Register(request->message_template()), response);
}

grpc::Status ContactServiceImpl::GetTemplate(grpc::ServerContext*,
                                             const v1::GetTemplateRequest* request,
                                             v1::Template* response) {
  const std::vector<std::string> parts = absl::StrSplit(request->name(), '/');
  if (parts.size() != 4 || parts[0] != "templates" || parts[1].empty() || parts[2] != "languages" ||
      parts[3].empty()) {
    return runtime::ToGrpcStatus(absl::InvalidArgumentError(absl::StrCat(
        "name: \"", request->name(), "\" is not templates/{template_id}/languages/{language}")));
  }
  return Reply(templates_->Get(parts[1], parts[3]), response);
}

absl::StatusOr<v1::ContactEvent> ContactServiceImpl::DoRecordOutcome(
    const v1::RecordOutcomeRequest& request) {
  if (!IsReportableOutcome(request.outcome())) {
    return absl::InvalidArgumentError(
        absl::StrCat("outcome: ", v1::ContactOutcome_Name(request.outcome()),
                     " is not an outcome a person reports"));
  }
  if (request.outcome() == v1::CONTACT_OUTCOME_PROMISE_TO_PAY) {
    if (!request.has_promise_to_pay()) {
      return absl::InvalidArgumentError("promise_to_pay: required for PROMISE_TO_PAY");
    }
    ARREARS_RETURN_IF_ERROR(ValidatePromiseToPay(request.promise_to_pay(), "promise_to_pay"));
  } else if (request.has_promise_to_pay()) {
    return absl::InvalidArgumentError("promise_to_pay: only for PROMISE_TO_PAY");
  }
  if (request.outcome() == v1::CONTACT_OUTCOME_CALLBACK_REQUESTED && !request.has_callback_at()) {
    return absl::InvalidArgumentError("callback_at: required for CALLBACK_REQUESTED");
  }
  if (request.attempt_id().empty()) {
    if (request.customer_id().empty()) {
      return absl::InvalidArgumentError("customer_id: required when attempt_id is empty");
    }
    if (request.channel() == common::v1::CHANNEL_UNSPECIFIED) {
      return absl::InvalidArgumentError("channel: required when attempt_id is empty");
    }
    if (request.direction() != v1::CONTACT_DIRECTION_INBOUND) {
      return absl::InvalidArgumentError("direction: must be INBOUND when attempt_id is empty");
    }
  }
  const absl::Time now = clock_->Now();
  const absl::Time at = request.has_occurred_at() ? FromTimestamp(request.occurred_at()) : now;
  // Fresh ids are drawn outside the transaction (a retry of the body must
  // not matter: the id only names a new inbound attempt).
  const std::string inbound_attempt_id = request.attempt_id().empty() ? ids_->NewId() : "";

  v1::ContactEvent result;
  ARREARS_RETURN_IF_ERROR(runner_([&](store::Transaction& txn,
                                      store::OutboxWriter& outbox) -> absl::Status {
    ARREARS_ASSIGN_OR_RETURN(SqliteContactStore store, SqliteContactStore::In(*db_, txn));
    if (!request.request_id().empty()) {
      ARREARS_ASSIGN_OR_RETURN(std::optional<std::string> seen,
                               store.FindOutcomeRequest(request.request_id()));
      if (seen.has_value()) {
        ARREARS_ASSIGN_OR_RETURN(std::optional<v1::ContactEvent> first,
                                 store.GetHistoryEvent(*seen));
        if (!first.has_value()) {
          return absl::InternalError(absl::StrCat("outcome event ", *seen, " is missing"));
        }
        result = *std::move(first);
        return absl::OkStatus();
      }
    }
    DispatchEffects effects;
    v1::ContactEvent event;
    std::optional<ContactRecord> record;
    if (!request.attempt_id().empty()) {
      ARREARS_ASSIGN_OR_RETURN(record, store.FindByAttemptId(request.attempt_id()));
      if (!record.has_value()) {
        return absl::NotFoundError(absl::StrCat("attempt_id: no attempt ", request.attempt_id()));
      }
      if (!request.customer_id().empty() &&
          request.customer_id() != record->request.customer_id()) {
        return absl::InvalidArgumentError(absl::StrCat("customer_id: \"", request.customer_id(),
                                                       "\" is not the attempt's customer"));
      }
      event = BaseContactEvent(*record, at, request.outcome());
      if (request.channel() != common::v1::CHANNEL_UNSPECIFIED)
        event.set_channel(request.channel());
    } else {
      event.set_attempt_id(inbound_attempt_id);
      event.set_customer_id(request.customer_id());
      event.set_channel(request.channel());
      *event.mutable_occurred_at() = ToTimestamp(at);
      event.set_outcome(request.outcome());
    }
    if (!request.loan_ids().empty()) *event.mutable_loan_ids() = request.loan_ids();
    event.set_direction(request.direction() == v1::CONTACT_DIRECTION_UNSPECIFIED
                            ? v1::CONTACT_DIRECTION_OUTBOUND
                            : request.direction());
    if (request.counterparty() != common::v1::COUNTERPARTY_UNSPECIFIED) {
      event.set_counterparty(request.counterparty());
    }
    if (!request.related_contact_id().empty()) {
      event.set_related_contact_id(request.related_contact_id());
    }
    event.set_connected(request.connected());
    event.set_conversation(request.conversation());
    if (request.has_promise_to_pay()) *event.mutable_promise_to_pay() = request.promise_to_pay();
    event.set_outcome_reason(request.outcome_reason());
    if (request.has_duration()) *event.mutable_duration() = request.duration();
    event.set_recording_id(request.recording_id());
    if (!request.staff_ids().empty()) *event.mutable_staff_ids() = request.staff_ids();
    if (request.has_callback_at()) *event.mutable_callback_at() = request.callback_at();
    if (record.has_value()) {
      EmitContactEvent(*record, std::move(event), effects);
      ARREARS_RETURN_IF_ERROR(store.Put(*record));
    } else {
      ContactRecord inbound;
      inbound.attempt_id = inbound_attempt_id;
      EmitContactEvent(inbound, std::move(event), effects);
    }
    result = effects.events.front();
    if (!request.notes().empty()) {
      ARREARS_ASSIGN_OR_RETURN(std::string sealed,
                               notes_->Seal(request.notes(), result.event_id()));
      ARREARS_RETURN_IF_ERROR(store.PutOutcomeNotes(result.event_id(), sealed));
    }
    if (!request.request_id().empty()) {
      ARREARS_RETURN_IF_ERROR(store.PutOutcomeRequest(request.request_id(), result.event_id()));
    }
    return CommitContactEvents(store, outbox, effects.events);
  }));
  return result;
}

absl::StatusOr<v1::GetContactHistoryResponse> ContactServiceImpl::DoGetContactHistory(
    const v1::GetContactHistoryRequest& request) {
  HistoryQuery query;
  ARREARS_ASSIGN_OR_RETURN(query.customer_id, ResourceId(request.parent(), "customers", "parent",
                                                         "customers/{customer_id}"));
  query.loan_id = request.loan_id();
  for (int channel : request.channels()) {
    query.channels.push_back(static_cast<common::v1::Channel>(channel));
  }
  if (request.has_start_time()) query.start_time = FromTimestamp(request.start_time());
  if (request.has_end_time()) query.end_time = FromTimestamp(request.end_time());
  if (query.end_time < query.start_time) {
    return absl::InvalidArgumentError("end_time: before start_time");
  }
  ARREARS_ASSIGN_OR_RETURN(query.page_size, PageSize(request.page_size()));
  query.page_token = request.page_token();
  v1::GetContactHistoryResponse response;
  ARREARS_RETURN_IF_ERROR(db_->InSqliteTransaction(
      store::SqliteTransactionMode::kDeferred, [&](store::SqliteTransaction& txn) -> absl::Status {
        ARREARS_ASSIGN_OR_RETURN(SqliteContactStore store, SqliteContactStore::In(*db_, txn));
        ARREARS_ASSIGN_OR_RETURN(HistoryPage page, store.ListHistory(query));
        for (v1::ContactEvent& event : page.events) *response.add_events() = std::move(event);
        response.set_next_page_token(page.next_page_token);
        return absl::OkStatus();
      }));
  return response;
}

absl::StatusOr<v1::ListFieldVisitsResponse> ContactServiceImpl::DoListFieldVisits(
    const v1::ListFieldVisitsRequest& request, const Caller& caller) {
  FieldVisitQuery query;
  query.staff_id = request.staff_id();
  query.region = request.region();
  query.customer_id = request.customer_id();
  for (int state : request.states()) {
    if (!v1::FieldVisit::State_IsValid(state) || state == v1::FieldVisit::STATE_UNSPECIFIED) {
      return absl::InvalidArgumentError(absl::StrCat("states: unknown state ", state));
    }
    query.states.push_back(static_cast<v1::FieldVisit::State>(state));
  }
  if (request.has_start_date()) {
    ARREARS_ASSIGN_OR_RETURN(query.start_date,
                             CivilDayFromProto(request.start_date(), "start_date"));
  }
  if (request.has_end_date()) {
    ARREARS_ASSIGN_OR_RETURN(query.end_date, CivilDayFromProto(request.end_date(), "end_date"));
  }
  ARREARS_ASSIGN_OR_RETURN(query.page_size, PageSize(request.page_size()));
  query.page_token = request.page_token();
  v1::ListFieldVisitsResponse response;
  ARREARS_RETURN_IF_ERROR(db_->InSqliteTransaction(
      store::SqliteTransactionMode::kDeferred, [&](store::SqliteTransaction& txn) -> absl::Status {
        ARREARS_ASSIGN_OR_RETURN(SqliteContactStore store, SqliteContactStore::In(*db_, txn));
        ARREARS_ASSIGN_OR_RETURN(FieldVisitPage page, store.ListFieldVisits(query));
        for (v1::FieldVisit& visit : page.field_visits) {
          if (!MayReadFieldVisitNotes(caller, visit)) {
            // Not opened at all: the caller gets the visit without them.
            visit.set_notes_withheld(!visit.notes().empty());
            visit.clear_notes();
          } else {
            ARREARS_ASSIGN_OR_RETURN(std::string notes, notes_->Open(visit.notes(), visit.name()));
            visit.set_notes(std::move(notes));
          }
          *response.add_field_visits() = std::move(visit);
        }
        response.set_next_page_token(page.next_page_token);
        return absl::OkStatus();
      }));
  return response;
}

absl::StatusOr<v1::FieldVisit> ContactServiceImpl::ChangeFieldVisit(
    const std::string& name, const Caller& caller,
    const std::function<absl::StatusOr<v1::ContactEvent>(v1::FieldVisit&, const ContactRecord&,
                                                         absl::Time now)>& change) {
  ARREARS_ASSIGN_OR_RETURN(std::string id,
                           ResourceId(name, "fieldVisits", "name", "fieldVisits/{field_visit_id}"));
  v1::FieldVisit result;
  ARREARS_RETURN_IF_ERROR(runner_([&](store::Transaction& txn,
                                      store::OutboxWriter& outbox) -> absl::Status {
    ARREARS_ASSIGN_OR_RETURN(SqliteContactStore store, SqliteContactStore::In(*db_, txn));
    ARREARS_ASSIGN_OR_RETURN(std::optional<v1::FieldVisit> visit, store.GetFieldVisit(id));
    if (!visit.has_value()) {
      return absl::NotFoundError(absl::StrCat(name, ": no such field visit"));
    }
    // The answer carries the opened notes: only for those who may read them.
    ARREARS_RETURN_IF_ERROR(AuthorizeFieldVisitNotes(caller, *visit));
    ARREARS_ASSIGN_OR_RETURN(std::optional<ContactRecord> record, store.Get(visit->request_id()));
    if (!record.has_value()) {
      return absl::InternalError(absl::StrCat(name, ": its contact request is missing"));
    }
    ARREARS_ASSIGN_OR_RETURN(std::string notes, notes_->Open(visit->notes(), visit->name()));
    visit->set_notes(std::move(notes));
    ARREARS_ASSIGN_OR_RETURN(v1::ContactEvent event, change(*visit, *record, clock_->Now()));
    DispatchEffects effects;
    EmitContactEvent(*record, std::move(event), effects);
    ARREARS_RETURN_IF_ERROR(store.Put(*record));
    result = *visit;
    ARREARS_ASSIGN_OR_RETURN(std::string sealed, notes_->Seal(visit->notes(), visit->name()));
    visit->set_notes(std::move(sealed));
    ARREARS_RETURN_IF_ERROR(store.PutFieldVisit(*visit));
    return CommitContactEvents(store, outbox, effects.events);
  }));
  return result;
}

absl::StatusOr<v1::FieldVisit> ContactServiceImpl::DoCheckInFieldVisit(
    const v1::CheckInFieldVisitRequest& request, const Caller& caller) {
  return ChangeFieldVisit(
      request.name(), caller,
      [&](v1::FieldVisit& visit, const ContactRecord& record,
          absl::Time now) -> absl::StatusOr<v1::ContactEvent> {
        ARREARS_RETURN_IF_ERROR(contact::CheckInFieldVisit(visit, request, now));
        v1::ContactEvent event = BaseContactEvent(record, FromTimestamp(visit.check_in_time()),
                                                  v1::CONTACT_OUTCOME_CHECKED_IN);
        *event.mutable_contact_point() = visit.address();
        *event.mutable_staff_ids() = visit.checked_in_staff_ids();
        return event;
      });
}

absl::StatusOr<v1::FieldVisit> ContactServiceImpl::DoCompleteFieldVisit(
    const v1::CompleteFieldVisitRequest& request, const Caller& caller) {
  return ChangeFieldVisit(
      request.name(), caller,
      [&](v1::FieldVisit& visit, const ContactRecord& record,
          absl::Time now) -> absl::StatusOr<v1::ContactEvent> {
        ARREARS_RETURN_IF_ERROR(contact::CompleteFieldVisit(visit, request, now));
        v1::ContactEvent event =
            BaseContactEvent(record, FromTimestamp(visit.complete_time()), visit.outcome());
        *event.mutable_contact_point() = visit.address();
        *event.mutable_staff_ids() = visit.checked_in_staff_ids();
        if (visit.counterparty() != common::v1::COUNTERPARTY_UNSPECIFIED) {
          event.set_counterparty(visit.counterparty());
        }
        if (visit.has_promise_to_pay()) *event.mutable_promise_to_pay() = visit.promise_to_pay();
        event.set_outcome_reason(visit.outcome_reason());
        event.set_recording_id(visit.recording_id());
        const absl::Duration on_site =
            FromTimestamp(visit.complete_time()) - FromTimestamp(visit.check_in_time());
        if (on_site > absl::ZeroDuration()) {
          event.mutable_duration()->set_seconds(absl::ToInt64Seconds(on_site));
        }
        // Notes stay out of events: they may hold personal data.
        return event;
      });
}

}  // namespace arrears::contact
