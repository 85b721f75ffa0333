# syntax=docker/dockerfile:1
# `signps server`: holds the parameters, runs the rounds, writes metrics.jsonl, summary.json and training.svg.
#   docker build -f docker/server.Dockerfile -t signps-server:0.1.0 .
#   docker run --rm -p 7070:7070 -v signps-runs:/runs signps-server:0.1.0 --method signsgd --workers 3
# Every flag can also be given as SIGNPS_<FLAG> (e.g. SIGNPS_METHOD); see docs/DEPLOY.md.

# Pinned to a release of a supported LTS line (Node 24, maintained to April 2028; Node 20's support ended in April
# 2026). The code also runs on Node 20, which CI still tests. Pin by digest too (node:24.11.1-bookworm-slim@sha256:...)
# for fully reproducible builds.
ARG NODE_IMAGE=node:24.11.1-bookworm-slim

# ---- build: compile the TypeScript (needs the dev dependencies) ------------------------------------------------
FROM ${NODE_IMAGE} AS build
WORKDIR /src
COPY package.json package-lock.json ./
# --ignore-scripts: `prepare` (the build) runs below, once the sources are there; no dependency of the server
# needs its install script (the only one that matters, tfjs-node-gpu, is optional and omitted).
RUN npm ci --ignore-scripts --omit=optional --no-audit --no-fund
# The sources, as .dockerignore lets them through (no docs, results, local settings or keys).
COPY . .
RUN npm run build

# ---- deps: production dependencies only -----------------------------------------------------------------------
FROM ${NODE_IMAGE} AS deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --omit=optional --ignore-scripts --no-audit --no-fund \
 && npm cache clean --force

# ---- runtime --------------------------------------------------------------------------------------------------
FROM ${NODE_IMAGE} AS runtime
# tini as PID 1: node ignores SIGTERM as PID 1 (no handler installed), so `docker stop` would wait 10 s and kill.
RUN apt-get update \
 && apt-get install -y --no-install-recommends tini \
 && rm -rf /var/lib/apt/lists/* \
 && groupadd --gid 10001 signps \
 && useradd --uid 10001 --gid signps --create-home --home-dir /home/signps --shell /usr/sbin/nologin signps \
 && mkdir -p /data /runs \
 && chown signps:signps /data /runs
WORKDIR /app
COPY --from=deps /app/node_modules ./node_modules
COPY --from=build /src/dist ./dist
COPY package.json ./
COPY proto ./proto
COPY docker/healthcheck.mjs ./docker/healthcheck.mjs

# Results go to the /runs volume unless SIGNPS_OUT or --out says otherwise (docker-compose.yml names each run).
# GLIBC_TUNABLES: large gRPC buffers from malloc's heap, not a fresh mmap each (shared/child-processes.ts).
ENV NODE_ENV=production \
    GLIBC_TUNABLES=glibc.malloc.mmap_threshold=33554432 \
    SIGNPS_OUT=/runs/latest
USER signps
EXPOSE 7070
VOLUME ["/data", "/runs"]
# Healthy once the gRPC health service answers SERVING; reads SIGNPS_HOST, SIGNPS_PORT and the SIGNPS_TLS_* files.
HEALTHCHECK --interval=5s --timeout=5s --start-period=60s --retries=3 CMD ["node", "/app/docker/healthcheck.mjs"]
ENTRYPOINT ["/usr/bin/tini", "--", "node", "/app/dist/cli/signps.js", "server"]
