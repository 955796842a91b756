# syntax=docker/dockerfile:1
# The reservation API, which also serves the operator dashboard at /ops. Used by docker-compose.yml;
# checked by test/compose/compose-file.test.ts (there is no Docker engine on the dev machine).

# Build stage: native modules (better-sqlite3, the PC/SC binding) compile here. Dev dependencies are
# kept on purpose: the API runs TypeScript through tsx and bundles the dashboard with esbuild.
FROM node:20-slim AS build
RUN apt-get update \
  && apt-get install -y --no-install-recommends python3 make g++ libpcsclite-dev \
  && rm -rf /var/lib/apt/lists/*
WORKDIR /app
# Electron is the kiosk's desktop shell: the API image has no use for its 100 MB binary.
ENV ELECTRON_SKIP_BINARY_DOWNLOAD=1
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY . .

# Runtime stage: no compilers. The data directory (SQLite, keys, trust anchors) is a volume.
FROM node:20-slim
WORKDIR /app
ENV NODE_ENV=production \
  RESERVATION_API_HOST=0.0.0.0 \
  RESERVATION_API_PORT=8080 \
  RESERVATION_API_DATA_DIR=/data
COPY --from=build --chown=node:node /app /app
RUN mkdir -p /data && chown node:node /data
USER node
VOLUME ["/data"]
EXPOSE 8080
# The same entry as `npm run api`, without npm in between so SIGTERM reaches the server.
CMD ["node_modules/.bin/tsx", "reservation-api/server/main.ts"]
