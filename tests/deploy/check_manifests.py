#!/usr/bin/env python3
"""Renders the Kubernetes manifests offline and checks what must hold in any
environment (run by ctest as `deploy_manifests`).

  tests/deploy/check_manifests.py [--root REPO] [--kubectl PATH]

For the base and every overlay under deploy/k8s/overlays/, `kubectl
kustomize` renders the manifests (no cluster needed), then:
  - every generated file (tools/deploy/gen_topics.py, gen_workloads.py) is in
    sync with its sources;
  - every Deployment/StatefulSet container has readiness and liveness probes
    whose ports exist, CPU and memory requests and limits (request <= limit),
    and a locked-down security context: non-root, no privilege escalation,
    read-only root file system, all capabilities dropped;
  - references resolve: ConfigMaps, ServiceAccounts, volumes, Services'
    target ports, the StatefulSet's governing headless Service, PDBs, HPAs,
    $(VAR) references in env (Kubernetes only expands earlier variables);
  - the scaling model holds: a SQLite single-writer workload is a
    StatefulSet with exactly one replica and no HorizontalPodAutoscaler;
  - every topic of proto/arrears/topics/v1/topics.proto and its ".dlq" has a
    Strimzi KafkaTopic (kafka.strimzi.io/v1) with the proto's partitions and
    retention, and no KafkaTopic is left over; topic names spelled in
    non-test C++ sources are topics of the proto;
  - overlays pin image tags, and every Secret they reference is documented
    in deploy/README.md;
  - every services/<name>/ folder has a workload and a Dockerfile;
  - the checks themselves catch breakage (a self-test mutates a rendered
    workload and expects each mutation to be reported).

Exit status: 0 all good, 1 problems found (each printed), 77 skipped because
kubectl is not installed (Debian package: kubernetes-client).
"""

import argparse
import copy
import os
import re
import shutil
import subprocess
import sys

sys.dont_write_bytecode = True  # keep __pycache__ out of the source tree

SKIP = 77
ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
WORKLOAD_KINDS = ("Deployment", "StatefulSet")
SINGLE_WRITER_ANNOTATION = ("arrears.io/store", "sqlite-single-writer")
STRIMZI_API_VERSION = "kafka.strimzi.io/v1"
MS_PER_DAY = 24 * 60 * 60 * 1000

try:
    import yaml
except ImportError:
    print("check_manifests: PyYAML is missing (Debian package python3-yaml)", file=sys.stderr)
    sys.exit(1)


class Problems:
    """Collects findings; each names the rendering and the object at fault."""

    def __init__(self):
        self.items = []

    def add(self, where, message):
        self.items.append("%s: %s" % (where, message))


def obj_id(obj):
    meta = obj.get("metadata") or {}
    return "%s/%s" % (obj.get("kind"), meta.get("name"))


# --- quantities -------------------------------------------------------------

_QUANTITY = re.compile(r"^([0-9]+(?:\.[0-9]+)?)(m|k|M|G|T|Ki|Mi|Gi|Ti)?$")
_FACTORS = {None: 1, "m": 1e-3, "k": 1e3, "M": 1e6, "G": 1e9, "T": 1e12,
            "Ki": 2**10, "Mi": 2**20, "Gi": 2**30, "Ti": 2**40}


def parse_quantity(value):
    match = _QUANTITY.match(str(value))
    if not match:
        return None
    return float(match.group(1)) * _FACTORS[match.group(2)]


# --- rendering --------------------------------------------------------------

def render(kubectl, directory):
    result = subprocess.run([kubectl, "kustomize", directory], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, universal_newlines=True, check=False)
    if result.returncode != 0:
        raise RuntimeError("kubectl kustomize %s failed:\n%s" % (directory, result.stderr))
    return [doc for doc in yaml.safe_load_all(result.stdout) if doc]


# --- workloads --------------------------------------------------------------

def _pod_labels(workload):
    return ((workload.get("spec") or {}).get("template") or {}).get("metadata", {}).get(
        "labels") or {}


def _selects(selector, labels):
    return bool(selector) and all(labels.get(k) == v for k, v in selector.items())


def _probe_problems(probe, ports, what):
    handlers = [h for h in ("grpc", "httpGet", "tcpSocket", "exec") if h in probe]
    if len(handlers) != 1:
        return ["%s has %d handlers %s, needs exactly one" % (what, len(handlers), handlers)]
    handler = probe[handlers[0]]
    if handlers[0] == "exec":
        return []
    port = handler.get("port")
    if handlers[0] == "grpc" and not isinstance(port, int):
        return ["%s: a grpc probe port must be a number, got %r" % (what, port)]
    if isinstance(port, int):
        if port not in ports.values():
            return ["%s: port %d is not a containerPort of the container" % (what, port)]
    elif port not in ports:
        return ["%s: port %r is not a named port of the container" % (what, port)]
    return []


def _security_problems(container, pod_security):
    security = container.get("securityContext") or {}
    problems = []
    non_root = security.get("runAsNonRoot", pod_security.get("runAsNonRoot"))
    if non_root is not True:
        problems.append("runAsNonRoot is not true (container or pod)")
    if security.get("runAsUser", pod_security.get("runAsUser")) == 0:
        problems.append("runs as uid 0")
    if security.get("allowPrivilegeEscalation") is not False:
        problems.append("allowPrivilegeEscalation is not false")
    if security.get("privileged"):
        problems.append("is privileged")
    if security.get("readOnlyRootFilesystem") is not True:
        problems.append("readOnlyRootFilesystem is not true")
    if "ALL" not in ((security.get("capabilities") or {}).get("drop") or []):
        problems.append("does not drop ALL capabilities")
    return problems


def _resource_problems(container):
    resources = container.get("resources") or {}
    problems = []
    for resource in ("cpu", "memory"):
        request = (resources.get("requests") or {}).get(resource)
        limit = (resources.get("limits") or {}).get(resource)
        if request is None or limit is None:
            problems.append("%s request and limit are required" % resource)
            continue
        request_value, limit_value = parse_quantity(request), parse_quantity(limit)
        if request_value is None or limit_value is None:
            problems.append("%s: unparsable quantity %r / %r" % (resource, request, limit))
        elif request_value > limit_value:
            problems.append("%s request %s exceeds its limit %s" % (resource, request, limit))
    return problems


def _env_problems(container, config_maps):
    """$(VAR) must name a variable defined before it (env order, envFrom first)."""
    problems = []
    defined = set()
    for source in container.get("envFrom") or []:
        ref = source.get("configMapRef")
        if ref and ref.get("name") in config_maps:
            defined.update((config_maps[ref["name"]].get("data") or {}).keys())
    for entry in container.get("env") or []:
        for reference in re.findall(r"\$\(([A-Za-z_][A-Za-z0-9_]*)\)", str(entry.get("value", ""))):
            if reference not in defined:
                problems.append("env %s refers to $(%s), which is not defined before it" %
                                (entry.get("name"), reference))
        defined.add(entry.get("name"))
    return problems


def check_workload(where, workload, index, problems, secrets, overlay):
    """Checks one Deployment/StatefulSet; `index` maps (kind, name) to objects."""
    wid = "%s %s" % (where, obj_id(workload))
    spec = workload.get("spec") or {}
    pod = (spec.get("template") or {}).get("spec") or {}
    pod_security = pod.get("securityContext") or {}
    labels = _pod_labels(workload)
    config_maps = {name: obj for (kind, name), obj in index.items() if kind == "ConfigMap"}

    volumes = {v.get("name"): v for v in pod.get("volumes") or []}
    claim_names = {(t.get("metadata") or {}).get("name")
                   for t in spec.get("volumeClaimTemplates") or []}
    for name, volume in volumes.items():
        if "configMap" in volume and volume["configMap"].get("name") not in config_maps:
            problems.add(wid, "volume %s: ConfigMap %s not in the rendering" %
                         (name, volume["configMap"].get("name")))
        if "secret" in volume:
            secrets.add(volume["secret"].get("secretName"))

    containers = list(pod.get("containers") or [])
    sidecars = [c for c in pod.get("initContainers") or [] if c.get("restartPolicy") == "Always"]
    if not containers:
        problems.add(wid, "no containers")
    all_ports = {}
    for container in containers + sidecars:
        cid = "%s container %s" % (wid, container.get("name"))
        ports = {p.get("name"): p.get("containerPort") for p in container.get("ports") or []}
        for name, number in ports.items():
            if name in all_ports:
                problems.add(cid, "port name %s used twice in the pod" % name)
            all_ports[name] = number
        for probe_kind in ("readinessProbe", "livenessProbe"):
            probe = container.get(probe_kind)
            if not probe:
                problems.add(cid, "no %s" % probe_kind)
                continue
            for problem in _probe_problems(probe, ports, probe_kind):
                problems.add(cid, problem)
        if container.get("startupProbe"):
            for problem in _probe_problems(container["startupProbe"], ports, "startupProbe"):
                problems.add(cid, problem)
        for problem in _resource_problems(container) + _security_problems(container, pod_security):
            problems.add(cid, problem)
        for problem in _env_problems(container, config_maps):
            problems.add(cid, problem)
        for source in container.get("envFrom") or []:
            if "configMapRef" in source and source["configMapRef"].get("name") not in config_maps:
                problems.add(cid, "envFrom ConfigMap %s not in the rendering" %
                             source["configMapRef"].get("name"))
            if "secretRef" in source:
                secrets.add(source["secretRef"].get("name"))
        for entry in container.get("env") or []:
            ref = (entry.get("valueFrom") or {}).get("configMapKeyRef")
            data = (config_maps.get((ref or {}).get("name")) or {}).get("data") or {}
            if ref and ref.get("key") not in data:
                problems.add(cid, "env %s: ConfigMap key %s/%s missing" %
                             (entry.get("name"), ref.get("name"), ref.get("key")))
            ref = (entry.get("valueFrom") or {}).get("secretKeyRef")
            if ref:
                secrets.add(ref.get("name"))
        for mount in container.get("volumeMounts") or []:
            if mount.get("name") not in volumes and mount.get("name") not in claim_names:
                problems.add(cid, "volumeMount %s has no volume" % mount.get("name"))
        image = str(container.get("image", ""))
        if overlay:
            tail = image.rsplit("/", 1)[-1]
            if "@sha256:" not in image and (":" not in tail or tail.endswith(":latest")):
                problems.add(cid, "image %r is not pinned to a tag or digest" % image)

    annotations = ((spec.get("template") or {}).get("metadata") or {}).get("annotations") or {}
    if annotations.get("prometheus.io/scrape") != "true":
        problems.add(wid, "pod template lacks prometheus.io/scrape: \"true\"")
    elif str(annotations.get("prometheus.io/port")) not in {str(p) for p in all_ports.values()}:
        problems.add(wid, "prometheus.io/port %r is not a containerPort" %
                     annotations.get("prometheus.io/port"))
    elif not annotations.get("prometheus.io/path"):
        problems.add(wid, "pod template lacks prometheus.io/path")

    account = pod.get("serviceAccountName")
    if not account or ("ServiceAccount", account) not in index:
        problems.add(wid, "serviceAccountName %r has no ServiceAccount" % account)

    def selecting(kind):
        return [o for (k, _), o in index.items() if k == kind and _selects(
            ((o.get("spec") or {}).get("selector") or {}).get("matchLabels")
            if kind == "PodDisruptionBudget" else (o.get("spec") or {}).get("selector"), labels)]

    if not selecting("PodDisruptionBudget"):
        problems.add(wid, "no PodDisruptionBudget selects its pods")
    services = selecting("Service")
    if not services:
        problems.add(wid, "no Service selects its pods")
    for service in services:
        for port in (service.get("spec") or {}).get("ports") or []:
            target = port.get("targetPort", port.get("port"))
            if isinstance(target, str) and target not in all_ports:
                problems.add(wid, "%s port %s targets %r, which no container declares" %
                             (obj_id(service), port.get("name"), target))

    if workload.get("kind") == "StatefulSet":
        governing = index.get(("Service", spec.get("serviceName")))
        if not governing or (governing.get("spec") or {}).get("clusterIP") != "None":
            problems.add(wid, "serviceName %r is not a headless Service in the rendering" %
                         spec.get("serviceName"))

    key, value = SINGLE_WRITER_ANNOTATION
    if ((workload.get("metadata") or {}).get("annotations") or {}).get(key) == value:
        if workload.get("kind") != "StatefulSet":
            problems.add(wid, "a SQLite single-writer must be a StatefulSet (at most one pod "
                         "per volume, also when a node is lost)")
        if spec.get("replicas") != 1:
            problems.add(wid, "a SQLite single-writer needs replicas: 1, has %r" %
                         spec.get("replicas"))
        if not spec.get("volumeClaimTemplates"):
            problems.add(wid, "a SQLite single-writer needs its own volume (volumeClaimTemplates)")
        for (kind, _), hpa in index.items():
            target = (hpa.get("spec") or {}).get("scaleTargetRef") or {}
            if kind == "HorizontalPodAutoscaler" and target.get("name") == \
                    workload["metadata"]["name"] and target.get("kind") == workload.get("kind"):
                problems.add(wid, "%s scales a SQLite single-writer" % obj_id(hpa))


def check_rendering(where, objects, topics, problems, secrets, overlay):
    index = {}
    for obj in objects:
        key = (obj.get("kind"), (obj.get("metadata") or {}).get("name"))
        if key in index:
            problems.add(where, "%s rendered twice" % obj_id(obj))
        index[key] = obj
    workloads = [o for o in objects if o.get("kind") in WORKLOAD_KINDS]
    if not workloads:
        problems.add(where, "no Deployment or StatefulSet rendered")
    for workload in workloads:
        check_workload(where, workload, index, problems, secrets, overlay)
    for (kind, _), hpa in index.items():
        if kind != "HorizontalPodAutoscaler":
            continue
        target = (hpa.get("spec") or {}).get("scaleTargetRef") or {}
        if (target.get("kind"), target.get("name")) not in index:
            problems.add(where, "%s targets missing %s/%s" %
                         (obj_id(hpa), target.get("kind"), target.get("name")))
    check_topics(where, objects, topics, problems)
    return len(workloads)


# --- topics -----------------------------------------------------------------

def check_topics(where, objects, topics, problems):
    import topics_proto  # tools/deploy, on sys.path
    expected = {}
    for topic in topics:
        expected[topic.name] = (topic.partitions, topic.retention_days)
        expected[topics_proto.dead_letter_name(topic.name)] = (topic.dlq_partitions,
                                                               topic.retention_days)
    found = {}
    for obj in objects:
        if obj.get("kind") != "KafkaTopic":
            continue
        spec = obj.get("spec") or {}
        name = spec.get("topicName") or obj["metadata"]["name"]
        tid = "%s KafkaTopic %s" % (where, name)
        found[name] = obj
        if obj.get("apiVersion") != STRIMZI_API_VERSION:
            problems.add(tid, "apiVersion %s, expected %s" % (obj.get("apiVersion"),
                                                              STRIMZI_API_VERSION))
        if not (obj["metadata"].get("labels") or {}).get("strimzi.io/cluster"):
            problems.add(tid, "no strimzi.io/cluster label")
        if name not in expected:
            problems.add(tid, "not a topic of topics.proto (stale?)")
            continue
        partitions, retention_days = expected[name]
        if spec.get("partitions") != partitions:
            problems.add(tid, "partitions %r, topics.proto says %d" %
                         (spec.get("partitions"), partitions))
        config = spec.get("config") or {}
        if str(config.get("retention.ms")) != str(retention_days * MS_PER_DAY):
            problems.add(tid, "retention.ms %r, topics.proto says %d days" %
                         (config.get("retention.ms"), retention_days))
        replicas = spec.get("replicas")
        min_insync = int(config.get("min.insync.replicas", 1))
        if not isinstance(replicas, int) or replicas < 1 or min_insync > replicas:
            problems.add(tid, "replicas %r with min.insync.replicas %d cannot accept writes" %
                         (replicas, min_insync))
    for name in sorted(set(expected) - set(found)):
        problems.add(where, "no KafkaTopic for topic %s" % name)


_TOPIC_LITERAL = re.compile(r'"(arrears\.[a-z0-9-]+\.[a-z0-9.-]+\.v[0-9]+(?:\.dlq)?)"')


def check_code_topics(root, topics, problems):
    """Topic names spelled as literals in non-test code must be topics.proto's."""
    import topics_proto
    known = set()
    for topic in topics:
        known.update((topic.name, topics_proto.dead_letter_name(topic.name)))
    for top in ("common", "services", "tools"):
        for directory, dirs, files in os.walk(os.path.join(root, top)):
            dirs[:] = [d for d in dirs if d not in ("testing", "testdata")]
            for file_name in files:
                if not file_name.endswith((".cc", ".h")) or file_name.endswith("_test.cc"):
                    continue
                path = os.path.join(directory, file_name)
                with open(path, encoding="utf-8", errors="replace") as source:
                    for number, line in enumerate(source, 1):
                        for name in _TOPIC_LITERAL.findall(line):
                            if name not in known:
                                problems.add("%s:%d" % (os.path.relpath(path, root), number),
                                             "topic %s is not in topics.proto" % name)


# --- generated files, secrets, self-test ------------------------------------

def check_generated(root, problems):
    import gen_topics
    import gen_workloads
    files = dict(gen_topics.generated_files(root))
    files.update(gen_workloads.generated_files())
    for path, content in sorted(files.items()):
        try:
            with open(os.path.join(root, path), encoding="utf-8") as existing:
                in_sync = existing.read() == content
        except FileNotFoundError:
            in_sync = False
        if not in_sync:
            problems.add(path, "out of date: run tools/deploy/%s" %
                         ("gen_topics.py" if "topic" in path else "gen_workloads.py"))


def check_services_covered(root, services, problems):
    """Every service folder has a workload, an image and build-images.sh entry."""
    folders = {d for d in os.listdir(os.path.join(root, "services"))
               if os.path.isfile(os.path.join(root, "services", d, "CMakeLists.txt"))}
    binaries = {s.binary for s in services}
    for folder in sorted(folders - binaries):
        problems.add("services/" + folder, "no workload in tools/deploy/gen_workloads.py")
    for binary in sorted(binaries - folders):
        problems.add("tools/deploy/gen_workloads.py", "services/%s does not exist" % binary)
    with open(os.path.join(root, "deploy", "docker", "build-images.sh"), encoding="utf-8") as f:
        build_script = f.read()
    for service in services:
        dockerfile = os.path.join("deploy", "docker", service.name + ".Dockerfile")
        try:
            with open(os.path.join(root, dockerfile), encoding="utf-8") as f:
                text = f.read()
        except FileNotFoundError:
            problems.add(dockerfile, "missing")
            continue
        if "/out/bin/%s " % service.binary not in text or \
                'ENTRYPOINT ["/usr/local/bin/%s"]' % service.binary not in text:
            problems.add(dockerfile, "does not install and run %s" % service.binary)
        if service.name not in build_script:
            problems.add("deploy/docker/build-images.sh", "does not build %s" % service.name)


def check_secrets_documented(root, where, secrets, service_names, problems):
    with open(os.path.join(root, "deploy", "README.md"), encoding="utf-8") as readme:
        text = readme.read()
    for secret in sorted(s for s in secrets if s):
        patterns = {secret} | {secret.replace(s, "<service>") for s in service_names}
        if not any("`%s`" % p in text for p in patterns):
            problems.add(where, "Secret %s is not documented in deploy/README.md" % secret)


def self_test(workload, index, topics):
    """Each mutation of a good workload must be reported; returns failures."""
    def without(path):
        def mutate(w):
            node = w
            for key in path[:-1]:
                node = node[key]
            del node[path[-1]]
        return mutate

    container = ["spec", "template", "spec", "containers", 0]
    mutations = {
        "no readiness probe": without(container + ["readinessProbe"]),
        "no liveness probe": without(container + ["livenessProbe"]),
        "no memory limit": without(container + ["resources", "limits", "memory"]),
        "privilege escalation": lambda w: w["spec"]["template"]["spec"]["containers"][0][
            "securityContext"].update(allowPrivilegeEscalation=True),
        "writable root": without(container + ["securityContext", "readOnlyRootFilesystem"]),
        "two replicas": lambda w: w["spec"].update(replicas=2),
        "unpinned image": lambda w: w["spec"]["template"]["spec"]["containers"][0].update(
            image="arrears/x:latest"),
    }
    failures = []
    baseline = Problems()
    check_workload("self-test", workload, index, baseline, set(), overlay=True)
    if baseline.items:
        return ["self-test: the unmutated sample already has problems: %s" % baseline.items]
    for name, mutate in mutations.items():
        broken = copy.deepcopy(workload)
        mutate(broken)
        problems = Problems()
        check_workload("self-test", broken, index, problems, set(), overlay=True)
        if not problems.items:
            failures.append("self-test: mutation %r went unnoticed" % name)
    problems = Problems()
    check_topics("self-test", [], topics, problems)
    if not problems.items:
        failures.append("self-test: missing KafkaTopics went unnoticed")
    return failures


def main(argv):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--root", default=ROOT)
    parser.add_argument("--kubectl", default=os.environ.get("ARREARS_KUBECTL") or
                        shutil.which("kubectl"))
    args = parser.parse_args(argv)
    root = os.path.abspath(args.root)
    sys.path.insert(0, os.path.join(root, "tools", "deploy"))
    import gen_workloads
    import topics_proto

    problems = Problems()
    topics = topics_proto.load_topics(root)
    check_generated(root, problems)
    check_code_topics(root, topics, problems)
    check_services_covered(root, gen_workloads.SERVICES, problems)

    if args.kubectl and not os.access(args.kubectl, os.X_OK):
        problems.add("kubectl", "%s is not an executable (ARREARS_KUBECTL?)" % args.kubectl)
        args.kubectl = None
    if not args.kubectl:
        for problem in problems.items:
            print(problem, file=sys.stderr)
        print("SKIPPED: kubectl not found (Debian package kubernetes-client, or set "
              "ARREARS_KUBECTL); the manifests were not rendered", file=sys.stderr)
        return 1 if problems.items else SKIP
    version = subprocess.run([args.kubectl, "version", "--client"], stdout=subprocess.PIPE,
                             stderr=subprocess.STDOUT, universal_newlines=True, check=False)
    print("kubectl: %s (%s)" % (args.kubectl, version.stdout.splitlines()[0] if
                                version.stdout else "version unknown"))

    overlays_dir = os.path.join(root, "deploy", "k8s", "overlays")
    renderings = [("base", os.path.join(root, "deploy", "k8s", "base"), False)] + [
        ("overlay " + name, os.path.join(overlays_dir, name), True)
        for name in sorted(os.listdir(overlays_dir))
        if os.path.isfile(os.path.join(overlays_dir, name, "kustomization.yaml"))]
    service_names = [s.name for s in gen_workloads.SERVICES]
    sample = None
    for where, directory, overlay in renderings:
        try:
            objects = render(args.kubectl, directory)
        except RuntimeError as error:
            problems.add(where, str(error))
            continue
        secrets = set()
        count = check_rendering(where, objects, topics, problems, secrets, overlay)
        if overlay:
            check_secrets_documented(root, where, secrets, service_names, problems)
        print("%s: %d objects, %d workloads, %d KafkaTopics, secrets: %s" % (
            where, len(objects), count, sum(o.get("kind") == "KafkaTopic" for o in objects),
            ", ".join(sorted(secrets)) or "none"))
        if overlay and sample is None:
            index = {(o.get("kind"), o["metadata"].get("name")): o for o in objects}
            sample = next((o for o in objects if o.get("kind") in WORKLOAD_KINDS), None)
            sample_index = index
    if sample is None:
        problems.add("self-test", "no overlay rendered a workload to test the checks on")
    else:
        problems.items.extend(self_test(sample, sample_index, topics))

    for problem in problems.items:
        print(problem, file=sys.stderr)
    if problems.items:
        print("FAILED: %d problem(s)" % len(problems.items), file=sys.stderr)
        return 1
    print("OK: %d renderings, %d topics (+ DLQs)" % (len(renderings), len(topics)))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
