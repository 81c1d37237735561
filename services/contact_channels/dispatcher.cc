#include "services/contact_channels/dispatcher.h"

#include <algorithm>
#include <optional>
#include <utility>
#include <variant>

#include "absl/strings/str_cat.h"
#include "common/ids/id_generator.h"
#include "common/money/money.h"
#include "common/proto_convert/proto_convert.h"
#include "common/status/status_macros.h"
#include "common/time/civil_date.h"
#include "services/contact_channels/renderer.h"

namespace arrears::contact {
namespace {

using common::v1::Channel;
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

std::string CancelReasonCode(strategy::v1::CancelPendingContacts::Reason reason) {
  switch (reason) {
    case strategy::v1::CancelPendingContacts::REASON_CURED:
      return "CURED";
    case strategy::v1::CancelPendingContacts::REASON_HOLD_PLACED:
      return "HOLD";
    case strategy::v1::CancelPendingContacts::REASON_CASE_CLOSED:
      return "CASE_CLOSED";
    case strategy::v1::CancelPendingContacts::REASON_PROMISE:
      return "PROMISE";
    case strategy::v1::CancelPendingContacts::REASON_SUPERSEDED:
      return "SUPERSEDED";
    default:
      return "CANCELLED";
  }
}

// Personal data and rendered text of one try. Built fresh for every try and
// never stored: only the masked contact point goes into the record.
struct Prepared {
  Deliverable deliverable;
  std::string message_text;
  common::v1::ContactPoint contact_point;  // raw value set where needed
};

// The kinds of failure preparing a try can have: a permanent one fails the
// attempt with a code, a transient one makes it wait.
struct PrepareFailure {
  bool transient = false;
  std::string failure_code;
};

v1::ContactEvent BaseEvent(const ContactRecord& record, absl::Time now,
                           v1::ContactOutcome outcome) {
  const ContactInstruction& instruction = record.request.contact();
  v1::ContactEvent event;
  event.set_attempt_id(record.attempt_id);
  event.set_request_id(record.request.request_id());
  event.set_customer_id(record.request.customer_id());
  *event.mutable_loan_ids() = instruction.loan_ids();
  event.set_channel(instruction.channel());
  common::v1::ContactPoint* point = event.mutable_contact_point();
  *point = record.contact_point;
  point->clear_value();
  if (point->contact_point_id().empty())
    point->set_contact_point_id(instruction.contact_point_id());
  event.set_outcome(outcome);
  event.set_direction(v1::CONTACT_DIRECTION_OUTBOUND);
  event.set_counterparty(instruction.counterparty());
  event.set_purpose(instruction.purpose());
  event.set_agency_id(instruction.agency_id());
  *event.mutable_occurred_at() = ToTimestamp(now);
  event.set_template_id(instruction.template_id());
  event.set_language(instruction.language());
  event.set_related_contact_id(instruction.related_contact_id());
  if (instruction.has_field_visit()) {
    event.set_field_visit_id(instruction.field_visit().field_visit_id());
    *event.mutable_staff_ids() = instruction.field_visit().staff_ids();
  }
  return event;
}

void SetDecision(v1::ContactEvent& event, const GateDecision& decision) {
  v1::ComplianceDecisionRef* ref = event.mutable_compliance_decision();
  ref->set_decision_id(decision.decision_id);
  for (const std::string& reason : decision.reason_codes) ref->add_reason_codes(reason);
  if (decision.verdict == GateVerdict::kDefer) {
    *ref->mutable_defer_until() = ToTimestamp(decision.defer_until);
  }
  ref->set_audit_index(decision.audit_index);
}

std::string ProviderName(const ChannelLane* lane) {
  return lane == nullptr ? std::string() : lane->provider->name();
}

}  // namespace

absl::StatusOr<std::unique_ptr<Dispatcher>> Dispatcher::Create(Dependencies dependencies,
                                                               Options options) {
  if (dependencies.gate == nullptr) return absl::InvalidArgumentError("gate: must be set");
  if (dependencies.store == nullptr) return absl::InvalidArgumentError("store: must be set");
  if (dependencies.directory == nullptr) {
    return absl::InvalidArgumentError("directory: must be set");
  }
  if (dependencies.templates == nullptr) {
    return absl::InvalidArgumentError("templates: must be set");
  }
  for (const auto& [channel, lane] : dependencies.lanes) {
    if (lane.provider == nullptr) {
      return absl::InvalidArgumentError(
          absl::StrCat("lanes[", common::v1::Channel_Name(channel), "].provider: must be set"));
    }
  }
  if (options.recheck_interval <= absl::ZeroDuration()) {
    return absl::InvalidArgumentError("recheck_interval: must be positive");
  }
  if (options.retry.max_attempts < 1) {
    return absl::InvalidArgumentError("retry.max_attempts: must be >= 1");
  }
  return std::unique_ptr<Dispatcher>(new Dispatcher(std::move(dependencies), std::move(options)));
}

absl::StatusOr<DispatchEffects> Dispatcher::Handle(const strategy::v1::ContactRequest& request,
                                                   absl::Time now) {
  if (request.request_id().empty()) return absl::InvalidArgumentError("request_id: must be set");
  if (request.customer_id().empty()) {
    return absl::InvalidArgumentError("customer_id: must be set");
  }
  if (request.has_cancel_pending()) return Cancel(request, now);
  if (!request.has_contact()) {
    return absl::InvalidArgumentError("action: one of contact, cancel_pending must be set");
  }
  if (request.contact().channel() == common::v1::CHANNEL_UNSPECIFIED) {
    return absl::InvalidArgumentError("contact.channel: must be set");
  }

  DispatchEffects effects;
  ARREARS_ASSIGN_OR_RETURN(std::optional<ContactRecord> existing,
                           deps_.store->Get(request.request_id()));
  if (existing.has_value()) {
    effects.duplicate = true;
    return effects;
  }
  ContactRecord record;
  record.request = request;
  record.received_at = now;
  // Derived from the request so a replay after a crash before the first
  // Put() names the attempt (and the provider idempotency key) the same.
  const absl::Time id_time = request.has_create_time() ? FromTimestamp(request.create_time()) : now;
  record.attempt_id = ids::DeriveTimeOrderedId(request.request_id(), "attempt-1", id_time);
  Advance(record, now, effects);
  ARREARS_RETURN_IF_ERROR(deps_.store->Put(record));
  return effects;
}

absl::StatusOr<DispatchEffects> Dispatcher::OnTimer(const std::string& request_id, absl::Time now) {
  ARREARS_ASSIGN_OR_RETURN(std::optional<ContactRecord> record, deps_.store->Get(request_id));
  if (!record.has_value()) {
    return absl::NotFoundError(absl::StrCat("request_id: no contact request ", request_id));
  }
  DispatchEffects effects;
  if (!IsPending(record->state)) return effects;  // stale timer
  if (now < record->timer_at) {
    // Fired early (clock skew between replicas): keep waiting.
    effects.timers.push_back({request_id, record->timer_at});
    return effects;
  }
  Advance(*record, now, effects);
  ARREARS_RETURN_IF_ERROR(deps_.store->Put(*record));
  return effects;
}

void Dispatcher::Advance(ContactRecord& record, absl::Time now, DispatchEffects& effects) {
  const ContactInstruction& instruction = record.request.contact();
  const Channel channel = instruction.channel();
  auto lane_it = deps_.lanes.find(channel);
  const ChannelLane* lane = lane_it == deps_.lanes.end() ? nullptr : &lane_it->second;

  auto wait_until = [&](absl::Time at, ContactState state) {
    record.state = state;
    record.timer_at = at;
    effects.timers.push_back({record.request.request_id(), at});
  };
  auto finish = [&](ContactState state, v1::ContactEvent event) {
    record.state = state;
    record.timer_at = absl::InfinitePast();
    if (event.provider().empty()) event.set_provider(ProviderName(lane));
    effects.events.push_back(std::move(event));
  };
  auto fail = [&](std::string failure_code) {
    v1::ContactEvent event = BaseEvent(record, now, v1::CONTACT_OUTCOME_FAILED);
    event.set_failure_code(std::move(failure_code));
    finish(ContactState::kFailed, std::move(event));
  };

  if (instruction.has_latest_time() && now > FromTimestamp(instruction.latest_time())) {
    v1::ContactEvent event = BaseEvent(record, now, v1::CONTACT_OUTCOME_CANCELLED);
    event.set_outcome_reason("EXPIRED");
    finish(ContactState::kCancelled, std::move(event));
    return;
  }
  if (instruction.has_earliest_time() && now < FromTimestamp(instruction.earliest_time())) {
    wait_until(FromTimestamp(instruction.earliest_time()), ContactState::kWaiting);
    return;
  }
  if (lane == nullptr) {
    fail("NO_PROVIDER");
    return;
  }

  // Prepare: contact data, rendering, the deliverable.
  auto prepare = [&]() -> std::variant<Prepared, PrepareFailure> {
    Prepared prepared;
    std::string full_name;
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
          deps_.directory->Lookup(record.request.customer_id(), point_id, PointTypeFor(channel));
      if (!contact.ok()) {
        if (absl::IsNotFound(contact.status()) || absl::IsInvalidArgument(contact.status())) {
          return PrepareFailure{false, "CONTACT_POINT_UNKNOWN"};
        }
        return PrepareFailure{true, ""};
      }
      full_name = contact->full_name;
      prepared.contact_point = contact->contact_point;
      if (prepared.contact_point.masked_value().empty()) {
        prepared.contact_point.set_masked_value(MaskContactPointValue(prepared.contact_point));
      }
    }

    RenderedText text;
    if (!instruction.template_id().empty()) {
      absl::StatusOr<v1::Template> message_template =
          deps_.templates->Get(instruction.template_id(), instruction.language());
      if (!message_template.ok()) return PrepareFailure{false, "TEMPLATE_NOT_FOUND"};
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
      prepared.deliverable = RenderedMessage{channel,
                                             prepared.contact_point,
                                             instruction.template_id(),
                                             instruction.language(),
                                             text.subject,
                                             text.body};
      return prepared;
    }
    WorkOrder order;
    order.channel = channel;
    order.order_id = record.attempt_id;
    order.customer_id = record.request.customer_id();
    order.loan_ids.assign(instruction.loan_ids().begin(), instruction.loan_ids().end());
    order.contact_point = prepared.contact_point;
    order.agency_id = instruction.agency_id();
    order.script = text.body;
    if (instruction.has_field_visit()) {
      const strategy::v1::FieldVisitOrder& visit = instruction.field_visit();
      if (!visit.field_visit_id().empty()) order.order_id = visit.field_visit_id();
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

  std::variant<Prepared, PrepareFailure> prepared_or = prepare();
  if (auto* failure = std::get_if<PrepareFailure>(&prepared_or)) {
    if (failure->transient) {
      wait_until(now + options_.recheck_interval, ContactState::kWaiting);
    } else {
      fail(failure->failure_code);
    }
    return;
  }
  Prepared& prepared = std::get<Prepared>(prepared_or);
  record.contact_point = prepared.contact_point;
  record.contact_point.clear_value();

  // The compliance check, before every try.
  ContactAttemptPlan plan;
  plan.check_id = absl::StrCat(record.attempt_id, "/check-", ++record.checks);
  plan.attempt_id = record.attempt_id;
  plan.request_id = record.request.request_id();
  plan.customer_id = record.request.customer_id();
  plan.loan_ids.assign(instruction.loan_ids().begin(), instruction.loan_ids().end());
  plan.channel = channel;
  plan.contact_point = prepared.contact_point;
  plan.counterparty = instruction.counterparty();
  plan.related_contact_id = instruction.related_contact_id();
  plan.purpose = instruction.purpose();
  plan.proposed_time = now;
  plan.template_id = instruction.template_id();
  plan.language = instruction.language();
  plan.message_text = prepared.message_text;
  plan.agency_id = instruction.agency_id();
  if (instruction.has_field_visit()) {
    plan.field_staff_count = instruction.field_visit().staff_ids_size();
    plan.recording_on = instruction.field_visit().recording_on();
  }
  absl::StatusOr<GateDecision> decision = deps_.gate->CheckContact(plan);
  if (!decision.ok()) {
    // No answer is not an answer: wait and ask again, never send unchecked.
    wait_until(now + options_.recheck_interval, ContactState::kWaiting);
    return;
  }
  record.last_decision_id = decision->decision_id;
  if (decision->verdict == GateVerdict::kDeny) {
    v1::ContactEvent event = BaseEvent(record, now, v1::CONTACT_OUTCOME_BLOCKED);
    SetDecision(event, *decision);
    finish(ContactState::kBlocked, std::move(event));
    return;
  }
  if (decision->verdict == GateVerdict::kDefer) {
    v1::ContactEvent event = BaseEvent(record, now, v1::CONTACT_OUTCOME_DEFERRED);
    SetDecision(event, *decision);
    event.set_provider(ProviderName(lane));
    effects.events.push_back(std::move(event));
    // A defer_until not after now would fire at once and loop.
    const absl::Time at =
        decision->defer_until > now ? decision->defer_until : now + options_.recheck_interval;
    wait_until(at, ContactState::kDeferred);
    return;
  }

  // Allowed: through the rate limit and the breaker, to the provider.
  if (lane->rate_limiter != nullptr && !record.holds_rate_token) {
    const absl::Time token_at = lane->rate_limiter->Reserve();
    if (token_at > now) {
      record.holds_rate_token = true;
      wait_until(token_at, ContactState::kWaiting);
      return;
    }
  }
  record.holds_rate_token = false;
  if (lane->breaker != nullptr && !lane->breaker->AllowRequest()) {
    const absl::Time retry_at = lane->breaker->RetryAt();
    wait_until(retry_at > now ? retry_at : now + options_.recheck_interval, ContactState::kWaiting);
    return;
  }
  absl::StatusOr<ProviderReceipt> receipt =
      lane->provider->Send(prepared.deliverable, record.attempt_id);
  if (!receipt.ok()) {
    const bool transient = IsTransientProviderError(receipt.status());
    if (lane->breaker != nullptr) {
      // A permanent rejection is about the message, not the provider's health.
      if (transient) {
        lane->breaker->RecordFailure();
      } else {
        lane->breaker->RecordSuccess();
      }
    }
    if (!transient) {
      fail("PROVIDER_REJECTED");
      return;
    }
    ++record.failed_tries;
    std::optional<absl::Duration> delay = retry_.NextDelay(record.failed_tries);
    if (!delay.has_value()) {
      fail("RETRY_BUDGET_EXHAUSTED");
      return;
    }
    wait_until(now + *delay, ContactState::kRetrying);
    return;
  }
  if (lane->breaker != nullptr) lane->breaker->RecordSuccess();

  v1::ContactEvent sent = BaseEvent(record, now, v1::CONTACT_OUTCOME_SENT);
  SetDecision(sent, *decision);
  sent.set_provider(receipt->provider);
  if (receipt->outcome == v1::CONTACT_OUTCOME_UNSPECIFIED) {
    finish(ContactState::kSent, std::move(sent));
    return;
  }
  effects.events.push_back(std::move(sent));
  v1::ContactEvent outcome = BaseEvent(record, receipt->accepted_at, receipt->outcome);
  outcome.set_failure_code(receipt->failure_code);
  outcome.set_provider(receipt->provider);
  const ContactState state =
      receipt->outcome == v1::CONTACT_OUTCOME_DELIVERED ? ContactState::kDelivered
      : receipt->outcome == v1::CONTACT_OUTCOME_FAILED  ? ContactState::kFailed
                                                        : ContactState::kSent;
  finish(state, std::move(outcome));
}

absl::StatusOr<DispatchEffects> Dispatcher::Cancel(const strategy::v1::ContactRequest& request,
                                                   absl::Time now) {
  const strategy::v1::CancelPendingContacts& cancel = request.cancel_pending();
  ARREARS_ASSIGN_OR_RETURN(std::vector<ContactRecord> pending,
                           deps_.store->ListPending(request.customer_id()));
  DispatchEffects effects;
  for (ContactRecord& record : pending) {
    const ContactInstruction& instruction = record.request.contact();
    if (!cancel.request_ids().empty() &&
        std::find(cancel.request_ids().begin(), cancel.request_ids().end(),
                  record.request.request_id()) == cancel.request_ids().end()) {
      continue;
    }
    if (!cancel.loan_ids().empty() &&
        std::none_of(instruction.loan_ids().begin(), instruction.loan_ids().end(),
                     [&](const std::string& loan) {
                       return std::find(cancel.loan_ids().begin(), cancel.loan_ids().end(), loan) !=
                              cancel.loan_ids().end();
                     })) {
      continue;
    }
    if (std::find(cancel.keep_purposes().begin(), cancel.keep_purposes().end(),
                  instruction.purpose()) != cancel.keep_purposes().end()) {
      continue;
    }
    record.state = ContactState::kCancelled;
    record.timer_at = absl::InfinitePast();
    v1::ContactEvent event = BaseEvent(record, now, v1::CONTACT_OUTCOME_CANCELLED);
    event.set_outcome_reason(CancelReasonCode(cancel.reason()));
    auto lane = deps_.lanes.find(instruction.channel());
    if (lane != deps_.lanes.end()) event.set_provider(lane->second.provider->name());
    ARREARS_RETURN_IF_ERROR(deps_.store->Put(record));
    effects.events.push_back(std::move(event));
    effects.cancelled_timers.push_back(record.request.request_id());
  }
  return effects;
}

}  // namespace arrears::contact
