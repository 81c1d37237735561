// Simulation: drives the system through simulated business days.
//
// Per simulated day D (times local to the book's zone, Asia/Shanghai):
//   "open"   the clock moves to D 00:00; events recorded up to then are
//            published (on the first day: the opening load) and, if there
//            were any, wait for quiet;
//   "close"  OverdueService.CloseBusinessDay(D); wait for quiet;
//   steps    for each configured time of day (default 08:00, 10:00, 14:00,
//            19:00, 23:59): the clock moves there, the day's events up to
//            then are published, wait for quiet. Contacts deferred for quiet
//            hours go out once the clock passes their time.
// Every clock move is followed by a wait before the events of that instant
// are published: what the clock alone triggers (a strategy's agenda once the
// business date settles, deferred contacts whose time came) happens first,
// then what the events cause. Without that order the two race, and the
// number of case updates and which contacts a repayment cancels would depend
// on timing, not on the book.
// After every wait, the debtors answer what reached them (DebtorResponder):
// the resulting service calls are made at the same simulated instant, any
// loan events they cause (restructurings) are published, and the driver
// waits again, until nothing more happens.
//
// Failures: publishing or moving the clock ends the run with the error. A
// failed close, a failed service call or a wait that hits its deadline is
// counted (with samples) in the summary and the run goes on: the report
// shows what was missed instead of the run dying on one bad day. Setting
// `*stop` ends the run after the current phase.
//
// Not thread-safe: Run() once, on one thread.
#ifndef ARREARS_TOOLS_SIMULATOR_SIMULATION_H_
#define ARREARS_TOOLS_SIMULATOR_SIMULATION_H_

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "absl/types/span.h"
#include "common/events/publisher.h"
#include "common/time/clock.h"
#include "tools/simulator/debtor_responder.h"
#include "tools/simulator/loan_book.h"
#include "tools/simulator/pipeline.h"

namespace arrears::simulator {

struct SimulationOptions {
  // Clock steps after the close, as offsets from local midnight, increasing,
  // within the day.
  std::vector<absl::Duration> steps_of_day = {absl::Hours(8), absl::Hours(10), absl::Hours(14),
                                              absl::Hours(19), absl::Hours(23) + absl::Minutes(59)};
  // Pause after each simulated day (--speed); zero = as fast as possible.
  absl::Duration pause_per_day = absl::ZeroDuration();
  // Wait-then-act rounds per phase at most. A round either publishes the
  // loan system's events up to the current instant or, when there are none,
  // lets the debtors answer. The longest chain is a hardship plan: the
  // book's events (1), the collector records the hardship (2), proposes a
  // plan on the HARDSHIP_DECLARED event (3), the debtor accepts it on
  // PlanProposed (4), the loan system restructures on PlanAgreed (5), and
  // the round after waits for what the restructuring causes; the rest is
  // headroom. A phase that runs out of rounds waits once more, for what its
  // last round caused, and records a problem; the debtors' answers to that
  // come in the next phase.
  int max_reaction_rounds = 10;
  // Events per Publish call.
  int publish_batch = 5000;
};

// "08:00,10:00,14:00,19:00,23:59" -> offsets; InvalidArgument naming the
// entry when one is not HH:MM, not increasing, or not within the day.
absl::StatusOr<std::vector<absl::Duration>> ParseStepsOfDay(absl::string_view text);

struct SimulationSeams {
  LoanBook* book = nullptr;
  events::EventPublisher* publisher = nullptr;
  SimulatedClockWriter* clock = nullptr;
  // Null: no overdue service (days are not closed; counted as failures).
  BusinessDayCloser* closer = nullptr;
  PipelineMonitor* monitor = nullptr;
  FeedbackInbox* feedback = nullptr;
  ActionExecutor* executor = nullptr;
  DayObserver* observer = nullptr;  // optional
  // How the pause is spent; default absl::SleepFor.
  std::function<void(absl::Duration)> sleep;
  // Optional; set to stop after the current phase.
  const std::atomic<bool>* stop = nullptr;
  // Times the waits (wall time, for the summary); default SystemClock.
  const Clock* wall_clock = nullptr;
};

struct SimulationSummary {
  int days_completed = 0;
  bool interrupted = false;
  int64_t events_published = 0;
  int64_t days_closed = 0;
  int64_t close_failures = 0;
  int64_t loans_evaluated = 0;
  int64_t close_events_emitted = 0;
  int64_t quiet_timeouts = 0;
  // Service calls made on debtors' and collectors' behalf, by kind
  // ("RecordOutcome", "ProposePlan", "AcceptPlan"), and those that failed.
  std::map<std::string, int64_t> actions;
  std::map<std::string, int64_t> action_failures;
  // A few messages per kind of problem, "<day> <phase>: <status>".
  std::vector<std::string> problems;
  // Wall time spent waiting for a quiet pipeline, and the longest wait.
  absl::Duration quiet_wait_total;
  absl::Duration quiet_wait_longest;
  std::string quiet_wait_longest_at;
};

class Simulation {
 public:
  // Every seam except closer, observer, sleep and stop is required.
  Simulation(SimulationOptions options, SimulationSeams seams);

  // Runs every day of the book's options (or until stopped). Returns the
  // summary, or the error that ended the run.
  absl::StatusOr<SimulationSummary> Run();

  const DebtorResponder& responder() const { return responder_; }

 private:
  absl::Status Publish(absl::Span<const events::Event> events);
  // Moves the clock, then settles: waits for what the move triggers, and
  // publishes (and waits for) the book's events up to `now`.
  absl::Status AdvanceClock(absl::Time now, const std::string& where);
  // Waits for quiet, publishes the book's events up to now or else lets the
  // debtors answer, repeats while that changes anything.
  absl::Status Settle(absl::Time now, const std::string& where);
  // Waits for a quiet pipeline and counts the wait; false when the run was
  // stopped meanwhile.
  bool WaitForQuiet(const std::string& where);
  void NoteProblem(const std::string& where, const absl::Status& status);

  const SimulationOptions options_;
  const SimulationSeams seams_;
  DebtorResponder responder_;
  SimulationSummary summary_;
  std::map<std::string, int> problems_by_kind_;
};

}  // namespace arrears::simulator

#endif  // ARREARS_TOOLS_SIMULATOR_SIMULATION_H_
