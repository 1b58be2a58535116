#!/usr/bin/env bash
# The whole test suite, as CI runs it (README "Run the tests"). Sets up what is missing first.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh --browser --web
export NEXT_TELEMETRY_DISABLED=1

step() { printf '\n\033[1m== %s ==\033[0m\n' "$*"; }

step "types"
npx tsc -p tsconfig.json --noEmit
step "lint + format + import cycles (biome)"
npx biome check .
step "unit + integration tests (vitest)"
npx vitest run
if [ -f playwright.config.ts ]; then
  step "end-to-end tests (playwright, Debian chromium)"
  npx playwright test
fi
