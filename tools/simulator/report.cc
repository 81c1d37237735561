#include "tools/simulator/report.h"

#include <algorithm>
#include <set>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "common/time/civil_date.h"
#include "tools/simulator/svg_chart.h"

namespace arrears::simulator {
namespace {

std::string Thousands(int64_t value) {
  std::string digits = absl::StrCat(value < 0 ? -value : value);
  std::string out;
  for (size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out.push_back(',');
    out.push_back(digits[i]);
  }
  return value < 0 ? absl::StrCat("-", out) : out;
}

std::string Percent(int64_t part, int64_t whole) {
  if (whole <= 0) return "-";
  return absl::StrFormat("%.1f%%", 100.0 * static_cast<double>(part) / static_cast<double>(whole));
}

std::string Date(absl::CivilDay day) { return time::FormatCivilDay(day); }

std::string NotAvailableText(const absl::Status& status) {
  return absl::StrCat("n/a (",
                      status.message().empty() ? absl::StatusCodeToString(status.code())
                                               : std::string(status.message()),
                      ")");
}

std::string FormatWallTime(absl::Duration duration) {
  const int64_t seconds = absl::ToInt64Seconds(duration);
  if (seconds >= 3600) {
    return absl::StrFormat("%dh%02dm%02ds", seconds / 3600, seconds / 60 % 60, seconds % 60);
  }
  if (seconds >= 60) return absl::StrFormat("%dm%02ds", seconds / 60, seconds % 60);
  return absl::StrFormat("%.1fs", absl::ToDoubleSeconds(duration));
}

// Buckets in the order the service gave them (ordinal), then by code.
std::vector<std::string> OrderedBuckets(const std::map<std::string, int32_t>& ordinals) {
  std::vector<std::pair<int32_t, std::string>> order;
  for (const auto& [code, ordinal] : ordinals) order.emplace_back(ordinal, code);
  std::sort(order.begin(), order.end());
  std::vector<std::string> codes;
  for (auto& [ordinal, code] : order) codes.push_back(std::move(code));
  return codes;
}

std::map<std::string, int32_t> BucketOrdinals(const SimulationReport& report) {
  std::map<std::string, int32_t> ordinals = report.topics.bucket_ordinals;
  for (const DayPoint& point : report.days_series) {
    if (point.overdue_report.ok()) {
      for (const auto& [code, figures] : *point.overdue_report) ordinals[code] = figures.ordinal;
    }
    for (const auto& [code, figures] : point.overdue_from_events) ordinals[code] = figures.ordinal;
  }
  if (report.roll_rates.ok()) {
    for (const RollRateTable& table : *report.roll_rates) {
      for (const RollRateRow& row : table.rows) {
        ordinals[row.from_bucket] = row.from_ordinal;
        ordinals[row.to_bucket] = row.to_ordinal;
      }
    }
  }
  return ordinals;
}

// The day's overdue figures and where they came from.
struct OverdueView {
  const std::map<std::string, BucketFigures>* figures = nullptr;
  std::string source;
};

OverdueView OverdueOf(const DayPoint& point) {
  if (point.overdue_report.ok()) return {&*point.overdue_report, "GetOverdueReport"};
  return {&point.overdue_from_events, "latest snapshots on the delinquency topic"};
}

bool AnyServiceReport(const SimulationReport& report) {
  return std::any_of(report.days_series.begin(), report.days_series.end(),
                     [](const DayPoint& p) { return p.overdue_report.ok(); });
}

const char* const kVerdicts[] = {"ALLOW", "DEFER", "DENY"};

// The `limit` largest counts, "A 12 · B 3", largest first.
std::string TopCounts(const std::map<std::string, int64_t>& counts, size_t limit) {
  std::vector<std::pair<int64_t, std::string>> order;
  for (const auto& [name, count] : counts) order.emplace_back(-count, name);
  std::sort(order.begin(), order.end());
  std::vector<std::string> top;
  for (size_t i = 0; i < order.size() && i < limit; ++i) {
    top.push_back(absl::StrCat(order[i].second, " ", Thousands(-order[i].first)));
  }
  return absl::StrJoin(top, " · ");
}

int64_t CountOf(const std::map<std::string, int64_t>& counts, const std::string& key) {
  auto found = counts.find(key);
  return found == counts.end() ? 0 : found->second;
}

// The hardship plans from declaration to restructured loan, step by step:
// (what, how many). From the simulator's own calls and the services' events.
std::vector<std::pair<std::string, std::string>> PlanFunnel(const SimulationReport& report) {
  const ResponderStats& responder = report.responder;
  const int64_t propose_failed = CountOf(report.run.action_failures, "ProposePlan");
  const int64_t accept_failed = CountOf(report.run.action_failures, "AcceptPlan");
  std::vector<std::string> skipped;
  for (const auto& [reason, count] : responder.proposals_skipped) {
    skipped.push_back(absl::StrCat(reason, " ", Thousands(count)));
  }
  return {
      {"hardship declared (outcomes recorded)",
       Thousands(CountOf(responder.outcomes, "CONTACT_OUTCOME_HARDSHIP_DECLARED"))},
      {"plans proposed by collectors (ProposePlan)",
       absl::StrCat(Thousands(responder.plans_proposed), " (failed ", propose_failed, ")")},
      {"declarations without a proposal", skipped.empty() ? "none" : absl::StrJoin(skipped, " · ")},
      {"PlanProposed case events", Thousands(report.topics.plans_proposed)},
      {"accepted by debtors (AcceptPlan)",
       absl::StrCat(Thousands(responder.plans_accepted), " (failed ", accept_failed,
                    ") · declined ", Thousands(responder.plans_declined))},
      {"PlanAccepted case events", Thousands(report.topics.plans_accepted)},
      {"PlanAgreed plan events", Thousands(CountOf(report.topics.plan_events, "plan_agreed"))},
      {"loans restructured (ScheduleRestructured)",
       absl::StrCat(Thousands(responder.restructures), " (failed ", responder.restructure_failures,
                    ")")},
  };
}

}  // namespace

std::string FormatMinor(int64_t minor) {
  const int64_t magnitude = minor < 0 ? -minor : minor;
  return absl::StrCat(minor < 0 ? "-" : "", Thousands(magnitude / 100), ".",
                      absl::StrFormat("%02d", magnitude % 100));
}

std::string FormatPpm(int64_t ppm) {
  return absl::StrFormat("%.2f%%", static_cast<double>(ppm) / 10'000.0);
}

std::vector<std::string> NotAvailable(const SimulationReport& report) {
  std::vector<std::string> missing;
  for (const auto& [service, reason] : report.services_absent) {
    missing.push_back(absl::StrCat("service ", service, ": ", reason));
  }
  if (report.run.close_failures > 0) {
    missing.push_back(absl::StrCat("CloseBusinessDay: failed on ", report.run.close_failures,
                                   " of ", report.run.days_closed + report.run.close_failures,
                                   " days"));
  }
  int report_failures = 0;
  absl::Status first_failure;
  for (const DayPoint& point : report.days_series) {
    if (!point.overdue_report.ok()) {
      if (report_failures++ == 0) first_failure = point.overdue_report.status();
    }
  }
  if (report_failures > 0) {
    missing.push_back(absl::StrCat("GetOverdueReport (overdue by bucket): n/a on ", report_failures,
                                   " of ", report.days_series.size(),
                                   " days: ", first_failure.message(),
                                   " (the chart uses the delinquency topic instead)"));
  }
  if (!report.roll_rates.ok()) {
    missing.push_back(
        absl::StrCat("roll rates (GetOverdueReport): ", report.roll_rates.status().message()));
  }
  if (!report.variants.ok()) {
    missing.push_back(absl::StrCat("cure rate per strategy variant (GetStrategyReport): ",
                                   report.variants.status().message()));
  }
  if (!report.audit.ok()) {
    missing.push_back(absl::StrCat("audit chain (VerifyLog): ", report.audit.status().message()));
  } else {
    if (!report.audit->checkpoint_size.ok()) {
      missing.push_back(absl::StrCat("audit checkpoint (GetCheckpoint): ",
                                     report.audit->checkpoint_size.status().message()));
    }
    if (!report.audit->decisions_by_verdict.ok()) {
      missing.push_back(absl::StrCat("decisions in the audit log (QueryAudit): ",
                                     report.audit->decisions_by_verdict.status().message()));
    }
  }
  if (report.topics.contact_events.empty()) {
    missing.push_back("contacts by channel and outcome: no contact events were consumed");
  }
  if (report.topics.decisions_by_verdict.empty()) {
    missing.push_back("compliance decisions: no decision events were consumed");
  }
  if (report.topics.delinquency_events.empty()) {
    missing.push_back("delinquency: no delinquency events were consumed");
  }
  return missing;
}

std::string RenderTextReport(const SimulationReport& report) {
  std::string out;
  auto line = [&out](absl::string_view text) { absl::StrAppend(&out, text, "\n"); };
  const absl::CivilDay last = report.start + std::max(0, report.days - 1);
  line("Arrears simulation report");
  line(absl::StrFormat(
      "  seed %d · %s loans · %d days from %s to %s · %d days done%s · wall time %s", report.seed,
      Thousands(report.loans), report.days, Date(report.start), Date(last),
      report.run.days_completed, report.run.interrupted ? " (interrupted)" : "",
      FormatWallTime(report.wall_time)));

  line("");
  line("Book");
  const BookSummary& book = report.book;
  std::vector<std::string> behaviours;
  for (int b = 0; b < kBehaviourCount; ++b) {
    behaviours.push_back(absl::StrCat(BehaviourName(static_cast<Behaviour>(b)), " ",
                                      Percent(book.customers_by_behaviour[b], book.customers)));
  }
  line(absl::StrCat("  customers ", Thousands(book.customers), ": ",
                    absl::StrJoin(behaviours, " · ")));
  std::vector<std::string> zones;
  for (const auto& [zone, count] : book.customers_by_time_zone) {
    zones.push_back(absl::StrCat(zone, " ", Thousands(count)));
  }
  line(absl::StrCat("  time zones: ", absl::StrJoin(zones, " · ")));
  std::vector<std::string> products;
  for (const auto& [product, count] : book.loans_by_product) {
    products.push_back(absl::StrCat(product, " ", Thousands(count), " (",
                                    FormatMinor(book.principal_by_product.at(product)), " CNY)"));
  }
  line(absl::StrCat("  loans ", Thousands(book.loans), ": ", absl::StrJoin(products, " · ")));
  std::vector<std::string> kinds;
  int64_t published = 0;
  for (const auto& [kind, count] : book.events_by_kind) {
    kinds.push_back(absl::StrCat(kind, " ", Thousands(count)));
    published += count;
  }
  line(
      absl::StrCat("  events published ", Thousands(published), ": ", absl::StrJoin(kinds, " · ")));

  line("");
  line("Run");
  line(absl::StrCat("  business days closed ", report.run.days_closed, " (failed ",
                    report.run.close_failures, ") · loans evaluated ",
                    Thousands(report.run.loans_evaluated), " · events emitted by closes ",
                    Thousands(report.run.close_events_emitted)));
  std::vector<std::string> actions;
  for (const auto& [kind, count] : report.run.actions) {
    auto failed = report.run.action_failures.find(kind);
    actions.push_back(absl::StrCat(kind, " ", Thousands(count), " (failed ",
                                   failed == report.run.action_failures.end() ? 0 : failed->second,
                                   ")"));
  }
  line(absl::StrCat("  debtor answers: ", actions.empty() ? "none" : absl::StrJoin(actions, " · "),
                    " · loans restructured ", report.responder.restructures,
                    report.responder.restructure_failures > 0
                        ? absl::StrCat(" (failed ", report.responder.restructure_failures, ")")
                        : ""));
  line(absl::StrCat("  waiting for a quiet pipeline: ", FormatWallTime(report.run.quiet_wait_total),
                    " in all, longest ", FormatWallTime(report.run.quiet_wait_longest),
                    report.run.quiet_wait_longest_at.empty()
                        ? ""
                        : absl::StrCat(" (", report.run.quiet_wait_longest_at, ")"),
                    ", ", report.run.quiet_timeouts, " hit the deadline"));
  for (const std::string& problem : report.run.problems) line(absl::StrCat("    ! ", problem));

  line("");
  if (report.days_series.empty()) {
    line("Overdue by bucket: n/a (no day completed)");
  } else {
    const DayPoint& final_day = report.days_series.back();
    const OverdueView view = OverdueOf(final_day);
    line(absl::StrCat("Overdue by bucket on ", Date(final_day.day), " (", view.source, ")"));
    line(absl::StrFormat("  %-8s %10s %20s %20s", "bucket", "loans", "overdue CNY",
                         "outstanding CNY"));
    for (const std::string& code : OrderedBuckets(BucketOrdinals(report))) {
      auto it = view.figures->find(code);
      if (it == view.figures->end()) continue;
      line(absl::StrFormat("  %-8s %10s %20s %20s", code, Thousands(it->second.loans),
                           FormatMinor(it->second.overdue_minor),
                           view.source == "GetOverdueReport"
                               ? FormatMinor(it->second.outstanding_minor)
                               : std::string("n/a")));
    }
    line(absl::StrCat("  delinquent loans ", Thousands(final_day.live.delinquent_loans),
                      " · cures ", Thousands(final_day.live.cured), " (delinquency events)"));
  }

  line("");
  if (!report.roll_rates.ok()) {
    line(absl::StrCat("Roll rates: ", NotAvailableText(report.roll_rates.status())));
  } else if (report.roll_rates->empty()) {
    line("Roll rates: none reported");
  } else {
    const RollRateTable& table = report.roll_rates->back();
    line(absl::StrCat("Roll rates from ", Date(table.previous_month_end), " to ", Date(table.as_of),
                      " (share of loans, GetOverdueReport)"));
    std::map<std::pair<std::string, std::string>, std::vector<std::string>> by_origin;
    for (const RollRateRow& row : table.rows) {
      if (row.from_loans == 0) continue;
      by_origin[{row.product_code, row.from_bucket}].push_back(
          absl::StrCat("→", row.to_bucket, " ", FormatPpm(row.count_rate_ppm)));
    }
    for (const auto& [origin, cells] : by_origin) {
      line(absl::StrFormat("  %-14s %-8s %s", origin.first, origin.second,
                           absl::StrJoin(cells, " ")));
    }
  }

  line("");
  line("Contacts by channel and outcome (contact events)");
  if (report.topics.contact_events.empty()) {
    line("  n/a (no contact events consumed)");
  } else {
    std::map<std::string, std::vector<std::string>> by_channel;
    for (const auto& [key, count] : report.topics.contact_events) {
      by_channel[key.first].push_back(absl::StrCat(key.second, " ", Thousands(count)));
    }
    for (const auto& [channel, cells] : by_channel) {
      auto attempts = report.topics.attempts_by_channel.find(channel);
      line(absl::StrFormat(
          "  %-18s attempts %-8s %s", channel,
          Thousands(attempts == report.topics.attempts_by_channel.end() ? 0 : attempts->second),
          absl::StrJoin(cells, " · ")));
    }
    if (!report.topics.contact_reasons.empty()) {
      line(absl::StrCat("  reasons: ", TopCounts(report.topics.contact_reasons, 8)));
    }
  }

  line("");
  line("Compliance decisions (decision events)");
  if (report.topics.decisions_by_verdict.empty()) {
    line("  n/a (no decision events consumed)");
  } else {
    int64_t total = 0;
    for (const auto& [verdict, count] : report.topics.decisions_by_verdict) total += count;
    std::vector<std::string> verdicts;
    for (const auto& [verdict, count] : report.topics.decisions_by_verdict) {
      verdicts.push_back(
          absl::StrCat(verdict, " ", Thousands(count), " (", Percent(count, total), ")"));
    }
    line(absl::StrCat("  ", absl::StrJoin(verdicts, " · ")));
    if (!report.topics.decisions_by_reason.empty()) {
      line(absl::StrCat("  reasons: ", TopCounts(report.topics.decisions_by_reason, 8)));
    }
  }
  if (!report.audit.ok()) {
    line(absl::StrCat("  audit chain: ", NotAvailableText(report.audit.status())));
  } else {
    line(absl::StrCat(
        "  audit chain: ", report.audit->ok ? "verifies" : "DOES NOT VERIFY", ", ",
        Thousands(static_cast<int64_t>(report.audit->entries_verified)), " entries re-hashed",
        report.audit->problem.empty() ? "" : absl::StrCat(" (", report.audit->problem, ")"),
        " · latest checkpoint ",
        report.audit->checkpoint_size.ok()
            ? absl::StrCat("covers ", *report.audit->checkpoint_size, " entries")
            : NotAvailableText(report.audit->checkpoint_size.status())));
    line(absl::StrCat("  decisions in the audit log (QueryAudit): ",
                      !report.audit->decisions_by_verdict.ok()
                          ? NotAvailableText(report.audit->decisions_by_verdict.status())
                      : report.audit->decisions_by_verdict->empty()
                          ? std::string("none")
                          : TopCounts(*report.audit->decisions_by_verdict, 3)));
  }

  line("");
  line("Cure rate per strategy variant");
  if (!report.variants.ok()) {
    line(absl::StrCat("  GetStrategyReport: ", NotAvailableText(report.variants.status())));
  } else {
    for (const VariantRow& row : *report.variants) {
      line(absl::StrFormat("  %s v%d %-12s%s cases %s · cured %s (%s) · contacts/cure %.2f",
                           row.strategy_id, row.version, row.variant_id,
                           row.champion ? " (champion)" : "", Thousands(row.cases),
                           Thousands(row.cured), FormatPpm(row.cure_rate_ppm),
                           static_cast<double>(row.contacts_per_cure_milli) / 1000.0));
    }
    if (report.variants->empty()) line("  GetStrategyReport: no variants reported");
  }
  for (const auto& [variant, tally] : report.topics.variants) {
    line(absl::StrFormat(
        "  case events: %s/%s cases %s · closed %s · cured %s (%s) · plans proposed %s, "
        "accepted %s",
        variant.first, variant.second, Thousands(tally.cases), Thousands(tally.closed),
        Thousands(tally.cured), Percent(tally.cured, tally.cases), Thousands(tally.plans_proposed),
        Thousands(tally.plans_accepted)));
  }

  line("");
  line("Hardship plans");
  for (const auto& [what, count] : PlanFunnel(report)) {
    line(absl::StrFormat("  %-44s %s", what, count));
  }
  for (const std::string& failure : report.responder.failure_samples) {
    line(absl::StrCat("    ! ", failure));
  }

  line("");
  if (report.topics.dead_letters.empty()) {
    line("Dead letters: none");
  } else {
    std::vector<std::string> dlq;
    for (const auto& [topic, count] : report.topics.dead_letters) {
      dlq.push_back(absl::StrCat(topic, " ", Thousands(count)));
    }
    line(absl::StrCat("Dead letters: ", absl::StrJoin(dlq, " · ")));
  }

  const std::vector<std::string> missing = NotAvailable(report);
  if (!missing.empty()) {
    line("");
    line("Not available (n/a)");
    for (const std::string& item : missing) line(absl::StrCat("  - ", item));
  }
  return out;
}

std::string RenderHtmlReport(const SimulationReport& report) {
  std::string html;
  const absl::CivilDay last = report.start + std::max(0, report.days - 1);
  absl::StrAppend(
      &html,
      "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
      "<title>Arrears simulation report</title><style>"
      "body{font-family:sans-serif;margin:2em auto;max-width:900px;color:#222}"
      "h1{font-size:1.6em}h2{font-size:1.2em;margin-top:2em;border-bottom:1px solid #ccc}"
      "table{border-collapse:collapse;margin:.5em 0;font-size:.9em}"
      "td,th{border:1px solid #ddd;padding:3px 8px;text-align:right}"
      "th{background:#f4f4f4}td.l,th.l{text-align:left}.na{color:#b00}"
      ".note{color:#666;font-size:.85em}</style></head><body>\n");
  absl::StrAppend(&html, "<h1>Arrears simulation report</h1>\n<p>",
                  absl::StrFormat("Seed %d · %s loans · %d simulated days from %s to %s · %d days "
                                  "done%s · wall time %s",
                                  report.seed, Thousands(report.loans), report.days,
                                  Date(report.start), Date(last), report.run.days_completed,
                                  report.run.interrupted ? " (interrupted)" : "",
                                  FormatWallTime(report.wall_time)),
                  "</p>\n");

  // Overdue amount by bucket over time.
  std::vector<std::string> dates;
  for (const DayPoint& point : report.days_series) dates.push_back(Date(point.day).substr(5));
  const std::vector<std::string> buckets = OrderedBuckets(BucketOrdinals(report));
  const bool from_service = AnyServiceReport(report);
  absl::StrAppend(&html, "<h2>Overdue amount by bucket</h2>\n");
  if (report.days_series.empty()) {
    absl::StrAppend(&html, "<p class=\"na\">n/a: no day completed</p>\n");
  } else {
    std::vector<ChartSeries> series;
    for (const std::string& code : buckets) {
      if (code == "CURRENT") continue;  // current loans owe nothing overdue
      ChartSeries s{code, {}};
      for (const DayPoint& point : report.days_series) {
        const OverdueView view = OverdueOf(point);
        auto it = view.figures->find(code);
        s.values.push_back(it == view.figures->end() ? 0.0 : it->second.overdue_minor / 100.0);
      }
      series.push_back(std::move(s));
    }
    absl::StrAppend(&html, StackedAreaChart(dates, series, "CNY overdue"));
    absl::StrAppend(&html, "<p class=\"note\">Source: ",
                    from_service ? "OverdueService.GetOverdueReport at the end of each day"
                                 : "n/a from GetOverdueReport; latest snapshots on "
                                   "arrears.delinquency.events.v1 at the end of each day",
                    ".</p>\n");
  }

  absl::StrAppend(&html, "<h2>Delinquent loans, cures and contacts</h2>\n");
  {
    ChartSeries delinquent{"delinquent loans", {}};
    ChartSeries cured{"cures (cumulative)", {}};
    ChartSeries sent{"contacts sent (cumulative)", {}};
    ChartSeries blocked{"denied + deferred (cumulative)", {}};
    for (const DayPoint& point : report.days_series) {
      delinquent.values.push_back(static_cast<double>(point.live.delinquent_loans));
      cured.values.push_back(static_cast<double>(point.live.cured));
      sent.values.push_back(static_cast<double>(point.live.contacts_sent));
      blocked.values.push_back(static_cast<double>(point.live.denied + point.live.deferred));
    }
    absl::StrAppend(&html, LineChart(dates, {delinquent, cured, sent, blocked}, "count"));
    absl::StrAppend(&html,
                    "<p class=\"note\">Source: the services' events (delinquency, contact and "
                    "compliance decision topics).</p>\n");
  }

  absl::StrAppend(&html, "<h2>Roll rates</h2>\n");
  if (!report.roll_rates.ok()) {
    absl::StrAppend(&html, "<p class=\"na\">",
                    HtmlEscape(NotAvailableText(report.roll_rates.status())), "</p>\n");
  } else if (report.roll_rates->empty()) {
    absl::StrAppend(&html, "<p>No roll rates reported.</p>\n");
  } else {
    for (const RollRateTable& table : *report.roll_rates) {
      std::set<std::string> products;
      for (const RollRateRow& row : table.rows) products.insert(row.product_code);
      for (const std::string& product : products) {
        std::map<std::string, std::map<std::string, const RollRateRow*>> matrix;
        std::map<std::string, int32_t> ordinals;
        for (const RollRateRow& row : table.rows) {
          if (row.product_code != product) continue;
          matrix[row.from_bucket][row.to_bucket] = &row;
          ordinals[row.from_bucket] = row.from_ordinal;
          ordinals[row.to_bucket] = row.to_ordinal;
        }
        const std::vector<std::string> order = OrderedBuckets(ordinals);
        absl::StrAppend(&html, "<table><caption>", HtmlEscape(product), ": ",
                        Date(table.previous_month_end), " → ", Date(table.as_of),
                        " (share of loans)</caption><tr><th class=\"l\">from \\ to</th>");
        for (const std::string& to : order) absl::StrAppend(&html, "<th>", HtmlEscape(to), "</th>");
        absl::StrAppend(&html, "<th>loans</th></tr>");
        for (const std::string& from : order) {
          auto row_it = matrix.find(from);
          if (row_it == matrix.end()) continue;
          int64_t from_loans = 0;
          absl::StrAppend(&html, "<tr><th class=\"l\">", HtmlEscape(from), "</th>");
          for (const std::string& to : order) {
            auto cell = row_it->second.find(to);
            if (cell == row_it->second.end()) {
              absl::StrAppend(&html, "<td></td>");
              continue;
            }
            from_loans = cell->second->from_loans;
            const double share = static_cast<double>(cell->second->count_rate_ppm) / 1e6;
            absl::StrAppendFormat(&html, "<td style=\"background:rgba(225,87,89,%.2f)\">%s</td>",
                                  std::min(1.0, share), FormatPpm(cell->second->count_rate_ppm));
          }
          absl::StrAppend(&html, "<td>", Thousands(from_loans), "</td></tr>");
        }
        absl::StrAppend(&html, "</table>\n");
      }
    }
  }

  absl::StrAppend(&html, "<h2>Contacts by channel and outcome</h2>\n");
  if (report.topics.contact_events.empty()) {
    absl::StrAppend(&html, "<p class=\"na\">n/a: no contact events were consumed</p>\n");
  } else {
    std::vector<std::string> channels;
    std::vector<std::string> outcomes;
    for (const auto& [key, count] : report.topics.contact_events) {
      if (std::find(channels.begin(), channels.end(), key.first) == channels.end()) {
        channels.push_back(key.first);
      }
      if (std::find(outcomes.begin(), outcomes.end(), key.second) == outcomes.end()) {
        outcomes.push_back(key.second);
      }
    }
    std::vector<ChartSeries> segments;
    for (const std::string& outcome : outcomes) {
      ChartSeries s{outcome, {}};
      for (const std::string& channel : channels) {
        auto it = report.topics.contact_events.find({channel, outcome});
        s.values.push_back(
            it == report.topics.contact_events.end() ? 0.0 : static_cast<double>(it->second));
      }
      segments.push_back(std::move(s));
    }
    absl::StrAppend(&html, StackedBarChart(channels, segments, "events"));
    absl::StrAppend(&html, "<table><tr><th class=\"l\">channel</th><th>attempts</th>");
    for (const std::string& outcome : outcomes) {
      absl::StrAppend(&html, "<th>", HtmlEscape(outcome), "</th>");
    }
    absl::StrAppend(&html, "</tr>");
    for (const std::string& channel : channels) {
      auto attempts = report.topics.attempts_by_channel.find(channel);
      absl::StrAppend(
          &html, "<tr><td class=\"l\">", HtmlEscape(channel), "</td><td>",
          Thousands(attempts == report.topics.attempts_by_channel.end() ? 0 : attempts->second),
          "</td>");
      for (const std::string& outcome : outcomes) {
        auto it = report.topics.contact_events.find({channel, outcome});
        absl::StrAppend(&html, "<td>",
                        it == report.topics.contact_events.end() ? "" : Thousands(it->second),
                        "</td>");
      }
      absl::StrAppend(&html, "</tr>");
    }
    absl::StrAppend(&html,
                    "</table><p class=\"note\">Source: arrears.contact.events.v1 (each attempt "
                    "yields several events, e.g. SENT then DELIVERED).</p>\n");
  }

  absl::StrAppend(&html, "<h2>Compliance decisions</h2>\n");
  if (report.topics.decisions_by_verdict.empty()) {
    absl::StrAppend(&html, "<p class=\"na\">n/a: no decision events were consumed</p>\n");
  } else {
    std::vector<std::string> channels;
    for (const auto& [key, count] : report.topics.decisions_by_channel) {
      if (std::find(channels.begin(), channels.end(), key.first) == channels.end()) {
        channels.push_back(key.first);
      }
    }
    std::vector<ChartSeries> segments;
    for (const char* verdict : kVerdicts) {
      ChartSeries s{verdict, {}};
      for (const std::string& channel : channels) {
        auto it = report.topics.decisions_by_channel.find({channel, verdict});
        s.values.push_back(
            it == report.topics.decisions_by_channel.end() ? 0.0 : static_cast<double>(it->second));
      }
      segments.push_back(std::move(s));
    }
    absl::StrAppend(&html, StackedBarChart(channels, segments, "decisions"));
    absl::StrAppend(&html, "<table><tr><th class=\"l\">reason code</th><th>decisions</th></tr>");
    std::vector<std::pair<int64_t, std::string>> reasons;
    for (const auto& [reason, count] : report.topics.decisions_by_reason) {
      reasons.emplace_back(-count, reason);
    }
    std::sort(reasons.begin(), reasons.end());
    for (const auto& [negative, reason] : reasons) {
      absl::StrAppend(&html, "<tr><td class=\"l\">", HtmlEscape(reason), "</td><td>",
                      Thousands(-negative), "</td></tr>");
    }
    absl::StrAppend(&html, "</table>\n");
  }
  if (!report.audit.ok()) {
    absl::StrAppend(&html, "<p class=\"na\">Audit chain: ",
                    HtmlEscape(NotAvailableText(report.audit.status())), "</p>\n");
  } else {
    absl::StrAppend(
        &html, "<p>Audit chain: <b>", report.audit->ok ? "verifies" : "does not verify", "</b>, ",
        Thousands(static_cast<int64_t>(report.audit->entries_verified)), " entries re-hashed",
        HtmlEscape(report.audit->problem.empty() ? ""
                                                 : absl::StrCat(" (", report.audit->problem, ")")),
        "; latest signed checkpoint ",
        report.audit->checkpoint_size.ok()
            ? absl::StrCat("covers ", *report.audit->checkpoint_size, " entries")
            : HtmlEscape(NotAvailableText(report.audit->checkpoint_size.status())),
        ".</p>\n");
  }

  absl::StrAppend(&html, "<h2>Cure rate per strategy variant</h2>\n");
  if (!report.variants.ok()) {
    absl::StrAppend(&html, "<p class=\"na\">GetStrategyReport: ",
                    HtmlEscape(NotAvailableText(report.variants.status())), "</p>\n");
  } else if (!report.variants->empty()) {
    std::vector<std::string> labels;
    ChartSeries rate{"cure rate (%)", {}};
    absl::StrAppend(&html,
                    "<table><tr><th class=\"l\">strategy</th><th class=\"l\">variant</th>"
                    "<th>cases</th><th>cured</th><th>cure rate</th><th>contacts</th>"
                    "<th>contacts per cure</th><th>mean days to cure</th></tr>");
    for (const VariantRow& row : *report.variants) {
      labels.push_back(absl::StrCat(row.variant_id, " v", row.version));
      rate.values.push_back(static_cast<double>(row.cure_rate_ppm) / 10'000.0);
      absl::StrAppendFormat(&html,
                            "<tr><td class=\"l\">%s v%d</td><td class=\"l\">%s%s</td><td>%s</td>"
                            "<td>%s</td><td>%s</td><td>%s</td><td>%.2f</td><td>%.1f</td></tr>",
                            HtmlEscape(row.strategy_id), row.version, HtmlEscape(row.variant_id),
                            row.champion ? " (champion)" : "", Thousands(row.cases),
                            Thousands(row.cured), FormatPpm(row.cure_rate_ppm),
                            Thousands(row.contacts),
                            static_cast<double>(row.contacts_per_cure_milli) / 1000.0,
                            static_cast<double>(row.mean_days_to_cure_milli) / 1000.0);
    }
    absl::StrAppend(&html, "</table>\n", StackedBarChart(labels, {rate}, "%"));
  }
  if (!report.topics.variants.empty()) {
    absl::StrAppend(&html,
                    "<table><caption>From case events</caption><tr><th class=\"l\">strategy"
                    "</th><th class=\"l\">variant</th><th>cases</th><th>closed</th>"
                    "<th>cured</th><th>cure rate</th><th>plans proposed</th>"
                    "<th>plans accepted</th></tr>");
    for (const auto& [variant, tally] : report.topics.variants) {
      absl::StrAppend(&html, "<tr><td class=\"l\">", HtmlEscape(variant.first),
                      "</td><td class=\"l\">", HtmlEscape(variant.second), "</td><td>",
                      Thousands(tally.cases), "</td><td>", Thousands(tally.closed), "</td><td>",
                      Thousands(tally.cured), "</td><td>", Percent(tally.cured, tally.cases),
                      "</td><td>", Thousands(tally.plans_proposed), "</td><td>",
                      Thousands(tally.plans_accepted), "</td></tr>");
    }
    absl::StrAppend(&html, "</table>\n");
  }

  absl::StrAppend(&html, "<h2>Hardship plans</h2>\n<table>");
  for (const auto& [what, count] : PlanFunnel(report)) {
    absl::StrAppend(&html, "<tr><th class=\"l\">", HtmlEscape(what), "</th><td>", HtmlEscape(count),
                    "</td></tr>");
  }
  absl::StrAppend(&html, "</table>\n");
  if (!report.responder.failure_samples.empty()) {
    absl::StrAppend(&html, "<ul>");
    for (const std::string& failure : report.responder.failure_samples) {
      absl::StrAppend(&html, "<li>", HtmlEscape(failure), "</li>");
    }
    absl::StrAppend(&html, "</ul>\n");
  }

  absl::StrAppend(&html, "<h2>The book and the run</h2>\n<table>");
  const BookSummary& book = report.book;
  absl::StrAppend(&html, "<tr><th class=\"l\">customers</th><td>", Thousands(book.customers),
                  "</td></tr>");
  for (int b = 0; b < kBehaviourCount; ++b) {
    absl::StrAppend(&html, "<tr><td class=\"l\">&nbsp; ", BehaviourName(static_cast<Behaviour>(b)),
                    "</td><td>", Thousands(book.customers_by_behaviour[b]), "</td></tr>");
  }
  for (const auto& [zone, count] : book.customers_by_time_zone) {
    absl::StrAppend(&html, "<tr><td class=\"l\">&nbsp; in ", HtmlEscape(zone), "</td><td>",
                    Thousands(count), "</td></tr>");
  }
  for (const auto& [product, count] : book.loans_by_product) {
    absl::StrAppend(&html, "<tr><th class=\"l\">", HtmlEscape(product), " loans</th><td>",
                    Thousands(count), " (", FormatMinor(book.principal_by_product.at(product)),
                    " CNY)</td></tr>");
  }
  for (const auto& [kind, count] : book.events_by_kind) {
    absl::StrAppend(&html, "<tr><td class=\"l\">", HtmlEscape(kind), " events</td><td>",
                    Thousands(count), "</td></tr>");
  }
  absl::StrAppend(&html, "<tr><th class=\"l\">business days closed</th><td>",
                  report.run.days_closed, "</td></tr><tr><th class=\"l\">debtor answers</th><td>");
  for (const auto& [kind, count] : report.run.actions) {
    absl::StrAppend(&html, HtmlEscape(kind), " ", Thousands(count), "<br>");
  }
  absl::StrAppend(&html, "</td></tr><tr><th class=\"l\">loans restructured</th><td>",
                  report.responder.restructures, "</td></tr>");
  for (const auto& [topic, count] : report.topics.dead_letters) {
    absl::StrAppend(&html, "<tr><th class=\"l\">dead letters ", HtmlEscape(topic), "</th><td>",
                    Thousands(count), "</td></tr>");
  }
  absl::StrAppend(&html, "</table>\n");

  const std::vector<std::string> missing = NotAvailable(report);
  if (!missing.empty()) {
    absl::StrAppend(&html, "<h2>Not available</h2>\n<ul>");
    for (const std::string& item : missing) {
      absl::StrAppend(&html, "<li class=\"na\">", HtmlEscape(item), "</li>");
    }
    absl::StrAppend(&html, "</ul>\n");
  }
  if (!report.run.problems.empty()) {
    absl::StrAppend(&html, "<h2>Problems during the run</h2>\n<ul>");
    for (const std::string& problem : report.run.problems) {
      absl::StrAppend(&html, "<li>", HtmlEscape(problem), "</li>");
    }
    absl::StrAppend(&html, "</ul>\n");
  }
  absl::StrAppend(&html, "</body></html>\n");
  return html;
}

}  // namespace arrears::simulator
