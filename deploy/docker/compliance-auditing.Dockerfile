# syntax=docker/dockerfile:1
# Arrears compliance-auditing: contact policy decisions and the tamper-evident audit log.
# Multi-stage on the shared stages of base.Dockerfile (build them first, or
# run deploy/docker/build-images.sh, which does everything):
#
#   docker build -t arrears/compliance-auditing:TAG \
#     --build-arg BUILD_IMAGE=arrears-build:TAG \
#     --build-arg RUNTIME_IMAGE=arrears-runtime:TAG - < deploy/docker/compliance-auditing.Dockerfile
ARG BUILD_IMAGE=arrears-build:latest
ARG RUNTIME_IMAGE=arrears-runtime:latest

FROM ${BUILD_IMAGE} AS build

FROM ${RUNTIME_IMAGE}
COPY --from=build /out/bin/compliance_auditing /usr/local/bin/compliance_auditing
COPY --from=build /out/etc/compliance_auditing/ /etc/arrears/compliance_auditing/
# Fails the build, naming the library, if the runtime image lacks one.
RUN ! ldd /usr/local/bin/compliance_auditing | grep -F "not found"
ENV ARREARS_SERVICE_NAME=compliance-auditing
LABEL org.opencontainers.image.title="arrears-compliance-auditing"
ENTRYPOINT ["/usr/local/bin/compliance_auditing"]
