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

package gitrepo

import (
	"testing"
	"time"

	fleet "github.com/rancher/fleet/pkg/apis/fleet.cattle.io/v1alpha1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	toolscache "k8s.io/client-go/tools/cache"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/webhook-operator/webhook-operator/api/v1alpha1"
	"github.com/webhook-operator/webhook-operator/internal/push"
)

func TestMatchRef(t *testing.T) {
	branchPush := func(b, def string) push.Event {
		return push.Event{Ref: "refs/heads/" + b, Branch: b, DefaultBranch: def, Commit: "c1"}
	}
	tagPush := func(tag string) push.Event {
		return push.Event{Ref: "refs/tags/" + tag, Tag: tag, Commit: "c1"}
	}
	tests := map[string]struct {
		spec fleet.GitRepoSpec
		ev   push.Event
		want bool
	}{
		"branch equal":                                 {fleet.GitRepoSpec{Branch: "main"}, branchPush("main", ""), true},
		"branch differs":                               {fleet.GitRepoSpec{Branch: "main"}, branchPush("dev", "main"), false},
		"branch is prefix":                             {fleet.GitRepoSpec{Branch: "main"}, branchPush("main2", ""), false},
		"branch case differs":                          {fleet.GitRepoSpec{Branch: "main"}, branchPush("Main", ""), false},
		"branch vs tag of same name":                   {fleet.GitRepoSpec{Branch: "v1"}, tagPush("v1"), false},
		"empty branch, master pushed":                  {fleet.GitRepoSpec{}, branchPush("master", "master"), true},
		"empty branch, master pushed, default main":    {fleet.GitRepoSpec{}, branchPush("master", "main"), true},
		"empty branch, master pushed, default unknown": {fleet.GitRepoSpec{}, branchPush("master", ""), true},
		"empty branch, default main pushed":            {fleet.GitRepoSpec{}, branchPush("main", "main"), false},
		"empty branch, other pushed":                   {fleet.GitRepoSpec{}, branchPush("dev", "master"), false},
		"empty branch, Master pushed":                  {fleet.GitRepoSpec{}, branchPush("Master", "master"), false},
		"empty branch, tag master pushed":              {fleet.GitRepoSpec{}, tagPush("master"), false},
		"empty branch, tag push":                       {fleet.GitRepoSpec{}, tagPush("v1"), false},
		"empty branch, master deleted":                 {fleet.GitRepoSpec{}, push.Event{Ref: "refs/heads/master", Branch: "master", Deleted: true}, false},
		"revision, same tag":                           {fleet.GitRepoSpec{Revision: "v1.0.0"}, tagPush("v1.0.0"), true},
		"revision as full ref":                         {fleet.GitRepoSpec{Revision: "refs/tags/v1.0.0"}, tagPush("v1.0.0"), true},
		"revision, other tag":                          {fleet.GitRepoSpec{Revision: "v1.0.0"}, tagPush("v1.0.1"), false},
		"revision, branch push":                        {fleet.GitRepoSpec{Revision: "v1.0.0", Branch: "main"}, branchPush("main", "main"), false},
		"revision is a commit":                         {fleet.GitRepoSpec{Revision: "0123abcd"}, branchPush("main", "main"), false},
		"deleted branch":                               {fleet.GitRepoSpec{Branch: "main"}, push.Event{Ref: "refs/heads/main", Branch: "main", Deleted: true}, false},
		"deleted tag":                                  {fleet.GitRepoSpec{Revision: "v1"}, push.Event{Ref: "refs/tags/v1", Tag: "v1", Deleted: true}, false},
		"deleted default branch no spec":               {fleet.GitRepoSpec{}, push.Event{Ref: "refs/heads/main", Branch: "main", DefaultBranch: "main", Deleted: true}, false},
		"branch with slash":                            {fleet.GitRepoSpec{Branch: "release/1.0"}, branchPush("release/1.0", ""), true},
		"branch with regex metacharacter":              {fleet.GitRepoSpec{Branch: "rel.se"}, branchPush("relxse", ""), false},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			got, why := MatchRef(&tc.spec, &tc.ev)
			if got != tc.want {
				t.Fatalf("MatchRef = %v (%s), want %v", got, why, tc.want)
			}
			if !got && why == "" {
				t.Fatal("a non-match must say why")
			}
		})
	}
}

func TestScope(t *testing.T) {
	wr := func(nsSel, sel *metav1.LabelSelector) *v1alpha1.WebhookReceiver {
		return &v1alpha1.WebhookReceiver{
			ObjectMeta: metav1.ObjectMeta{Name: "wr", Namespace: "fleet-local"},
			Spec:       v1alpha1.WebhookReceiverSpec{Targets: v1alpha1.Targets{NamespaceSelector: nsSel, Selector: sel}},
		}
	}
	team := &metav1.LabelSelector{MatchLabels: map[string]string{"team": "a"}}
	byName := &metav1.LabelSelector{MatchLabels: map[string]string{corev1.LabelMetadataName: "other"}}
	tests := map[string]struct {
		wr       *v1alpha1.WebhookReceiver
		ns       string
		nsLabels map[string]string
		grLabels map[string]string
		want     bool
	}{
		"own namespace":                   {wr(nil, nil), "fleet-local", nil, nil, true},
		"other namespace":                 {wr(nil, nil), "other", map[string]string{"team": "a"}, nil, false},
		"empty namespaceSelector":         {wr(&metav1.LabelSelector{}, nil), "other", map[string]string{}, nil, true},
		"namespaceSelector matches":       {wr(team, nil), "other", map[string]string{"team": "a"}, nil, true},
		"namespaceSelector differs":       {wr(team, nil), "other", map[string]string{"team": "b"}, nil, false},
		"namespaceSelector, own excluded": {wr(team, nil), "fleet-local", map[string]string{}, nil, false},
		"labels unknown fail closed":      {wr(team, nil), "other", nil, nil, false},
		"labels unknown, by name":         {wr(byName, nil), "other", nil, nil, true},
		"labels unknown, by other name":   {wr(byName, nil), "third", nil, nil, false},
		"selector matches":                {wr(nil, team), "fleet-local", nil, map[string]string{"team": "a"}, true},
		"selector differs":                {wr(nil, team), "fleet-local", nil, map[string]string{"team": "b"}, false},
		"selector, unlabelled GitRepo":    {wr(nil, team), "fleet-local", nil, nil, false},
		"empty selector":                  {wr(nil, &metav1.LabelSelector{}), "fleet-local", nil, nil, true},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			s, err := NewScope(tc.wr)
			if err != nil {
				t.Fatal(err)
			}
			gr := &fleet.GitRepo{ObjectMeta: metav1.ObjectMeta{Namespace: tc.ns, Labels: tc.grLabels}}
			got := s.AllowsNamespace(tc.ns, tc.nsLabels) && s.Selects(gr)
			if got != tc.want {
				t.Fatalf("in scope = %v, want %v", got, tc.want)
			}
		})
	}
}

func TestNewScopeInvalid(t *testing.T) {
	bad := &metav1.LabelSelector{MatchExpressions: []metav1.LabelSelectorRequirement{{Key: "a", Operator: "Bogus"}}}
	for name, targets := range map[string]v1alpha1.Targets{
		"namespaceSelector": {NamespaceSelector: bad},
		"selector":          {Selector: bad},
	} {
		t.Run(name, func(t *testing.T) {
			wr := &v1alpha1.WebhookReceiver{Spec: v1alpha1.WebhookReceiverSpec{Targets: targets}}
			if _, err := NewScope(wr); err == nil {
				t.Fatal("want an error for an invalid selector")
			}
		})
	}
}

func TestIndexFunc(t *testing.T) {
	tests := map[string]struct {
		repo string
		want []string
	}{
		"https":       {"https://github.com/Org/Repo.git", []string{"github.com/org/repo"}},
		"scp":         {"git@github.com:org/repo", []string{"github.com/org/repo"}},
		"unparseable": {"not a url", nil},
		"empty":       {"", nil},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			got := IndexFunc(&fleet.GitRepo{Spec: fleet.GitRepoSpec{Repo: tc.repo}})
			if len(got) != len(tc.want) || (len(got) == 1 && got[0] != tc.want[0]) {
				t.Fatalf("IndexFunc = %v, want %v", got, tc.want)
			}
		})
	}
	if got := IndexFunc(&corev1.Secret{}); got != nil {
		t.Fatalf("IndexFunc on a Secret = %v, want nil", got)
	}
}

func TestTransform(t *testing.T) {
	poll := &metav1.Duration{Duration: time.Minute}
	in := &fleet.GitRepo{
		ObjectMeta: metav1.ObjectMeta{
			Name: "a", Namespace: "ns", UID: "u1", ResourceVersion: "7", Generation: 3,
			Labels: map[string]string{"team": "a"},
			Annotations: map[string]string{"kubectl.kubernetes.io/last-applied-configuration": "{...}",
				v1alpha1.AnnotationWatchPaths: "charts/"},
			ManagedFields: []metav1.ManagedFieldsEntry{{Manager: "kubectl"}},
		},
		Spec: fleet.GitRepoSpec{
			Repo: "https://github.com/org/repo", Branch: "main", Revision: "v1",
			PollingInterval: poll, DisablePolling: true, WebhookSecret: "s", Paths: []string{"a", "b"},
			Targets: []fleet.GitTarget{{Name: "t"}}, ClientSecretName: "c",
		},
		Status: fleet.GitRepoStatus{
			WebhookCommit: "abc", Commit: "def",
			StatusBase: fleet.StatusBase{Resources: []fleet.Resource{{Name: "r"}}},
		},
	}
	entry, err := Transform(in)
	if err != nil {
		t.Fatal(err)
	}
	// Reads through controller-runtime's cache deep-copy the entry: that
	// copy is the GitRepo every reader sees.
	out, ok := entry.(client.Object).DeepCopyObject().(*fleet.GitRepo)
	if !ok {
		t.Fatalf("a copy of the cache entry is %T, want *fleet.GitRepo", entry.(client.Object).DeepCopyObject())
	}
	kept := out.Name == "a" && out.Namespace == "ns" && out.UID == "u1" && out.ResourceVersion == "7" &&
		out.Generation == 3 && out.Labels["team"] == "a" && out.Spec.Repo == in.Spec.Repo &&
		out.Spec.Branch == "main" && out.Spec.Revision == "v1" && *out.Spec.PollingInterval == *poll &&
		out.Spec.DisablePolling && out.Spec.WebhookSecret == "s" && out.Status.WebhookCommit == "abc" &&
		len(out.Spec.Paths) == 2 && len(out.Annotations) == 1 && out.Annotations[v1alpha1.AnnotationWatchPaths] == "charts/"
	if !kept {
		t.Fatalf("Transform lost a field matching reads: %+v", out)
	}
	dropped := out.ManagedFields == nil &&
		out.Spec.Targets == nil && out.Spec.ClientSecretName == "" && out.Status.Commit == "" &&
		out.Status.Resources == nil
	if !dropped {
		t.Fatalf("Transform kept a field nothing reads: %+v", out)
	}
	// A reader may change its copy; the cache entry must not follow.
	out.Labels["team"], out.Spec.Paths[0], out.Spec.PollingInterval.Duration = "b", "z", time.Hour
	again, _ := FromCache(entry)
	if again.Labels["team"] != "a" || again.Spec.Paths[0] != "a" || again.Spec.PollingInterval.Duration != time.Minute {
		t.Fatalf("changing a copy changed the cache entry: %+v", again)
	}
	// Informers and label selectors read the entry's own metadata.
	if m := entry.(client.Object); m.GetLabels()["team"] != "a" || len(m.GetAnnotations()) != 1 || m.GetName() != "a" {
		t.Fatalf("cache entry metadata: labels %v, annotations %v, name %q", m.GetLabels(), m.GetAnnotations(), m.GetName())
	}
	if got, _ := Transform(entry); got != entry {
		t.Fatalf("Transform changed an entry already transformed")
	}
	if got := IndexFunc(entry.(client.Object)); len(got) != 1 || got[0] != "github.com/org/repo" {
		t.Fatalf("IndexFunc on the cache entry = %v", got)
	}
	if gr, ok := FromCache(toolscache.DeletedFinalStateUnknown{Key: "ns/a", Obj: entry}); !ok || gr.Name != "a" {
		t.Fatalf("FromCache on a tombstone = %v, %v", gr, ok)
	}
	if _, ok := FromCache(&corev1.Secret{}); ok {
		t.Fatal("FromCache took a Secret for a GitRepo")
	}
	tomb := "not a GitRepo"
	if got, _ := Transform(tomb); got != tomb {
		t.Fatalf("Transform changed a non-GitRepo: %v", got)
	}
	ns, _ := TransformNamespace(&corev1.Namespace{ObjectMeta: metav1.ObjectMeta{
		Name: "n", Labels: map[string]string{"x": "y"}, Annotations: map[string]string{"a": "b"},
	}, Spec: corev1.NamespaceSpec{Finalizers: []corev1.FinalizerName{"kubernetes"}}})
	if n := ns.(*corev1.Namespace); n.Name != "n" || n.Labels["x"] != "y" || n.Annotations != nil || n.Spec.Finalizers != nil {
		t.Fatalf("TransformNamespace = %+v", n)
	}
}
