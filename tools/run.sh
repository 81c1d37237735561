#!/usr/bin/env bash
# make run: the whole system on the embedded default, on this machine.
#
# Starts the dev broker and the four services as separate processes (state in
# SQLite files under the data directory, logs under <data_dir>/logs), all on
# one simulated clock, then runs the loan-book simulator, which publishes the
# book, moves the clock through each business day, closes the days and waits
# for the services, and writes a report. Every process is stopped at the end,
# or on Ctrl-C, in reverse start order (SIGTERM, then wait).
#
#   tools/run.sh [--loans=N] [--days=N] [--seed=N] [--speed=DURATION] [--start_date=YYYY-MM-DD]
#                [--data_dir=DIR] [--port=N] [--keep] [other arrears-simulator flags]
#   make run ARGS="--loans=2000 --days=30"
#
# A service whose binary is not built is skipped (and named); the simulator
# then shows that service's figures as n/a.
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD_DIR="${BUILD_DIR:-build}"

usage() {  # the comment block at the top of this file
  awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0"
}

data_dir=data
port=9092
keep=0
simulator_args=()
for arg in "$@"; do
  case "$arg" in
    --data_dir=*) data_dir="${arg#*=}" ;;
    --port=*) port="${arg#*=}" ;;
    --keep) keep=1 ;;
    -h|--help) usage; exit 0 ;;
    --*=*) simulator_args+=("$arg") ;;  # --loans, --days, --seed, --speed, ...
    *) echo "run.sh: unknown argument: $arg (see tools/run.sh --help)" >&2; exit 2 ;;
  esac
done

simulator="$BUILD_DIR/tools/simulator/arrears-simulator"
devbroker="$BUILD_DIR/tools/devbroker/devbroker"
for binary in "$simulator" "$devbroker"; do
  [[ -x "$binary" ]] || { echo "run.sh: $binary is not built (make build)" >&2; exit 1; }
done

rm -rf "$data_dir"
mkdir -p "$data_dir/logs"
bootstrap_file="$data_dir/bootstrap"
clock_file="$data_dir/clock"
pids=()
names=()

stop_all() {
  trap - INT TERM EXIT
  # Reverse start order, each drained before the next: services finish their
  # batches and flush their outboxes while the broker is still up.
  local i pid name
  for ((i=${#pids[@]}-1; i>=0; i--)); do
    pid="${pids[i]}"
    name="${names[i]}"
    kill -0 "$pid" 2>/dev/null || continue
    kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 1 300); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    if kill -0 "$pid" 2>/dev/null; then
      echo "  $name did not stop within 30 s; killing it" >&2
      kill -KILL "$pid" 2>/dev/null || true
    fi
    local rc=0
    wait "$pid" 2>/dev/null || rc=$?
    if [[ $rc -ne 0 ]]; then
      echo "  $name exited with status $rc (see $data_dir/logs/$name.log)" >&2
    fi
  done
}
trap 'echo; echo "stopping..."; stop_all; exit 130' INT TERM
trap stop_all EXIT

start() {  # name, command...
  local name="$1"; shift
  # A session of its own: Ctrl-C reaches this script and the simulator only,
  # and the services are stopped in order by stop_all.
  setsid "$@" >"$data_dir/logs/$name.log" 2>&1 &
  pids+=("$!")
  names+=("$name")
  echo "  started $name (pid $!, log $data_dir/logs/$name.log)"
}

echo "Arrears on the embedded default (data in $data_dir/)"
# Every service runs on the simulated clock; it must exist before they start.
start_date_args=()
for arg in "${simulator_args[@]+"${simulator_args[@]}"}"; do
  [[ "$arg" == --start_date=* ]] && start_date_args+=("$arg")
done
"$simulator" --init_clock --data_dir="$data_dir" --clock_file="$clock_file" \
  "${start_date_args[@]+"${start_date_args[@]}"}" | sed 's/^/  /'

start devbroker "$devbroker" --port="$port" --bootstrap_file="$bootstrap_file"
for _ in $(seq 1 300); do [[ -s "$bootstrap_file" ]] && break; sleep 0.1; done
[[ -s "$bootstrap_file" ]] || { echo "devbroker did not start; see $data_dir/logs/devbroker.log" >&2; exit 1; }
echo "  broker at $(cat "$bootstrap_file")"

# Commits every 100 ms so that the simulator sees promptly what each service
# has applied; timers and agendas scan often because the clock jumps.
common_flags=(--data_dir="$data_dir" --kafka_bootstrap_file="$bootstrap_file"
              --grpc_address=127.0.0.1:0 --http_address=127.0.0.1:0
              --simulated_clock_file="$clock_file"
              --kafka_properties=auto.commit.interval.ms=100)
# The simulator closes the business days; the overdue service starts on the
# simulation's first day.
start_date=$(TZ=Asia/Shanghai date -d "$(cat "$clock_file")" +%F)
declare -A service_flags=(
  [compliance_auditing]=""
  [overdue_detection]="--scheduled_close=false --initial_business_date=$start_date"
  [strategy_routing]="--agenda_interval=100ms"
  [contact_channels]="--timer_idle_wait=50ms --compliance_address_file=$data_dir/compliance-auditing.grpc-address"
)
# Compliance first: contact channels asks it before every contact.
services=(compliance_auditing overdue_detection strategy_routing contact_channels)
started=()
for service in "${services[@]}"; do
  binary="$BUILD_DIR/services/$service/$service"
  name="${service//_/-}"
  if [[ ! -x "$binary" ]]; then
    echo "  skipped $service: $binary is not built"
    continue
  fi
  # shellcheck disable=SC2206  # the extra flags are words on purpose
  extra=(${service_flags[$service]})
  start "$service" "$binary" --service_name="$name" "${common_flags[@]}" \
    --grpc_address_file="$data_dir/$name.grpc-address" "${extra[@]+"${extra[@]}"}"
  started+=("$service")
done

# Wait for each service to serve; find its /metrics port in its log.
metrics_urls=()
for service in "${started[@]+"${started[@]}"}"; do
  name="${service//_/-}"
  address_file="$data_dir/$name.grpc-address"
  pid=""
  for i in "${!names[@]}"; do [[ "${names[i]}" == "$service" ]] && pid="${pids[i]}"; done
  for _ in $(seq 1 600); do
    [[ -s "$address_file" ]] && break
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  if [[ ! -s "$address_file" ]]; then
    echo "  $service is not serving (see $data_dir/logs/$service.log); going on without it"
    continue
  fi
  http_port=$(grep -o '"http_port":[0-9]*' "$data_dir/logs/$service.log" | head -1 | cut -d: -f2 || true)
  [[ -n "$http_port" ]] && metrics_urls+=("$name=http://127.0.0.1:$http_port")
  echo "  $service serving at $(cat "$address_file")"
done
metrics_flag=$(IFS=,; echo "${metrics_urls[*]+"${metrics_urls[*]}"}")

set +e
# The services above are serving (or absent for good): no need to wait for
# their address files again.
"$simulator" --bootstrap_file="$bootstrap_file" --data_dir="$data_dir" --clock_file="$clock_file" \
  --metrics_urls="$metrics_flag" --service_wait=0s "${simulator_args[@]+"${simulator_args[@]}"}"
status=$?
set -e

if [[ $keep -eq 1 && $status -eq 0 ]]; then
  echo "Running; Ctrl-C stops every process."
  while true; do sleep 3600; done
fi
echo "Stopping the services..."
stop_all
if [[ -f "$data_dir/report.html" ]]; then
  echo "Report: $data_dir/report.html (logs in $data_dir/logs/)"
fi
if [[ $status -ne 0 ]]; then
  echo "run.sh: the simulator exited with status $status (logs in $data_dir/logs/)" >&2
fi
exit $status
