# syntax=docker/dockerfile:1
# One image for every ringdoc process; the command picks the role (ENTRYPOINT is `ringdoc`):
#   docker run … ringdoc node --id n1 --port 4001 --host 0.0.0.0 --data /data \
#       --public-url ws://localhost:4001 --internal-url ws://n1:4001 --etcd http://etcd:2379
#   docker run … ringdoc web --host 0.0.0.0 --port 3000 --etcd http://etcd:2379
#   docker run … ringdoc status | owner <docId> | docs <nodeId> | drain <nodeId> | config get
# Build: docker build --build-arg RINGDOC_BUILD=0.2.0 -t ringdoc:0.2.0 .
# RINGDOC_BUILD is the server build (member records) and the client build inlined into the web
# app (version gate, README "Rolling upgrade").

ARG NODE_IMAGE=node:20-bookworm-slim

# --- npm dependencies (all of them: the web build needs the dev tools too) -------------------
FROM ${NODE_IMAGE} AS deps
WORKDIR /app
COPY package.json package-lock.json .npmrc ./
RUN npm ci --no-audit --no-fund --loglevel=error

# --- the web app (next build web) ---------------------------------------------------------------
FROM deps AS web-build
ARG RINGDOC_BUILD=0.1.0
ENV NEXT_TELEMETRY_DISABLED=1 \
    NEXT_PUBLIC_RINGDOC_BUILD=${RINGDOC_BUILD}
COPY tsconfig.json ./
COPY ring ./ring
COPY server ./server
COPY web ./web
RUN npx next build web && rm -rf web/.next/cache

# --- runtime dependencies only ------------------------------------------------------------------
FROM deps AS runtime-deps
RUN npm prune --omit=dev --no-audit --no-fund --loglevel=error

# --- the runtime image ----------------------------------------------------------------------------
FROM ${NODE_IMAGE} AS runtime
ARG RINGDOC_BUILD=0.1.0
# MALLOC_ARENA_MAX=1: one glibc malloc arena, so memory one thread freed is not kept resident
# for it alone (server/node/process-env.ts; checked by scripts/validate-deploy.ts)
ENV NODE_ENV=production \
    MALLOC_ARENA_MAX=1 \
    NEXT_TELEMETRY_DISABLED=1 \
    RINGDOC_BUILD=${RINGDOC_BUILD} \
    RINGDOC_HEALTH_URL=http://127.0.0.1:4001/healthz
WORKDIR /app
COPY --from=runtime-deps /app/node_modules ./node_modules
COPY package.json tsconfig.json ./
COPY bin ./bin
COPY ring ./ring
COPY server ./server
COPY --from=web-build --chown=node:node /app/web ./web
# The node user (uid 1000) of the base image owns the data directory; nothing else is writable.
RUN mkdir -p /data && chown node:node /data
USER node
VOLUME ["/data"]
EXPOSE 4001 3000
# A node's liveness (GET /healthz). For the web app set RINGDOC_HEALTH_URL, e.g.
# http://127.0.0.1:3000/api/route/health-probe (public; /api/ring is operators only); one-shot CLI commands end before the first check.
HEALTHCHECK --interval=10s --timeout=3s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch(process.env.RINGDOC_HEALTH_URL).then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
ENTRYPOINT ["node", "bin/ringdoc.mjs"]
CMD ["help"]
