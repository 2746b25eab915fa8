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

package dispatch

import (
	"context"
	"slices"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"
)

// Fleet's precedence: a GitRepo with its own spec.webhookSecret is
// triggered exactly when the request verifies with that Secret, whatever
// the receiver's secret says; a GitRepo without one exactly when the
// receiver's secret verifies it (or the provider is allowed unsigned).
func TestWebhookSecretPrecedence(t *testing.T) {
	const receiverSecret, teamSecret = "receiver-secret", "team-secret"
	objs := []client.Object{
		&corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: "team", Namespace: testNS}, Data: map[string][]byte{"github": []byte(teamSecret)}},
		&corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: "gitlab-only", Namespace: testNS}, Data: map[string][]byte{"gitlab": []byte(teamSecret)}},
	}
	for name, secret := range map[string]string{"own": "team", "no-key": "gitlab-only", "plain": ""} {
		gr := testGitRepo(name, "https://github.com/org/app", "main")
		gr.Spec.WebhookSecret = secret
		objs = append(objs, gr)
	}
	tests := map[string]struct {
		authenticated, ownSecretsOnly bool
		verifiesWith, hosts           []string
		triggered, skipped            []string
		polling                       bool
	}{
		"receiver's secret, not the GitRepo's": {authenticated: true, verifiesWith: []string{receiverSecret},
			triggered: []string{"plain"}, skipped: []string{"own", "no-key"}, polling: true},
		"receiver's secret equal to the GitRepo's": {authenticated: true, verifiesWith: []string{receiverSecret, teamSecret},
			triggered: []string{"plain", "own"}, skipped: []string{"no-key"}, polling: true},
		"GitRepo's secret only": {ownSecretsOnly: true, verifiesWith: []string{teamSecret},
			triggered: []string{"own"}, skipped: []string{"plain", "no-key"}, polling: true},
		"neither": {ownSecretsOnly: true, skipped: []string{"own", "plain", "no-key"}},
		"unsigned, allowed, GitRepo's secret verifies": {verifiesWith: []string{teamSecret}, hosts: []string{"github.com"},
			triggered: []string{"plain", "own"}, skipped: []string{"no-key"}},
		"unsigned, allowed on other hosts, GitRepo's secret verifies": {verifiesWith: []string{teamSecret},
			hosts: []string{"git.internal.example"}, triggered: []string{"own"}, skipped: []string{"no-key"}},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			fe := newFakeEnv(t, Options{}, objs...)
			defer fe.run()()
			req := githubPush("org/app", "main", "c1")
			req.Authenticated, req.OwnSecretsOnly, req.Hosts = tc.authenticated, tc.ownSecretsOnly, tc.hosts
			req.Verify = func(s []byte) bool { return slices.Contains(tc.verifiesWith, string(s)) }
			res, err := fe.d.Dispatch(context.Background(), req)
			if err != nil {
				t.Fatal(err)
			}
			var triggered, skipped []string
			for _, w := range res.Written {
				triggered = append(triggered, w.Name)
			}
			for _, s := range res.Skipped {
				skipped = append(skipped, s.Name)
				if s.Reason == "" || s.Namespace != testNS {
					t.Errorf("skip without reason: %+v", s)
				}
			}
			if !sameSet(triggered, tc.triggered) || !sameSet(skipped, tc.skipped) {
				t.Fatalf("triggered %v skipped %v, want %v and %v (%+v)", triggered, skipped, tc.triggered, tc.skipped, res)
			}
			for _, s := range res.Skipped {
				if s.Name == "no-key" && !strings.Contains(s.Reason, "no key for provider github") {
					t.Errorf("no-key skipped for %q", s.Reason)
				}
			}
			for _, name := range tc.triggered {
				if got := fe.gitRepo(t, name).Spec.PollingInterval != nil; got != tc.polling {
					t.Errorf("%s: pollingInterval set = %v, want %v", name, got, tc.polling)
				}
			}
		})
	}
}

func sameSet(a, b []string) bool {
	a, b = slices.Clone(a), slices.Clone(b)
	slices.Sort(a)
	slices.Sort(b)
	return slices.Equal(a, b)
}
