#!/usr/bin/env python3
"""Deterministic end-to-end test of the whole system (issue #7).

Runs one small seeded book twice:
  1. the reference run: arrears-simulator --in_process, the four services'
     assemblies inside the simulator on an in-memory bus (no broker, no
     service processes, one total order of events);
  2. the system as `make run` starts it: the dev broker and four service
     processes (tools/run.sh), events through Kafka partitions.
Both write their comparable figures (tools/simulator/run_figures.h:
delinquent loans and overdue amounts per bucket, contacts per channel and
outcome, compliance verdicts and reasons, cases and variants, debtors'
answers, the audit chain's length) and the test requires them to be equal.
It also requires the run to be non-trivial (delinquent loans, contacts sent,
deferred contacts, an audit log that verifies, a hardship declared), lawful
(no contact sent without an ALLOW decision, none sent twice), and the
hardship chain whole in both runs: hardship declared -> plan proposed by the
simulated collector -> accepted by the debtor -> agreed -> loan restructured,
with every step's count matching the services' events and no call failing.

Exit status 0 on success; the diff of the figures on failure.
"""
import argparse
import difflib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time


def run(command, log_path, env=None, cwd=None):
    started = time.monotonic()
    with open(log_path, "w") as log:
        status = subprocess.call(command, stdout=log, stderr=subprocess.STDOUT, env=env, cwd=cwd)
    return status, time.monotonic() - started


def tail(path, lines=40):
    try:
        with open(path, errors="replace") as f:
            return "".join(f.readlines()[-lines:])
    except OSError:
        return ""


def plan_chain_problems(figures):
    """What breaks the chain hardship declared -> plan proposed -> accepted ->
    agreed -> loan restructured, in one run's figures (empty when whole)."""
    debtors = figures["debtors"]
    cases = figures["cases"]
    failures = figures["problems"]["action_failures"]
    declared = debtors["outcomes_recorded"].get("CONTACT_OUTCOME_HARDSHIP_DECLARED", 0)
    agreed = cases["plan_events"].get("plan_agreed", 0)
    problems = []
    if declared == 0:
        problems.append("no hardship declared: the plan chain is not exercised")
    elif debtors["plans_proposed"] == 0:
        problems.append(f"{declared} hardship declarations but no plan proposed")
    if cases["plans_proposed"] != debtors["plans_proposed"]:
        problems.append(f"plans proposed {debtors['plans_proposed']} but PlanProposed case "
                        f"events {cases['plans_proposed']}")
    if cases["plans_accepted"] != debtors["plans_accepted"]:
        problems.append(f"plans accepted {debtors['plans_accepted']} but PlanAccepted case "
                        f"events {cases['plans_accepted']}")
    # One PlanAgreed per loan of an accepted plan, one restructure per PlanAgreed.
    if agreed < debtors["plans_accepted"] or debtors["restructures"] != agreed:
        problems.append(f"accepted {debtors['plans_accepted']}, PlanAgreed {agreed}, "
                        f"restructured {debtors['restructures']}")
    if failures.get("ProposePlan") or failures.get("AcceptPlan") or \
            debtors["restructure_failures"]:
        problems.append(f"plan calls failed: {failures}, restructure failures "
                        f"{debtors['restructure_failures']}")
    return problems


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--build_dir", required=True)
    parser.add_argument("--source_dir", required=True)
    parser.add_argument("--loans", type=int, default=400)
    parser.add_argument("--days", type=int, default=12)
    parser.add_argument("--seed", type=int, default=5)
    parser.add_argument("--keep", action="store_true", help="keep the run directories")
    args = parser.parse_args()

    build_dir = os.path.abspath(args.build_dir)
    source_dir = os.path.abspath(args.source_dir)
    simulator = os.path.join(build_dir, "tools/simulator/arrears-simulator")
    book = [f"--loans={args.loans}", f"--days={args.days}", f"--seed={args.seed}"]
    work = tempfile.mkdtemp(prefix="arrears-e2e-")
    failures = []
    try:
        reference_dir = os.path.join(work, "reference")
        os.makedirs(os.path.join(reference_dir, "logs"))
        reference_json = os.path.join(work, "reference.json")
        status, seconds = run(
            [simulator, "--in_process", f"--data_dir={reference_dir}",
             f"--source_dir={source_dir}", f"--figures_file={reference_json}"] + book,
            os.path.join(work, "reference.out"), cwd=source_dir)
        print(f"reference run (in process, no broker): exit {status}, {seconds:.1f}s")
        if status != 0:
            print(tail(os.path.join(work, "reference.out")))
            return 1

        kafka_dir = os.path.join(work, "kafka")
        kafka_json = os.path.join(work, "kafka.json")
        env = dict(os.environ, BUILD_DIR=build_dir)
        status, seconds = run(
            [os.path.join(source_dir, "tools/run.sh"), f"--data_dir={kafka_dir}", "--port=0",
             f"--figures_file={kafka_json}"] + book,
            os.path.join(work, "kafka.out"), env=env, cwd=source_dir)
        print(f"system run (dev broker + 4 processes): exit {status}, {seconds:.1f}s")
        if status != 0:
            print(tail(os.path.join(work, "kafka.out")))
            return 1

        with open(reference_json) as f:
            reference_text = f.read()
        with open(kafka_json) as f:
            kafka_text = f.read()
        reference = json.loads(reference_text)
        kafka = json.loads(kafka_text)

        # The run must be worth comparing.
        delinquent = reference["delinquency"]["loans_by_state"].get("DELINQUENCY_STATE_DELINQUENT", 0)
        sent = sum(v for k, v in reference["contacts"]["events_by_channel_outcome"].items()
                   if k.endswith("/SENT"))
        deferred = reference["compliance"]["decisions_by_verdict"].get("DEFER", 0)
        if delinquent == 0 or sent == 0 or deferred == 0:
            failures.append(f"trivial reference run: delinquent={delinquent} sent={sent} "
                            f"deferred={deferred}")
        for name, figures in (("reference", reference), ("system", kafka)):
            failures.extend(f"{name}: {problem}" for problem in plan_chain_problems(figures))
            audit = figures["audit"]
            if not audit.get("verifies") or not audit.get("entries"):
                failures.append(f"{name}: audit chain does not verify: {audit}")
            lawfulness = figures["lawfulness"]
            if lawfulness["sent_without_allow"] or lawfulness["attempts_sent_twice"]:
                failures.append(f"{name}: unlawful contacts: {lawfulness}")
            problems = figures["problems"]
            if problems["quiet_timeouts"] or problems["close_failures"]:
                failures.append(f"{name}: the run had problems: {problems}")
        if reference_text != kafka_text:
            diff = difflib.unified_diff(reference_text.splitlines(), kafka_text.splitlines(),
                                        "reference (in process)", "system (broker)", lineterm="")
            failures.append("figures differ:\n" + "\n".join(diff))
        print(f"delinquent loans {delinquent}, contacts sent {sent}, deferred {deferred}, "
              f"audit entries {reference['audit'].get('entries')}, "
              f"hardship plans proposed {reference['debtors']['plans_proposed']}, "
              f"loans restructured {reference['debtors']['restructures']}")
    finally:
        if args.keep or failures:
            print(f"run directories kept in {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)
    for failure in failures:
        print("FAIL:", failure)
    if failures:
        return 1
    print("figures equal")
    return 0


if __name__ == "__main__":
    sys.exit(main())
