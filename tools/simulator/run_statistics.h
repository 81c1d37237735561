// RunStatistics: what the services said, tallied from their topics.
//
// The simulator consumes every downstream topic (delinquency, case, contact
// request, plan, contact, compliance decision, audit checkpoint, and every
// dead-letter topic) with its own consumer group and feeds each event here.
// The tallies are the services' own facts, never estimates: the latest
// delinquency snapshot per loan (by its loan_sequence), contact events by
// channel and outcome, compliance verdicts and reason codes, cases by
// strategy variant and how they closed, dead letters by topic.
//
// Thread-safe: Ingest from the consumer thread, reads from any thread.
#ifndef ARREARS_TOOLS_SIMULATOR_RUN_STATISTICS_H_
#define ARREARS_TOOLS_SIMULATOR_RUN_STATISTICS_H_

#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/synchronization/mutex.h"
#include "common/events/event.h"

namespace arrears::simulator {

// The counts the progress line shows.
struct LiveCounts {
  // Loans whose latest snapshot is DELINQUENT.
  int64_t delinquent_loans = 0;
  // Contact events with outcome SENT.
  int64_t contacts_sent = 0;
  // Compliance decisions DENY / DEFER.
  int64_t denied = 0;
  int64_t deferred = 0;
  // Delinquency events CURED.
  int64_t cured = 0;

  friend bool operator==(const LiveCounts&, const LiveCounts&) = default;
};

// One (strategy, variant) as seen on the case topic.
struct VariantTally {
  int64_t cases = 0;
  int64_t closed = 0;
  // Closed with reason ALL_CURED.
  int64_t cured = 0;
  // Hardship plans proposed and accepted in its cases (PlanProposed,
  // PlanAccepted).
  int64_t plans_proposed = 0;
  int64_t plans_accepted = 0;
};

struct StatisticsSnapshot {
  LiveCounts live;
  // Events consumed per topic.
  std::map<std::string, int64_t> events_by_topic;
  // Delinquency events by kind (DelinquencyEventKind name).
  std::map<std::string, int64_t> delinquency_events;
  // Latest snapshot per loan: loans and total overdue (minor units, all
  // CNY) by bucket code, and loans by state.
  std::map<std::string, int64_t> loans_by_bucket;
  std::map<std::string, int64_t> overdue_by_bucket;
  std::map<std::string, int64_t> loans_by_state;
  // Bucket ordinal by code, as the service reported it (for ordering).
  std::map<std::string, int32_t> bucket_ordinals;
  // Contact events by (channel, outcome) names, and distinct attempts by
  // channel.
  std::map<std::pair<std::string, std::string>, int64_t> contact_events;
  std::map<std::string, int64_t> attempts_by_channel;
  // Contact events with a reason code, by "OUTCOME/REASON" (e.g.
  // "CANCELLED/CURED", "FAILED/INVALID_NUMBER").
  std::map<std::string, int64_t> contact_reasons;
  // Contact requests by channel.
  std::map<std::string, int64_t> requests_by_channel;
  // Compliance decisions by verdict, by reason code, and by (channel, verdict).
  std::map<std::string, int64_t> decisions_by_verdict;
  std::map<std::string, int64_t> decisions_by_reason;
  std::map<std::pair<std::string, std::string>, int64_t> decisions_by_channel;
  // Cases: opened, closed by reason; per (strategy id, variant).
  int64_t cases_opened = 0;
  std::map<std::string, int64_t> cases_closed_by_reason;
  std::map<std::pair<std::string, std::string>, VariantTally> variants;
  // Case events PlanProposed and PlanAccepted (the strategy service's view
  // of the plans).
  int64_t plans_proposed = 0;
  int64_t plans_accepted = 0;
  // Plan events by kind; signed audit checkpoints seen.
  std::map<std::string, int64_t> plan_events;
  int64_t audit_checkpoints = 0;
  // Records on "<topic>.dlq" topics, by dead-letter topic.
  std::map<std::string, int64_t> dead_letters;
  // Payloads that did not parse as the topic's type.
  int64_t unreadable = 0;
  // Lawfulness, checked across topics: SENT contact events whose compliance
  // decision is not an ALLOW seen on the decisions topic (or carries none),
  // and attempts with more than one distinct SENT event (a contact sent
  // twice). Both must be zero.
  int64_t sent_without_allow = 0;
  int64_t attempts_sent_twice = 0;
};

class RunStatistics {
 public:
  void Ingest(const events::Event& event) ABSL_LOCKS_EXCLUDED(mu_);

  LiveCounts live() const ABSL_LOCKS_EXCLUDED(mu_);
  StatisticsSnapshot Snapshot() const ABSL_LOCKS_EXCLUDED(mu_);

 private:
  struct LoanState {
    int64_t sequence = 0;
    std::string bucket;
    std::string state;
    int64_t overdue_minor = 0;
  };
  struct CaseState {
    std::pair<std::string, std::string> variant;
    bool closed = false;
  };

  void IngestDelinquency(const events::Event& event) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void IngestContact(const events::Event& event) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void IngestDecision(const events::Event& event) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void IngestCase(const events::Event& event) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void IngestRequest(const events::Event& event) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void IngestPlan(const events::Event& event) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  mutable absl::Mutex mu_;
  StatisticsSnapshot totals_ ABSL_GUARDED_BY(mu_);
  absl::flat_hash_map<std::string, LoanState> loans_ ABSL_GUARDED_BY(mu_);
  absl::flat_hash_map<std::string, CaseState> cases_ ABSL_GUARDED_BY(mu_);
  absl::flat_hash_set<std::string> attempts_ ABSL_GUARDED_BY(mu_);
  // ALLOW decision ids; SENT events per attempt with their decision ids.
  absl::flat_hash_set<std::string> allowed_decisions_ ABSL_GUARDED_BY(mu_);
  absl::flat_hash_map<std::string, std::vector<std::string>> sent_decisions_by_attempt_
      ABSL_GUARDED_BY(mu_);
  // ce_ids seen, so a redelivered event is counted once.
  absl::flat_hash_set<std::string> seen_ ABSL_GUARDED_BY(mu_);
};

}  // namespace arrears::simulator

#endif  // ARREARS_TOOLS_SIMULATOR_RUN_STATISTICS_H_
