# syntax=docker/dockerfile:1
# `signps worker` without CUDA: computes on WebAssembly (tfjs-backend-wasm), or plain JavaScript with --backend cpu.
#   docker build -f docker/worker-cpu.Dockerfile -t signps-worker-cpu:0.1.0 .
#   docker run --rm signps-worker-cpu:0.1.0 --server A:7070
# Every flag can also be given as SIGNPS_<FLAG> (e.g. SIGNPS_METHOD); see docs/DEPLOY.md.

# Pinned to a release of a supported LTS line (Node 24, maintained to April 2028; Node 20's support ended in April
# 2026). The code also runs on Node 20, which CI still tests. Pin by digest too (node:24.11.1-bookworm-slim@sha256:...)
# for fully reproducible builds.
ARG NODE_IMAGE=node:24.11.1-bookworm-slim

# ---- build: compile the TypeScript (needs the dev dependencies) ------------------------------------------------
FROM ${NODE_IMAGE} AS build
WORKDIR /src
COPY package.json package-lock.json ./
# --ignore-scripts: `prepare` (the build) runs below, once the sources are there; no dependency of the worker
# needs its install script (the only one that matters, tfjs-node-gpu, is optional and omitted here).
RUN npm ci --ignore-scripts --omit=optional --no-audit --no-fund
# The sources, as .dockerignore lets them through (no docs, results, local settings or keys).
COPY . .
RUN npm run build

# ---- deps: production dependencies only (tfjs-node-gpu, optional, is left out: no CUDA here) ---------------
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
 && mkdir -p /data \
 && chown signps:signps /data
WORKDIR /app
COPY --from=deps /app/node_modules ./node_modules
COPY --from=build /src/dist ./dist
COPY package.json ./
COPY proto ./proto

# GLIBC_TUNABLES: large gRPC buffers from malloc's heap, not a fresh mmap each (shared/child-processes.ts).
ENV NODE_ENV=production \
    GLIBC_TUNABLES=glibc.malloc.mmap_threshold=33554432
USER signps
# /data: data sets read from a directory (the embedded MNIST needs nothing). A worker writes no files.
VOLUME ["/data"]
# A worker serves nothing; the server's log shows who joined and each round.
HEALTHCHECK NONE
ENTRYPOINT ["/usr/bin/tini", "--", "node", "/app/dist/cli/signps.js", "worker"]
