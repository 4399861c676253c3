#!/usr/bin/env bash
# Fails when the committed generated code is not what proto/ generates.
set -euo pipefail
cd "$(dirname "$0")/../.."
bash tools/scripts/proto-generate.sh
if ! git diff --quiet -- libs/contracts/src/gen || [ -n "$(git ls-files --others --exclude-standard libs/contracts/src/gen)" ]; then
  echo "libs/contracts/src/gen is out of date: run 'npm run proto:generate' and commit the result" >&2
  git status --short -- libs/contracts/src/gen >&2
  exit 1
fi
echo "proto: buf lint passed, generated code is up to date"
