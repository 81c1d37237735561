#!/usr/bin/env python3
"""Generates the base Kubernetes workload of each Arrears service.

  tools/deploy/gen_workloads.py           # rewrite deploy/k8s/base/<service>.yaml
  tools/deploy/gen_workloads.py --check   # exit 1 if they are out of date

The four services are deployed the same way and differ only in the few
values of SERVICES below; kubectl 1.20's kustomize (v2.0.3) has no
components or replacements to share one template between them, so the
template lives here once and the rendered files are committed (and checked
to be in sync by tests/deploy). Per-service settings that operators tune
live in the ConfigMaps of deploy/k8s/base/kustomization.yaml, not here.

Each file holds, for one service:
  ServiceAccount   no API token: the services never call the Kubernetes API;
  Service          ClusterIP, for clients (a stable address across restarts);
  Service          headless, governing the StatefulSet;
  PodDisruptionBudget
  StatefulSet      exactly one replica with its own ReadWriteOnce volume:
                   the SQLite store has a single writer (deploy/README.md,
                   "Scaling model").
"""

import argparse
import collections
import os
import sys

sys.dont_write_bytecode = True  # keep __pycache__ out of the source tree

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import manifest_yaml  # noqa: E402

GRPC_PORT = 50051
HTTP_PORT = 8080
DATA_DIR = "/var/lib/arrears"
RUNTIME_UID = 10001  # the `arrears` user of deploy/docker/base.Dockerfile
RUNTIME_CONFIG_MAP = "arrears-runtime"
# ARREARS_DRAIN_TIMEOUT (arrears-runtime) + time for the kubelet to deliver
# SIGTERM and the process to exit.
TERMINATION_GRACE_SECONDS = 45

Service = collections.namedtuple(
    "Service", "name binary summary cpu_request memory_request cpu_limit memory_limit storage")

SERVICES = [
    Service("overdue-detection", "overdue_detection",
            "loan ledger and days-past-due; emits delinquency events",
            "250m", "256Mi", "2", "1Gi", "5Gi"),
    Service("strategy-routing", "strategy_routing",
            "collection cases, strategies and contact requests",
            "250m", "256Mi", "1", "512Mi", "5Gi"),
    Service("contact-channels", "contact_channels",
            "sends contacts, each checked with compliance-auditing first",
            "250m", "256Mi", "1", "512Mi", "5Gi"),
    Service("compliance-auditing", "compliance_auditing",
            "contact policy decisions and the tamper-evident audit log",
            "250m", "256Mi", "2", "1Gi", "10Gi"),
]


def resource_name(service):
    return "arrears-" + service.name


def _labels(service):
    return {"app.kubernetes.io/name": service.name}


def _ports():
    return [
        {"name": "grpc", "port": GRPC_PORT, "targetPort": "grpc", "protocol": "TCP"},
        {"name": "http", "port": HTTP_PORT, "targetPort": "http", "protocol": "TCP"},
    ]


def _grpc_probe(period, timeout, failures):
    # The kubelet's gRPC probe calls grpc.health.v1.Health/Check for the
    # server as a whole (service ""), which ServiceHost turns SERVING only
    # once consumers, outbox relay and gRPC run, and NOT_SERVING first thing
    # in a drain.
    return {"grpc": {"port": GRPC_PORT}, "periodSeconds": period,
            "timeoutSeconds": timeout, "failureThreshold": failures}


def _container(service):
    return {
        "name": service.name,
        "image": "arrears/" + service.name,
        "imagePullPolicy": "IfNotPresent",
        # Settings tied to this pod's own layout (ports, volume) are fixed
        # here; everything else comes from the ConfigMaps (later wins).
        "env": [
            {"name": "ARREARS_SERVICE_NAME", "value": service.name},
            {"name": "ARREARS_GRPC_ADDRESS", "value": "0.0.0.0:%d" % GRPC_PORT},
            {"name": "ARREARS_HTTP_ADDRESS", "value": "0.0.0.0:%d" % HTTP_PORT},
            {"name": "ARREARS_DATA_DIR", "value": DATA_DIR},
        ],
        "envFrom": [
            {"configMapRef": {"name": RUNTIME_CONFIG_MAP}},
            {"configMapRef": {"name": resource_name(service)}},
        ],
        "ports": [
            {"name": "grpc", "containerPort": GRPC_PORT, "protocol": "TCP"},
            {"name": "http", "containerPort": HTTP_PORT, "protocol": "TCP"},
        ],
        # Opening and migrating the store may take a while after an upgrade:
        # up to 5 minutes before liveness starts counting.
        "startupProbe": _grpc_probe(period=2, timeout=2, failures=150),
        "readinessProbe": _grpc_probe(period=5, timeout=2, failures=2),
        "livenessProbe": _grpc_probe(period=10, timeout=5, failures=6),
        "resources": {
            "requests": {"cpu": service.cpu_request, "memory": service.memory_request},
            "limits": {"cpu": service.cpu_limit, "memory": service.memory_limit},
        },
        "securityContext": {
            "runAsNonRoot": True,
            "allowPrivilegeEscalation": False,
            "readOnlyRootFilesystem": True,
            "capabilities": {"drop": ["ALL"]},
        },
        "volumeMounts": [
            {"name": "data", "mountPath": DATA_DIR},
            # SQLite's temporary files (large sorts, VACUUM); the root
            # file system is read-only.
            {"name": "tmp", "mountPath": "/tmp"},
        ],
    }


def _statefulset(service):
    name = resource_name(service)
    return {
        "apiVersion": "apps/v1",
        "kind": "StatefulSet",
        "metadata": {
            "name": name,
            "labels": _labels(service),
            "annotations": {"arrears.io/summary": service.summary,
                            "arrears.io/store": "sqlite-single-writer"},
        },
        "spec": {
            # One writer per SQLite file. A StatefulSet never starts a
            # second pod for the same ordinal while the first may still run
            # (unlike a Deployment's ReplicaSet after a node is lost).
            "replicas": 1,
            "serviceName": name + "-headless",
            "podManagementPolicy": "OrderedReady",
            "updateStrategy": {"type": "RollingUpdate"},
            "revisionHistoryLimit": 5,
            "selector": {"matchLabels": _labels(service)},
            "template": {
                "metadata": {
                    "labels": _labels(service),
                    "annotations": {
                        "prometheus.io/scrape": "true",
                        "prometheus.io/port": str(HTTP_PORT),
                        "prometheus.io/path": "/metrics",
                    },
                },
                "spec": {
                    "serviceAccountName": name,
                    "automountServiceAccountToken": False,
                    # Service links would inject ARREARS_*_SERVICE_HOST style
                    # variables, which the ARREARS_<FLAG> environment
                    # convention could mistake for flags.
                    "enableServiceLinks": False,
                    "terminationGracePeriodSeconds": TERMINATION_GRACE_SECONDS,
                    "securityContext": {
                        "runAsNonRoot": True,
                        "runAsUser": RUNTIME_UID,
                        "runAsGroup": RUNTIME_UID,
                        "fsGroup": RUNTIME_UID,
                        "fsGroupChangePolicy": "OnRootMismatch",
                        "seccompProfile": {"type": "RuntimeDefault"},
                    },
                    "containers": [_container(service)],
                    "volumes": [
                        {"name": "tmp", "emptyDir": {"sizeLimit": "1Gi"}},
                    ],
                },
            },
            "volumeClaimTemplates": [{
                "metadata": {"name": "data", "labels": _labels(service)},
                "spec": {
                    # Block storage only: SQLite's WAL needs shared memory
                    # and POSIX locks that network file systems do not give.
                    "accessModes": ["ReadWriteOnce"],
                    "resources": {"requests": {"storage": service.storage}},
                },
            }],
        },
    }


def documents(service):
    name = resource_name(service)
    return [
        {
            "apiVersion": "v1",
            "kind": "ServiceAccount",
            "metadata": {"name": name, "labels": _labels(service)},
            "automountServiceAccountToken": False,
        },
        {
            "apiVersion": "v1",
            "kind": "Service",
            "metadata": {"name": name, "labels": _labels(service)},
            "spec": {"type": "ClusterIP", "selector": _labels(service), "ports": _ports()},
        },
        {
            "apiVersion": "v1",
            "kind": "Service",
            "metadata": {"name": name + "-headless", "labels": _labels(service)},
            "spec": {"clusterIP": "None", "selector": _labels(service), "ports": _ports()},
        },
        {
            "apiVersion": "policy/v1",
            "kind": "PodDisruptionBudget",
            "metadata": {"name": name, "labels": _labels(service)},
            # One replica: a drain may stop it (Kafka holds the input until
            # it is back; contact-channels defers contacts while compliance
            # is away). See deploy/README.md for maxUnavailable: 0.
            "spec": {"maxUnavailable": 1, "selector": {"matchLabels": _labels(service)}},
        },
        _statefulset(service),
    ]


def output_path(service):
    return os.path.join("deploy", "k8s", "base", service.name + ".yaml")


def generated_files():
    header = [
        "GENERATED by tools/deploy/gen_workloads.py; do not edit.",
        "Regenerate: tools/deploy/gen_workloads.py (tests/deploy checks it is in sync).",
    ]
    return {
        output_path(service): manifest_yaml.dump_documents(
            documents(service),
            header + ["", "%s: %s." % (service.name, service.summary)])
        for service in SERVICES
    }


def main(argv):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true",
                        help="only report files that differ from a fresh generation")
    parser.add_argument("--root", default=manifest_yaml.repo_root(), help="repository root")
    args = parser.parse_args(argv)
    stale = [path for path, content in sorted(generated_files().items())
             if manifest_yaml.write_or_check(os.path.join(args.root, path), content, args.check)]
    for path in stale:
        print("out of date: %s (run tools/deploy/gen_workloads.py)" % path, file=sys.stderr)
    return 1 if stale else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
