#!/usr/bin/env bash
# Validate docker-compose.yml with Debian's docker-compose (v1, python); needs
# no Docker engine. Installs docker-compose with apt-get when it is missing
# and we are root; otherwise says how to install it and fails.
#
#   bash tools/scripts/compose-check.sh
set -euo pipefail

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
compose_file="${repo_root}/docker-compose.yml"

if [[ ! -f "${compose_file}" ]]; then
  echo "compose-check: ${compose_file} not found" >&2
  exit 1
fi

if ! command -v docker-compose >/dev/null 2>&1; then
  if [[ "$(id -u)" -eq 0 ]] && command -v apt-get >/dev/null 2>&1; then
    echo "compose-check: docker-compose not found; installing it with apt-get" >&2
    export DEBIAN_FRONTEND=noninteractive
    # -qq keeps the progress noise out; errors still reach stderr.
    apt-get update -qq
    apt-get install -y -qq docker-compose >/dev/null
  else
    cat >&2 <<'EOF'
compose-check: docker-compose is not installed.
Install it, then run this again:
  Debian/Ubuntu:  sudo apt-get update && sudo apt-get install -y docker-compose
  or with pip:    pip install docker-compose
EOF
    exit 1
  fi
  if ! command -v docker-compose >/dev/null 2>&1; then
    echo "compose-check: docker-compose still not on PATH after installing it" >&2
    exit 1
  fi
fi

# Run from the repo root so relative paths (build context ".") resolve the
# same way `docker compose up` would resolve them.
cd "${repo_root}"
if ! docker-compose --file "${compose_file}" --project-directory "${repo_root}" config -q; then
  echo "compose-check: ${compose_file} is invalid" >&2
  exit 1
fi
echo "compose-check: docker-compose.yml is valid ($(docker-compose version --short 2>/dev/null || echo 'docker-compose'))"
