# syntax=docker/dockerfile:1
# `signps worker` on an NVIDIA GPU through @tensorflow/tfjs-node-gpu 4.22 (libtensorflow 2.9.1: CUDA 11.2, cuDNN 8.1).
#   docker build -f docker/worker-gpu.Dockerfile -t signps-worker-gpu:0.1.0 .
#   docker run --rm --gpus device=0 -v signps-nv-cache:/home/signps/.nv/ComputeCache \
#     signps-worker-gpu:0.1.0 --server A:7070 --backend tensorflow
# The host needs an NVIDIA driver and the NVIDIA Container Toolkit; the image brings CUDA 11.2 and cuDNN 8.1.
# The build downloads libtensorflow (about 400 MB) from storage.googleapis.com: it needs internet access.

# A supported LTS line (Node 24), as in server.Dockerfile.
ARG NODE_IMAGE=node:24.11.1-bookworm-slim
ARG CUDA_IMAGE=nvidia/cuda:11.2.2-cudnn8-runtime-ubuntu20.04

# Node.js itself comes from the official image (its binary needs glibc 2.28; Ubuntu 20.04 has 2.31).
FROM ${NODE_IMAGE} AS node

# ---- build: compile the TypeScript (needs the dev dependencies) ------------------------------------------------
FROM ${NODE_IMAGE} AS build
WORKDIR /src
COPY package.json package-lock.json ./
RUN npm ci --ignore-scripts --omit=optional --no-audit --no-fund
# The sources, as .dockerignore lets them through (no docs, results, local settings or keys).
COPY . .
RUN npm run build

# ---- deps: production dependencies with tfjs-node-gpu, installed on the same Ubuntu as the runtime --------------
# (so that a binding compiled by the fallback below links against the runtime's glibc, not Debian's newer one).
FROM ${CUDA_IMAGE} AS deps
ARG DEBIAN_FRONTEND=noninteractive
# The CUDA apt sources are not needed (the base image has CUDA) and their signing key has been rotated before;
# leaving them out keeps `apt-get update` working on this older base. python3, make and g++: node-pre-gyp builds
# the binding from source if the prebuilt one cannot be downloaded.
RUN rm -f /etc/apt/sources.list.d/cuda*.list /etc/apt/sources.list.d/nvidia-ml*.list \
 && apt-get update \
 && apt-get install -y --no-install-recommends ca-certificates python3 make g++ \
 && rm -rf /var/lib/apt/lists/*
COPY --from=node /usr/local/bin/node /usr/local/bin/node
COPY --from=node /usr/local/lib/node_modules/npm /usr/local/lib/node_modules/npm
RUN ln -s ../lib/node_modules/npm/bin/npm-cli.js /usr/local/bin/npm \
 && node --version && npm --version
WORKDIR /app
COPY package.json package-lock.json ./
# 1. The lockfile's production tree, optional dependencies included, no install scripts (core-js and protobufjs
#    only print banners; `prepare` would need the dev dependencies).
# 2. tfjs-node-gpu's own install script, run explicitly: it downloads libtensorflow (GPU build) into deps/lib and
#    the N-API binding into lib/napi-v*/ (or builds it). npm ignores the failure of an optional dependency's
#    script, and npm 11 runs dependency scripts only when allowed, so the result is checked in step 3.
# 3. Fail the build unless the shared library and the binding are there and the binding's libraries resolve.
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund \
 && npm rebuild @tensorflow/tfjs-node-gpu --foreground-scripts \
 && tfjs=node_modules/@tensorflow/tfjs-node-gpu \
 && ls -l "$tfjs"/deps/lib/libtensorflow.so.2* "$tfjs"/deps/lib/libtensorflow_framework.so.2* \
 && ls -l "$tfjs"/lib/napi-v*/tfjs_binding.node \
 && if ldd "$tfjs"/lib/napi-v*/tfjs_binding.node | grep 'not found'; then \
      echo 'tfjs_binding.node: libraries not found (above); the tfjs-node-gpu install did not complete' >&2; exit 1; \
    fi \
 && rm -rf "$tfjs"/deps/include \
 && npm cache clean --force

# ---- runtime --------------------------------------------------------------------------------------------------
FROM ${CUDA_IMAGE} AS runtime
ARG DEBIAN_FRONTEND=noninteractive
RUN rm -f /etc/apt/sources.list.d/cuda*.list /etc/apt/sources.list.d/nvidia-ml*.list \
 && apt-get update \
 && apt-get install -y --no-install-recommends tini \
 && rm -rf /var/lib/apt/lists/* \
 && groupadd --gid 10001 signps \
 && useradd --uid 10001 --gid signps --create-home --home-dir /home/signps --shell /usr/sbin/nologin signps \
 && mkdir -p /data /home/signps/.nv/ComputeCache \
 && chown -R signps:signps /data /home/signps
COPY --from=node /usr/local/bin/node /usr/local/bin/node
WORKDIR /app
COPY --from=deps /app/node_modules ./node_modules
COPY --from=build /src/dist ./dist
COPY package.json ./
COPY proto ./proto

# TF_FORCE_GPU_ALLOW_GROWTH: TensorFlow otherwise takes nearly all GPU memory at start, and a second worker on the
#   same GPU (compose gives every replica the same device, see docs/DEPLOY.md) fails to allocate.
# CUDA_CACHE_*: libtensorflow 2.9.1 (CUDA 11.2) carries machine code for the GPU generations of its day plus PTX;
#   on a newer GPU TensorFlow logs "CUDA kernels will be jit-compiled from PTX" and the driver compiles them at the
#   first start, which can take many minutes. The result is cached here (a volume in docker-compose.yml), up to
#   4 GiB, the most CUDA allows (the default 256 MiB is too small for TensorFlow's kernels).
# GLIBC_TUNABLES: large gRPC buffers from malloc's heap, not a fresh mmap each (shared/child-processes.ts).
ENV NODE_ENV=production \
    GLIBC_TUNABLES=glibc.malloc.mmap_threshold=33554432 \
    HOME=/home/signps \
    TF_FORCE_GPU_ALLOW_GROWTH=true \
    CUDA_CACHE_PATH=/home/signps/.nv/ComputeCache \
    CUDA_CACHE_MAXSIZE=4294967296

# The native binding must load here. There is no GPU (nor libcuda.so.1, which the NVIDIA Container Toolkit mounts
# at run time) during a build; libtensorflow then logs that it cannot load libcuda and falls back to its CPU kernels
# (tfjs-node-gpu does so since tensorflow/tfjs#622), which still proves that the N-API binding and libtensorflow
# load. The CUDA and cuDNN libraries are opened only once a GPU is found, at run time.
# --build-arg CHECK_TFJS_LOAD=false skips this if a build host ever disagrees.
# It runs as the image's user, so that nothing it might create under $HOME belongs to root.
USER signps
ARG CHECK_TFJS_LOAD=true
RUN if [ "$CHECK_TFJS_LOAD" = true ]; then \
      node -e "require('@tensorflow/tfjs-node-gpu'); console.log('tfjs-node-gpu loaded, backend', require('@tensorflow/tfjs').getBackend())"; \
    fi

# /data: data sets read from a directory (the embedded MNIST needs nothing). ComputeCache: the PTX JIT cache.
VOLUME ["/data", "/home/signps/.nv/ComputeCache"]
HEALTHCHECK NONE
ENTRYPOINT ["/usr/bin/tini", "--", "node", "/app/dist/cli/signps.js", "worker"]
