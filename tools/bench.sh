#!/usr/bin/env bash
# make bench: every benchmark binary, each printing its table with the
# baseline measured in the same run. Arguments are passed to the pipeline
# benchmark (e.g. --events=200000).
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD_DIR="${BUILD_DIR:-build}"

echo "== machine: $(nproc) cores, $(free -g | awk '/Mem:/{print $2}') GiB, $(uname -r)"
if [[ -x "$BUILD_DIR/bench/micro_bench" ]]; then
  echo "== micro benchmarks (Google Benchmark)"
  "$BUILD_DIR/bench/micro_bench" --benchmark_min_time=0.2
fi
if [[ -x "$BUILD_DIR/bench/kafka_pipeline_bench" ]]; then
  echo "== Kafka pipeline through the dev broker"
  "$BUILD_DIR/bench/kafka_pipeline_bench" "$@"
fi
# Each service's benchmark binaries (bench/<service>/*_bench), each printing
# its own table with its baseline.
for binary in "$BUILD_DIR"/bench/*/*_bench; do
  [[ -x "$binary" ]] || continue
  echo "== $(basename "$(dirname "$binary")"): $(basename "$binary")"
  "$binary"
done
# CheckContact against echo again with everything on one CPU: the ratio of
# CPU per call, without hand-offs between CPUs (see compliance_bench.cc).
compliance_bench="$BUILD_DIR/bench/compliance_auditing/compliance_bench"
if [[ -x "$compliance_bench" ]] && command -v taskset > /dev/null; then
  echo "== compliance_auditing: compliance_bench pinned to one CPU"
  taskset -c 0 "$compliance_bench" --grpc_only
fi
# The whole system: a simulated loan book through the broker and the four
# service processes, against the same book on the in-process bus.
if [[ -x "$BUILD_DIR/tools/simulator/arrears-simulator" ]]; then
  echo "== whole system pipeline: loan events in -> contact requests out"
  python3 bench/system/pipeline_bench.py --build_dir "$BUILD_DIR" --source_dir .
fi
