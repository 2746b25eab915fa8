#!/usr/bin/env bash
# Builds the control-plane binaries envtest and the e2e suite need, from Go
# modules, because setup-envtest's downloads are not reachable from here.
#   kube-apiserver, kube-controller-manager: k8s.io/kubernetes ${K8S_VERSION}
#   etcd:                                     go.etcd.io/etcd/server/v3 ${ETCD_VERSION}
# Output: ${OUT_DIR} (default bin/k8s). Skipped when already built at the pinned
# versions. A copy is kept in a per-user cache so a fresh clone on the same
# machine (CI) does not pay the ~15 minute cold build again.
set -euo pipefail

K8S_VERSION="${K8S_VERSION:-v1.37.2}"
ETCD_VERSION="${ETCD_VERSION:-v3.6.13}"
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
OUT_DIR="${OUT_DIR:-${ROOT}/bin/k8s}"
CACHE_DIR="${WEBHOOK_OPERATOR_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/webhook-operator}/k8s-${K8S_VERSION}-etcd-${ETCD_VERSION}"
STAMP="k8s=${K8S_VERSION} etcd=${ETCD_VERSION}"
BINS=(kube-apiserver etcd kube-controller-manager)

have_all() {
  local dir="$1"
  [[ -f "${dir}/.version" && "$(cat "${dir}/.version")" == "${STAMP}" ]] || return 1
  for b in "${BINS[@]}"; do [[ -x "${dir}/${b}" ]] || return 1; done
}

if have_all "${OUT_DIR}"; then
  exit 0
fi
mkdir -p "${OUT_DIR}"
if have_all "${CACHE_DIR}"; then
  echo "envtest binaries: copying ${STAMP} from ${CACHE_DIR}"
  for b in "${BINS[@]}"; do cp "${CACHE_DIR}/${b}" "${OUT_DIR}/${b}"; done
  echo "${STAMP}" > "${OUT_DIR}/.version"
  exit 0
fi

echo "envtest binaries: building ${STAMP} from Go modules (about 20 minutes cold on 2 cores)..."
WORK="$(mktemp -d)"
trap 'rm -rf "${WORK}"' EXIT
cd "${WORK}"
export GOFLAGS=-mod=mod
go mod init envtest-bins >/dev/null 2>&1

# k8s.io/kubernetes replaces its staging modules with local paths; point each
# of them at the published module of the matching v0 version instead.
STAGING_VERSION="v0.${K8S_VERSION#v1.}"
GOMOD_FILE="$(go mod download -json "k8s.io/kubernetes@${K8S_VERSION}" | sed -n 's/.*"GoMod": "\(.*\)".*/\1/p')"
REPLACES=$(grep -oE 'k8s\.io/[a-z0-9-]+ => \./staging/src/k8s\.io/[a-z0-9-]+' "${GOMOD_FILE}" | awk '{print $1}' | sort -u)
for m in ${REPLACES}; do
  go mod edit -replace "${m}=${m}@${STAGING_VERSION}"
done
go mod edit -require "k8s.io/kubernetes@${K8S_VERSION}"

ts() { date +%H:%M:%S; }
LDFLAGS="-s -w -X k8s.io/component-base/version.gitVersion=${K8S_VERSION} -X k8s.io/component-base/version.gitMajor=1 -X k8s.io/component-base/version.gitMinor=${K8S_VERSION#v1.}"
LDFLAGS="${LDFLAGS%.*}"
echo "[$(ts)] resolving modules"
cat > tools.go <<GO
//go:build tools

package tools

import (
	_ "k8s.io/kubernetes/cmd/kube-apiserver"
	_ "k8s.io/kubernetes/cmd/kube-controller-manager"
)
GO
go mod tidy >/dev/null 2>&1 || go get "k8s.io/kubernetes/cmd/kube-apiserver@${K8S_VERSION}" "k8s.io/kubernetes/cmd/kube-controller-manager@${K8S_VERSION}"
echo "[$(ts)] building kube-apiserver (the slow one)"
go build -trimpath -ldflags "${LDFLAGS}" -o "${OUT_DIR}/kube-apiserver" k8s.io/kubernetes/cmd/kube-apiserver
echo "[$(ts)] building kube-controller-manager"
go build -trimpath -ldflags "${LDFLAGS}" -o "${OUT_DIR}/kube-controller-manager" k8s.io/kubernetes/cmd/kube-controller-manager

echo "[$(ts)] building etcd"
mkdir etcd && cd etcd
go mod init etcd-bin >/dev/null 2>&1
go get "go.etcd.io/etcd/server/v3@${ETCD_VERSION}" >/dev/null 2>&1
go build -trimpath -ldflags "-s -w" -o "${OUT_DIR}/etcd" go.etcd.io/etcd/server/v3

echo "${STAMP}" > "${OUT_DIR}/.version"
mkdir -p "${CACHE_DIR}"
for b in "${BINS[@]}"; do cp "${OUT_DIR}/${b}" "${CACHE_DIR}/${b}"; done
echo "${STAMP}" > "${CACHE_DIR}/.version"
echo "[$(ts)] envtest binaries ready in ${OUT_DIR}"
