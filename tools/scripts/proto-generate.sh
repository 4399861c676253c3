#!/usr/bin/env bash
# Regenerates libs/contracts/src/gen from proto/ with buf + ts-proto.
set -euo pipefail
cd "$(dirname "$0")/../../proto"
../node_modules/.bin/buf lint
../node_modules/.bin/buf generate
