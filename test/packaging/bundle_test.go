/*
Copyright 2026 The webhook-operator Authors.

Licensed under the Apache License, Version 2.0 (the "License");
you may not use this file except in compliance with the License.
You may obtain a copy of the License at

    http://www.apache.org/licenses/LICENSE-2.0

Unless required by applicable law or agreed to in writing, software
distributed under the License is distributed on an "AS IS" BASIS,
WITHOUT WARRANTIES OR CONDITIONS OF ANY KIND, either express or implied.
See the License for the specific language governing permissions and
limitations under the License.
*/

package packaging

import (
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	operatorsv1alpha1 "github.com/operator-framework/api/pkg/operators/v1alpha1"
	valerrors "github.com/operator-framework/api/pkg/validation/errors"
	"sigs.k8s.io/yaml"

	"github.com/webhook-operator/webhook-operator/hack/bundle/bundlegen"
)

func committedCSV(t *testing.T) *operatorsv1alpha1.ClusterServiceVersion {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join(repoRoot(t), "bundle", "manifests", "webhook-operator.clusterserviceversion.yaml"))
	if err != nil {
		t.Fatalf("read CSV (run 'make bundle'): %v", err)
	}
	var csv operatorsv1alpha1.ClusterServiceVersion
	if err := yaml.UnmarshalStrict(raw, &csv); err != nil {
		t.Fatalf("parse CSV: %v", err)
	}
	return &csv
}

// TestBundleUpToDate regenerates the bundle from config/ with the version and
// image the committed CSV was made with, and fails on any difference: a
// change in config/ (or the CRD, or the RBAC markers) without `make bundle`.
func TestBundleUpToDate(t *testing.T) {
	root := repoRoot(t)
	csv := committedCSV(t)
	out := t.TempDir()
	o := bundlegen.Defaults()
	o.Version = csv.Spec.Version.String()
	o.Image = csv.Annotations["containerImage"]
	o.Kustomize = tool(t, "kustomize")
	o.ConfigDir = filepath.Join(root, "config")
	o.OutputDir = filepath.Join(out, "bundle")
	o.Dockerfile = filepath.Join(out, "bundle.Dockerfile")
	if err := bundlegen.Generate(o); err != nil {
		t.Fatalf("generate: %v", err)
	}
	diffs, err := diffTrees(filepath.Join(root, "bundle"), o.OutputDir)
	if err != nil {
		t.Fatal(err)
	}
	if d := diffFile(filepath.Join(root, "bundle.Dockerfile"), o.Dockerfile); d != "" {
		diffs = append(diffs, "bundle.Dockerfile: "+d)
	}
	for _, d := range diffs {
		t.Errorf("bundle is stale (run 'make bundle VERSION=%s'): %s", o.Version, d)
	}
}

func TestBundleValidates(t *testing.T) {
	findings, err := bundlegen.Validate(filepath.Join(repoRoot(t), "bundle"), bundlegen.DefaultK8sVersion)
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range findings {
		// Warnings are explained in the packaging report; new ones must be
		// looked at, so they fail here too.
		if f.Level == valerrors.LevelError || f.Level == valerrors.LevelWarn {
			t.Errorf("%s", f)
		}
	}
}

func TestBundleCSV(t *testing.T) {
	csv := committedCSV(t)
	spec := csv.Spec
	image := csv.Annotations["containerImage"]

	if csv.Name != "webhook-operator.v"+spec.Version.String() {
		t.Errorf("CSV name %q does not match version %s", csv.Name, spec.Version)
	}
	if spec.MinKubeVersion == "" || len(spec.Icon) != 1 || spec.Icon[0].MediaType != "image/svg+xml" || spec.Icon[0].Data == "" {
		t.Errorf("minKubeVersion and an SVG icon are required")
	}
	if spec.Description == "" || len(spec.Keywords) == 0 || len(spec.Maintainers) == 0 || len(spec.Links) == 0 || spec.Provider.Name == "" {
		t.Errorf("description, keywords, maintainers, links and provider are required")
	}

	modes := map[operatorsv1alpha1.InstallModeType]bool{}
	for _, m := range spec.InstallModes {
		modes[m.Type] = m.Supported
	}
	want := map[operatorsv1alpha1.InstallModeType]bool{
		operatorsv1alpha1.InstallModeTypeOwnNamespace:    false,
		operatorsv1alpha1.InstallModeTypeSingleNamespace: false,
		operatorsv1alpha1.InstallModeTypeMultiNamespace:  false,
		operatorsv1alpha1.InstallModeTypeAllNamespaces:   true,
	}
	for mode, supported := range want {
		if s, ok := modes[mode]; !ok || s != supported {
			t.Errorf("install mode %s: supported=%v (present %v), want %v", mode, s, ok, supported)
		}
	}

	related := map[string]string{}
	for _, r := range spec.RelatedImages {
		related[r.Name] = r.Image
	}
	if related["webhook-operator"] != image || related["receiver"] != image {
		t.Errorf("relatedImages = %v, want webhook-operator and receiver = %s", spec.RelatedImages, image)
	}

	// alm-examples holds every sample.
	var examples []map[string]interface{}
	if err := json.Unmarshal([]byte(csv.Annotations["alm-examples"]), &examples); err != nil {
		t.Fatalf("alm-examples: %v", err)
	}
	samples, _ := filepath.Glob(filepath.Join(repoRoot(t), "config", "samples", "gitops_*.yaml"))
	if len(examples) != len(samples) || len(samples) == 0 {
		t.Errorf("alm-examples has %d examples, config/samples has %d", len(examples), len(samples))
	}

	if len(spec.CustomResourceDefinitions.Owned) != 1 {
		t.Fatalf("want one owned CRD, got %d", len(spec.CustomResourceDefinitions.Owned))
	}
	owned := spec.CustomResourceDefinitions.Owned[0]
	if owned.Name != "webhookreceivers.gitops.webhook-operator.dev" || owned.Version != "v1alpha1" || owned.Kind != "WebhookReceiver" {
		t.Errorf("owned CRD = %s %s %s", owned.Name, owned.Version, owned.Kind)
	}
	specPaths := map[string]bool{}
	for _, d := range owned.SpecDescriptors {
		specPaths[d.Path] = true
	}
	for _, p := range []string{"host", "path", "ingress", "gateway", "tls", "secretName", "providers", "targets", "pollingInterval", "batching", "receiver"} {
		if !specPaths[p] {
			t.Errorf("no spec descriptor for spec.%s", p)
		}
	}
	statusPaths := map[string]bool{}
	for _, d := range owned.StatusDescriptors {
		statusPaths[d.Path] = true
	}
	for _, p := range []string{"conditions", "url", "secretName", "readyReplicas", "observedGeneration"} {
		if !statusPaths[p] {
			t.Errorf("no status descriptor for status.%s", p)
		}
	}

	s := spec.InstallStrategy.StrategySpec
	if len(s.DeploymentSpecs) != 1 || s.DeploymentSpecs[0].Spec.Template.Spec.Containers[0].Image != image {
		t.Errorf("install strategy must hold the manager Deployment with image %s", image)
	}
	if len(s.ClusterPermissions) != 1 || len(s.Permissions) != 1 {
		t.Errorf("want cluster permissions (manager role) and namespaced permissions (leader election) for one ServiceAccount, got %d/%d", len(s.ClusterPermissions), len(s.Permissions))
	}
	if _, err := os.Stat(filepath.Join(repoRoot(t), "bundle", "manifests", "webhook-operator-receiver-role_rbac.authorization.k8s.io_v1_clusterrole.yaml")); err != nil {
		t.Errorf("the receiver ClusterRole must ship in the bundle (the operator binds receivers to it): %v", err)
	}
}

// TestBundleDockerfileLabelsMatchAnnotations: the image labels and
// metadata/annotations.yaml must say the same thing.
func TestBundleDockerfileLabelsMatchAnnotations(t *testing.T) {
	root := repoRoot(t)
	raw, err := os.ReadFile(filepath.Join(root, "bundle", "metadata", "annotations.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var file struct {
		Annotations map[string]string `json:"annotations"`
	}
	if err := yaml.UnmarshalStrict(raw, &file); err != nil {
		t.Fatal(err)
	}
	df, err := os.ReadFile(filepath.Join(root, "bundle.Dockerfile"))
	if err != nil {
		t.Fatal(err)
	}
	labels := map[string]string{}
	for _, m := range regexp.MustCompile(`(?m)^LABEL (\S+)=(\S+)$`).FindAllStringSubmatch(string(df), -1) {
		labels[m[1]] = m[2]
	}
	if len(labels) == 0 || len(labels) != len(file.Annotations) {
		t.Errorf("%d labels vs %d annotations", len(labels), len(file.Annotations))
	}
	for k, v := range file.Annotations {
		if labels[k] != v {
			t.Errorf("label %s = %q, annotation says %q", k, labels[k], v)
		}
	}
	for _, dir := range []string{"manifests", "metadata", "tests/scorecard"} {
		if !strings.Contains(string(df), "COPY bundle/"+dir+" /"+dir+"/") {
			t.Errorf("bundle.Dockerfile does not copy bundle/%s", dir)
		}
	}
	if file.Annotations["operators.operatorframework.io.bundle.mediatype.v1"] != "registry+v1" {
		t.Errorf("mediatype = %q", file.Annotations["operators.operatorframework.io.bundle.mediatype.v1"])
	}
}
