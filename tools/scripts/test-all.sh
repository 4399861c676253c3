#!/usr/bin/env bash
# The whole test line: contracts, formatting, lint, types, compose file, then every test.
set -euo pipefail
cd "$(dirname "$0")/../.."
export NX_DAEMON=false NX_NO_CLOUD=true

step() { printf '\n== %s\n' "$1"; }

step 'proto: buf lint and generated code'
bash tools/scripts/proto-check.sh
step 'format: prettier'
npx prettier --check . --log-level warn
step 'lint, typecheck and build: every project'
npx nx run-many -t lint typecheck --output-style=static
npx tsc -p tsconfig.json
npx nx run-many -t build --output-style=static
step 'rules: coverage table up to date'
node --conditions=@kubeguard/source --import tsx tools/scripts/rules-coverage.ts --check
step 'docker-compose.yml'
bash tools/scripts/compose-check.sh
step 'tests: unit, integration and end to end (real nats-server and MongoDB-wire server)'
npx vitest run
