#!/usr/bin/env python3
"""Checks, without Docker, that the service runtime image has every shared library.

The runtime stage of deploy/docker/base.Dockerfile installs only the Debian
packages listed in deploy/docker/runtime-packages.txt (apt adds their
dependencies) on top of debian:12-slim. Each service Dockerfile runs `ldd` at
image build time, but that needs a Docker build; this test gives the same
answer on the build machine, which runs Debian 12 with the same packages:

  - every library each service binary loads (`ldd`, resolved to its Debian
    package with `dpkg -S`) must come from a listed package, from the
    dependency closure of the listed packages (`dpkg-query` Depends and
    Pre-Depends, recursively), or from debian:12-slim itself;
  - no library may be "not found";
  - every listed package must be installed here (else the list names a
    package that does not exist or was renamed).

It also shows it can fail: dropping the listed packages that supply a
library no other listed package pulls in must each produce a problem.

Exit 0 when all is well, 1 with the problems listed, 77 (skipped) when this
is not a Debian system (no dpkg-query).

Usage: check_runtime_packages.py --packages FILE BINARY...
"""

import argparse
import os
import re
import shutil
import subprocess
import sys

# Packages debian:12-slim already contains that shared libraries come from
# (its Essential set and apt's own dependencies).
SLIM_BASE = {"libc6", "libgcc-s1", "libstdc++6", "zlib1g", "libzstd1", "liblz4-1",
             "libgcrypt20", "libgpg-error0", "libsystemd0", "liblzma5", "libcap2",
             "libselinux1", "libpcre2-8-0", "libudev1", "libxxhash0", "libbz2-1.0",
             "libdebconfclient0", "libacl1", "libattr1", "libcrypt1", "libtinfo6",
             "libseccomp2", "libgnutls30", "libp11-kit0", "libffi8", "libidn2-0",
             "libunistring2", "libtasn1-6", "libnettle8", "libhogweed6", "libgmp10"}


def listed_packages(path):
    with open(path, encoding="utf-8") as f:
        return [line.strip() for line in f
                if line.strip() and not line.lstrip().startswith("#")]


_PACKAGE_CACHE = {}


def package_of(library_path):
    """The Debian package that installed a library file, or None."""
    if library_path not in _PACKAGE_CACHE:
        _PACKAGE_CACHE[library_path] = _find_package(library_path)
    return _PACKAGE_CACHE[library_path]


def _find_package(library_path):
    real = os.path.realpath(library_path)
    candidates = [real, library_path]
    for path in list(candidates):
        if path.startswith("/usr/"):
            candidates.append(path[len("/usr"):])
        else:
            candidates.append("/usr" + path)
    for path in candidates:
        result = subprocess.run(["dpkg-query", "-S", path], capture_output=True, text=True)
        if result.returncode == 0:
            # "libfoo1:amd64: /usr/lib/..." -> "libfoo1"
            return result.stdout.split(":", 1)[0].split(",")[0].strip()
    return None


def needed_libraries(binary):
    """(resolved library paths, names ldd could not find) of a binary."""
    result = subprocess.run(["ldd", binary], capture_output=True, text=True)
    if result.returncode != 0:
        return None, [result.stderr.strip() or "ldd failed"]
    found, missing = [], []
    for line in result.stdout.splitlines():
        match = re.match(r"\s*(\S+) => (\S+)", line)
        if not match:
            continue
        if match.group(2) == "not":
            missing.append(match.group(1))
        elif match.group(2).startswith("/"):
            found.append(match.group(2))
    return found, missing


_DEPENDS_CACHE = {}


def depends_of(package):
    if package not in _DEPENDS_CACHE:
        result = subprocess.run(
            ["dpkg-query", "-W", "-f=${Depends}, ${Pre-Depends}", package],
            capture_output=True, text=True)
        names = set()
        if result.returncode == 0:
            for clause in result.stdout.split(","):
                # Any alternative of "a | b" may satisfy it: take them all,
                # only installed ones matter below.
                for alternative in clause.split("|"):
                    name = alternative.strip().split(" ")[0].split(":")[0]
                    if name:
                        names.add(name)
        _DEPENDS_CACHE[package] = names
    return _DEPENDS_CACHE[package]


def closure(packages):
    seen = set()
    stack = list(packages)
    while stack:
        package = stack.pop()
        if package in seen:
            continue
        seen.add(package)
        stack.extend(depends_of(package) - seen)
    return seen


def installed(package):
    result = subprocess.run(["dpkg-query", "-W", "-f=${Status}", package],
                            capture_output=True, text=True)
    return result.returncode == 0 and "install ok installed" in result.stdout


def uncovered(needed, packages):
    available = closure(packages) | SLIM_BASE
    return sorted(p for p in needed if p not in available)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--packages", required=True)
    parser.add_argument("binaries", nargs="+")
    args = parser.parse_args()
    if shutil.which("dpkg-query") is None or shutil.which("ldd") is None:
        print("not a Debian system (no dpkg-query or ldd): nothing to check")
        return 77

    problems = []
    packages = listed_packages(args.packages)
    for package in packages:
        if not installed(package):
            problems.append("%s: listed package %s is not installed on this Debian 12 "
                            "machine (misspelt or renamed?)" % (args.packages, package))

    needed = {}  # package -> binaries that need it
    for binary in args.binaries:
        libraries, missing = needed_libraries(binary)
        if libraries is None:
            problems.append("%s: not a dynamic executable (%s)" % (binary, missing[0]))
            continue
        for name in missing:
            problems.append("%s: library %s not found" % (binary, name))
        for library in libraries:
            package = package_of(library)
            if package is None:
                problems.append("%s: %s belongs to no Debian package (a library built "
                                "outside apt cannot be in the image)" % (binary, library))
                continue
            needed.setdefault(package, set()).add(os.path.basename(binary))

    for package in uncovered(needed, packages):
        problems.append("%s: %s needs package %s, which the runtime image does not install" %
                        (args.packages, ", ".join(sorted(needed[package])), package))

    # The check must be able to fail: each package that alone supplies a
    # needed library must be reported when it is dropped from the list.
    load_bearing = 0
    for package in packages:
        rest = [p for p in packages if p != package]
        if uncovered(needed, rest):
            load_bearing += 1
    if not problems and load_bearing == 0:
        problems.append("self-test: dropping any one listed package is never noticed, "
                        "so this check cannot fail")

    for problem in problems:
        print("PROBLEM " + problem)
    print("%d binaries, %d packages of shared libraries needed, %d listed runtime packages "
          "(%d of them the only source of a needed library): %s" %
          (len(args.binaries), len(needed), len(packages), load_bearing,
           "OK" if not problems else "%d problems" % len(problems)))
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
