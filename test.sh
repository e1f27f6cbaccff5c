#!/usr/bin/env bash
# Runs every test: installs what the tests need (dynalite and the IAM oracle via npm ci, NuGet restore), builds Release, tests.
set -euo pipefail
cd "$(dirname "$0")"

# tools/dynalite: the DynamoDB engine behind LocalAws; tools/iam-oracle: the IAM simulator the differential tests
# (tests/IamOracle.Tests) compare our evaluator with. Both are pinned by their package-lock.json.
for tool in dynalite iam-oracle; do
  if [ -f "tools/$tool/package-lock.json" ] && [ ! -d "tools/$tool/node_modules" ]; then
    command -v npm >/dev/null || { echo "test.sh: npm is required (Node.js 20+) to install tools/$tool" >&2; exit 1; }
    (cd "tools/$tool" && npm ci --no-audit --no-fund --loglevel=error)
  fi
done

# The fleet tests (three gateways sharing a Redis) need redis-server: install it like run.sh --instances does.
if ! command -v redis-server >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "test.sh: installing redis-server (apt-get install -y redis-server)"
    { apt-get install -y redis-server || { apt-get update && apt-get install -y redis-server; }; } >/dev/null 2>&1 \
      || echo "test.sh: could not install redis-server with apt-get; the fleet tests will fail until it is installed" >&2
  else
    echo "test.sh: redis-server is not installed and only root can apt-get it; the fleet tests will fail (Debian/Ubuntu: sudo apt-get install -y redis-server)" >&2
  fi
fi

dotnet build Gateway.sln -c Release --nologo -v quiet
dotnet test Gateway.sln -c Release --no-build --nologo "$@"
