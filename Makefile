# webhook-operator: `make dev` runs it all locally, `make test` tests it all.

VERSION ?= 0.1.0
IMG ?= ghcr.io/webhook-operator/webhook-operator:v$(VERSION)
BUNDLE_IMG ?= ghcr.io/webhook-operator/webhook-operator-bundle:v$(VERSION)

# Pinned tool versions, each built from the Go module proxy into bin/:
# versions the proxy serves and that build with this module's Go and
# Kubernetes libraries (newer releases of each need a newer Go or refuse).
CONTROLLER_TOOLS_VERSION ?= v0.23.0
KUSTOMIZE_VERSION ?= v5.7.1
GOLANGCI_LINT_VERSION ?= v2.15.0

LOCALBIN ?= $(shell pwd)/bin
CONTROLLER_GEN ?= $(LOCALBIN)/controller-gen
KUSTOMIZE ?= $(LOCALBIN)/kustomize
# The version is in the name, so changing GOLANGCI_LINT_VERSION builds anew.
GOLANGCI_LINT ?= $(LOCALBIN)/golangci-lint-$(GOLANGCI_LINT_VERSION)
ENVTEST_ASSETS ?= $(LOCALBIN)/k8s
FLEET_APIS_DIR = $(shell go list -m -f '{{.Dir}}' github.com/rancher/fleet/pkg/apis)

export KUBEBUILDER_ASSETS := $(ENVTEST_ASSETS)

SHELL = /usr/bin/env bash -o pipefail
.SHELLFLAGS = -ec

.PHONY: all
all: build

##@ General

.PHONY: help
help: ## Display this help.
	@awk 'BEGIN {FS = ":.*##"; printf "\nUsage:\n  make \033[36m<target>\033[0m\n"} /^[a-zA-Z_0-9-]+:.*?##/ { printf "  \033[36m%-18s\033[0m %s\n", $$1, $$2 } /^##@/ { printf "\n\033[1m%s\033[0m\n", substr($$0, 5) } ' $(MAKEFILE_LIST)

##@ Development

.PHONY: manifests
manifests: controller-gen ## Generate the CRD, RBAC from markers, and the Fleet GitRepo CRD used by tests.
	$(CONTROLLER_GEN) rbac:roleName=manager-role crd paths="./api/..." paths="./controllers/..." output:crd:artifacts:config=config/crd/bases output:rbac:artifacts:config=config/rbac
	@# Fleet's own Go types -> the GitRepo CRD tests and `make dev` install (not hand-written).
	@tmp=$$(mktemp -d); $(CONTROLLER_GEN) crd paths="$(FLEET_APIS_DIR)/fleet.cattle.io/v1alpha1/..." output:crd:artifacts:config=$$tmp; \
	  mkdir -p test/crds/fleet; cp $$tmp/fleet.cattle.io_gitrepos.yaml test/crds/fleet/; rm -rf $$tmp

.PHONY: generate
generate: controller-gen ## Generate DeepCopy methods.
	$(CONTROLLER_GEN) object:headerFile="hack/boilerplate.go.txt" paths="./api/..."

.PHONY: fmt
fmt: ## Run gofmt.
	gofmt -l -w $$(git ls-files '*.go')

.PHONY: vet
vet: ## Run go vet.
	go vet ./...

.PHONY: lint
lint: golangci-lint ## Run golangci-lint with .golangci.yml (the pinned version, built into bin/ on first use).
	$(GOLANGCI_LINT) run ./...

.PHONY: verify
verify: manifests generate bundle ## Fail when generated files are stale against the code.
	@git diff --exit-code -- config/crd config/rbac api test/crds bundle || { echo "generated files are stale: run 'make manifests generate bundle' and commit"; exit 1; }
	@test -z "$$(gofmt -l $$(git ls-files '*.go'))" || { echo "gofmt needed:"; gofmt -l $$(git ls-files '*.go'); exit 1; }

.PHONY: real-bins
real-bins: ## Build Traefik, Fleet's gitjob controller and Gitea from Go modules into bin/real (cached per user).
	hack/real-bins.sh

.PHONY: envtest
envtest: ## Build kube-apiserver, etcd and kube-controller-manager from Go modules into bin/k8s (cached).
	hack/envtest-bins.sh

.PHONY: test
test: controller-gen kustomize envtest real-bins fmt-check vet ## Everything CI runs: unit, envtest integration, e2e and real-world tests (they fail on stale generated files).
	go test ./... -count=1 -timeout 60m

.PHONY: test-unit
test-unit: controller-gen kustomize ## Unit tests only, in seconds: -short skips every suite that needs a control plane.
	go test -short ./... -count=1

.PHONY: test-e2e
test-e2e: controller-gen kustomize envtest real-bins ## The e2e suites: the built binary as processes against a local control plane, and against real Traefik, Fleet and Gitea.
	go test ./test/e2e/... ./test/realworld/... -count=1 -timeout 20m

.PHONY: fmt-check
fmt-check:
	@test -z "$$(gofmt -l $$(git ls-files '*.go'))" || { echo "gofmt needed:"; gofmt -l $$(git ls-files '*.go'); exit 1; }

# BENCH_FLAGS picks sizes and loads, e.g. BENCH_FLAGS="-sizes 10,1000 -rates 50,200 -go-bench=false";
# `go run ./hack/bench -h` lists them.
BENCH_FLAGS ?=

.PHONY: bench
bench: envtest build fleetbench ## Go benchmarks, then our receiver side by side with Fleet's handler at 10, 1,000, 10,000 GitRepos; writes bin/bench.md.
	go run ./hack/bench $(BENCH_FLAGS)

.PHONY: fleetbench
fleetbench: ## Build bin/fleetbench: Fleet's own webhook handler served as gitjob serves it (its own Go module in hack/fleetbench).
	cd hack/fleetbench && go build -trimpath -o ../../bin/fleetbench .

##@ Build

.PHONY: build
build: ## Build the webhook-operator and webhook-receiver binaries into bin/.
	CGO_ENABLED=0 go build -trimpath -o bin/webhook-operator ./cmd
	CGO_ENABLED=0 go build -trimpath -o bin/webhook-receiver ./cmd/receiver

.PHONY: run
run: manifests generate ## Run the operator against the current kubeconfig.
	go run ./cmd manager

.PHONY: dev
dev: envtest build ## Run everything on a local embedded control plane (the README's first command).
	bin/webhook-operator dev

.PHONY: dev-real
dev-real: envtest real-bins build ## `make dev` plus real Traefik, Fleet's gitjob and Gitea: a git push to Gitea makes Fleet create a Job.
	bin/webhook-operator dev --real

.PHONY: docker-build
docker-build: ## Build the image (needs a Docker engine).
	docker build -t $(IMG) .

##@ Deployment

.PHONY: install
install: manifests kustomize ## Install the CRD into the current cluster.
	$(KUSTOMIZE) build config/crd | kubectl apply --server-side -f -

.PHONY: uninstall
uninstall: manifests kustomize ## Remove the CRD from the current cluster.
	$(KUSTOMIZE) build config/crd | kubectl delete --ignore-not-found -f -

.PHONY: build-installer
build-installer: manifests kustomize ## Write dist/install.yaml, one file a cluster admin can apply.
	@# Set the image in a copy so the working tree (and a GitOps checkout) stays as committed.
	mkdir -p dist
	tmp=$$(mktemp -d); cp -r config $$tmp/; \
	  (cd $$tmp/config/manager && $(KUSTOMIZE) edit set image controller=$(IMG)); \
	  $(KUSTOMIZE) build $$tmp/config/default > dist/install.yaml; rm -rf $$tmp
	@echo "wrote dist/install.yaml"

.PHONY: deploy
deploy: build-installer ## Deploy the operator to the current cluster.
	kubectl apply --server-side -f dist/install.yaml

.PHONY: undeploy
undeploy: kustomize ## Remove the operator from the current cluster.
	$(KUSTOMIZE) build config/default | kubectl delete --ignore-not-found -f -

##@ OLM bundle

.PHONY: bundle
bundle: manifests kustomize ## Regenerate bundle/ from config/ (VERSION=x.y.z).
	go run ./hack/bundle generate --version $(VERSION) --image $(IMG) --kustomize $(KUSTOMIZE)

.PHONY: bundle-validate
bundle-validate: ## Validate bundle/ with operator-framework/api (default + optional suites).
	go run ./hack/bundle validate

.PHONY: bundle-build
bundle-build: ## Build the bundle image (needs a Docker engine).
	docker build -f bundle.Dockerfile -t $(BUNDLE_IMG) .

##@ Tools

.PHONY: controller-gen
controller-gen: $(CONTROLLER_GEN)
$(CONTROLLER_GEN): | $(LOCALBIN)
	GOBIN=$(LOCALBIN) go install sigs.k8s.io/controller-tools/cmd/controller-gen@$(CONTROLLER_TOOLS_VERSION)

.PHONY: kustomize
kustomize: $(KUSTOMIZE)
$(KUSTOMIZE): | $(LOCALBIN)
	GOBIN=$(LOCALBIN) go install sigs.k8s.io/kustomize/kustomize/v5@$(KUSTOMIZE_VERSION)

.PHONY: golangci-lint
golangci-lint: $(GOLANGCI_LINT)
$(GOLANGCI_LINT): | $(LOCALBIN)
	GOBIN=$(LOCALBIN) go install github.com/golangci/golangci-lint/v2/cmd/golangci-lint@$(GOLANGCI_LINT_VERSION)
	mv $(LOCALBIN)/golangci-lint $@

$(LOCALBIN):
	mkdir -p $(LOCALBIN)
