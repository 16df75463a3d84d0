#!/bin/sh
# Installs axe-core (pinned in package-lock.json) for the accessibility checks of the browser suite
# (tests/e2e/test_ui.py injects node_modules/axe-core/axe.min.js into each page). Needs npm; without
# it says so, succeeds, and those checks skip with the reason. Does nothing when node_modules is current.
set -eu
cd "$(dirname "$0")"
if ! command -v npm >/dev/null 2>&1; then
    echo "tests/axe: npm not found; the accessibility checks will be skipped (install Node.js and npm)" >&2
    exit 0
fi
if [ -f node_modules/.package-lock.json ] && [ node_modules/.package-lock.json -nt package-lock.json ]; then
    exit 0
fi
npm ci --no-audit --no-fund --loglevel=error
