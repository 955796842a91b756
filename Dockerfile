# syntax=docker/dockerfile:1
# The reservation API, which also serves the operator dashboard at /ops. Used by docker-compose.yml;
# checked by test/compose/compose-file.test.ts and test/build/production-build.test.ts (there is no
# Docker engine on the dev machine).

# Build stage: compilers for the native PC/SC binding, dev dependencies for the build itself
# (esbuild bundles our TypeScript and the browser code into dist/, docs/decisions.md).
FROM node:24-slim AS build
RUN apt-get update \
  && apt-get install -y --no-install-recommends python3 make g++ libpcsclite-dev \
  && rm -rf /var/lib/apt/lists/*
WORKDIR /app
# Electron is the kiosk's desktop shell: the API image has no use for its binary. The project's
# own Node (an optional dependency, for machines whose Node is older) is not needed on node:24, so
# native modules build against this image's Node headers.
ENV ELECTRON_SKIP_BINARY_DOWNLOAD=1 \
  npm_config_nodedir=/usr/local
COPY package.json package-lock.json .npmrc ./
RUN npm ci --omit=optional --no-audit --no-fund
COPY . .
RUN npm run build -- --out /app/dist \
  && npm prune --omit=dev --omit=optional --no-audit --no-fund

# Runtime stage: compiled JavaScript and production dependencies only — no compilers, no tsx, no
# esbuild, no dev dependencies. Files belong to root and are read-only to the service's user; the
# data directory (SQLite, keys, trust anchors) is the one writable place, a volume.
FROM node:24-slim
WORKDIR /app
ENV NODE_ENV=production \
  RESERVATION_API_HOST=0.0.0.0 \
  RESERVATION_API_PORT=8080 \
  RESERVATION_API_DATA_DIR=/data
COPY --from=build /app/package.json ./package.json
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
RUN mkdir -p /data && chown node:node /data
USER node
VOLUME ["/data"]
EXPOSE 8080
# The compiled form of `npm run api`'s entry, without npm in between so SIGTERM reaches the server.
CMD ["node", "dist/reservation-api/server/main.js"]
