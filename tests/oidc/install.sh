#!/bin/sh
# Installs the real OpenID provider (panva's oidc-provider, pinned in package-lock.json) that
# tests/e2e/test_company_sign_in.py runs. Needs Node.js >= 20 and npm; without them the tests
# skip and say so. Run from anywhere: tests/oidc/install.sh
set -eu
cd "$(dirname "$0")"
if ! command -v npm >/dev/null 2>&1; then
    echo "npm not found: the real-provider sign-in tests will be skipped (install Node.js >= 20)" >&2
    exit 0
fi
npm ci --no-audit --no-fund --loglevel=error
