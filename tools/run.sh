#!/usr/bin/env bash
# make run: the system on the embedded default, on this machine, no set-up.
#
# Starts the dev broker and every service binary that is built, as separate
# supervised processes with their state in SQLite files under the data
# directory, publishes a simulated loan book, waits for it to flow through,
# prints a report, and stops everything (Ctrl-C stops everything at once).
#
#   tools/run.sh [--data_dir=DIR] [--events=N] [--loans=N] [--seed=N] [--port=N] [--keep]
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD_DIR="${BUILD_DIR:-build}"

data_dir=data
events=20000
loans=2000
seed=1
port=9092
keep=0
for arg in "$@"; do
  case "$arg" in
    --data_dir=*) data_dir="${arg#*=}" ;;
    --events=*) events="${arg#*=}" ;;
    --loans=*) loans="${arg#*=}" ;;
    --seed=*) seed="${arg#*=}" ;;
    --port=*) port="${arg#*=}" ;;
    --keep) keep=1 ;;
    *) echo "unknown argument: $arg" >&2; exit 2 ;;
  esac
done

rm -rf "$data_dir"
mkdir -p "$data_dir/logs"
bootstrap_file="$data_dir/bootstrap"
pids=()

stop_all() {
  trap - INT TERM EXIT
  # Reverse start order, each drained before the next: services finish their
  # batches and flush their outboxes while the broker is still up.
  for ((i=${#pids[@]}-1; i>=0; i--)); do
    kill -TERM "${pids[i]}" 2>/dev/null || true
    wait "${pids[i]}" 2>/dev/null || true
  done
}
trap 'echo; echo "stopping..."; stop_all; exit 130' INT TERM
trap stop_all EXIT

start() {  # name, command...
  local name="$1"; shift
  "$@" >"$data_dir/logs/$name.log" 2>&1 &
  pids+=("$!")
  echo "  started $name (pid $!, log $data_dir/logs/$name.log)"
}

echo "Arrears on the embedded default (data in $data_dir/)"
start devbroker "$BUILD_DIR/tools/devbroker/devbroker" --port="$port" --bootstrap_file="$bootstrap_file"
for _ in $(seq 1 300); do [[ -s "$bootstrap_file" ]] && break; sleep 0.1; done
[[ -s "$bootstrap_file" ]] || { echo "devbroker did not start; see $data_dir/logs/devbroker.log" >&2; exit 1; }
echo "  broker at $(cat "$bootstrap_file")"

common_flags=(--data_dir="$data_dir" --kafka_bootstrap_file="$bootstrap_file"
              --grpc_address=127.0.0.1:0 --http_address=127.0.0.1:0)
services_started=0
for service in overdue_detection strategy_routing contact_channels compliance_auditing; do
  binary="$BUILD_DIR/services/$service/$service"
  if [[ -x "$binary" ]]; then
    start "$service" "$binary" --service_name="${service//_/-}" "${common_flags[@]}"
    services_started=$((services_started + 1))
  fi
done
# Until the four services land, the platform's own vertical-path consumer
# shows the pipeline: loan events in, exactly-once ledger, follow-up events out.
ledger="$BUILD_DIR/tests/integration/integration-ledger"
if [[ $services_started -eq 0 ]]; then
  echo "  (no service binaries built yet; running the platform's ledger consumer)"
  start ledger "$ledger" --service_name=ledger "${common_flags[@]}"
fi

echo "Publishing $events loan events for $loans loans (seed $seed)..."
"$BUILD_DIR/tools/loadgen/arrears-loadgen" --bootstrap_file="$bootstrap_file" \
  --events="$events" --loans="$loans" --seed="$seed" --poison=1

if [[ $services_started -eq 0 ]]; then
  db="$data_dir/ledger.db"
  expected=$((events - 1))
  applied=0
  for _ in $(seq 1 600); do
    applied=$(sqlite3 "file:$db?mode=ro" "SELECT COALESCE(SUM(events_applied),0) FROM loan_ledger" 2>/dev/null || echo 0)
    printf "\r  applied %d / %d" "$applied" "$expected"
    [[ "$applied" -ge "$expected" ]] && break
    sleep 0.2
  done
  echo
  for _ in $(seq 1 600); do  # the outbox relay publishes the follow-up events
    pending=$(sqlite3 "file:$db?mode=ro" "SELECT COUNT(*) FROM outbox" 2>/dev/null || echo 0)
    [[ "$pending" -eq 0 ]] && break
    sleep 0.2
  done
  pending=$(sqlite3 "file:$db?mode=ro" "SELECT COUNT(*) FROM outbox" 2>/dev/null || echo "?")
  loans_seen=$(sqlite3 "file:$db?mode=ro" "SELECT COUNT(*) FROM loan_ledger" 2>/dev/null || echo "?")
  echo "Report"
  echo "  loan events applied exactly once : $applied of $expected valid (1 poison record dead-lettered)"
  echo "  loans in the ledger              : $loans_seen"
  echo "  follow-up events awaiting publish: $pending"
fi

if [[ $keep -eq 1 ]]; then
  echo "Running; Ctrl-C stops every process."
  wait
fi
