# syntax=docker/dockerfile:1
# Arrears contact-channels: sends contacts, each checked with compliance-auditing first.
# Multi-stage on the shared stages of base.Dockerfile (build them first, or
# run deploy/docker/build-images.sh, which does everything):
#
#   docker build -t arrears/contact-channels:TAG \
#     --build-arg BUILD_IMAGE=arrears-build:TAG \
#     --build-arg RUNTIME_IMAGE=arrears-runtime:TAG - < deploy/docker/contact-channels.Dockerfile
ARG BUILD_IMAGE=arrears-build:latest
ARG RUNTIME_IMAGE=arrears-runtime:latest

FROM ${BUILD_IMAGE} AS build

FROM ${RUNTIME_IMAGE}
COPY --from=build /out/bin/contact_channels /usr/local/bin/contact_channels
COPY --from=build /out/etc/contact_channels/ /etc/arrears/contact_channels/
# Fails the build, naming the library, if the runtime image lacks one.
RUN ! ldd /usr/local/bin/contact_channels | grep -F "not found"
ENV ARREARS_SERVICE_NAME=contact-channels
LABEL org.opencontainers.image.title="arrears-contact-channels"
ENTRYPOINT ["/usr/local/bin/contact_channels"]
