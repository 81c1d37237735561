// The simulation report: what the run did and what the services say about
// it, printed in the terminal and written as one self-contained HTML page
// with inline SVG charts (svg_chart.h).
//
// Every figure comes from a service (its gRPC API or its events); a figure a
// service could not give is an absl::Status here and shows as "n/a" with the
// reason, and NotAvailable() lists them all. Nothing is estimated or filled
// in. Rendering is pure; thread-safe.
#ifndef ARREARS_TOOLS_SIMULATOR_REPORT_H_
#define ARREARS_TOOLS_SIMULATOR_REPORT_H_

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "tools/simulator/debtor_responder.h"
#include "tools/simulator/loan_book.h"
#include "tools/simulator/run_statistics.h"
#include "tools/simulator/simulation.h"

namespace arrears::simulator {

// One bucket's row of an overdue report, summed over products.
struct BucketFigures {
  int32_t ordinal = 0;
  int64_t loans = 0;
  int64_t overdue_minor = 0;
  int64_t outstanding_minor = 0;
};

// Figures at the end of one simulated day.
struct DayPoint {
  absl::CivilDay day;
  LiveCounts live;
  // OverdueService.GetOverdueReport(as_of = day), by bucket code.
  absl::StatusOr<std::map<std::string, BucketFigures>> overdue_report =
      absl::UnavailableError("not asked");
  // The same, from the latest snapshots on the delinquency topic.
  std::map<std::string, BucketFigures> overdue_from_events;
};

struct RollRateRow {
  std::string product_code;
  std::string from_bucket;
  int32_t from_ordinal = 0;
  std::string to_bucket;
  int32_t to_ordinal = 0;
  int64_t from_loans = 0;
  int64_t to_loans = 0;
  int64_t count_rate_ppm = 0;
  int64_t amount_rate_ppm = 0;
};

// Roll rates of one report: from the previous month end to `as_of`.
struct RollRateTable {
  absl::CivilDay as_of;
  absl::CivilDay previous_month_end;
  std::vector<RollRateRow> rows;
};

struct VariantRow {
  std::string strategy_id;
  int64_t version = 0;
  std::string variant_id;
  bool champion = false;
  int64_t cases = 0;
  int64_t cured = 0;
  int64_t cure_rate_ppm = 0;
  int64_t contacts = 0;
  int64_t contacts_per_cure_milli = 0;
  int64_t mean_days_to_cure_milli = 0;
};

struct AuditFigures {
  bool ok = false;
  uint64_t entries_verified = 0;
  std::string problem;
  std::optional<uint64_t> first_bad_index;
  // Latest signed checkpoint.
  absl::StatusOr<uint64_t> checkpoint_size = absl::UnavailableError("not asked");
  // Decision entries in the log (QueryAudit, kind DECISION) by verdict.
  absl::StatusOr<std::map<std::string, int64_t>> decisions_by_verdict =
      absl::UnavailableError("not asked");
};

struct SimulationReport {
  uint64_t seed = 0;
  int64_t loans = 0;
  int days = 0;
  absl::CivilDay start;
  absl::Duration wall_time;
  // Services the simulator could not reach, with the reason.
  std::map<std::string, std::string> services_absent;

  BookSummary book;
  SimulationSummary run;
  ResponderStats responder;
  StatisticsSnapshot topics;
  std::vector<DayPoint> days_series;
  // Roll rates at each month end of the run and on the last day.
  absl::StatusOr<std::vector<RollRateTable>> roll_rates = absl::UnavailableError("not asked");
  // StrategyService.GetStrategyReport for each strategy seen on cases.
  absl::StatusOr<std::vector<VariantRow>> variants = absl::UnavailableError("not asked");
  // ComplianceService.VerifyLog and GetCheckpoint.
  absl::StatusOr<AuditFigures> audit = absl::UnavailableError("not asked");
};

// "<figure>: <reason>" for every figure that is n/a.
std::vector<std::string> NotAvailable(const SimulationReport& report);

// Plain text for the terminal (UTF-8, up to ~100 columns).
std::string RenderTextReport(const SimulationReport& report);

// A complete HTML document with inline SVG charts and no external resources.
std::string RenderHtmlReport(const SimulationReport& report);

// "12,345.67" for 1234567 minor units (two decimals).
std::string FormatMinor(int64_t minor);

// "12.34%" for parts per million.
std::string FormatPpm(int64_t ppm);

}  // namespace arrears::simulator

#endif  // ARREARS_TOOLS_SIMULATOR_REPORT_H_
