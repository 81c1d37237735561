// Agency batches: agency placements (and recalls) are not handed over one by
// one but collected per agency and action and handed over as one work order
// (the batch manifest), the way agencies take cases (a file per day).
//
// A batch belongs to a window. With a `time_zone` (IANA), windows follow the
// agency's local clock: each local day starts at its local midnight plus
// `window_offset` (the daily cut-off, 0 <= offset < 24h), and is cut into
// 24h / `window` windows from there (`window` must divide 24h); the day's
// last window ends where the next day starts, so on daylight-saving days it
// is an hour shorter or longer and the cut-off stays at the same local
// time. Without a time zone, windows of `window` length are aligned to the
// Unix epoch shifted by `window_offset` (window 24h with offset -8h: one
// batch per agency per business day in UTC+8, a zone without daylight
// saving). A batch closes when its window ends or when it holds
// `max_placements`; a placement arriving after that opens the window's next
// batch. The batch id names agency, action, window
// and sequence, so it is the same whoever computes it (no counter to keep):
//   "agency-batch/<agency_id>/<PLACE|RECALL>/<window start, UTC>/<n>".
//
// How batches run (state machine, durability, events) is the dispatcher's
// (dispatcher.h); this header only holds the pure pieces. Thread-safe.
#ifndef ARREARS_SERVICES_CONTACT_CHANNELS_AGENCY_BATCH_H_
#define ARREARS_SERVICES_CONTACT_CHANNELS_AGENCY_BATCH_H_

#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "services/contact_channels/contact_store.h"
#include "services/contact_channels/provider.h"

namespace arrears::contact {

struct AgencyBatchPolicy {
  // A batch closes as soon as it holds this many placements.
  int max_placements = 100;
  absl::Duration window = absl::Hours(24);
  absl::Duration window_offset = absl::ZeroDuration();
  // The agency's zone (see above); unset = fixed windows from the epoch.
  std::optional<absl::TimeZone> time_zone;
};

// InvalidArgument naming the field under `field` (max_placements >= 1,
// window > 0; with a time zone, whole seconds: window divides 24h and
// 0 <= window_offset < 24h).
absl::Status ValidateAgencyBatchPolicy(const AgencyBatchPolicy& policy,
                                       absl::string_view field = "batch");

struct BatchWindow {
  absl::Time start;
  absl::Time end;
};

// The window `at` falls in.
BatchWindow BatchWindowAt(const AgencyBatchPolicy& policy, absl::Time at);

// The agency and action ("PLACE", "RECALL") of a placement request.
std::string PlacementAgencyId(const strategy::v1::ContactRequest& request);
std::string PlacementAction(const strategy::v1::ContactRequest& request);

std::string AgencyBatchId(const std::string& agency_id, const std::string& action,
                          absl::Time window_start, int sequence);

// A new batch's own record: request_id = batch id, no customer, an
// AGENCY_PLACEMENT instruction naming agency and action, state kBatchOpen
// with its timer at `close_at`, attempt id (the hand-over's idempotency
// key) derived from the batch id.
ContactRecord NewAgencyBatchRecord(const std::string& batch_id, const std::string& agency_id,
                                   const std::string& action, absl::Time now, absl::Time close_at);

// A placement's item in the batch manifest: placement id, customer, loans,
// the debtor's masked contact data (`debtor_contact_point` masked value and
// `masked_name`, when known), amounts (total_overdue, max_dpd), documents
// (the request's "documents" parameter, comma-separated ids) and the
// placement's own fields (placed_until, recall_reason).
WorkOrder AgencyBatchItem(const ContactRecord& placement,
                          const common::v1::ContactPoint& debtor_contact_point,
                          const std::string& masked_name);

}  // namespace arrears::contact

#endif  // ARREARS_SERVICES_CONTACT_CHANNELS_AGENCY_BATCH_H_
