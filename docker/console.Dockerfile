# Dockfleet console image: the Next.js console and its custom server, run as an unprivileged user.
#
# Build from the repository root (the context must hold package-lock.json):
#   docker build -f docker/console.Dockerfile -t dockfleet-console .
# Needs BuildKit (the default since Docker 23): it reads docker/console.Dockerfile.dockerignore and
# the npm cache mount; the legacy builder stops at the first RUN --mount instead of silently
# sending node_modules and .next from the host.
# Run with --init (compose: `init: true`) so SIGTERM reaches node, which is not PID 1 then.

FROM node:20-bookworm-slim AS base
# node:20 ships npm 10, which ignores package.json "allowScripts" and would run the install scripts
# the project denies (prisma, @prisma/engines, ssh2, cpu-features, protobufjs).
ARG NPM_VERSION=11.19.1
RUN npm install --global "npm@${NPM_VERSION}" && npm cache clean --force
WORKDIR /app
# Every workspace manifest is copied before `npm ci`, so the dependency layers are rebuilt only when
# a manifest or the lockfile changes.
COPY package.json package-lock.json ./
COPY packages/runtime/package.json packages/runtime/
COPY packages/protocol/package.json packages/protocol/
COPY apps/agent/package.json apps/agent/
COPY apps/web/package.json apps/web/

# Production dependencies only: what the runtime stage ships.
FROM base AS deps
RUN --mount=type=cache,target=/root/.npm npm ci --omit=dev

FROM base AS builder
ENV NEXT_TELEMETRY_DISABLED=1
RUN --mount=type=cache,target=/root/.npm npm ci
COPY . .
# The checks turn a build that silently skipped an output into a build error here, instead of a
# container that crashes at start or an "Add host" that has no agent bundle to upload.
RUN npm run build \
  && for output in apps/web/dist/main.js apps/web/.next/BUILD_ID apps/agent/dist/agent.cjs; do \
    test -f "$output" || { echo "npm run build did not produce $output" >&2; exit 1; }; \
  done \
  && mkdir -p apps/web/public \
  && rm -rf apps/web/.next/cache

FROM node:20-bookworm-slim AS runtime
ENV NODE_ENV=production \
  NEXT_TELEMETRY_DISABLED=1 \
  PORT=3000 \
  DOCKFLEET_DATA_DIR=/var/lib/dockfleet
WORKDIR /app
# A fixed numeric uid lets orchestrators verify runAsNonRoot and lets a deployer chown a bind mount.
# npm, npx, corepack and yarn are removed: the console never runs them, and scanners flag their
# bundled dependencies.
RUN groupadd --system --gid 10001 dockfleet \
  && useradd --system --uid 10001 --gid dockfleet --home-dir /nonexistent --no-create-home \
    --shell /usr/sbin/nologin dockfleet \
  && mkdir -p /var/lib/dockfleet \
  && chown dockfleet:dockfleet /var/lib/dockfleet \
  && chmod 0700 /var/lib/dockfleet \
  && rm -rf /usr/local/lib/node_modules/npm /usr/local/lib/node_modules/corepack \
    /usr/local/bin/npm /usr/local/bin/npx /usr/local/bin/corepack \
    /usr/local/bin/yarn /usr/local/bin/yarnpkg /opt/yarn-*
# The layout mirrors the repository: main.js finds the Next.js app and prisma/migrations relative to
# its own location, as in development. Code stays root-owned: the console user can read it, not
# change it.
COPY --from=deps /app/ ./
COPY --from=builder /app/prisma prisma
COPY --from=builder /app/apps/web/next.config.ts apps/web/
COPY --from=builder /app/apps/web/public apps/web/public
COPY --from=builder /app/apps/web/.next apps/web/.next
COPY --from=builder /app/apps/web/dist apps/web/dist
# The agent bundle that "Add host" uploads over SFTP.
COPY --from=builder /app/apps/agent/dist apps/agent/dist
# Next.js writes its image and fetch cache here at run time.
RUN mkdir -p apps/web/.next/cache && chown dockfleet:dockfleet apps/web/.next/cache
USER 10001:10001
# Holds the master key that encrypts stored SSH keys and backup credentials: losing this volume
# makes those secrets unreadable, so back it up with the database.
VOLUME ["/var/lib/dockfleet"]
EXPOSE 3000
# 127.0.0.1 rather than localhost: Node may resolve localhost to ::1 first.
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.PORT||3000)+'/api/health',{signal:AbortSignal.timeout(4000)}).then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
CMD ["node", "apps/web/dist/main.js"]
