#!/usr/bin/env python3
"""Whole-system pipeline benchmark (issue #7): loan events in -> contacts out.

Runs the same simulated loan book through
  * the system as `make run` starts it (dev broker + four service processes),
  * and, as the baseline in the same run, the reference system (the four
    services in one process on an in-memory bus, no broker),
each with `arrears-simulator --pipeline_stats_file`, and prints one table:
sustained events/s (events the simulator published plus events it read on
the services' topics, per second of wall time; the simulator waits for a
quiet pipeline after every step, so this is the rate of the whole loop, not
of one consumer) and the latency from the start of a business day's close
to the first contact request for each loan that the close made delinquent
(p50/p90/p99/max).

  bench/system/pipeline_bench.py --build_dir build --source_dir . [--loans N --days N --seed N]
"""
import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile


def run(command, log_path, env, cwd):
    with open(log_path, "w") as log:
        return subprocess.call(command, stdout=log, stderr=subprocess.STDOUT, env=env, cwd=cwd)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--build_dir", default="build")
    parser.add_argument("--source_dir", default=".")
    parser.add_argument("--loans", type=int, default=3000)
    parser.add_argument("--days", type=int, default=30)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    build_dir = os.path.abspath(args.build_dir)
    source_dir = os.path.abspath(args.source_dir)
    simulator = os.path.join(build_dir, "tools/simulator/arrears-simulator")
    book = [f"--loans={args.loans}", f"--days={args.days}", f"--seed={args.seed}"]
    work = tempfile.mkdtemp(prefix="arrears-pipeline-bench-")
    env = dict(os.environ, BUILD_DIR=build_dir)
    rows = []
    try:
        systems = [
            ("broker", [os.path.join(source_dir, "tools/run.sh"), "--port=0"]),
            ("in-process", [simulator, "--in_process", f"--source_dir={source_dir}"]),
        ]
        for name, command in systems:
            data_dir = os.path.join(work, name)
            os.makedirs(os.path.join(data_dir, "logs"), exist_ok=True)
            stats = os.path.join(work, f"{name}.json")
            status = run(command + [f"--data_dir={data_dir}", f"--pipeline_stats_file={stats}"] + book,
                         os.path.join(work, f"{name}.out"), env, source_dir)
            if status != 0 or not os.path.exists(stats):
                print(f"{name} run failed (exit {status}); output in {work}/{name}.out")
                return 1
            with open(stats) as f:
                rows.append(json.load(f))
    finally:
        if rows and len(rows) == 2:
            shutil.rmtree(work, ignore_errors=True)
    print(f"book: {args.loans} loans, {args.days} business days, seed {args.seed}; "
          f"machine: {os.cpu_count()} cores")
    header = ("system", "wall s", "published", "read", "events/s", "latency n",
              "p50 ms", "p90 ms", "p99 ms", "max ms")
    print("| " + " | ".join(header) + " |")
    print("|" + "|".join("---" for _ in header) + "|")
    for row in rows:
        latency = row["close_to_first_request"]
        print("| " + " | ".join([
            row["system"], f"{row['wall_seconds']:.1f}", str(row["events_published"]),
            str(row["events_read"]), f"{row['events_per_second']:.0f}", str(latency["samples"]),
            f"{latency['p50_ms']:.0f}", f"{latency['p90_ms']:.0f}", f"{latency['p99_ms']:.0f}",
            f"{latency['max_ms']:.0f}"]) + " |")
    broker, baseline = rows
    if baseline["events_per_second"] > 0:
        print(f"broker / in-process throughput: "
              f"{broker['events_per_second'] / baseline['events_per_second']:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
