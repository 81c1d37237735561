// The figures two runs of the same book must agree on, as canonical JSON.
//
// The end-to-end tests compare a run through the broker with the reference
// run (in process, no broker) and a run under faults with a fault-free one.
// Only facts the book and the services decide go in: delinquent loans and
// overdue amounts per bucket, delinquency events by kind, contact requests
// and contacts per channel and outcome, compliance verdicts and reasons,
// cases and variants (with the hardship plans proposed and accepted in
// them), plan events, dead letters, the debtors' and collectors' answers
// (outcomes recorded, plans proposed, accepted and declined, loans
// restructured), and
// the audit log's length and verification. Wall times, waits, addresses and
// anything timing-dependent stay out. Keys are sorted, so equal figures are
// equal text.
#ifndef ARREARS_TOOLS_SIMULATOR_RUN_FIGURES_H_
#define ARREARS_TOOLS_SIMULATOR_RUN_FIGURES_H_

#include <string>

#include "tools/simulator/pipeline_latency.h"
#include "tools/simulator/report.h"

namespace arrears::simulator {

// Pretty-printed JSON object (2-space indent, sorted keys, trailing newline).
std::string ComparableFiguresJson(const SimulationReport& report);

// The timing side, for the pipeline benchmark (bench/system): wall time,
// events published by the simulator and events read on the services' topics
// (per second of wall time), and the close-to-first-request latency.
std::string PipelineStatsJson(const SimulationReport& report, const LatencySummary& latency,
                              bool in_process);

}  // namespace arrears::simulator

#endif  // ARREARS_TOOLS_SIMULATOR_RUN_FIGURES_H_
