#!/bin/sh
# Copies what the service images need out of a build tree into OUT:
#   OUT/bin/<binary>             stripped service binaries
#   OUT/etc/<binary>/...         the service's shipped configuration (every
#                                `config` and `packs` directory under
#                                services/<binary>/, paths kept)
# Run by deploy/docker/base.Dockerfile in the source tree:
#   stage-outputs.sh BUILD_DIR OUT binary...
set -eu
build_dir="$1"
out="$2"
shift 2
for binary in "$@"; do
  install -D -m 0755 "$build_dir/services/$binary/$binary" "$out/bin/$binary"
  strip --strip-unneeded "$out/bin/$binary"
  # Always present, so each service Dockerfile can COPY it.
  mkdir -p "$out/etc/$binary"
  find "services/$binary" -type d \( -name config -o -name packs \) | while read -r dir; do
    mkdir -p "$out/etc/$binary/${dir#services/$binary/}"
    cp -R "$dir/." "$out/etc/$binary/${dir#services/$binary/}/"
  done
done
