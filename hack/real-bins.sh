#!/usr/bin/env bash
# Builds the real third-party components the real-world e2e suite runs against,
# from Go modules (no images or downloads are reachable from the test machines):
#   traefik          github.com/traefik/traefik/v3 ${TRAEFIK_VERSION}
#   fleetcontroller  github.com/rancher/fleet      ${FLEET_VERSION}  (its gitjob controller)
#   gitea            code.gitea.io/gitea           ${GITEA_VERSION}  (a real Git host)
# plus the module folders the suite reads CRDs and runtime files from.
#
# Usage: hack/real-bins.sh [component...]   (default: all)
# Output: ${OUT_DIR} (default bin/real). Each component has a stamp file and is
# skipped when already built at its pinned version; a copy is kept in a
# per-user cache so a fresh clone on the same machine does not rebuild
# (cold: Traefik ~11 min, Fleet ~4 min, Gitea ~4 min on 2 cores).
set -euo pipefail

TRAEFIK_VERSION="${TRAEFIK_VERSION:-v3.6.12}"
FLEET_VERSION="${FLEET_VERSION:-v0.16.0}"
GITEA_VERSION="${GITEA_VERSION:-v1.26.0}"
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
OUT_DIR="${OUT_DIR:-${ROOT}/bin/real}"
CACHE_ROOT="${WEBHOOK_OPERATOR_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/webhook-operator}"
export GOFLAGS=-mod=mod
ts() { date +%H:%M:%S; }

# fresh <name> <version>: true when bin/real/<name> is at <version>, copying it
# from the per-user cache when only the cache has it.
fresh() {
  local name="$1" version="$2" cache="${CACHE_ROOT}/real-$1-$2"
  if [[ -x "${OUT_DIR}/${name}" && "$(cat "${OUT_DIR}/.${name}.version" 2>/dev/null)" == "${version}" ]]; then
    return 0
  fi
  if [[ -x "${cache}/${name}" && "$(cat "${cache}/.version" 2>/dev/null)" == "${version}" ]]; then
    echo "${name}: copying ${version} from ${cache}"
    mkdir -p "${OUT_DIR}"
    cp "${cache}/${name}" "${OUT_DIR}/${name}"
    echo "${version}" > "${OUT_DIR}/.${name}.version"
    return 0
  fi
  return 1
}

# keep <name> <version>: stamp the fresh build and copy it to the cache.
keep() {
  local name="$1" version="$2" cache="${CACHE_ROOT}/real-$1-$2"
  echo "${version}" > "${OUT_DIR}/.${name}.version"
  mkdir -p "${cache}"
  cp "${OUT_DIR}/${name}" "${cache}/${name}"
  echo "${version}" > "${cache}/.version"
  echo "[$(ts)] ${name} ${version} ready in ${OUT_DIR}"
}

# replaces_of <module@version>: the module's own non-local replace and exclude
# directives, which a throwaway main module must repeat to build it.
replaces_of() {
  local gomod
  gomod="$(go mod download -json "$1" | sed -n 's/.*"GoMod": "\(.*\)".*/\1/p')"
  awk '
    /^replace \($/ {inblock=1; next}
    inblock && /^\)$/ {inblock=0; next}
    inblock && $0 !~ /=> \.\.?\// {sub(/^[ \t]+/, ""); print "replace " $0; next}
    /^replace / && $0 !~ /=> \.\.?\// {print; next}
    /^exclude / {print}
  ' "${gomod}"
}

build_traefik() {
  fresh traefik "${TRAEFIK_VERSION}" && return 0
  echo "[$(ts)] building traefik ${TRAEFIK_VERSION} (about 11 minutes cold)"
  local work; work="$(mktemp -d)"
  (
    cd "${work}"
    go mod init real-traefik >/dev/null 2>&1
    replaces_of "github.com/traefik/traefik/v3@${TRAEFIK_VERSION}" >> go.mod
    go get "github.com/traefik/traefik/v3/cmd/traefik@${TRAEFIK_VERSION}" >/dev/null
    go build -trimpath -ldflags "-s -w -X github.com/traefik/traefik/v3/pkg/version.Version=${TRAEFIK_VERSION}" \
      -o "${OUT_DIR}/traefik" github.com/traefik/traefik/v3/cmd/traefik
  )
  rm -rf "${work}"
  keep traefik "${TRAEFIK_VERSION}"
}

build_fleet() {
  fresh fleetcontroller "${FLEET_VERSION}" && return 0
  echo "[$(ts)] building fleetcontroller ${FLEET_VERSION} (about 4 minutes cold)"
  local work; work="$(mktemp -d)"
  (
    cd "${work}"
    go mod init real-fleet >/dev/null 2>&1
    replaces_of "github.com/rancher/fleet@${FLEET_VERSION}" >> go.mod
    # Fleet's go.mod points pkg/apis at its own folder; use the published module.
    go mod edit -replace "github.com/rancher/fleet/pkg/apis=github.com/rancher/fleet/pkg/apis@${FLEET_VERSION}"
    go get "github.com/rancher/fleet/cmd/fleetcontroller@${FLEET_VERSION}" >/dev/null
    go build -trimpath -ldflags "-s -w" -o "${OUT_DIR}/fleetcontroller" github.com/rancher/fleet/cmd/fleetcontroller
  )
  rm -rf "${work}"
  keep fleetcontroller "${FLEET_VERSION}"
}

build_gitea() {
  fresh gitea "${GITEA_VERSION}" && return 0
  echo "[$(ts)] building gitea ${GITEA_VERSION} (about 4 minutes cold)"
  local work dir; work="$(mktemp -d)"
  dir="$(go mod download -json "code.gitea.io/gitea@${GITEA_VERSION}" | sed -n 's/.*"Dir": "\(.*\)".*/\1/p')"
  # `go install` refuses Gitea's replace lines; building inside a writable copy
  # of its module honours them.
  cp -r "${dir}" "${work}/gitea" && chmod -R u+w "${work}/gitea"
  (cd "${work}/gitea" && CGO_ENABLED=1 go build -tags 'sqlite sqlite_unlock_notify' -ldflags '-s -w' -o "${OUT_DIR}/gitea" .)
  rm -rf "${work}"
  keep gitea "${GITEA_VERSION}"
}

mkdir -p "${OUT_DIR}"
components=("$@")
[[ ${#components[@]} -gt 0 ]] || components=(fleet gitea traefik)
for c in "${components[@]}"; do
  case "${c}" in
    traefik) build_traefik ;;
    fleet) build_fleet ;;
    gitea) build_gitea ;;
    *) echo "unknown component ${c} (traefik, fleet, gitea)" >&2; exit 2 ;;
  esac
done
