#!/usr/bin/env python3
"""Fault-injection end-to-end test (issue #7): faults must change nothing.

Runs the same small seeded book twice through tools/run.sh (dev broker and the
four services as supervised processes): once fault-free, once with --chaos
(services SIGKILLed at seeded random moments and restarted by their
supervisors, the broker connection dropped for a few seconds). Then checks:

  (a) the two runs' comparable figures (--figures_file) are identical;
  (b) lawfulness in the chaos run: no contact sent without an allow decision,
      no attempt sent twice;
  (c) the audit chain of the chaos run verifies;
  (d) no idempotency_key appears twice in any provider outbox file of the
      chaos run (a provider never got the same message twice);
  (e) the faults really happened: the chaos log names at least --min_kills
      SIGKILLs of at least --min_killed_services services and at least one
      broker outage, the broker logged the outage, and every kill was
      followed by a restart, so the test cannot pass vacuously.

  fault_injection_test.py --source_dir=. --build_dir=build [--keep]

Exit status 0 when every check passes; the run directories are kept (and
named) when one fails. Standard library only.
"""

import argparse
import collections
import datetime
import difflib
import glob
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time

BOOK = ["--loans=300", "--days=12", "--seed=7"]
CHAOS = ["--chaos=11", "--chaos_kill_every=4-8s", "--chaos_faults=7", "--chaos_outages=1",
         "--chaos_outage_seconds=3"]


def run_system(args, name, extra):
    """One tools/run.sh run; returns (figures text, data dir)."""
    data_dir = os.path.join(args.work_dir, name)
    figures = os.path.join(args.work_dir, name + "-figures.json")
    log_path = os.path.join(args.work_dir, name + "-run.log")
    command = [os.path.join(args.source_dir, "tools", "run.sh"),
               "--data_dir=" + data_dir, "--port=0",
               "--figures_file=" + figures] + BOOK + extra
    env = dict(os.environ, BUILD_DIR=os.path.abspath(args.build_dir))
    started = time.monotonic()
    with open(log_path, "w") as log:
        # A session of its own, so that a timeout can stop it the way Ctrl-C
        # does (SIGINT to run.sh and the simulator; run.sh then stops the
        # services and the broker) instead of leaving them running.
        process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT,
                                   stdin=subprocess.DEVNULL, env=env, start_new_session=True)
        try:
            status = process.wait(timeout=args.run_timeout)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGINT)
            try:
                process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()
            raise CheckFailed(f"{name}: run.sh did not finish within {args.run_timeout:.0f} s "
                              f"(log {log_path})")
    print(f"{name}: run.sh exited {status} after {time.monotonic() - started:.0f} s "
          f"(log {log_path})", flush=True)
    if status != 0:
        with open(log_path) as log:
            sys.stdout.write("".join(log.readlines()[-40:]))
        raise CheckFailed(f"{name}: run.sh exited with status {status}")
    if not os.path.exists(figures):
        raise CheckFailed(f"{name}: no figures file {figures}")
    with open(figures) as f:
        return f.read(), data_dir


class CheckFailed(Exception):
    pass


class Checks:
    def __init__(self):
        self.failures = []

    def expect(self, condition, what):
        print(("ok   " if condition else "FAIL ") + what, flush=True)
        if not condition:
            self.failures.append(what)


def check_figures_identical(checks, clean, chaos):
    same = clean == chaos
    checks.expect(same, "(a) figures of the chaos run equal the fault-free run's")
    if not same:
        sys.stdout.writelines(difflib.unified_diff(
            clean.splitlines(keepends=True), chaos.splitlines(keepends=True),
            fromfile="fault-free", tofile="chaos"))


def check_lawfulness_and_audit(checks, figures_text):
    figures = json.loads(figures_text)
    lawfulness = figures.get("lawfulness", {})
    for key in ("sent_without_allow", "attempts_sent_twice"):
        checks.expect(lawfulness.get(key) == 0,
                      f"(b) lawfulness.{key} == 0 in the chaos run (is {lawfulness.get(key)})")
    audit = figures.get("audit", {})
    checks.expect(audit.get("verifies") is True and audit.get("entries", 0) > 0,
                  f"(c) the audit chain verifies in the chaos run (audit: {json.dumps(audit)})")


def check_outboxes(checks, data_dir):
    files = sorted(glob.glob(os.path.join(data_dir, "**", "provider-outbox", "*.jsonl"),
                             recursive=True))
    sends = 0
    for path in files:
        keys = collections.Counter()
        with open(path) as f:
            for number, line in enumerate(f, 1):
                if not line.strip():
                    continue
                try:
                    keys[json.loads(line)["idempotency_key"]] += 1
                except (ValueError, KeyError) as error:
                    checks.expect(False, f"(d) {path}:{number} is a send with an "
                                         f"idempotency_key ({error})")
        sends += sum(keys.values())
        twice = {key: n for key, n in keys.items() if n > 1}
        checks.expect(not twice, f"(d) no idempotency_key twice in {os.path.relpath(path, data_dir)}"
                                 f" ({sum(keys.values())} sends"
                                 + (f"; repeated: {dict(list(twice.items())[:5])}" if twice else "")
                                 + ")")
    checks.expect(sends > 0, f"(d) the chaos run's providers accepted sends ({sends} in "
                             f"{len(files)} outbox files)")
    return sends


def check_faults_happened(checks, args, data_dir):
    logs = os.path.join(data_dir, "logs")
    chaos_log = os.path.join(logs, "chaos.log")
    lines = open(chaos_log).read().splitlines() if os.path.exists(chaos_log) else []
    kills = [re.search(r" kill (\S+) pid", line).group(1) for line in lines if " kill " in line]
    outages = [line for line in lines if " outage " in line]
    stamps = [datetime.datetime.strptime(line.split()[0], "%Y-%m-%dT%H:%M:%S.%fZ")
              for line in lines if " kill " in line or " outage " in line]
    span = (stamps[-1] - stamps[0]).total_seconds() if stamps else 0
    print("chaos log:\n  " + "\n  ".join(lines), flush=True)
    checks.expect(len(kills) >= args.min_kills,
                  f"(e) at least {args.min_kills} SIGKILLs ({len(kills)})")
    checks.expect(len(set(kills)) >= args.min_killed_services,
                  f"(e) at least {args.min_killed_services} services killed "
                  f"({sorted(set(kills))})")
    checks.expect(len(outages) >= 1, f"(e) at least one broker outage ({len(outages)})")
    broker_log = open(os.path.join(logs, "devbroker.log")).read()
    checks.expect("outage begins" in broker_log and "outage ends" in broker_log,
                  "(e) the dev broker logged the outage's start and end")
    supervisor_log = os.path.join(logs, "supervisor.log")
    restarts = (open(supervisor_log).read().splitlines()
                if os.path.exists(supervisor_log) else [])
    restarted = collections.Counter(line.split()[1] for line in restarts)
    missing = {name: n for name, n in collections.Counter(kills).items()
               if restarted[name] < n}
    checks.expect(not missing, f"(e) every killed service was restarted ({dict(restarted)})")
    checks.expect(span >= args.min_fault_span,
                  f"(e) faults spread over at least {args.min_fault_span} s of the run "
                  f"({span:.1f} s from first to last)")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--source_dir", required=True)
    parser.add_argument("--build_dir", required=True)
    parser.add_argument("--work_dir", help="default: a new temporary directory")
    parser.add_argument("--keep", action="store_true", help="keep the run directories")
    parser.add_argument("--min_kills", type=int, default=3)
    parser.add_argument("--min_killed_services", type=int, default=3)
    parser.add_argument("--min_fault_span", type=float, default=10,
                        help="seconds from the first fault to the last, at least")
    parser.add_argument("--run_timeout", type=float, default=600)
    args = parser.parse_args()
    for binary in ("tools/devbroker/devbroker", "tools/simulator/arrears-simulator",
                   "services/overdue_detection/overdue_detection",
                   "services/strategy_routing/strategy_routing",
                   "services/contact_channels/contact_channels",
                   "services/compliance_auditing/compliance_auditing"):
        if not os.access(os.path.join(args.build_dir, binary), os.X_OK):
            print(f"FAIL {binary} is not built in {args.build_dir}")
            return 1
    args.work_dir = args.work_dir or tempfile.mkdtemp(prefix="arrears-fault-injection-")
    os.makedirs(args.work_dir, exist_ok=True)
    print(f"runs under {args.work_dir}", flush=True)

    checks = Checks()
    try:
        clean, _ = run_system(args, "fault-free", [])
        chaos, chaos_dir = run_system(args, "chaos", CHAOS)
        check_faults_happened(checks, args, chaos_dir)
        check_figures_identical(checks, clean, chaos)
        check_lawfulness_and_audit(checks, chaos)
        check_outboxes(checks, chaos_dir)
    except (CheckFailed, OSError) as error:
        checks.expect(False, str(error))
    if checks.failures:
        print(f"\n{len(checks.failures)} check(s) failed; runs kept in {args.work_dir}")
        return 1
    if not args.keep:
        shutil.rmtree(args.work_dir, ignore_errors=True)
    print("\nall checks passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
