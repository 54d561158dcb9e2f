# syntax=docker/dockerfile:1

# Build: a static binary. The official image sets GOTOOLCHAIN=local, so its Go
# must satisfy the go line in go.mod (go 1.26.8); golang:1.26 tracks the
# newest 1.26.x.
FROM golang:1.26 AS build
WORKDIR /src
ENV CGO_ENABLED=0 GOFLAGS=-mod=readonly

# Modules first: this layer is reused until go.mod or go.sum change.
COPY go.mod go.sum ./
RUN go mod download && go mod verify

COPY . .
RUN --mount=type=cache,target=/root/.cache/go-build \
    go build -trimpath -ldflags="-s -w" -o /out/db-restore ./cmd/bot

# Run: distroless static has CA certificates (Slack and Huawei Cloud are
# HTTPS/WSS) and tzdata (requesters' time zones), and no shell.
FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/db-restore /db-restore
USER nonroot:nonroot
# Health and metrics HTTP server (/healthz).
EXPOSE 8080
# `db-restore healthcheck` GETs http://127.0.0.1:8080/healthz and exits
# non-zero unless it answers 200 (there is no curl or shell in this image).
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
    CMD ["/db-restore", "healthcheck"]
ENTRYPOINT ["/db-restore"]
