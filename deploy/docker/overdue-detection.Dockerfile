# syntax=docker/dockerfile:1
# Arrears overdue-detection: loan ledger and days-past-due; emits delinquency events.
# Multi-stage on the shared stages of base.Dockerfile (build them first, or
# run deploy/docker/build-images.sh, which does everything):
#
#   docker build -t arrears/overdue-detection:TAG \
#     --build-arg BUILD_IMAGE=arrears-build:TAG \
#     --build-arg RUNTIME_IMAGE=arrears-runtime:TAG - < deploy/docker/overdue-detection.Dockerfile
ARG BUILD_IMAGE=arrears-build:latest
ARG RUNTIME_IMAGE=arrears-runtime:latest

FROM ${BUILD_IMAGE} AS build

FROM ${RUNTIME_IMAGE}
COPY --from=build /out/bin/overdue_detection /usr/local/bin/overdue_detection
COPY --from=build /out/etc/overdue_detection/ /etc/arrears/overdue_detection/
# Fails the build, naming the library, if the runtime image lacks one.
RUN ! ldd /usr/local/bin/overdue_detection | grep -F "not found"
ENV ARREARS_SERVICE_NAME=overdue-detection
LABEL org.opencontainers.image.title="arrears-overdue-detection"
ENTRYPOINT ["/usr/local/bin/overdue_detection"]
