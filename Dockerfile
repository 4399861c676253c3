# One image for all four services; SERVICE picks which bundle runs:
#
#   docker build --build-arg SERVICE=collector -t kubeguard-collector .
#   docker run -e SERVICE=normalizer ...      # the same image runs any service
#
# Written for the classic builder as well as BuildKit (no BuildKit-only flags).

# ---------------------------------------------------------------------------
# manifests: only the package manifests, with their directory layout, so the
# `npm ci` layer below is rebuilt only when a manifest or the lockfile changes.
# The workspace globs are read from package.json, so new workspaces are picked
# up without editing this file. COPY --from is cached on file content, so this
# stage re-running after a source change does not invalidate `npm ci`.
# ---------------------------------------------------------------------------
FROM node:20-bookworm-slim AS manifests
WORKDIR /repo
COPY . .
RUN set -eu; \
    mkdir -p /manifests; \
    cp package.json package-lock.json /manifests/; \
    for ws in $(node -p "require('./package.json').workspaces.join(' ')"); do \
      for manifest in $ws/package.json; do \
        if [ -f "$manifest" ]; then cp --parents "$manifest" /manifests/; fi; \
      done; \
    done; \
    find /manifests -type f | sort

# ---------------------------------------------------------------------------
# build: install everything (dev deps included: esbuild), bundle each service,
# then drop dev dependencies from node_modules for the runtime stage.
# ---------------------------------------------------------------------------
FROM node:20-bookworm-slim AS build
WORKDIR /repo

COPY --from=manifests /manifests/ ./
RUN npm ci --no-audit --no-fund

COPY . .
RUN node tools/scripts/build-app.mjs collector \
 && node tools/scripts/build-app.mjs normalizer \
 && node tools/scripts/build-app.mjs detector \
 && node tools/scripts/build-app.mjs notifier

# The bundles contain all @kubeguard/* code; the workspace symlinks in
# node_modules/@kubeguard point at libs/ and apps/ sources that the runtime
# stage does not have, so remove them rather than ship dangling links.
RUN npm prune --omit=dev --no-audit --no-fund \
 && rm -rf node_modules/@kubeguard

# ---------------------------------------------------------------------------
# runtime
# ---------------------------------------------------------------------------
FROM node:20-bookworm-slim AS runtime
ENV NODE_ENV=production
WORKDIR /app

# Root-owned and read-only for the service user. The root package.json is
# needed for "type": "module" (the bundles are ESM .js files).
COPY --from=build /repo/package.json ./package.json
COPY --from=build /repo/node_modules ./node_modules
COPY --from=build /repo/apps/collector/dist ./apps/collector/dist
COPY --from=build /repo/apps/normalizer/dist ./apps/normalizer/dist
COPY --from=build /repo/apps/detector/dist ./apps/detector/dist
COPY --from=build /repo/apps/notifier/dist ./apps/notifier/dist

ARG SERVICE=
ENV SERVICE=${SERVICE}

# The image's non-root `node` user (uid/gid 1000), given numerically so that
# Kubernetes' runAsNonRoot can verify it.
USER 1000:1000

# sh -c so $SERVICE expands at start-up; exec so node replaces the shell and
# receives SIGTERM/SIGINT directly (the services shut down gracefully on them).
CMD ["sh", "-c", "case \"$SERVICE\" in collector|normalizer|detector|notifier) ;; *) echo \"SERVICE must be one of collector, normalizer, detector, notifier (got '$SERVICE')\" >&2; exit 64;; esac; exec node --enable-source-maps \"apps/$SERVICE/dist/main.js\""]
