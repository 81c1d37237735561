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
#                [--chaos=SEED [--chaos_kill_every=2-6s] [--chaos_outages=1]
#                 [--chaos_outage_seconds=3] [--chaos_faults=0]]
#   make run ARGS="--loans=2000 --days=30"
#
# A service whose binary is not built is skipped (and named); the simulator
# then shows that service's figures as n/a.
#
# Each service runs under a supervisor: when it exits while the run is going
# (not during the final stop), it is started again after 1 s with the same
# command line, on the gRPC and HTTP ports it had (clients keep their
# addresses). Restarts are logged in <data_dir>/logs/supervisor.log and
# counted at the end. A service that fails within 3 s of its start 5 times in
# a row (not counting SIGKILLs) is given up.
#
# --chaos=SEED injects faults while the simulator runs, at moments drawn from
# SEED: every --chaos_kill_every (a range, in seconds) one service, a
# different one each time until all had their turn, gets SIGKILL (its
# supervisor restarts it); every third fault, --chaos_outages times in all,
# is a broker outage instead: the dev broker drops every client
# connection and refuses new ones for --chaos_outage_seconds. Every fault is
# logged with its UTC time in <data_dir>/logs/chaos.log. --chaos_faults=N
# stops after N faults (0: until the simulator is done). The services are
# exactly-once, so the final figures must not change (tests/fault_injection).
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD_DIR="${BUILD_DIR:-build}"

usage() {  # the comment block at the top of this file
  awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0"
}

data_dir=data
port=9092
keep=0
chaos_seed=""
chaos_kill_every=2-6s
chaos_outages=1
chaos_outage_seconds=3
chaos_faults=0
simulator_args=()
for arg in "$@"; do
  case "$arg" in
    --data_dir=*) data_dir="${arg#*=}" ;;
    --port=*) port="${arg#*=}" ;;
    --keep) keep=1 ;;
    --chaos=*) chaos_seed="${arg#*=}" ;;
    --chaos_kill_every=*) chaos_kill_every="${arg#*=}" ;;
    --chaos_outages=*) chaos_outages="${arg#*=}" ;;
    --chaos_outage_seconds=*) chaos_outage_seconds="${arg#*=}" ;;
    --chaos_faults=*) chaos_faults="${arg#*=}" ;;
    -h|--help) usage; exit 0 ;;
    --*=*) simulator_args+=("$arg") ;;  # --loans, --days, --seed, --speed, ...
    *) echo "run.sh: unknown argument: $arg (see tools/run.sh --help)" >&2; exit 2 ;;
  esac
done

# --chaos_kill_every: "A-Bs" or "As" (whole seconds) -> milliseconds.
if [[ "$chaos_kill_every" =~ ^([0-9]+)(-([0-9]+))?s?$ ]]; then
  kill_every_min_ms=$((BASH_REMATCH[1] * 1000))
  kill_every_max_ms=$(( ${BASH_REMATCH[3]:-${BASH_REMATCH[1]}} * 1000 ))
else
  echo "run.sh: --chaos_kill_every=$chaos_kill_every: expected A-Bs, e.g. 2-6s" >&2; exit 2
fi
for value in "$chaos_outages" "$chaos_outage_seconds" "$chaos_faults" ${chaos_seed:+"$chaos_seed"}; do
  [[ "$value" =~ ^[0-9]+$ ]] || {
    echo "run.sh: chaos flags take whole numbers, not '$value'" >&2; exit 2; }
done
if (( kill_every_max_ms < kill_every_min_ms || kill_every_max_ms == 0 )); then
  echo "run.sh: --chaos_kill_every=$chaos_kill_every: empty or zero range" >&2; exit 2
fi

simulator="$BUILD_DIR/tools/simulator/arrears-simulator"
devbroker="$BUILD_DIR/tools/devbroker/devbroker"
for binary in "$simulator" "$devbroker"; do
  [[ -x "$binary" ]] || { echo "run.sh: $binary is not built (make build)" >&2; exit 1; }
done

rm -rf "$data_dir"
mkdir -p "$data_dir/logs" "$data_dir/run"
bootstrap_file="$data_dir/bootstrap"
clock_file="$data_dir/clock"
# Per supervised service: <name>.pid (the process running now) and
# <name>.restarts (how many times it was started again).
run_dir="$data_dir/run"
supervisor_log="$data_dir/logs/supervisor.log"
chaos_log="$data_dir/logs/chaos.log"
pids=()
names=()
chaos_pid=""

utc_now() { date -u +%FT%T.%3NZ; }

stop_chaos() {
  [[ -n "$chaos_pid" ]] || return 0
  kill -TERM "$chaos_pid" 2>/dev/null || true
  wait "$chaos_pid" 2>/dev/null || true
  chaos_pid=""
}

stop_all() {
  trap - INT TERM EXIT
  stop_chaos
  # From here on a service that exits stays down.
  touch "$run_dir/stopping"
  # Reverse start order, each drained before the next: services finish their
  # batches and flush their outboxes while the broker is still up. A
  # supervisor passes SIGTERM on, gives its service 30 s, and exits with its
  # status.
  local i pid name
  for ((i=${#pids[@]}-1; i>=0; i--)); do
    pid="${pids[i]}"
    name="${names[i]}"
    kill -0 "$pid" 2>/dev/null || continue
    kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 1 350); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    if kill -0 "$pid" 2>/dev/null; then
      echo "  $name did not stop within 35 s; killing it" >&2
      [[ -s "$run_dir/$name.pid" ]] && kill -KILL "$(cat "$run_dir/$name.pid")" 2>/dev/null || true
      kill -KILL "$pid" 2>/dev/null || true
    fi
    local rc=0
    wait "$pid" 2>/dev/null || rc=$?
    if [[ $rc -ne 0 ]]; then
      echo "  $name exited with status $rc (see $data_dir/logs/$name.log)" >&2
    fi
  done
}
# How often the supervisors restarted a service, and what chaos injected.
print_faults() {
  local summary=() total=0 count service detail=""
  for service in "${started[@]+"${started[@]}"}"; do
    count=$(cat "$run_dir/$service.restarts" 2>/dev/null || echo 0)
    total=$((total + count))
    if (( count > 0 )); then summary+=("$service $count"); fi
  done
  if (( ${#summary[@]} > 0 )); then
    detail=" ($(printf '%s, ' "${summary[@]}" | sed 's/, $//'))"
  fi
  echo "Supervisor: $total restarts$detail"
  if [[ -n "$chaos_seed" ]]; then
    echo "Chaos: $(grep -c ' kill ' "$chaos_log" || true) kills," \
      "$(grep -c ' outage ' "$chaos_log" || true) broker outages (see $chaos_log)"
  fi
}
started=()
trap 'echo; echo "stopping..."; stop_all; print_faults; exit 130' INT TERM
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

# The command line again, on the gRPC and HTTP ports the first run of the
# service bound (from its "service started" log line): the simulator and the
# other services keep the addresses they resolved once.
same_ports() {  # log, command... -> prints one argument per line
  local log="$1"; shift
  local started grpc_port http_port arg
  started=$(grep -m1 '"service started"' "$log" 2>/dev/null || true)
  grpc_port=$(grep -o '"grpc_port":[0-9]*' <<<"$started" | cut -d: -f2 || true)
  http_port=$(grep -o '"http_port":[0-9]*' <<<"$started" | cut -d: -f2 || true)
  for arg in "$@"; do
    case "$arg" in
      --grpc_address=*:0) [[ -n "$grpc_port" ]] && arg="${arg%:0}:$grpc_port" ;;
      --http_address=*:0) [[ -n "$http_port" ]] && arg="${arg%:0}:$http_port" ;;
    esac
    printf '%s\n' "$arg"
  done
}

# Runs in a background subshell: keeps `name` running until SIGTERM, which it
# passes on to the service (SIGKILL after 30 s); exits with its status.
supervise() {  # name, command...
  local name="$1"; shift
  local log="$data_dir/logs/$name.log"
  local child="" stopping=0 restarts=0 fast_failures=0 rc started_at
  local command=("$@")
  trap 'stopping=1; [[ -n "$child" ]] && kill -TERM "$child" 2>/dev/null' TERM
  while true; do
    [[ $stopping -eq 1 || -e "$run_dir/stopping" ]] && exit 0
    started_at=$SECONDS
    setsid "${command[@]}" >>"$log" 2>&1 &
    child=$!
    echo "$child" >"$run_dir/$name.pid"
    rc=0
    # (stderr: not bash's "Killed" notice; the supervisor log says it.)
    { wait "$child"; } 2>/dev/null || rc=$?
    if [[ $stopping -eq 1 ]]; then
      # `wait` returned for the signal; the service is draining.
      for _ in $(seq 1 300); do kill -0 "$child" 2>/dev/null || break; sleep 0.1; done
      kill -KILL "$child" 2>/dev/null && echo "  $name did not stop within 30 s; killed it" >&2
      rc=0
      { wait "$child"; } 2>/dev/null || rc=$?
      exit "$rc"
    fi
    [[ -e "$run_dir/stopping" ]] && exit "$rc"
    # SIGKILL (137) comes from outside (chaos, an operator, the OOM killer),
    # not from a service that cannot start.
    if (( SECONDS - started_at < 3 && rc != 137 )); then
      fast_failures=$((fast_failures + 1))
    else
      fast_failures=0
    fi
    if (( fast_failures >= 5 )); then
      echo "$(utc_now) $name exited with status $rc within 3 s of its start 5 times in a row; given up" \
        | tee -a "$supervisor_log" >&2
      exit "$rc"
    fi
    restarts=$((restarts + 1))
    echo "$restarts" >"$run_dir/$name.restarts"
    echo "$(utc_now) $name (pid $child) exited with status $rc; restart $restarts in 1 s" \
      | tee -a "$supervisor_log" | sed 's/^/  supervisor: /'
    sleep 1 &
    wait $! || true
    [[ $stopping -eq 1 || -e "$run_dir/stopping" ]] && exit "$rc"
    # After 3 fast failures the old ports may be the problem: take any.
    if (( fast_failures < 3 )); then
      mapfile -t command < <(same_ports "$log" "$@")
    else
      command=("$@")
    fi
  done
}

start_supervised() {  # name, command...
  local name="$1"
  supervise "$@" &
  pids+=("$!")
  names+=("$name")
  for _ in $(seq 1 50); do [[ -s "$run_dir/$name.pid" ]] && break; sleep 0.1; done
  echo "  started $name (pid $(cat "$run_dir/$name.pid" 2>/dev/null), supervised," \
    "log $data_dir/logs/$name.log)"
}

# Runs in a background subshell while the simulator runs; see --chaos above.
chaos() {  # seed, devbroker pid, service...
  local seed="$1" broker_pid="$2"; shift 2
  local services=("$@") turn=() faults=0 outages=0 gap_ms name pid i j
  RANDOM=$seed
  trap 'exit 0' TERM
  echo "$(utc_now) chaos seed=$seed kill_every=${kill_every_min_ms}-${kill_every_max_ms}ms" \
    "outages=$chaos_outages outage_seconds=$chaos_outage_seconds faults=$chaos_faults" \
    "services=${services[*]}" \
    >>"$chaos_log"
  while (( chaos_faults == 0 || faults < chaos_faults )); do
    gap_ms=$((kill_every_min_ms + (RANDOM * 32768 + RANDOM) % (kill_every_max_ms - kill_every_min_ms + 1)))
    sleep "$((gap_ms / 1000)).$(printf '%03d' $((gap_ms % 1000)))" &
    wait $!
    faults=$((faults + 1))
    if (( outages < chaos_outages && faults % 3 == 2 )); then
      outages=$((outages + 1))
      kill -USR1 "$broker_pid" 2>/dev/null &&
        echo "$(utc_now) outage broker for ${chaos_outage_seconds}s (devbroker pid $broker_pid)" \
          >>"$chaos_log"
      continue
    fi
    if (( ${#turn[@]} == 0 )); then  # a new round, in a seeded order
      turn=("${services[@]}")
      for ((i=${#turn[@]}-1; i>0; i--)); do
        j=$((RANDOM % (i + 1)))
        name="${turn[i]}"; turn[i]="${turn[j]}"; turn[j]="$name"
      done
    fi
    name="${turn[0]}"
    turn=("${turn[@]:1}")
    pid=$(cat "$run_dir/$name.pid" 2>/dev/null || true)
    if [[ -n "$pid" ]] && kill -KILL "$pid" 2>/dev/null; then
      echo "$(utc_now) kill $name pid $pid SIGKILL" >>"$chaos_log"
    else
      echo "$(utc_now) skip $name: not running (restarting)" >>"$chaos_log"
    fi
  done
  echo "$(utc_now) chaos done after $faults faults" >>"$chaos_log"
}

echo "Arrears on the embedded default (data in $data_dir/)"
# Every service runs on the simulated clock; it must exist before they start.
start_date_args=()
for arg in "${simulator_args[@]+"${simulator_args[@]}"}"; do
  [[ "$arg" == --start_date=* ]] && start_date_args+=("$arg")
done
"$simulator" --init_clock --data_dir="$data_dir" --clock_file="$clock_file" \
  "${start_date_args[@]+"${start_date_args[@]}"}" | sed 's/^/  /'

start devbroker "$devbroker" --port="$port" --bootstrap_file="$bootstrap_file" \
  --outage_duration="${chaos_outage_seconds}s"
broker_pid="${pids[0]}"
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
# simulation's first day. Contact providers' per-second rate limits are off:
# on a clock that jumps hours a token wait would last until the next jump,
# and which requests waited would depend on their arrival order.
start_date=$(TZ=Asia/Shanghai date -d "$(cat "$clock_file")" +%F)
declare -A service_flags=(
  [compliance_auditing]=""
  [overdue_detection]="--scheduled_close=false --initial_business_date=$start_date"
  [strategy_routing]="--agenda_interval=100ms"
  [contact_channels]="--timer_idle_wait=50ms --provider_rate_limits=false --compliance_address_file=$data_dir/compliance-auditing.grpc-address"
)
# Compliance first: contact channels asks it before every contact.
services=(compliance_auditing overdue_detection strategy_routing contact_channels)
for service in "${services[@]}"; do
  binary="$BUILD_DIR/services/$service/$service"
  name="${service//_/-}"
  if [[ ! -x "$binary" ]]; then
    echo "  skipped $service: $binary is not built"
    continue
  fi
  # shellcheck disable=SC2206  # the extra flags are words on purpose
  extra=(${service_flags[$service]})
  start_supervised "$service" "$binary" --service_name="$name" "${common_flags[@]}" \
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

if [[ -n "$chaos_seed" ]]; then
  chaos "$chaos_seed" "$broker_pid" "${started[@]+"${started[@]}"}" &
  chaos_pid=$!
  echo "  chaos: faults from seed $chaos_seed, logged in $chaos_log"
fi

set +e
# The services above are serving (or absent for good): no need to wait for
# their address files again.
"$simulator" --bootstrap_file="$bootstrap_file" --data_dir="$data_dir" --clock_file="$clock_file" \
  --metrics_urls="$metrics_flag" --service_wait=0s "${simulator_args[@]+"${simulator_args[@]}"}"
status=$?
set -e
stop_chaos

if [[ $keep -eq 1 && $status -eq 0 ]]; then
  echo "Running; Ctrl-C stops every process."
  while true; do sleep 3600; done
fi
echo "Stopping the services..."
stop_all
print_faults
if [[ -f "$data_dir/report.html" ]]; then
  echo "Report: $data_dir/report.html (logs in $data_dir/logs/)"
fi
if [[ $status -ne 0 ]]; then
  echo "run.sh: the simulator exited with status $status (logs in $data_dir/logs/)" >&2
fi
exit $status
