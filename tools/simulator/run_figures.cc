#include "tools/simulator/run_figures.h"

#include <map>
#include <string>
#include <utility>

#include "absl/strings/str_cat.h"
#include "common/time/civil_date.h"
#include "nlohmann/json.hpp"

namespace arrears::simulator {
namespace {

template <typename Map>
nlohmann::json Object(const Map& map) {
  nlohmann::json j = nlohmann::json::object();
  for (const auto& [key, value] : map) j[key] = value;
  return j;
}

// Pair keys as "first/second".
template <typename Value>
nlohmann::json PairObject(const std::map<std::pair<std::string, std::string>, Value>& map) {
  nlohmann::json j = nlohmann::json::object();
  for (const auto& [key, value] : map) j[absl::StrCat(key.first, "/", key.second)] = value;
  return j;
}

}  // namespace

std::string ComparableFiguresJson(const SimulationReport& report) {
  const StatisticsSnapshot& t = report.topics;
  nlohmann::json j;
  j["book"] = {{"seed", report.seed},
               {"loans", report.loans},
               {"days", report.days},
               {"start", time::FormatCivilDay(report.start)},
               {"days_completed", report.run.days_completed},
               {"events_published", report.run.events_published}};
  j["delinquency"] = {{"loans_by_bucket", Object(t.loans_by_bucket)},
                      {"overdue_minor_by_bucket", Object(t.overdue_by_bucket)},
                      {"loans_by_state", Object(t.loans_by_state)},
                      {"events_by_kind", Object(t.delinquency_events)}};
  nlohmann::json variants = nlohmann::json::object();
  for (const auto& [variant, tally] : t.variants) {
    variants[absl::StrCat(variant.first, "/", variant.second)] = {
        {"cases", tally.cases},
        {"closed", tally.closed},
        {"cured", tally.cured},
        {"plans_proposed", tally.plans_proposed},
        {"plans_accepted", tally.plans_accepted}};
  }
  j["cases"] = {{"opened", t.cases_opened},
                {"closed_by_reason", Object(t.cases_closed_by_reason)},
                {"variants", variants},
                {"plans_proposed", t.plans_proposed},
                {"plans_accepted", t.plans_accepted},
                {"plan_events", Object(t.plan_events)}};
  j["contacts"] = {{"requests_by_channel", Object(t.requests_by_channel)},
                   {"attempts_by_channel", Object(t.attempts_by_channel)},
                   {"events_by_channel_outcome", PairObject(t.contact_events)},
                   {"reasons", Object(t.contact_reasons)}};
  j["compliance"] = {{"decisions_by_verdict", Object(t.decisions_by_verdict)},
                     {"decisions_by_reason", Object(t.decisions_by_reason)},
                     {"decisions_by_channel_verdict", PairObject(t.decisions_by_channel)}};
  if (report.audit.ok()) {
    j["audit"] = {{"verifies", report.audit->ok}, {"entries", report.audit->entries_verified}};
  } else {
    j["audit"] = {{"unavailable", std::string(report.audit.status().message())}};
  }
  j["debtors"] = {{"outcomes_recorded", Object(report.responder.outcomes)},
                  {"plans_proposed", report.responder.plans_proposed},
                  {"proposals_skipped", Object(report.responder.proposals_skipped)},
                  {"plans_accepted", report.responder.plans_accepted},
                  {"plans_declined", report.responder.plans_declined},
                  {"restructures", report.responder.restructures},
                  {"restructure_failures", report.responder.restructure_failures}};
  j["lawfulness"] = {{"sent_without_allow", t.sent_without_allow},
                     {"attempts_sent_twice", t.attempts_sent_twice}};
  j["dead_letters"] = Object(t.dead_letters);
  j["problems"] = {{"close_failures", report.run.close_failures},
                   {"quiet_timeouts", report.run.quiet_timeouts},
                   {"action_failures", Object(report.run.action_failures)},
                   {"unreadable", t.unreadable}};
  return j.dump(2) + "\n";
}

std::string PipelineStatsJson(const SimulationReport& report, const LatencySummary& latency,
                              bool in_process) {
  const double seconds = absl::ToDoubleSeconds(report.wall_time);
  int64_t events_read = 0;
  for (const auto& [topic, count] : report.topics.events_by_topic) events_read += count;
  auto ms = [](absl::Duration d) { return absl::ToDoubleMilliseconds(d); };
  nlohmann::json j;
  j["system"] = in_process ? "in-process bus (no broker)" : "dev broker + 4 processes";
  j["loans"] = report.loans;
  j["days"] = report.days;
  j["wall_seconds"] = seconds;
  j["events_published"] = report.run.events_published;
  j["events_read"] = events_read;
  j["events_per_second"] =
      seconds > 0 ? static_cast<double>(report.run.events_published + events_read) / seconds : 0.0;
  j["quiet_wait_seconds"] = absl::ToDoubleSeconds(report.run.quiet_wait_total);
  j["close_to_first_request"] = {
      {"samples", latency.samples}, {"without_request", latency.without_request},
      {"p50_ms", ms(latency.p50)},  {"p90_ms", ms(latency.p90)},
      {"p99_ms", ms(latency.p99)},  {"max_ms", ms(latency.max)}};
  return j.dump(2) + "\n";
}

}  // namespace arrears::simulator
