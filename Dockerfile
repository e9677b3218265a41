# One image for every role: the role is the command
# (`docker run storefront serve catalog`). The binary is built outside
# (`scripts/build.sh` runs `cargo build --release`) and copied in, so the base
# must be the Debian release it was built on (same glibc). On this machine
# the base is made with debootstrap (no image registry); on a laptop,
# `debian:bookworm-slim` serves (tag it as the base, or pass it as BASE_IMAGE;
# see README, "Containers").
ARG BASE_IMAGE=storefront-base:bookworm
FROM ${BASE_IMAGE}
LABEL org.opencontainers.image.title=storefront \
      org.opencontainers.image.description="Storefront: every role of the store in one binary"

# Non-root, with a fixed uid so volume ownership is predictable.
RUN groupadd --system --gid 10001 storefront \
 && useradd --system --uid 10001 --gid 10001 --home-dir /var/lib/storefront --shell /usr/sbin/nologin storefront \
 && mkdir -p /var/lib/storefront \
 && chown storefront:storefront /var/lib/storefront

COPY target/release/storefront /usr/local/bin/storefront

# Configuration is by environment only. Every role listens on all interfaces
# of its own container (8080 for the gateway, 8081–8083 for the services, as
# on bare metal) and keeps its SQLite file under the volume below; peer URLs,
# STOREFRONT_DATABASE_URL and STOREFRONT_ADMIN_TOKEN come from the deployment.
ENV STOREFRONT_DATA_DIR=/var/lib/storefront \
    STOREFRONT_LOG_FORMAT=json \
    STOREFRONT_GATEWAY_LISTEN=0.0.0.0:8080 \
    STOREFRONT_CATALOG_LISTEN=0.0.0.0:8081 \
    STOREFRONT_ORDERS_LISTEN=0.0.0.0:8082 \
    STOREFRONT_CARTS_LISTEN=0.0.0.0:8083

USER 10001:10001
WORKDIR /var/lib/storefront
EXPOSE 8080 8081 8082 8083

# `storefront probe` finds the role pid 1 serves and GETs its /health on loopback.
HEALTHCHECK --interval=5s --timeout=5s --start-period=10s --retries=3 \
  CMD ["storefront", "probe"]

ENTRYPOINT ["storefront"]
CMD ["serve", "gateway"]
