#!/usr/bin/env bash
# Installs whatever is missing to run or test ringdoc on Debian 12 with Node 20:
#   Debian packages etcd-server, etcd-client (and chromium with --browser) via apt-get when root,
#   npm dependencies (npm ci when package-lock.json changed), and the web build (--web).
# Idempotent: a second run does nothing but checks.
set -euo pipefail
cd "$(dirname "$0")/.."

want_browser=0
want_web=0
for arg in "$@"; do
  case "$arg" in
    --browser) want_browser=1 ;;
    --web) want_web=1 ;;
    *) echo "setup.sh: unknown option $arg" >&2; exit 2 ;;
  esac
done

say() { printf '\033[1m[setup]\033[0m %s\n' "$*"; }

node_major=$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo none)
if [ "$node_major" != "20" ]; then
  echo "ringdoc needs Node.js 20 (uWebSockets.js ships native binaries only up to Node 20); found: $node_major" >&2
  exit 1
fi

pkgs=()
command -v etcd >/dev/null 2>&1 || pkgs+=(etcd-server)
command -v etcdctl >/dev/null 2>&1 || pkgs+=(etcd-client)
if [ "$want_browser" = 1 ] && [ ! -x /usr/bin/chromium ]; then pkgs+=(chromium); fi
if [ "${#pkgs[@]}" -gt 0 ]; then
  if [ "$(id -u)" = 0 ]; then
    say "installing Debian packages: ${pkgs[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "${pkgs[@]}" >/dev/null
  else
    echo "missing Debian packages: ${pkgs[*]}" >&2
    echo "run: sudo apt-get update && sudo apt-get install -y ${pkgs[*]}" >&2
    exit 1
  fi
fi

lock_hash=$(sha256sum package-lock.json | cut -d' ' -f1)
stamp=node_modules/.ringdoc-lock-hash
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$lock_hash" ]; then
  say "installing npm dependencies (npm ci)"
  npm ci --no-audit --no-fund --loglevel=error
  echo "$lock_hash" > "$stamp"
fi

if [ "$want_web" = 1 ]; then
  export NEXT_TELEMETRY_DISABLED=1
  build_id=web/.next/BUILD_ID
  if [ ! -f "$build_id" ] || [ -n "$(find web server/protocol server/auth ring package-lock.json -newer "$build_id" \
      -not -path 'web/.next/*' -not -name '*.test.ts' -type f -print -quit 2>/dev/null)" ]; then
    say "building the web app (next build)"
    npx next build web >/tmp/ringdoc-next-build.log 2>&1 || { cat /tmp/ringdoc-next-build.log >&2; exit 1; }
  fi
fi
say "ready"
