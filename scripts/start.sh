#!/usr/bin/env bash
# `npm start`: installs what is missing (scripts/setup.sh --web), then runs a local cluster —
# etcd in a temporary directory, 3 nodes and the web app on loopback — until Ctrl-C.
# Options are passed to the launcher: npm start -- --nodes 5 --web-port 3001 --no-web
# RINGDOC_SKIP_SETUP=1 skips the setup step (everything already installed and built).
set -euo pipefail
cd "$(dirname "$0")/.."

launcher_args=("$@")
if [ "${RINGDOC_SKIP_SETUP:-0}" != 1 ]; then
  if ! bash scripts/setup.sh --web; then
    echo "[ringdoc] the web app could not be set up or built (see above): starting etcd and the nodes without it" >&2
    bash scripts/setup.sh
    launcher_args+=(--no-web)
  fi
fi
export NEXT_TELEMETRY_DISABLED=1
# exec: the launcher receives Ctrl-C / SIGTERM itself and stops everything in order.
exec node --import tsx scripts/local-cluster.ts "${launcher_args[@]}"
