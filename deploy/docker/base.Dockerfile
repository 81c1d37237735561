# syntax=docker/dockerfile:1
# Shared stages of the Arrears service images; each <service>.Dockerfile
# starts from the two images built here. deploy/docker/build-images.sh runs
# everything in order:
#
#   docker build -f deploy/docker/base.Dockerfile --target build   -t arrears-build .
#   docker build -f deploy/docker/base.Dockerfile --target runtime -t arrears-runtime .
#
# The context is the repository root (.dockerignore keeps it to the sources).

# --- toolchain: Debian 12 with exactly the packages `make deps` installs ---
FROM debian:12 AS toolchain
ENV DEBIAN_FRONTEND=noninteractive
COPY tools/dev/debian-packages.txt tools/dev/install-deps.sh /src/tools/dev/
RUN /src/tools/dev/install-deps.sh && rm -rf /var/lib/apt/lists/*

# --- build: the four service binaries, Release, built once for all images ---
FROM toolchain AS build
WORKDIR /src
COPY . .
# ccache (found by CMakeLists.txt) keeps its cache across builds in a
# BuildKit cache mount; paths are relative to the tree so it always hits.
ENV CCACHE_DIR=/root/.cache/ccache CCACHE_BASEDIR=/src CCACHE_NOHASHDIR=1
RUN --mount=type=cache,target=/root/.cache/ccache \
    cmake -S . -B /build -G Ninja -DCMAKE_BUILD_TYPE=Release \
 && cmake --build /build --target \
      overdue_detection strategy_routing contact_channels compliance_auditing
RUN deploy/docker/stage-outputs.sh /build /out \
      overdue_detection strategy_routing contact_channels compliance_auditing

# --- runtime: debian:12-slim, the shared libraries only, a non-root user ---
FROM debian:12-slim AS runtime
COPY deploy/docker/runtime-packages.txt /tmp/runtime-packages.txt
RUN apt-get update \
 && grep -v '^\s*#' /tmp/runtime-packages.txt | sed '/^\s*$/d' \
      | xargs apt-get install -y --no-install-recommends \
 && rm -rf /var/lib/apt/lists/* /tmp/runtime-packages.txt
# A numeric, fixed uid/gid (10001), so Kubernetes' runAsNonRoot can verify
# the image without a runAsUser and the PersistentVolume's fsGroup matches.
RUN groupadd --system --gid 10001 arrears \
 && useradd --system --uid 10001 --gid 10001 --no-create-home \
      --home-dir /var/lib/arrears --shell /usr/sbin/nologin arrears \
 && install -d -o 10001 -g 10001 -m 0750 /var/lib/arrears
# The SQLite store (<data_dir>/<service_name>.db and its WAL): must be a
# volume that survives the container, on a local file system (not NFS).
VOLUME ["/var/lib/arrears"]
WORKDIR /var/lib/arrears
USER 10001:10001
# Defaults for a container; Kubernetes sets its own (deploy/k8s).
ENV ARREARS_DATA_DIR=/var/lib/arrears \
    ARREARS_GRPC_ADDRESS=0.0.0.0:50051 \
    ARREARS_HTTP_ADDRESS=0.0.0.0:8080 \
    ARREARS_KAFKA_PROFILE=production
# gRPC (service APIs, grpc.health.v1, reflection) and HTTP (/metrics,
# /healthz, /readyz).
EXPOSE 50051 8080
