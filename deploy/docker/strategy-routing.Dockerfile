# syntax=docker/dockerfile:1
# Arrears strategy-routing: collection cases, strategies and contact requests.
# Multi-stage on the shared stages of base.Dockerfile (build them first, or
# run deploy/docker/build-images.sh, which does everything):
#
#   docker build -t arrears/strategy-routing:TAG \
#     --build-arg BUILD_IMAGE=arrears-build:TAG \
#     --build-arg RUNTIME_IMAGE=arrears-runtime:TAG - < deploy/docker/strategy-routing.Dockerfile
ARG BUILD_IMAGE=arrears-build:latest
ARG RUNTIME_IMAGE=arrears-runtime:latest

FROM ${BUILD_IMAGE} AS build

FROM ${RUNTIME_IMAGE}
COPY --from=build /out/bin/strategy_routing /usr/local/bin/strategy_routing
COPY --from=build /out/etc/strategy_routing/ /etc/arrears/strategy_routing/
# Fails the build, naming the library, if the runtime image lacks one.
RUN ! ldd /usr/local/bin/strategy_routing | grep -F "not found"
ENV ARREARS_SERVICE_NAME=strategy-routing
LABEL org.opencontainers.image.title="arrears-strategy-routing"
ENTRYPOINT ["/usr/local/bin/strategy_routing"]
