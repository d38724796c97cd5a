# syntax=docker/dockerfile:1
# Multi-stage build: compile TypeScript and the native better-sqlite3 addon with a toolchain, then ship
# only production dependencies and dist/ on the same base image (same glibc and Node ABI as the build).

FROM node:24-bookworm-slim AS build
WORKDIR /app
# better-sqlite3 compiles from source when no prebuilt binary matches.
RUN apt-get update \
  && apt-get install -y --no-install-recommends python3 make g++ \
  && rm -rf /var/lib/apt/lists/*
COPY package.json package-lock.json ./
RUN npm ci
COPY . .
RUN npm run build \
  && npm prune --omit=dev

FROM node:24-bookworm-slim AS runtime
# HOST is explicit: a container answers on its own network interface. Outside production the server's
# default is 127.0.0.1, and it generates secrets beside the database; production does neither.
ENV NODE_ENV=production \
    DB_PATH=/data/booking.db \
    PORT=3000 \
    HOST=0.0.0.0
WORKDIR /app
COPY --from=build --chown=node:node /app/package.json ./package.json
COPY --from=build --chown=node:node /app/node_modules ./node_modules
COPY --from=build --chown=node:node /app/dist ./dist
RUN mkdir -p /data && chown node:node /data
USER node
VOLUME ["/data"]
EXPOSE 3000
# Ready (not merely alive): 503 until recovery has replayed the journal.
HEALTHCHECK --interval=10s --timeout=3s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.PORT||3000)+'/ready').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
# AUTH_SECRET, ADMIN_KEY and TICKET_SIGNING_KEY must be provided at run time: production refuses to start without them.
# Node directly (not npm) so SIGTERM reaches the server and shutdown is graceful.
CMD ["node", "dist/server.js"]
