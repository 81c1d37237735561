#include "services/contact_channels/agency_batch.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "common/ids/id_generator.h"
#include "common/proto_convert/proto_convert.h"
#include "common/time/civil_date.h"

namespace arrears::contact {

absl::Status ValidateAgencyBatchPolicy(const AgencyBatchPolicy& policy, absl::string_view field) {
  if (policy.max_placements < 1) {
    return absl::InvalidArgumentError(absl::StrCat(field, ".max_placements: must be >= 1"));
  }
  if (policy.window <= absl::ZeroDuration()) {
    return absl::InvalidArgumentError(absl::StrCat(field, ".window: must be positive"));
  }
  if (!policy.time_zone.has_value()) return absl::OkStatus();
  absl::Duration remainder;
  absl::IDivDuration(absl::Hours(24), policy.window, &remainder);
  if (remainder != absl::ZeroDuration() ||
      policy.window % absl::Seconds(1) != absl::ZeroDuration()) {
    return absl::InvalidArgumentError(
        absl::StrCat(field, ".window: must be whole seconds dividing 24h with a time zone, got ",
                     absl::FormatDuration(policy.window)));
  }
  if (policy.window_offset < absl::ZeroDuration() || policy.window_offset >= absl::Hours(24) ||
      policy.window_offset % absl::Seconds(1) != absl::ZeroDuration()) {
    return absl::InvalidArgumentError(absl::StrCat(
        field, ".window_offset: must be whole seconds in [0, 24h) with a time zone (the local ",
        "cut-off), got ", absl::FormatDuration(policy.window_offset)));
  }
  return absl::OkStatus();
}

namespace {

// Windows are cut on the local clock: they start at local midnight +
// window_offset + k * window, as civil times, and a start that a
// daylight-saving change skips or repeats resolves as absl::FromCivil does
// (the change itself; the first occurrence). So the windows keep their
// local times all year, and the one holding a change is an hour shorter or
// longer.
BatchWindow LocalBatchWindowAt(const AgencyBatchPolicy& policy, absl::TimeZone zone,
                               absl::Time at) {
  const int64_t window_s = absl::ToInt64Seconds(policy.window);
  const int64_t offset_s = absl::ToInt64Seconds(policy.window_offset);
  const absl::CivilSecond local = absl::ToCivilSecond(at, zone);
  const absl::CivilSecond midnight = absl::CivilSecond(absl::CivilDay(local));
  // Seconds since local midnight minus the cut-off; before the cut-off the
  // time belongs to the previous day's last window.
  const int64_t into = (local - midnight) - offset_s;
  const int64_t k = into >= 0 ? into / window_s : -((-into + window_s - 1) / window_s);
  const absl::CivilSecond civil_start = midnight + offset_s + k * window_s;
  return {absl::FromCivil(civil_start, zone), absl::FromCivil(civil_start + window_s, zone)};
}

}  // namespace

BatchWindow BatchWindowAt(const AgencyBatchPolicy& policy, absl::Time at) {
  if (policy.time_zone.has_value()) return LocalBatchWindowAt(policy, *policy.time_zone, at);
  const absl::Time origin = absl::UnixEpoch() + policy.window_offset;
  absl::Duration remainder;
  const int64_t index = absl::IDivDuration(at - origin, policy.window, &remainder);
  absl::Time start = origin + index * policy.window;
  // IDivDuration truncates toward zero: before the origin, step back.
  if (start > at) start -= policy.window;
  return {start, start + policy.window};
}

std::string PlacementAgencyId(const strategy::v1::ContactRequest& request) {
  const strategy::v1::ContactInstruction& instruction = request.contact();
  return instruction.agency_placement().agency_id().empty()
             ? instruction.agency_id()
             : instruction.agency_placement().agency_id();
}

std::string PlacementAction(const strategy::v1::ContactRequest& request) {
  return request.contact().agency_placement().action() ==
                 strategy::v1::AgencyPlacementOrder::ACTION_RECALL
             ? "RECALL"
             : "PLACE";
}

std::string AgencyBatchId(const std::string& agency_id, const std::string& action,
                          absl::Time window_start, int sequence) {
  return absl::StrCat("agency-batch/", agency_id, "/", action, "/",
                      absl::FormatTime("%Y%m%dT%H%M%SZ", window_start, absl::UTCTimeZone()), "/",
                      sequence);
}

ContactRecord NewAgencyBatchRecord(const std::string& batch_id, const std::string& agency_id,
                                   const std::string& action, absl::Time now, absl::Time close_at) {
  ContactRecord batch;
  batch.request.set_request_id(batch_id);
  *batch.request.mutable_create_time() = ToTimestamp(now);
  strategy::v1::ContactInstruction* instruction = batch.request.mutable_contact();
  instruction->set_channel(common::v1::CHANNEL_AGENCY_PLACEMENT);
  instruction->set_agency_id(agency_id);
  instruction->mutable_agency_placement()->set_agency_id(agency_id);
  instruction->mutable_agency_placement()->set_placement_id(batch_id);
  instruction->mutable_agency_placement()->set_action(
      action == "RECALL" ? strategy::v1::AgencyPlacementOrder::ACTION_RECALL
                         : strategy::v1::AgencyPlacementOrder::ACTION_PLACE);
  batch.attempt_id = ids::DeriveTimeOrderedId(batch_id, "hand-over", now);
  batch.received_at = now;
  batch.state = ContactState::kBatchOpen;
  batch.timer_at = close_at;
  batch.contact_point.set_type(common::v1::CONTACT_POINT_TYPE_ORGANIZATION);
  batch.contact_point.set_contact_point_id(agency_id);
  batch.contact_point.set_masked_value(agency_id);
  return batch;
}

WorkOrder AgencyBatchItem(const ContactRecord& placement,
                          const common::v1::ContactPoint& debtor_contact_point,
                          const std::string& masked_name) {
  const strategy::v1::ContactInstruction& instruction = placement.request.contact();
  const strategy::v1::AgencyPlacementOrder& order = instruction.agency_placement();
  WorkOrder item;
  item.channel = common::v1::CHANNEL_AGENCY_PLACEMENT;
  item.order_id = order.placement_id().empty() ? placement.attempt_id : order.placement_id();
  item.customer_id = placement.request.customer_id();
  item.loan_ids.assign(instruction.loan_ids().begin(), instruction.loan_ids().end());
  item.agency_id = PlacementAgencyId(placement.request);
  item.contact_point = debtor_contact_point;
  item.contact_point.clear_value();  // masked data only
  item.details["request_id"] = placement.request.request_id();
  item.details["action"] = PlacementAction(placement.request);
  if (!masked_name.empty()) item.details["debtor_name"] = masked_name;
  if (order.has_placed_until()) {
    absl::StatusOr<absl::CivilDay> day = CivilDayFromProto(order.placed_until(), "placed_until");
    if (day.ok()) item.details["placed_until"] = time::FormatCivilDay(*day);
  }
  if (!order.recall_reason().empty()) item.details["recall_reason"] = order.recall_reason();
  for (const char* key : {"total_overdue", "max_dpd", "documents"}) {
    auto it = instruction.template_parameters().find(key);
    if (it != instruction.template_parameters().end()) item.details[key] = it->second;
  }
  return item;
}

}  // namespace arrears::contact
