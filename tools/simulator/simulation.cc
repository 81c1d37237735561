#include "tools/simulator/simulation.h"

#include <algorithm>
#include <utility>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "common/time/civil_date.h"

namespace arrears::simulator {
namespace {

std::string ActionKind(const ServiceAction& action) {
  if (std::holds_alternative<contact::v1::RecordOutcomeRequest>(action.request)) {
    return "RecordOutcome";
  }
  if (std::holds_alternative<strategy::v1::ProposePlanRequest>(action.request)) {
    return "ProposePlan";
  }
  return "AcceptPlan";
}

std::string FormatOffset(absl::Duration offset) {
  const int64_t minutes = absl::ToInt64Minutes(offset);
  return absl::StrFormat("%02d:%02d", minutes / 60, minutes % 60);
}

}  // namespace

absl::StatusOr<std::vector<absl::Duration>> ParseStepsOfDay(absl::string_view text) {
  std::vector<absl::Duration> steps;
  for (absl::string_view entry : absl::StrSplit(text, ',', absl::SkipWhitespace())) {
    entry = absl::StripAsciiWhitespace(entry);
    std::vector<absl::string_view> parts = absl::StrSplit(entry, ':');
    int hours = -1;
    int minutes = -1;
    if (parts.size() != 2 || parts[0].size() != 2 || parts[1].size() != 2 ||
        !absl::SimpleAtoi(parts[0], &hours) || !absl::SimpleAtoi(parts[1], &minutes) || hours < 0 ||
        hours > 23 || minutes < 0 || minutes > 59) {
      return absl::InvalidArgumentError(
          absl::StrCat("steps of day: \"", entry, "\" is not a time HH:MM within the day"));
    }
    const absl::Duration offset = absl::Hours(hours) + absl::Minutes(minutes);
    if (!steps.empty() && offset <= steps.back()) {
      return absl::InvalidArgumentError(
          absl::StrCat("steps of day: \"", entry, "\" is not after the step before it"));
    }
    steps.push_back(offset);
  }
  if (steps.empty()) return absl::InvalidArgumentError("steps of day: empty");
  return steps;
}

Simulation::Simulation(SimulationOptions options, SimulationSeams seams)
    : options_(std::move(options)), seams_(std::move(seams)), responder_(seams_.book) {}

void Simulation::NoteProblem(const std::string& where, const absl::Status& status) {
  // A few samples per status code and message start are enough to diagnose.
  const std::string kind =
      absl::StrCat(absl::StatusCodeToString(status.code()), ":", status.message().substr(0, 40));
  if (++problems_by_kind_[kind] <= 3 && summary_.problems.size() < 40) {
    summary_.problems.push_back(absl::StrCat(where, ": ", status.ToString()));
  }
}

absl::Status Simulation::Publish(absl::Span<const events::Event> events) {
  for (size_t begin = 0; begin < events.size();
       begin += static_cast<size_t>(options_.publish_batch)) {
    const size_t end = std::min(events.size(), begin + static_cast<size_t>(options_.publish_batch));
    absl::Status published = seams_.publisher->Publish(events.subspan(begin, end - begin));
    if (!published.ok()) {
      return absl::Status(published.code(),
                          absl::StrCat("publishing loan-system events: ", published.message()));
    }
  }
  summary_.events_published += static_cast<int64_t>(events.size());
  return absl::OkStatus();
}

absl::Status Simulation::AdvanceClock(absl::Time now, const std::string& where) {
  if (absl::Status s = seams_.clock->Advance(now); !s.ok()) return s;
  return Settle(now, where);
}

bool Simulation::WaitForQuiet(const std::string& where) {
  const Clock& wall = seams_.wall_clock != nullptr ? *seams_.wall_clock : SystemClock::Get();
  const absl::Time wait_start = wall.Now();
  absl::Status quiet = seams_.monitor->AwaitQuiet();
  if (absl::IsCancelled(quiet)) return false;
  const absl::Duration waited = wall.Now() - wait_start;
  summary_.quiet_wait_total += waited;
  if (waited > summary_.quiet_wait_longest) {
    summary_.quiet_wait_longest = waited;
    summary_.quiet_wait_longest_at = where;
  }
  if (!quiet.ok()) {
    ++summary_.quiet_timeouts;
    NoteProblem(where, quiet);
  }
  return true;
}

absl::Status Simulation::Settle(absl::Time now, const std::string& where) {
  for (int round = 0; round < options_.max_reaction_rounds; ++round) {
    // Stopped: the run ends after this phase; nothing more to wait for.
    if (!WaitForQuiet(where)) return absl::OkStatus();
    // What the loan system recorded up to now is applied before the debtors
    // answer anything: a repayment at 09:16 must reach the services before
    // the outcome of a call that the 10:00 clock move triggered, or which of
    // the two a service sees first depends on two topics' timing (and the
    // run on the machine's load).
    std::vector<events::Event> due = seams_.book->TakeEventsUntil(now);
    if (!due.empty()) {
      if (absl::Status published = Publish(due); !published.ok()) return published;
      continue;
    }
    std::vector<events::Event> feedback = seams_.feedback->Drain();
    // The services' event ids are deterministic; sorting by them makes the
    // answers independent of how the consumer happened to batch.
    std::sort(feedback.begin(), feedback.end(), [](const events::Event& a, const events::Event& b) {
      return std::tie(a.topic, a.envelope.id) < std::tie(b.topic, b.envelope.id);
    });
    int actions = 0;
    for (const events::Event& event : feedback) {
      for (const ServiceAction& action : responder_.React(event, now)) {
        ++actions;
        const std::string kind = ActionKind(action);
        ++summary_.actions[kind];
        absl::Status executed = seams_.executor->Execute(action);
        if (!executed.ok()) {
          ++summary_.action_failures[kind];
          NoteProblem(absl::StrCat(where, " ", kind), executed);
        }
      }
    }
    if (actions == 0) return absl::OkStatus();
  }
  // Out of rounds: what the last one caused is applied before the clock
  // moves on, and the debtors' answers to it wait for the next phase.
  NoteProblem(where, absl::ResourceExhaustedError(
                         absl::StrCat("still reacting after ", options_.max_reaction_rounds,
                                      " rounds; the rest is answered in the next phase")));
  WaitForQuiet(where);
  return absl::OkStatus();
}

absl::StatusOr<SimulationSummary> Simulation::Run() {
  LoanBook& book = *seams_.book;
  const int days = book.options().days;
  const int phases = 2 + static_cast<int>(options_.steps_of_day.size());
  auto stopped = [&] { return seams_.stop != nullptr && seams_.stop->load(); };

  for (int index = 0; index < days; ++index) {
    const absl::CivilDay day = book.options().start + index;
    const absl::Time midnight = time::StartOfDay(day, book.zone());
    StepProgress progress;
    progress.day_index = index;
    progress.days = days;
    progress.day = day;
    progress.phases = phases;
    auto phase_done = [&](int phase_index, std::string phase, absl::Time now) {
      progress.phase_index = phase_index;
      progress.phase = std::move(phase);
      progress.now = now;
      if (seams_.observer != nullptr) seams_.observer->OnPhaseDone(progress);
    };
    const std::string date = time::FormatCivilDay(day);

    // Open the day. The services must have applied what happened up to
    // midnight before the day closes: AdvanceClock publishes it and waits.
    // Only a Settle cut short by a stop leaves events here; on the first day
    // the open phase still settles once more, with nothing left to publish.
    if (absl::Status s = AdvanceClock(midnight, absl::StrCat(date, " 00:00 clock")); !s.ok()) {
      return s;
    }
    std::vector<events::Event> overnight = book.TakeEventsUntil(midnight);
    if (index == 0 || !overnight.empty()) {
      if (absl::Status s = Publish(overnight); !s.ok()) return s;
      if (absl::Status s = Settle(midnight, absl::StrCat(date, " open")); !s.ok()) return s;
    }
    phase_done(0, "open", midnight);
    if (stopped()) break;

    // Close the business day: loans whose DPD crossed a boundary move.
    if (seams_.closer == nullptr) {
      ++summary_.close_failures;
      NoteProblem(absl::StrCat(date, " close"),
                  absl::UnavailableError("no overdue detection service to close the day"));
    } else {
      absl::StatusOr<CloseDayResult> closed = seams_.closer->CloseBusinessDay(day);
      if (closed.ok()) {
        ++summary_.days_closed;
        summary_.loans_evaluated += closed->loans_evaluated;
        summary_.close_events_emitted += closed->events_emitted;
      } else {
        ++summary_.close_failures;
        NoteProblem(absl::StrCat(date, " close"), closed.status());
      }
    }
    if (absl::Status s = Settle(midnight, absl::StrCat(date, " close")); !s.ok()) return s;
    phase_done(1, "close", midnight);
    if (stopped()) break;

    // Through the day.
    bool interrupted = false;
    for (size_t step = 0; step < options_.steps_of_day.size(); ++step) {
      const absl::Time now = midnight + options_.steps_of_day[step];
      const std::string label = FormatOffset(options_.steps_of_day[step]);
      if (absl::Status s = AdvanceClock(now, absl::StrCat(date, " ", label, " clock")); !s.ok()) {
        return s;
      }
      // AdvanceClock's Settle publishes what the book records up to now
      // and waits for it (one quiet wait per round), so the step needs no
      // wait of its own.
      phase_done(2 + static_cast<int>(step), label, now);
      if (stopped()) {
        interrupted = true;
        break;
      }
    }
    if (interrupted) break;
    ++summary_.days_completed;
    if (seams_.observer != nullptr) seams_.observer->OnDayDone(progress);
    if (options_.pause_per_day > absl::ZeroDuration()) {
      if (seams_.sleep) {
        seams_.sleep(options_.pause_per_day);
      } else {
        absl::SleepFor(options_.pause_per_day);  // --speed: pacing for humans
      }
    }
  }
  summary_.interrupted = summary_.days_completed < days;
  return summary_;
}

}  // namespace arrears::simulator
