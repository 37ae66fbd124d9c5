# syntax=docker/dockerfile:1
# Multi-stage build: compile in the Rust image, run on a slim Debian with
# nothing but the binary (the web client is embedded in it).

FROM rust:1.95-bookworm AS build
WORKDIR /src
# Dependencies first, so code changes do not refetch and rebuild them.
COPY Cargo.toml Cargo.lock ./
COPY bench/Cargo.toml bench/Cargo.toml
RUN mkdir -p server/src bench/src tests/integration \
 && echo 'fn main() {}' > server/src/main.rs && touch server/src/lib.rs \
 && echo 'fn main() {}' > bench/src/main.rs && touch tests/integration/main.rs \
 && cargo fetch --locked
COPY server server
COPY web web
RUN touch server/src/main.rs server/src/lib.rs \
 && cargo build --release --locked --bin backchannel

FROM debian:bookworm-slim
RUN apt-get update \
 && apt-get install -y --no-install-recommends ca-certificates curl \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --system --uid 10001 --home /data backchannel \
 && mkdir -p /data && chown backchannel /data
COPY --from=build /src/target/release/backchannel /usr/local/bin/backchannel
USER backchannel
WORKDIR /data
ENV BACKCHANNEL_BIND=0.0.0.0:8080 \
    DATABASE_URL=sqlite:///data/backchannel.db \
    BACKCHANNEL_LOG_FORMAT=json
EXPOSE 8080
HEALTHCHECK --interval=10s --timeout=3s --start-period=10s --retries=3 \
  CMD curl -fsS http://127.0.0.1:8080/readyz || exit 1
ENTRYPOINT ["/usr/local/bin/backchannel"]
