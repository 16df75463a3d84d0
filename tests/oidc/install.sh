#!/bin/sh
# Installs the real OpenID provider (panva's oidc-provider, pinned in package-lock.json) that
# tests/e2e/test_company_sign_in.py runs. Needs Node.js >= 20 and npm; without them it says so,
# succeeds, and those tests skip with the reason. Does nothing when node_modules is up to date.
set -eu
cd "$(dirname "$0")"
if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
    echo "tests/oidc: Node.js/npm not found; the real-provider sign-in tests will be skipped (install Node.js >= 20)" >&2
    exit 0
fi
major=$(node -p 'process.versions.node.split(".")[0]')
if [ "$major" -lt 20 ]; then
    echo "tests/oidc: Node.js $(node --version) is too old (>= 20 needed); the real-provider sign-in tests will be skipped" >&2
    exit 0
fi
if [ -f node_modules/.package-lock.json ] && [ node_modules/.package-lock.json -nt package-lock.json ]; then
    exit 0
fi
npm ci --no-audit --no-fund --loglevel=error
