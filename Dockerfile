# One image, two static binaries: `webhook-operator manager` (the default)
# runs the operator; the receiver Deployments it creates run /webhook-receiver
# from the same image, a binary that links only the receiver's code (a
# smaller resident set per receiver pod).
FROM golang:1.26 AS builder
ARG TARGETOS
ARG TARGETARCH

WORKDIR /workspace
# Dependencies first, so source edits do not invalidate the module cache layer.
COPY go.mod go.sum ./
RUN go mod download

COPY . .

# CGO off: a static binary for distroless/static (no libc). -trimpath: no
# build-machine paths in the binary, reproducible builds.
RUN CGO_ENABLED=0 GOOS=${TARGETOS:-linux} GOARCH=${TARGETARCH} go build -trimpath -ldflags="-s -w" -o /webhook-operator ./cmd
RUN CGO_ENABLED=0 GOOS=${TARGETOS:-linux} GOARCH=${TARGETARCH} go build -trimpath -ldflags="-s -w" -o /webhook-receiver ./cmd/receiver

FROM gcr.io/distroless/static:nonroot
WORKDIR /
COPY --from=builder /webhook-operator /webhook-operator
COPY --from=builder /webhook-receiver /webhook-receiver
# 65532 is distroless's "nonroot" user; numeric so runAsNonRoot can verify it.
USER 65532:65532

ENTRYPOINT ["/webhook-operator"]
CMD ["manager"]
