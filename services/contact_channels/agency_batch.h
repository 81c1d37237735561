// Agency batches: agency placements (and recalls) are not handed over one by
// one but collected per agency and action and handed over as one work order
// (the batch manifest), the way agencies take cases (a file per day).
//
// A batch belongs to a window: windows of `window` length aligned to the
// Unix epoch shifted by `window_offset` (window 24h with offset -8h: one
// batch per agency per business day in UTC+8). It closes when its window
// ends or when it holds `max_placements`; a placement arriving after that
// opens the window's next batch. The batch id names agency, action, window
// and sequence, so it is the same whoever computes it (no counter to keep):
//   "agency-batch/<agency_id>/<PLACE|RECALL>/<window start, UTC>/<n>".
//
// How batches run (state machine, durability, events) is the dispatcher's
// (dispatcher.h); this header only holds the pure pieces. Thread-safe.
#ifndef ARREARS_SERVICES_CONTACT_CHANNELS_AGENCY_BATCH_H_
#define ARREARS_SERVICES_CONTACT_CHANNELS_AGENCY_BATCH_H_

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "services/contact_channels/contact_store.h"
#include "services/contact_channels/provider.h"

namespace arrears::contact {

struct AgencyBatchPolicy {
  // A batch closes as soon as it holds this many placements.
  int max_placements = 100;
  absl::Duration window = absl::Hours(24);
  absl::Duration window_offset = absl::ZeroDuration();
};

// InvalidArgument naming the field (max_placements >= 1, window > 0).
absl::Status ValidateAgencyBatchPolicy(const AgencyBatchPolicy& policy);

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
