# Dockfleet agent image: the single-file agent bundle on Node, for hosts that would rather run the
# agent as a container than as the systemd service "Add host" installs.
#
# Build from the repository root:
#   docker build -f docker/agent.Dockerfile -t dockfleet-agent .
# Run:
#   docker run -d --init --restart unless-stopped --name dockfleet-agent \
#     -v /var/run/docker.sock:/var/run/docker.sock \
#     --group-add "$(stat -c %g /var/run/docker.sock)" \
#     -v dockfleet-agent-state:/var/lib/dockfleet-agent \
#     -e DOCKFLEET_CONSOLE_URL=https://console.example \
#     -e DOCKFLEET_ENROLL_TOKEN=<token from "Add host"> dockfleet-agent
#
# The agent drives the host's Docker Engine through /var/run/docker.sock, so the socket must be
# mounted. Whoever can use that socket is root on the host (it can start a privileged container with
# / mounted); mounting it `:ro` restricts nothing, because connecting to a socket is not a write.
# The agent itself runs as an unprivileged user and reaches the socket through the socket's group,
# hence --group-add.
# Needs BuildKit (the default since Docker 23) for docker/agent.Dockerfile.dockerignore and the
# npm cache mount.

# The build stages match docker/console.Dockerfile line for line, so BuildKit reuses the console's
# cached build instead of building the workspace twice.
FROM node:20-bookworm-slim AS base
# node:20 ships npm 10, which ignores package.json "allowScripts" and would run the install scripts
# the project denies (prisma, @prisma/engines, ssh2, cpu-features, protobufjs).
ARG NPM_VERSION=11.19.1
RUN npm install --global "npm@${NPM_VERSION}" && npm cache clean --force
WORKDIR /app
COPY package.json package-lock.json ./
COPY packages/runtime/package.json packages/runtime/
COPY packages/protocol/package.json packages/protocol/
COPY apps/agent/package.json apps/agent/
COPY apps/web/package.json apps/web/

FROM base AS builder
ENV NEXT_TELEMETRY_DISABLED=1
RUN --mount=type=cache,target=/root/.npm npm ci
COPY . .
RUN npm run build \
  && for output in apps/web/dist/main.js apps/web/.next/BUILD_ID apps/agent/dist/agent.cjs; do \
    test -f "$output" || { echo "npm run build did not produce $output" >&2; exit 1; }; \
  done \
  && mkdir -p apps/web/public \
  && rm -rf apps/web/.next/cache

FROM node:20-slim AS runtime
ENV NODE_ENV=production
WORKDIR /app
# npm, npx, corepack and yarn are removed: the agent never runs them, and scanners flag their
# bundled dependencies.
RUN groupadd --system --gid 10001 dockfleet \
  && useradd --system --uid 10001 --gid dockfleet --home-dir /nonexistent --no-create-home \
    --shell /usr/sbin/nologin dockfleet \
  && mkdir -p /var/lib/dockfleet-agent \
  && chown dockfleet:dockfleet /var/lib/dockfleet-agent \
  && chmod 0700 /var/lib/dockfleet-agent \
  && rm -rf /usr/local/lib/node_modules/npm /usr/local/lib/node_modules/corepack \
    /usr/local/bin/npm /usr/local/bin/npx /usr/local/bin/corepack \
    /usr/local/bin/yarn /usr/local/bin/yarnpkg /opt/yarn-*
# The bundle carries its dependencies: no node_modules in this image.
COPY --from=builder /app/apps/agent/dist/agent.cjs apps/agent/dist/agent.cjs
USER 10001:10001
# The host credential obtained at enrollment and the results not yet delivered to the console:
# without this volume a recreated container has to be enrolled again and loses queued results.
VOLUME ["/var/lib/dockfleet-agent"]
# The agent's memory flags, as the systemd unit passes them (bench/agent-memory.bench.ts). V8 takes
# --optimize-for-size and --single-threaded on the command line only, not in NODE_OPTIONS.
CMD ["node", "--max-semi-space-size=2", "--optimize-for-size", "--single-threaded", "apps/agent/dist/agent.cjs"]
