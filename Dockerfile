# syntax=docker/dockerfile:1
#
# splants-server as a container image (features server, postgres, redis, and the defaults:
# SQLite, OpenAI, Anthropic, webhooks, publishing):
#
#   docker build -t splants-server .
#   docker run -p 8080:8080 -e API_KEY=change-me -v splants-data:/data splants-server
#
# Written on a machine without Docker: this image has not been built there. `make lint`
# checks this file with hadolint (scripts/lint-deploy.sh). See docs/operations.md,
# "Containers and workflows".

ARG RUST_VERSION=1.95

# ---- builder: the release binary --------------------------------------------------------
FROM rust:${RUST_VERSION}-slim-bookworm AS builder
WORKDIR /build

# The whole workspace: Cargo reads every member's manifest (bindings/*, testkit, the root
# package with its benches and examples) to resolve the workspace as Cargo.lock records it,
# which `--locked` requires. .dockerignore keeps out target/, node_modules, venvs, .git and
# .env files.
COPY . .

# BuildKit cache mounts keep the crates.io registry and the target directory between builds
# on the same builder, so a source change recompiles only the crates it touches. A cache
# mount is not part of any layer, so the binary is copied out of it in the same step.
# No system packages are needed: rustls (aws-lc-rs), SQLite (bundled) and ring compile with
# the image's gcc; there is no OpenSSL anywhere.
RUN --mount=type=cache,target=/usr/local/cargo/registry,sharing=locked \
    --mount=type=cache,target=/usr/local/cargo/git,sharing=locked \
    --mount=type=cache,target=/build/target,sharing=locked \
    cargo build --release --locked -p splants --features server,postgres,redis --bin splants-server \
 && install -D -m 0755 target/release/splants-server /out/splants-server

# ---- runtime ------------------------------------------------------------------------------
FROM debian:bookworm-slim AS runtime

LABEL org.opencontainers.image.title="splants-server" \
      org.opencontainers.image.description="The HTTP API of splants: AI marketing copy with a budget that is never overspent" \
      org.opencontainers.image.source="https://github.com/splants/splants" \
      org.opencontainers.image.licenses="MIT OR Apache-2.0"

# ca-certificates: the root certificates rustls checks the providers, the publishing
# platforms, webhooks and rediss:// against. curl: the HEALTHCHECK's probe (splants-server
# has no probe subcommand, so a distroless image would have nothing to run it with).
# Not pinned to package versions: bookworm's security updates replace them.
# One user and group, uid/gid 10001, that owns /data and nothing else.
# hadolint ignore=DL3008
RUN apt-get update \
 && apt-get install -y --no-install-recommends ca-certificates curl \
 && rm -rf /var/lib/apt/lists/* \
 && groupadd --system --gid 10001 splants \
 && useradd --system --uid 10001 --gid splants --no-create-home --home-dir /nonexistent \
      --shell /usr/sbin/nologin splants \
 && install -d -o splants -g splants -m 0750 /data

COPY --from=builder /out/splants-server /usr/local/bin/splants-server

# Listen on every interface of the container. The SQLite file is /data/splants.db:
# `sqlite:////abs/path` is the absolute form in both SQLAlchemy's and sqlx's reading
# (docs/configuration.md); set DATABASE_URL=postgres://… to share one database between
# instances (compose.yaml).
ENV HOST=0.0.0.0 \
    PORT=8080 \
    DATABASE_URL=sqlite:////data/splants.db

# The server reads a .env file from its working directory: mount one at /app/.env if wanted.
WORKDIR /app
# Created after /data is owned by the splants user, so a new named volume starts out owned by
# it too (a bind mount keeps the host's owner: make it writable by uid 10001).
VOLUME ["/data"]
EXPOSE 8080
USER 10001:10001

# Liveness: the process answers HTTP. /health/ready (the database answers) and /health (every
# component) are there for an orchestrator's readiness checks.
HEALTHCHECK --interval=30s --timeout=5s --start-period=15s --retries=3 \
  CMD ["/bin/sh", "-c", "curl --fail --silent --show-error --max-time 3 \"http://127.0.0.1:${PORT}/health/live\" > /dev/null || exit 1"]

# Exec form: splants-server is PID 1 and gets SIGTERM itself; it stops taking requests,
# finishes those in flight and waits up to SPLANTS_SHUTDOWN_GRACE_SECS (30 s) for
# generations completing in the background.
STOPSIGNAL SIGTERM
ENTRYPOINT ["/usr/local/bin/splants-server"]
