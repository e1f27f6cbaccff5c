#!/usr/bin/env bash
# Runs every test: installs what the tests need (dynalite via npm ci, NuGet restore), builds Release, tests.
set -euo pipefail
cd "$(dirname "$0")"

if [ -f tools/dynalite/package-lock.json ] && [ ! -d tools/dynalite/node_modules ]; then
  command -v npm >/dev/null || { echo "test.sh: npm is required (Node.js 20+) to install dynalite" >&2; exit 1; }
  (cd tools/dynalite && npm ci --no-audit --no-fund --loglevel=error)
fi

dotnet build Gateway.sln -c Release --nologo -v quiet
dotnet test Gateway.sln -c Release --no-build --nologo "$@"
