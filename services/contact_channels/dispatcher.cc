#include "services/contact_channels/dispatcher.h"

#include <algorithm>
#include <optional>
#include <utility>
#include <variant>

#include "absl/strings/str_cat.h"
#include "common/ids/id_generator.h"
#include "common/money/money.h"
#include "common/proto_convert/proto_convert.h"
#include "common/runtime/pii.h"
#include "common/status/status_macros.h"
#include "common/time/civil_date.h"
#include "services/contact_channels/contact_event_builder.h"
#include "services/contact_channels/field_visit_lifecycle.h"
#include "services/contact_channels/renderer.h"

namespace arrears::contact {
namespace {

using common::v1::Channel;
using strategy::v1::CancelPendingContacts;
using strategy::v1::ContactInstruction;

bool IsMessageChannel(Channel channel) {
  return channel == common::v1::CHANNEL_SMS || channel == common::v1::CHANNEL_EMAIL ||
         channel == common::v1::CHANNEL_APP_MESSAGE || channel == common::v1::CHANNEL_LETTER;
}

bool IsHandOver(Channel channel) {
  return channel == common::v1::CHANNEL_AGENCY_PLACEMENT ||
         channel == common::v1::CHANNEL_LEGAL_REFERRAL;
}

common::v1::ContactPointType PointTypeFor(Channel channel) {
  switch (channel) {
    case common::v1::CHANNEL_SMS:
    case common::v1::CHANNEL_VOICE_CALL:
      return common::v1::CONTACT_POINT_TYPE_PHONE;
    case common::v1::CHANNEL_EMAIL:
      return common::v1::CONTACT_POINT_TYPE_EMAIL;
    case common::v1::CHANNEL_APP_MESSAGE:
      return common::v1::CONTACT_POINT_TYPE_APP_ACCOUNT;
    case common::v1::CHANNEL_LETTER:
    case common::v1::CHANNEL_FIELD_VISIT:
      return common::v1::CONTACT_POINT_TYPE_POSTAL_ADDRESS;
    case common::v1::CHANNEL_SOCIAL_MEDIA_PRIVATE:
      return common::v1::CONTACT_POINT_TYPE_SOCIAL_ACCOUNT;
    default:
      return common::v1::CONTACT_POINT_TYPE_ORGANIZATION;
  }
}

std::string CancelReasonCode(CancelPendingContacts::Reason reason) {
  switch (reason) {
    case CancelPendingContacts::REASON_CURED:
      return "CURED";
    case CancelPendingContacts::REASON_HOLD_PLACED:
      return "HOLD";
    case CancelPendingContacts::REASON_CASE_CLOSED:
      return "CASE_CLOSED";
    case CancelPendingContacts::REASON_PROMISE:
      return "PROMISE";
    case CancelPendingContacts::REASON_SUPERSEDED:
      return "SUPERSEDED";
    default:
      return "CANCELLED";
  }
}

// Whether `cancel` covers the contact `request`.
bool Covers(const CancelPendingContacts& cancel, const strategy::v1::ContactRequest& request) {
  const ContactInstruction& instruction = request.contact();
  auto contains = [](const auto& list, const auto& value) {
    return std::find(list.begin(), list.end(), value) != list.end();
  };
  if (!cancel.request_ids().empty() && !contains(cancel.request_ids(), request.request_id())) {
    return false;
  }
  if (!cancel.loan_ids().empty() &&
      std::none_of(instruction.loan_ids().begin(), instruction.loan_ids().end(),
                   [&](const std::string& loan) { return contains(cancel.loan_ids(), loan); })) {
    return false;
  }
  return !contains(cancel.keep_purposes(), instruction.purpose());
}

// Personal data and rendered text of one try. Built fresh for every try and
// never stored: only the masked contact point goes into the record.
struct PreparedTry {
  Deliverable deliverable;
  std::string message_text;
  common::v1::ContactPoint contact_point;  // raw value set where needed
  std::string language;
  std::vector<std::string> time_zones;
};

// A permanent problem fails the attempt with a code; a transient one makes
// it wait.
struct PrepareFailure {
  bool transient = false;
  std::string failure_code;
};

v1::ComplianceDecisionRef DecisionRef(const GateDecision& decision) {
  v1::ComplianceDecisionRef ref;
  ref.set_decision_id(decision.decision_id);
  for (const std::string& reason : decision.reason_codes) ref.add_reason_codes(reason);
  if (decision.verdict == GateVerdict::kDefer) {
    *ref.mutable_defer_until() = ToTimestamp(decision.defer_until);
  }
  ref.set_audit_index(decision.audit_index);
  return ref;
}

void WaitUntil(ContactRecord& record, absl::Time at, ContactState state) {
  record.state = state;
  record.timer_at = at;
  record.claimed_until = absl::InfinitePast();
}

// A terminal state: no timer, no claim.
void Finish(ContactRecord& record, ContactState state) {
  record.state = state;
  record.timer_at = absl::InfinitePast();
  record.claimed_until = absl::InfinitePast();
}

// Cancels the record's open field visit, if any.
absl::Status CancelVisitOf(ContactStore& store, const ContactRecord& record,
                           absl::string_view reason, absl::Time now) {
  const std::string id = FieldVisitIdOf(record);
  if (id.empty()) return absl::OkStatus();
  ARREARS_ASSIGN_OR_RETURN(std::optional<v1::FieldVisit> visit, store.GetFieldVisit(id));
  if (!visit.has_value() || !CancelFieldVisit(*visit, reason, now)) return absl::OkStatus();
  return store.PutFieldVisit(*visit);
}

// Ends the record in `state` with `event` (and cancels its visit).
absl::Status Conclude(ContactStore& store, ContactRecord& record, ContactState state,
                      v1::ContactEvent event, absl::string_view provider, absl::Time now,
                      DispatchEffects& effects) {
  Finish(record, state);
  if (event.provider().empty()) event.set_provider(std::string(provider));
  if (state == ContactState::kFailed || state == ContactState::kBlocked ||
      state == ContactState::kCancelled) {
    const std::string reason = !event.outcome_reason().empty() ? event.outcome_reason()
                               : !event.failure_code().empty()
                                   ? event.failure_code()
                                   : v1::ContactOutcome_Name(event.outcome());
    ARREARS_RETURN_IF_ERROR(CancelVisitOf(store, record, reason, now));
  }
  EmitContactEvent(record, std::move(event), effects);
  return absl::OkStatus();
}

std::string ProviderName(const ChannelLane* lane) {
  return lane == nullptr ? std::string() : lane->provider->name();
}

// An allowed placement joins the open batch of its agency, action and
// window (creating it), closing it at once when it is full.
absl::Status JoinAgencyBatch(ContactStore& store, ContactRecord& record,
                             const v1::ComplianceDecisionRef& decision,
                             const AgencyBatchPolicy& policy, absl::Time now) {
  const std::string agency_id = PlacementAgencyId(record.request);
  const std::string action = PlacementAction(record.request);
  const BatchWindow window = BatchWindowAt(policy, now);
  for (int sequence = 1;; ++sequence) {
    const std::string batch_id = AgencyBatchId(agency_id, action, window.start, sequence);
    ARREARS_ASSIGN_OR_RETURN(std::optional<ContactRecord> batch, store.Get(batch_id));
    int members = 0;
    if (!batch.has_value()) {
      batch = NewAgencyBatchRecord(batch_id, agency_id, action, now, window.end);
    } else {
      if (batch->state != ContactState::kBatchOpen) continue;
      ARREARS_ASSIGN_OR_RETURN(std::vector<ContactRecord> listed, store.ListBatchMembers(batch_id));
      members = static_cast<int>(std::count_if(listed.begin(), listed.end(), [](const auto& m) {
        return m.state == ContactState::kBatched;
      }));
      if (members >= policy.max_placements) continue;
    }
    if (members + 1 >= policy.max_placements) batch->timer_at = std::min(batch->timer_at, now);
    ARREARS_RETURN_IF_ERROR(store.Put(*batch));
    Finish(record, ContactState::kBatched);
    record.batch_id = batch_id;
    record.sending_decision = decision;
    return absl::OkStatus();
  }
}

bool IsPendingState(ContactState state) { return IsPending(state); }
bool IsBatchState(ContactState state) { return IsBatchRecordState(state); }
bool IsHandingOverState(ContactState state) { return state == ContactState::kBatchHandingOver; }
bool IsSendingState(ContactState state) { return state == ContactState::kSending; }

}  // namespace

absl::StatusOr<std::unique_ptr<Dispatcher>> Dispatcher::Create(Dependencies dependencies,
                                                               Options options) {
  if (dependencies.gate == nullptr) return absl::InvalidArgumentError("gate: must be set");
  if (dependencies.directory == nullptr) {
    return absl::InvalidArgumentError("directory: must be set");
  }
  if (dependencies.templates == nullptr) {
    return absl::InvalidArgumentError("templates: must be set");
  }
  if (dependencies.clock == nullptr) return absl::InvalidArgumentError("clock: must be set");
  for (const auto& [channel, lane] : dependencies.lanes) {
    if (lane.provider == nullptr) {
      return absl::InvalidArgumentError(
          absl::StrCat("lanes[", common::v1::Channel_Name(channel), "].provider: must be set"));
    }
    if (lane.agency_batch.has_value()) {
      absl::Status valid = ValidateAgencyBatchPolicy(*lane.agency_batch);
      if (!valid.ok()) {
        return Annotate(valid, absl::StrCat("lanes[", common::v1::Channel_Name(channel), "]"));
      }
    }
  }
  if (options.recheck_interval <= absl::ZeroDuration()) {
    return absl::InvalidArgumentError("recheck_interval: must be positive");
  }
  if (options.claim_lease <= absl::ZeroDuration()) {
    return absl::InvalidArgumentError("claim_lease: must be positive");
  }
  if (options.retry.max_attempts < 1) {
    return absl::InvalidArgumentError("retry.max_attempts: must be >= 1");
  }
  return std::unique_ptr<Dispatcher>(new Dispatcher(std::move(dependencies), std::move(options)));
}

const ChannelLane* Dispatcher::LaneFor(const ContactRecord& record) const {
  auto it = deps_.lanes.find(record.request.contact().channel());
  return it == deps_.lanes.end() ? nullptr : &it->second;
}

absl::StatusOr<DispatchEffects> Dispatcher::Admit(ContactStore& store,
                                                  const strategy::v1::ContactRequest& request) {
  if (request.request_id().empty()) return absl::InvalidArgumentError("request_id: must be set");
  if (request.customer_id().empty()) {
    return absl::InvalidArgumentError("customer_id: must be set");
  }
  const absl::Time now = deps_.clock->Now();
  if (request.has_cancel_pending()) {
    const absl::Time effective_at =
        request.has_create_time() ? FromTimestamp(request.create_time()) : now;
    return Cancel(store, request.customer_id(), request.cancel_pending(), effective_at);
  }
  if (!request.has_contact()) {
    return absl::InvalidArgumentError("action: one of contact, cancel_pending must be set");
  }
  const ContactInstruction& instruction = request.contact();
  if (instruction.channel() == common::v1::CHANNEL_UNSPECIFIED) {
    return absl::InvalidArgumentError("contact.channel: must be set");
  }
  if (instruction.has_field_visit() && instruction.channel() != common::v1::CHANNEL_FIELD_VISIT) {
    return absl::InvalidArgumentError("contact.field_visit: only for CHANNEL_FIELD_VISIT");
  }

  DispatchEffects effects;
  ARREARS_ASSIGN_OR_RETURN(std::optional<ContactRecord> existing, store.Get(request.request_id()));
  if (existing.has_value()) {
    effects.duplicate = true;
    return effects;
  }
  ContactRecord record;
  record.request = request;
  record.received_at = now;
  // Derived from the request, so a replay names the attempt (and the
  // provider idempotency key) the same.
  const absl::Time created_at =
      request.has_create_time() ? FromTimestamp(request.create_time()) : now;
  record.attempt_id = ids::DeriveTimeOrderedId(request.request_id(), "attempt-1", created_at);
  if (!FieldVisitIdOf(record).empty()) {
    ARREARS_RETURN_IF_ERROR(store.PutFieldVisit(PlanFieldVisit(record, now)));
  }

  // A cancellation that took effect after the request was created (it
  // overtook the request on its way here) applies to it too.
  ARREARS_ASSIGN_OR_RETURN(std::vector<Cancellation> cancellations,
                           store.ListCancellations(request.customer_id()));
  for (const Cancellation& cancellation : cancellations) {
    if (cancellation.effective_at > created_at && Covers(cancellation.cancel, request)) {
      v1::ContactEvent event = BaseContactEvent(record, now, v1::CONTACT_OUTCOME_CANCELLED);
      event.set_outcome_reason(CancelReasonCode(cancellation.cancel.reason()));
      ARREARS_RETURN_IF_ERROR(Conclude(store, record, ContactState::kCancelled, std::move(event),
                                       ProviderName(LaneFor(record)), now, effects));
      ARREARS_RETURN_IF_ERROR(store.Put(record));
      return effects;
    }
  }

  const absl::Time earliest =
      instruction.has_earliest_time() ? FromTimestamp(instruction.earliest_time()) : now;
  WaitUntil(record, std::max(now, earliest), ContactState::kWaiting);
  ARREARS_RETURN_IF_ERROR(store.Put(record));
  return effects;
}

absl::StatusOr<DispatchEffects> Dispatcher::Cancel(ContactStore& store,
                                                   const std::string& customer_id,
                                                   const CancelPendingContacts& cancel,
                                                   absl::Time effective_at) {
  const absl::Time now = deps_.clock->Now();
  const std::string reason = CancelReasonCode(cancel.reason());
  ARREARS_RETURN_IF_ERROR(store.AddCancellation({customer_id, cancel, effective_at}));
  ARREARS_ASSIGN_OR_RETURN(std::vector<ContactRecord> unsent, store.ListUnsent(customer_id));
  DispatchEffects effects;
  for (ContactRecord& record : unsent) {
    if (!Covers(cancel, record.request)) continue;
    if (IsBatchRecordState(record.state)) continue;
    bool in_flight = record.state == ContactState::kSending;
    if (record.state == ContactState::kBatched) {
      ARREARS_ASSIGN_OR_RETURN(std::optional<ContactRecord> batch, store.Get(record.batch_id));
      in_flight = batch.has_value() && batch->state == ContactState::kBatchHandingOver;
    }
    if (in_flight) {
      // In flight: the worker decides once it knows whether the try happened.
      record.cancel_reason = reason;
      ARREARS_RETURN_IF_ERROR(store.Put(record));
      continue;
    }
    v1::ContactEvent event = BaseContactEvent(record, now, v1::CONTACT_OUTCOME_CANCELLED);
    event.set_outcome_reason(reason);
    ARREARS_RETURN_IF_ERROR(Conclude(store, record, ContactState::kCancelled, std::move(event),
                                     ProviderName(LaneFor(record)), now, effects));
    ARREARS_RETURN_IF_ERROR(store.Put(record));
  }
  // Visits already handed to the field staff but not started: nobody should
  // call at the door about a debt already paid. (Staff on site finish.)
  ARREARS_ASSIGN_OR_RETURN(std::vector<v1::FieldVisit> visits,
                           store.ListUnstartedFieldVisits(customer_id));
  for (const v1::FieldVisit& visit : visits) {
    ARREARS_ASSIGN_OR_RETURN(std::optional<ContactRecord> record, store.Get(visit.request_id()));
    if (!record.has_value() || record->state != ContactState::kSent ||
        !Covers(cancel, record->request)) {
      continue;
    }
    v1::ContactEvent event = BaseContactEvent(*record, now, v1::CONTACT_OUTCOME_CANCELLED);
    event.set_outcome_reason(reason);
    ARREARS_RETURN_IF_ERROR(Conclude(store, *record, ContactState::kCancelled, std::move(event),
                                     ProviderName(LaneFor(*record)), now, effects));
    ARREARS_RETURN_IF_ERROR(store.Put(*record));
  }
  return effects;
}

absl::StatusOr<std::optional<ContactRecord>> Dispatcher::ClaimInStore(ContactStore& store,
                                                                      ContactRecord record,
                                                                      DispatchEffects& effects) {
  const absl::Time now = deps_.clock->Now();
  if (!IsUnsent(record.state)) return std::nullopt;
  if (DueAt(record) > now) return std::nullopt;  // not yet, or another worker holds it
  const ChannelLane* lane = LaneFor(record);
  if (IsPending(record.state)) {
    const ContactInstruction& instruction = record.request.contact();
    if (instruction.has_latest_time() && now > FromTimestamp(instruction.latest_time())) {
      v1::ContactEvent event = BaseContactEvent(record, now, v1::CONTACT_OUTCOME_CANCELLED);
      event.set_outcome_reason("EXPIRED");
      ARREARS_RETURN_IF_ERROR(Conclude(store, record, ContactState::kCancelled, std::move(event),
                                       ProviderName(lane), now, effects));
      ARREARS_RETURN_IF_ERROR(store.Put(record));
      return std::nullopt;
    }
    if (instruction.has_earliest_time() && now < FromTimestamp(instruction.earliest_time())) {
      WaitUntil(record, FromTimestamp(instruction.earliest_time()), ContactState::kWaiting);
      ARREARS_RETURN_IF_ERROR(store.Put(record));
      return std::nullopt;
    }
    if (lane == nullptr) {
      v1::ContactEvent event = BaseContactEvent(record, now, v1::CONTACT_OUTCOME_FAILED);
      event.set_failure_code("NO_PROVIDER");
      ARREARS_RETURN_IF_ERROR(
          Conclude(store, record, ContactState::kFailed, std::move(event), "", now, effects));
      ARREARS_RETURN_IF_ERROR(store.Put(record));
      return std::nullopt;
    }
  }
  // Ours until the lease runs out; the generation tells our later writes
  // whether it still is.
  record.claimed_until = now + options_.claim_lease;
  ++record.checks;
  ARREARS_RETURN_IF_ERROR(store.Put(record));
  return std::optional<ContactRecord>(std::move(record));
}

absl::StatusOr<ClaimedBatch> Dispatcher::ClaimDue(ContactTransactions& transactions, int limit) {
  ClaimedBatch batch;
  ARREARS_RETURN_IF_ERROR(
      transactions.Run([&](ContactStore& store) -> absl::StatusOr<DispatchEffects> {
        batch = {};
        DispatchEffects effects;
        ARREARS_ASSIGN_OR_RETURN(DueTimers due, store.ListDue(deps_.clock->Now(), limit));
        batch.next_due = due.next_due;
        for (const std::string& id : due.request_ids) {
          ARREARS_ASSIGN_OR_RETURN(std::optional<ContactRecord> record, store.Get(id));
          if (!record.has_value()) continue;
          ARREARS_ASSIGN_OR_RETURN(std::optional<ContactRecord> claimed,
                                   ClaimInStore(store, *std::move(record), effects));
          if (claimed.has_value()) batch.records.push_back(*std::move(claimed));
        }
        batch.listed = static_cast<int>(due.request_ids.size());
        return effects;
      }));
  return batch;
}

absl::Status Dispatcher::RunDue(ContactTransactions& transactions, const std::string& request_id) {
  std::optional<ContactRecord> claimed;
  ARREARS_RETURN_IF_ERROR(
      transactions.Run([&](ContactStore& store) -> absl::StatusOr<DispatchEffects> {
        DispatchEffects effects;
        ARREARS_ASSIGN_OR_RETURN(std::optional<ContactRecord> record, store.Get(request_id));
        if (!record.has_value()) {
          return absl::NotFoundError(absl::StrCat("request_id: no contact request ", request_id));
        }
        ARREARS_ASSIGN_OR_RETURN(claimed, ClaimInStore(store, *std::move(record), effects));
        return effects;
      }));
  if (!claimed.has_value()) return absl::OkStatus();
  return RunClaimed(transactions, *claimed);
}

absl::Status Dispatcher::RunClaimed(ContactTransactions& transactions,
                                    const ContactRecord& claimed) {
  if (claimed.state == ContactState::kSending) return Recover(transactions, claimed);
  if (IsBatchRecordState(claimed.state)) return HandOverBatch(transactions, claimed);
  return Try(transactions, claimed);
}

absl::Status Dispatcher::HandOverBatch(ContactTransactions& transactions,
                                       const ContactRecord& claimed) {
  const ChannelLane* lane = LaneFor(claimed);
  const std::string& batch_id = claimed.request.request_id();
  // Close the batch: its members are fixed from here on.
  std::vector<ContactRecord> members;
  bool hand_over = false;
  ARREARS_RETURN_IF_ERROR(
      Commit(transactions, claimed, IsBatchState,
             [&](ContactStore& store, ContactRecord& record, DispatchEffects&) -> absl::Status {
               members.clear();
               ARREARS_ASSIGN_OR_RETURN(std::vector<ContactRecord> listed,
                                        store.ListBatchMembers(batch_id));
               for (ContactRecord& member : listed) {
                 if (member.state == ContactState::kBatched) members.push_back(std::move(member));
               }
               if (members.empty()) {
                 Finish(record, ContactState::kCancelled);  // every placement was cancelled
                 return absl::OkStatus();
               }
               record.state = ContactState::kBatchHandingOver;
               record.claimed_until = deps_.clock->Now() + options_.claim_lease;
               record.timer_at = record.claimed_until;
               hand_over = true;
               return absl::OkStatus();
             }));
  if (!hand_over) return absl::OkStatus();

  // The manifest, outside any transaction (the directory reads on its own).
  WorkOrder order;
  order.channel = common::v1::CHANNEL_AGENCY_PLACEMENT;
  order.order_id = batch_id;
  order.agency_id = PlacementAgencyId(claimed.request);
  order.contact_point = claimed.contact_point;
  order.details["action"] = PlacementAction(claimed.request);
  order.details["placements"] = absl::StrCat(members.size());
  for (const ContactRecord& member : members) {
    common::v1::ContactPoint debtor_point;
    std::string masked_name;
    absl::StatusOr<CustomerContact> debtor = deps_.directory->Lookup(
        {member.request.customer_id(), member.request.contact().contact_point_id(),
         common::v1::CONTACT_POINT_TYPE_PHONE, ""});
    if (debtor.ok()) {
      debtor_point = debtor->contact_point;
      debtor_point.set_masked_value(MaskContactPointValue(debtor_point));
      masked_name = runtime::MaskName(debtor->full_name);
    }
    order.items.push_back(AgencyBatchItem(member, debtor_point, masked_name));
  }
  const absl::StatusOr<ProviderReceipt> receipt =
      lane == nullptr
          ? absl::StatusOr<ProviderReceipt>(absl::FailedPreconditionError("no provider"))
          : lane->provider->Send(order, claimed.attempt_id);

  return Commit(
      transactions, claimed, IsHandingOverState,
      [&](ContactStore& store, ContactRecord& record, DispatchEffects& effects) -> absl::Status {
        const absl::Time now = deps_.clock->Now();
        const bool transient = !receipt.ok() && IsTransientProviderError(receipt.status());
        if (transient) {
          ++record.failed_tries;
          std::optional<absl::Duration> delay =
              retry_.NextDelay(record.failed_tries, RetryAfter(receipt.status()));
          if (delay.has_value()) {
            WaitUntil(record, now + *delay, ContactState::kBatchHandingOver);
            return absl::OkStatus();
          }
        }
        const std::string provider = ProviderName(lane);
        const std::string carrier_code = receipt.ok() ? "" : ProviderErrorCode(receipt.status());
        for (const ContactRecord& snapshot : members) {
          ARREARS_ASSIGN_OR_RETURN(std::optional<ContactRecord> member,
                                   store.Get(snapshot.request.request_id()));
          if (!member.has_value() || member->state != ContactState::kBatched ||
              member->batch_id != batch_id) {
            continue;
          }
          if (!receipt.ok()) {
            const bool cancelled = transient && !member->cancel_reason.empty();
            v1::ContactEvent event = BaseContactEvent(
                *member, now,
                cancelled ? v1::CONTACT_OUTCOME_CANCELLED : v1::CONTACT_OUTCOME_FAILED);
            event.set_batch_id(batch_id);
            if (cancelled) {
              event.set_outcome_reason(member->cancel_reason);
            } else {
              event.set_failure_code(transient              ? "RETRY_BUDGET_EXHAUSTED"
                                     : carrier_code.empty() ? "PROVIDER_REJECTED"
                                                            : carrier_code);
            }
            ARREARS_RETURN_IF_ERROR(Conclude(
                store, *member, cancelled ? ContactState::kCancelled : ContactState::kFailed,
                std::move(event), provider, now, effects));
          } else {
            v1::ContactEvent sent = BaseContactEvent(*member, now, v1::CONTACT_OUTCOME_SENT);
            *sent.mutable_compliance_decision() = member->sending_decision;
            sent.set_provider(receipt->provider);
            sent.set_batch_id(batch_id);
            Finish(*member, ContactState::kSent);
            EmitContactEvent(*member, std::move(sent), effects);
            if (receipt->outcome != v1::CONTACT_OUTCOME_UNSPECIFIED) {
              v1::ContactEvent outcome =
                  BaseContactEvent(*member, receipt->accepted_at, receipt->outcome);
              outcome.set_failure_code(receipt->failure_code);
              outcome.set_provider(receipt->provider);
              outcome.set_batch_id(batch_id);
              Finish(*member,
                     receipt->outcome == v1::CONTACT_OUTCOME_DELIVERED ? ContactState::kDelivered
                     : receipt->outcome == v1::CONTACT_OUTCOME_FAILED  ? ContactState::kFailed
                                                                       : ContactState::kSent);
              EmitContactEvent(*member, std::move(outcome), effects);
            }
          }
          ARREARS_RETURN_IF_ERROR(store.Put(*member));
        }
        Finish(record, receipt.ok() ? ContactState::kSent : ContactState::kFailed);
        return absl::OkStatus();
      });
}

absl::Status Dispatcher::Commit(
    ContactTransactions& transactions, const ContactRecord& claimed, bool (*expected)(ContactState),
    const std::function<absl::Status(ContactStore&, ContactRecord&, DispatchEffects&)>& decide) {
  return transactions.Run([&](ContactStore& store) -> absl::StatusOr<DispatchEffects> {
    DispatchEffects effects;
    ARREARS_ASSIGN_OR_RETURN(std::optional<ContactRecord> record,
                             store.Get(claimed.request.request_id()));
    if (!record.has_value()) {
      return absl::NotFoundError(
          absl::StrCat("request_id: no contact request ", claimed.request.request_id()));
    }
    // Another worker took over (our lease ran out), or a cancellation came.
    if (record->checks != claimed.checks || !expected(record->state)) return effects;
    ARREARS_RETURN_IF_ERROR(decide(store, *record, effects));
    ARREARS_RETURN_IF_ERROR(store.Put(*record));
    return effects;
  });
}

absl::Status Dispatcher::Try(ContactTransactions& transactions, const ContactRecord& claimed) {
  const ContactInstruction& instruction = claimed.request.contact();
  const Channel channel = instruction.channel();
  const ChannelLane* lane = LaneFor(claimed);

  // Prepare: contact data, rendering, the deliverable; outside any
  // transaction (the directory reads on its own).
  auto prepare = [&]() -> std::variant<PreparedTry, PrepareFailure> {
    PreparedTry prepared;
    std::string full_name;
    std::string preferred_language;
    if (IsHandOver(channel)) {
      common::v1::ContactPoint& point = prepared.contact_point;
      point.set_type(common::v1::CONTACT_POINT_TYPE_ORGANIZATION);
      point.set_contact_point_id(
          instruction.has_legal_referral()     ? instruction.legal_referral().firm_id()
          : instruction.has_agency_placement() ? instruction.agency_placement().agency_id()
                                               : instruction.agency_id());
      point.set_masked_value(point.contact_point_id());
    } else {
      const std::string& point_id = instruction.has_field_visit()
                                        ? instruction.field_visit().address_contact_point_id()
                                        : instruction.contact_point_id();
      absl::StatusOr<CustomerContact> contact =
          deps_.directory->Lookup({claimed.request.customer_id(), point_id, PointTypeFor(channel),
                                   instruction.counterparty() == common::v1::COUNTERPARTY_DEBTOR
                                       ? std::string()
                                       : instruction.related_contact_id()});
      if (!contact.ok()) {
        if (absl::IsNotFound(contact.status()) || absl::IsInvalidArgument(contact.status())) {
          return PrepareFailure{false, "CONTACT_POINT_UNKNOWN"};
        }
        return PrepareFailure{true, ""};
      }
      full_name = contact->full_name;
      preferred_language = contact->preferred_language;
      prepared.contact_point = contact->contact_point;
      if (prepared.contact_point.masked_value().empty()) {
        prepared.contact_point.set_masked_value(MaskContactPointValue(prepared.contact_point));
      }
      if (!contact->time_zone.empty()) prepared.time_zones.push_back(contact->time_zone);
    }
    if (instruction.has_field_visit() && !instruction.field_visit().time_zone().empty()) {
      prepared.time_zones = {instruction.field_visit().time_zone()};
    }
    prepared.language = !instruction.language().empty() ? instruction.language()
                        : !preferred_language.empty()   ? preferred_language
                                                        : options_.default_language;

    RenderedText text;
    if (!instruction.template_id().empty()) {
      absl::StatusOr<v1::Template> message_template =
          deps_.templates->Get(instruction.template_id(), prepared.language);
      if (!message_template.ok()) {
        if (absl::IsNotFound(message_template.status())) {
          return PrepareFailure{false, "TEMPLATE_NOT_FOUND"};
        }
        return PrepareFailure{true, ""};
      }
      if (message_template->channel() != channel) return PrepareFailure{false, "TEMPLATE_CHANNEL"};
      if (instruction.counterparty() == common::v1::COUNTERPARTY_UNRELATED_THIRD_PARTY &&
          !message_template->third_party_readable()) {
        return PrepareFailure{false, "TEMPLATE_NOT_THIRD_PARTY_READABLE"};
      }
      RenderInput input;
      input.full_name = full_name;
      const std::string& value = prepared.contact_point.value();
      switch (prepared.contact_point.type()) {
        case common::v1::CONTACT_POINT_TYPE_PHONE:
          input.phone = value;
          break;
        case common::v1::CONTACT_POINT_TYPE_EMAIL:
          input.email = value;
          break;
        case common::v1::CONTACT_POINT_TYPE_POSTAL_ADDRESS:
          input.address = value;
          break;
        default:
          break;
      }
      input.counterparty = instruction.counterparty();
      for (const auto& [key, parameter] : instruction.template_parameters()) {
        if (key == "amount_due") {
          absl::StatusOr<money::Money> amount = money::Money::Parse(parameter);
          if (!amount.ok()) return PrepareFailure{false, "TEMPLATE_RENDER"};
          input.amount_due = *amount;
        } else if (key == "due_date") {
          absl::StatusOr<absl::CivilDay> day = time::ParseCivilDay(parameter);
          if (!day.ok()) return PrepareFailure{false, "TEMPLATE_RENDER"};
          input.due_date = *day;
        } else if (key == "total_overdue") {
          // Strategy routing sends Money::ToString() ("1234.56 CNY"); the
          // debtor reads it in their language's format.
          absl::StatusOr<money::Money> total = money::Money::Parse(parameter);
          if (!total.ok()) return PrepareFailure{false, "TEMPLATE_RENDER"};
          input.parameters[key] = FormatMoneyForLanguage(*total, prepared.language);
        } else {
          input.parameters[key] = parameter;
        }
      }
      absl::StatusOr<RenderedText> rendered = Render(*message_template, input);
      if (!rendered.ok()) return PrepareFailure{false, "TEMPLATE_RENDER"};
      text = *std::move(rendered);
    } else if (IsMessageChannel(channel)) {
      return PrepareFailure{false, "TEMPLATE_MISSING"};
    }
    prepared.message_text =
        text.subject.empty() ? text.body : absl::StrCat(text.subject, "\n", text.body);

    if (IsMessageChannel(channel)) {
      prepared.deliverable =
          RenderedMessage{channel,           prepared.contact_point, instruction.template_id(),
                          prepared.language, text.subject,           text.body};
      return prepared;
    }
    WorkOrder order;
    order.channel = channel;
    order.order_id = claimed.attempt_id;
    order.customer_id = claimed.request.customer_id();
    order.loan_ids.assign(instruction.loan_ids().begin(), instruction.loan_ids().end());
    order.contact_point = prepared.contact_point;
    order.agency_id = instruction.agency_id();
    order.script = text.body;
    if (instruction.has_field_visit()) {
      const strategy::v1::FieldVisitOrder& visit = instruction.field_visit();
      order.order_id = FieldVisitIdOf(claimed);
      order.staff_ids.assign(visit.staff_ids().begin(), visit.staff_ids().end());
      if (visit.has_visit_date()) {
        absl::StatusOr<absl::CivilDay> day = CivilDayFromProto(visit.visit_date(), "visit_date");
        if (day.ok()) order.details["visit_date"] = time::FormatCivilDay(*day);
      }
      order.details["time_zone"] = visit.time_zone();
      order.details["region"] = visit.region();
      order.details["recording_on"] = visit.recording_on() ? "true" : "false";
    } else if (instruction.has_agency_placement()) {
      const strategy::v1::AgencyPlacementOrder& placement = instruction.agency_placement();
      if (!placement.placement_id().empty()) order.order_id = placement.placement_id();
      order.agency_id = placement.agency_id();
      order.details["action"] = strategy::v1::AgencyPlacementOrder::Action_Name(placement.action());
      if (!placement.recall_reason().empty()) {
        order.details["recall_reason"] = placement.recall_reason();
      }
    } else if (instruction.has_legal_referral()) {
      const strategy::v1::LegalReferralOrder& referral = instruction.legal_referral();
      if (!referral.referral_id().empty()) order.order_id = referral.referral_id();
      order.details["firm_id"] = referral.firm_id();
      order.details["reason"] = referral.reason();
    }
    prepared.deliverable = std::move(order);
    return prepared;
  };

  std::variant<PreparedTry, PrepareFailure> prepared_or = prepare();
  if (auto* failure = std::get_if<PrepareFailure>(&prepared_or)) {
    return Commit(transactions, claimed, IsPendingState,
                  [&](ContactStore& store, ContactRecord& record, DispatchEffects& effects) {
                    const absl::Time now = deps_.clock->Now();
                    if (failure->transient) {
                      WaitUntil(record, now + options_.recheck_interval, ContactState::kWaiting);
                      return absl::OkStatus();
                    }
                    v1::ContactEvent event =
                        BaseContactEvent(record, now, v1::CONTACT_OUTCOME_FAILED);
                    event.set_failure_code(failure->failure_code);
                    return Conclude(store, record, ContactState::kFailed, std::move(event),
                                    ProviderName(lane), now, effects);
                  });
  }
  const PreparedTry& prepared = std::get<PreparedTry>(prepared_or);

  // The compliance check, before every try, outside any transaction.
  ContactAttemptPlan plan;
  plan.check_id = absl::StrCat(claimed.attempt_id, "/check-", claimed.checks);
  plan.attempt_id = claimed.attempt_id;
  plan.request_id = claimed.request.request_id();
  plan.customer_id = claimed.request.customer_id();
  plan.loan_ids.assign(instruction.loan_ids().begin(), instruction.loan_ids().end());
  plan.channel = channel;
  plan.contact_point = prepared.contact_point;
  plan.counterparty = instruction.counterparty();
  plan.related_contact_id = instruction.related_contact_id();
  plan.purpose = instruction.purpose();
  plan.proposed_time = deps_.clock->Now();
  plan.template_id = instruction.template_id();
  plan.language = prepared.language;
  plan.message_text = prepared.message_text;
  plan.agency_id = instruction.agency_id();
  plan.candidate_time_zones = prepared.time_zones;
  if (instruction.has_field_visit()) {
    plan.field_staff_count = instruction.field_visit().staff_ids_size();
    plan.recording_on = instruction.field_visit().recording_on();
  } else if (channel == common::v1::CHANNEL_VOICE_CALL) {
    plan.recording_on = lane != nullptr && lane->records_calls;
  }
  const absl::StatusOr<GateDecision> decision = deps_.gate->CheckContact(plan);

  // Decide, and commit the intent to send before sending.
  bool send = false;
  bool probe_taken = false;
  absl::Status decided = Commit(
      transactions, claimed, IsPendingState,
      [&](ContactStore& store, ContactRecord& record, DispatchEffects& effects) -> absl::Status {
        const absl::Time now = deps_.clock->Now();
        record.contact_point = prepared.contact_point;
        record.contact_point.clear_value();
        if (!decision.ok()) {
          // No answer is not an answer: wait and ask again.
          WaitUntil(record, now + options_.recheck_interval, ContactState::kWaiting);
          return absl::OkStatus();
        }
        record.last_decision_id = decision->decision_id;
        if (decision->verdict == GateVerdict::kDeny) {
          v1::ContactEvent event = BaseContactEvent(record, now, v1::CONTACT_OUTCOME_BLOCKED);
          *event.mutable_compliance_decision() = DecisionRef(*decision);
          event.set_outcome_reason(decision->reason_codes.empty() ? "DENIED"
                                                                  : decision->reason_codes[0]);
          return Conclude(store, record, ContactState::kBlocked, std::move(event),
                          ProviderName(lane), now, effects);
        }
        if (decision->verdict == GateVerdict::kDefer) {
          v1::ContactEvent event = BaseContactEvent(record, now, v1::CONTACT_OUTCOME_DEFERRED);
          *event.mutable_compliance_decision() = DecisionRef(*decision);
          event.set_provider(ProviderName(lane));
          EmitContactEvent(record, std::move(event), effects);
          // A defer_until not after now would fire at once and loop.
          WaitUntil(
              record,
              decision->defer_until > now ? decision->defer_until : now + options_.recheck_interval,
              ContactState::kDeferred);
          return absl::OkStatus();
        }
        if (lane->agency_batch.has_value() && channel == common::v1::CHANNEL_AGENCY_PLACEMENT) {
          // Handed over with its batch; one call per batch, so the rate
          // limit and breaker of single sends do not apply.
          return JoinAgencyBatch(store, record, DecisionRef(*decision), *lane->agency_batch, now);
        }
        // Allowed: through the rate limit and the breaker.
        if (lane->rate_limiter != nullptr && !record.holds_rate_token) {
          const absl::Time token_at = lane->rate_limiter->Reserve();
          if (token_at > now) {
            record.holds_rate_token = true;
            WaitUntil(record, token_at, ContactState::kWaiting);
            return absl::OkStatus();
          }
        }
        if (lane->breaker != nullptr) {
          if (!lane->breaker->AllowRequest()) {
            const absl::Time retry_at = lane->breaker->RetryAt();
            WaitUntil(record, retry_at > now ? retry_at : now + options_.recheck_interval,
                      ContactState::kWaiting);
            return absl::OkStatus();
          }
          probe_taken = true;
        }
        record.holds_rate_token = false;
        record.state = ContactState::kSending;
        record.sending_decision = DecisionRef(*decision);
        // The lease is also the recovery timer should this worker die.
        record.claimed_until = now + options_.claim_lease;
        record.timer_at = record.claimed_until;
        send = true;
        return absl::OkStatus();
      });
  if (!decided.ok() || !send) {
    if (probe_taken && lane->breaker != nullptr) lane->breaker->AbandonRequest();
    return decided;
  }

  // The provider call, outside any transaction, keyed by the attempt id.
  const absl::StatusOr<ProviderReceipt> receipt =
      lane->provider->Send(prepared.deliverable, claimed.attempt_id);
  if (lane->breaker != nullptr) {
    // A permanent rejection is about the message, not the provider's health.
    if (receipt.ok() || !IsTransientProviderError(receipt.status())) {
      lane->breaker->RecordSuccess();
    } else {
      lane->breaker->RecordFailure();
    }
  }
  return Commit(transactions, claimed, IsSendingState,
                [&](ContactStore& store, ContactRecord& record, DispatchEffects& effects) {
                  return ApplySendResult(store, record, receipt, effects);
                });
}

absl::Status Dispatcher::Recover(ContactTransactions& transactions, const ContactRecord& claimed) {
  const ChannelLane* lane = LaneFor(claimed);
  absl::StatusOr<std::optional<ProviderReceipt>> found =
      lane == nullptr ? absl::StatusOr<std::optional<ProviderReceipt>>(
                            absl::FailedPreconditionError("no provider"))
                      : lane->provider->Lookup(claimed.attempt_id);
  return Commit(
      transactions, claimed, IsSendingState,
      [&](ContactStore& store, ContactRecord& record, DispatchEffects& effects) -> absl::Status {
        const absl::Time now = deps_.clock->Now();
        if (found.ok() && found->has_value()) {
          // The try happened before the crash.
          return ApplySendResult(store, record, **found, effects);
        }
        const bool unknown = !found.ok();
        if (unknown && !absl::IsUnimplemented(found.status()) &&
            !absl::IsFailedPrecondition(found.status())) {
          // The provider cannot answer now: keep the intent, ask again later.
          record.claimed_until = now + options_.recheck_interval;
          record.timer_at = record.claimed_until;
          return absl::OkStatus();
        }
        if (!record.cancel_reason.empty()) {
          // Cancelled meanwhile. When the provider cannot tell whether the
          // try happened, not sending is the side to err on.
          v1::ContactEvent event = BaseContactEvent(record, now, v1::CONTACT_OUTCOME_CANCELLED);
          event.set_outcome_reason(record.cancel_reason);
          return Conclude(store, record, ContactState::kCancelled, std::move(event),
                          ProviderName(lane), now, effects);
        }
        // Not sent (or unknown: the same key makes a repeat harmless): a new
        // try, with a new compliance check, right away.
        WaitUntil(record, now, ContactState::kWaiting);
        return absl::OkStatus();
      });
}

absl::Status Dispatcher::ApplySendResult(ContactStore& store, ContactRecord& record,
                                         const absl::StatusOr<ProviderReceipt>& receipt,
                                         DispatchEffects& effects) {
  const absl::Time now = deps_.clock->Now();
  const ChannelLane* lane = LaneFor(record);
  const std::string provider = ProviderName(lane);
  if (!receipt.ok()) {
    const bool transient = IsTransientProviderError(receipt.status());
    if (transient && record.cancel_reason.empty()) {
      ++record.failed_tries;
      std::optional<absl::Duration> delay =
          retry_.NextDelay(record.failed_tries, RetryAfter(receipt.status()));
      if (delay.has_value()) {
        WaitUntil(record, now + *delay, ContactState::kRetrying);
        return absl::OkStatus();
      }
    }
    if (transient && !record.cancel_reason.empty()) {
      v1::ContactEvent event = BaseContactEvent(record, now, v1::CONTACT_OUTCOME_CANCELLED);
      event.set_outcome_reason(record.cancel_reason);
      return Conclude(store, record, ContactState::kCancelled, std::move(event), provider, now,
                      effects);
    }
    v1::ContactEvent event = BaseContactEvent(record, now, v1::CONTACT_OUTCOME_FAILED);
    const std::string carrier_code = ProviderErrorCode(receipt.status());
    event.set_failure_code(transient              ? "RETRY_BUDGET_EXHAUSTED"
                           : carrier_code.empty() ? "PROVIDER_REJECTED"
                                                  : carrier_code);
    return Conclude(store, record, ContactState::kFailed, std::move(event), provider, now, effects);
  }

  v1::ContactEvent sent = BaseContactEvent(record, now, v1::CONTACT_OUTCOME_SENT);
  *sent.mutable_compliance_decision() = record.sending_decision;
  sent.set_provider(receipt->provider);
  Finish(record, ContactState::kSent);
  EmitContactEvent(record, std::move(sent), effects);
  const std::string visit_id = FieldVisitIdOf(record);
  if (!visit_id.empty()) {
    ARREARS_ASSIGN_OR_RETURN(std::optional<v1::FieldVisit> visit, store.GetFieldVisit(visit_id));
    if (!visit.has_value()) visit = PlanFieldVisit(record, now);
    MarkFieldVisitDispatched(*visit, record, now);
    ARREARS_RETURN_IF_ERROR(store.PutFieldVisit(*visit));
  }
  if (receipt->outcome == v1::CONTACT_OUTCOME_UNSPECIFIED) return absl::OkStatus();
  v1::ContactEvent outcome = BaseContactEvent(record, receipt->accepted_at, receipt->outcome);
  outcome.set_failure_code(receipt->failure_code);
  outcome.set_provider(receipt->provider);
  Finish(record, receipt->outcome == v1::CONTACT_OUTCOME_DELIVERED ? ContactState::kDelivered
                 : receipt->outcome == v1::CONTACT_OUTCOME_FAILED  ? ContactState::kFailed
                                                                   : ContactState::kSent);
  EmitContactEvent(record, std::move(outcome), effects);
  return absl::OkStatus();
}

}  // namespace arrears::contact
