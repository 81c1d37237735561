#!/usr/bin/env bash
# Builds the four Arrears service images with Docker (BuildKit, the default
# `docker` builder, so later stages see the images built before them):
#
#   deploy/docker/build-images.sh                  # arrears/<service>:dev
#   REGISTRY=registry.example.com/arrears TAG=1.2.3 deploy/docker/build-images.sh
#   PUSH=1 REGISTRY=... TAG=... deploy/docker/build-images.sh
#
# The build stage compiles all four binaries once (base.Dockerfile, target
# `build`); each service image is then a few layers on the slim runtime.
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
registry="${REGISTRY:-arrears}"
tag="${TAG:-dev}"
services=(overdue-detection strategy-routing contact-channels compliance-auditing)
export DOCKER_BUILDKIT=1

cd "$root"
docker build -f deploy/docker/base.Dockerfile --target build -t "arrears-build:$tag" .
docker build -f deploy/docker/base.Dockerfile --target runtime -t "arrears-runtime:$tag" .
for service in "${services[@]}"; do
  # No context: a service image only copies from the two images above.
  docker build -t "$registry/$service:$tag" \
    --build-arg "BUILD_IMAGE=arrears-build:$tag" \
    --build-arg "RUNTIME_IMAGE=arrears-runtime:$tag" \
    - < "deploy/docker/$service.Dockerfile"
  if [[ "${PUSH:-0}" == 1 ]]; then docker push "$registry/$service:$tag"; fi
done
echo "built: ${services[*]/#/$registry/} (tag $tag)"
