# syntax=docker/dockerfile:1
# tcpshift images: `docker build --target tcpshift` (CLI and controller) and `--target
# tcpshift-echo` (the versioned echo backend). Both share every stage but the last; skaffold.yaml
# builds both. Node 22 LTS; the runtime is distroless (no shell, no package manager), runs as
# 65532:65532 and writes nothing outside /tmp, so it runs with readOnlyRootFilesystem.
ARG NODE_MAJOR=22

# Compile the TypeScript (dev dependencies exist only in this stage).
FROM node:${NODE_MAJOR}-bookworm-slim AS build
WORKDIR /src
COPY package.json package-lock.json ./
# No lifecycle scripts yet: `prepare` would build before the sources are here.
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY tsconfig.json ./
COPY cmd ./cmd
COPY src ./src
RUN npm run build

# Production dependencies only (nothing in the lock file marked dev).
FROM node:${NODE_MAJOR}-bookworm-slim AS prod-deps
WORKDIR /src
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund

# What runs: the files package.json ships ("files") and the production node_modules, owned by
# root and read-only to the 65532 user.
FROM gcr.io/distroless/nodejs${NODE_MAJOR}-debian12:nonroot AS runtime
WORKDIR /app
ENV NODE_ENV=production
COPY --from=prod-deps /src/node_modules ./node_modules
COPY --from=build /src/dist/cmd ./dist/cmd
COPY --from=build /src/dist/src ./dist/src
COPY package.json ./
COPY manifests/crd ./manifests/crd
COPY schemas ./schemas
COPY examples ./examples
USER 65532:65532

FROM runtime AS tcpshift-echo
EXPOSE 9000 8080
ENTRYPOINT ["/nodejs/bin/node", "--enable-source-maps", "dist/cmd/tcpshift-echo.js"]

# Last stage: the default target of a plain `docker build`.
FROM runtime AS tcpshift
EXPOSE 9090 8081
ENTRYPOINT ["/nodejs/bin/node", "--enable-source-maps", "dist/cmd/tcpshift.js"]
