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

package receiver

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/webhook-operator/webhook-operator/internal/gitsim"
	"github.com/webhook-operator/webhook-operator/internal/push"
)

// staticGitRepoSecrets is a fixed set of GitRepos' own Secrets.
type staticGitRepoSecrets []map[string][]byte

func (s staticGitRepoSecrets) Any(f func(map[string][]byte) bool) (found, complete bool) {
	for _, d := range s {
		if f(d) {
			return true, true
		}
	}
	return false, true
}

// loadingGitRepoSecrets are GitRepos' own Secrets of which some are not
// listed yet: a new replica, or a slow API server.
type loadingGitRepoSecrets struct{ staticGitRepoSecrets }

func (s loadingGitRepoSecrets) Any(f func(map[string][]byte) bool) (found, complete bool) {
	found, _ = s.staticGitRepoSecrets.Any(f)
	return found, false
}

// A delivery the receiver's secret refuses goes on to matching only while
// some GitRepo names a Secret with a key for its provider, and then only the
// GitRepos its own Secret verifies are triggered (Fleet's precedence of
// spec.webhookSecret); everything else stays 401 and names nothing.
func TestOwnSecrets(t *testing.T) {
	ghPush := fixture(t, "github/push.json")
	own := []byte("team-secret")
	ownGitHub := staticGitRepoSecrets{{"github": own}}
	gh := func(secret []byte) func(string) *http.Request {
		return func(url string) *http.Request {
			return gitsim.Delivery{Provider: "github", Event: "push", Payload: ghPush, Secret: secret}.Request(url)
		}
	}
	gl := func(token []byte) func(string) *http.Request {
		return func(url string) *http.Request {
			return gitsim.Delivery{Provider: "gitlab", Event: "Push Hook", Payload: fixture(t, "gitlab/push.json"),
				Secret: token}.Request(url)
		}
	}
	written := func(_ context.Context, req push.Request) (push.Result, error) {
		return push.Result{Written: []push.Trigger{{Namespace: "team", Name: "app", Commit: req.Events[0].Commit}},
			Skipped: []push.Skip{{Namespace: "team", Name: "other", Reason: "does not verify"}}}, nil
	}
	undecided := func(ctx context.Context, req push.Request) (push.Result, error) {
		res, err := written(ctx, req)
		res.Undecided = []push.Skip{{Namespace: "team", Name: "loading", Reason: "spec.webhookSecret s not readable right now"}}
		return res, err
	}
	nothing := func(context.Context, push.Request) (push.Result, error) {
		return push.Result{Unmatched: "no GitRepo matched: team/app: request does not verify with spec.webhookSecret s",
			Skipped: []push.Skip{{Namespace: "team", Name: "app", Reason: "does not verify"}}}, nil
	}
	tests := map[string]struct {
		settings   Settings
		own        GitRepoSecrets
		dispatch   func(context.Context, push.Request) (push.Result, error)
		req        func(string) *http.Request
		code       int
		dispatched bool
		// signedWithOwn: the delivery verifies with the GitRepo's own secret.
		signedWithOwn bool
		names         []string // substrings the body must hold
		noNames       []string // and must not
	}{
		"no GitRepo secrets: refused before parsing": {own: nil, req: gh(own), code: 401},
		"GitRepo secrets for another provider only":  {own: staticGitRepoSecrets{{"gitlab": own}}, req: gh(own), code: 401},
		"own secret verifies": {own: ownGitHub, dispatch: written, req: gh(own), code: 200, dispatched: true, signedWithOwn: true,
			names: []string{`"name":"app"`, "1 other matched GitRepo"}, noNames: []string{`"other"`, "skipped"}},
		"nothing verifies: refused before parsing": {own: ownGitHub, dispatch: nothing, req: gh([]byte("guess")), code: 401,
			noNames: []string{"team/app", `"name"`}},
		"a GitRepo secret verifies, no matched GitRepo's does": {own: ownGitHub, dispatch: nothing, req: gh(own), code: 401,
			dispatched: true, signedWithOwn: true, noNames: []string{"team/app", `"name"`}},
		"unsigned: refused from the headers": {own: ownGitHub, dispatch: nothing, req: gh(nil), code: 401,
			noNames: []string{`"name"`}},
		"gitlab token of no secret: refused from the headers": {own: staticGitRepoSecrets{{"gitlab": own}}, dispatch: nothing,
			req: gl([]byte("guess")), code: 401},
		"gitlab token of a GitRepo's secret: deferred": {own: staticGitRepoSecrets{{"gitlab": own}}, dispatch: written,
			req: gl(own), code: 200, dispatched: true, signedWithOwn: true, names: []string{`"name":"app"`}},
		"receiver key missing, nothing verifies: 503 as without GitRepo secrets": {settings: StaticSettings{}, own: ownGitHub,
			dispatch: nothing, req: gh([]byte("guess")), code: 503, noNames: []string{`"name"`}},
		"GitRepo secrets still loading: 503": {own: loadingGitRepoSecrets{staticGitRepoSecrets{{"gitlab": own}}},
			dispatch: nothing, req: gh([]byte("guess")), code: 503},
		"GitRepo secrets still loading, one verifies: deferred": {own: loadingGitRepoSecrets{ownGitHub}, dispatch: written,
			req: gh(own), code: 200, dispatched: true, signedWithOwn: true, names: []string{`"name":"app"`}},
		"GitRepo secrets still loading, signature missing: 401": {own: loadingGitRepoSecrets{ownGitHub}, req: gh(nil),
			code: 401},
		"ignored event stays 401": {own: ownGitHub, code: 401, req: func(url string) *http.Request {
			return gitsim.Delivery{Provider: "github", Event: "issues", Payload: fixture(t, "github/issues.json"), Secret: own}.Request(url)
		}},
		"malformed payload stays 401": {own: ownGitHub, code: 401, req: func(url string) *http.Request {
			return gitsim.Delivery{Provider: "github", Event: "push", Payload: []byte(`{"ref": 42}`), Secret: own}.Request(url)
		}},
		"no receiver secret, not allowed: deferred": {settings: StaticSettings{}, own: ownGitHub, dispatch: written,
			req: gh(own), code: 200, dispatched: true, signedWithOwn: true, names: []string{`"name":"app"`}},
		"receiver secret verifies, a GitRepo's secret not readable yet: 503": {own: ownGitHub, dispatch: undecided,
			req: gh(secretOf("github")), code: 503, dispatched: true, names: []string{`"name":"app"`, "not readable right now"}},
		"own secret verifies, another GitRepo's secret not readable yet: 503": {own: ownGitHub, dispatch: undecided,
			req: gh(own), code: 503, dispatched: true, signedWithOwn: true, names: []string{`"name":"app"`},
			noNames: []string{"loading"}},
		"receiver secret verifies: skipped GitRepos named": {own: ownGitHub, dispatch: written, req: gh(secretOf("github")),
			code: 200, dispatched: true, names: []string{`"skipped"`, `"name":"other"`, "does not verify"}},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			settings := tc.settings
			if settings == nil {
				settings = StaticSettings{Secrets: allSecrets()}
			}
			ts := newTestServer(t, settings, Options{GitRepoSecrets: tc.own})
			ts.d.fn = tc.dispatch
			r := do(t, tc.req(ts.URL))
			if r.code != tc.code {
				t.Fatalf("got %d, want %d: %s", r.code, tc.code, r.raw)
			}
			if (r.hdr.Get("Retry-After") != "") != (tc.code == http.StatusServiceUnavailable) {
				t.Errorf("%d with Retry-After %q", r.code, r.hdr.Get("Retry-After"))
			}
			reqs := ts.d.requests()
			if (len(reqs) > 0) != tc.dispatched {
				t.Fatalf("dispatched %d requests, want dispatched=%v", len(reqs), tc.dispatched)
			}
			if tc.dispatched {
				verifiedByReceiver := strings.Contains(name, "receiver secret verifies")
				if got := reqs[0]; got.OwnSecretsOnly == verifiedByReceiver || got.Authenticated != verifiedByReceiver {
					t.Errorf("ownSecretsOnly=%v authenticated=%v", got.OwnSecretsOnly, got.Authenticated)
				}
				// The dispatcher checks GitRepos' own Secrets through these.
				s, ok := reqs[0].SecretIn(map[string][]byte{"github": own, "gitlab": own})
				if !ok || reqs[0].Verify(s) != tc.signedWithOwn {
					t.Errorf("Verify(own secret) = %v, want %v", reqs[0].Verify(s), tc.signedWithOwn)
				}
			}
			for _, n := range tc.names {
				if !strings.Contains(r.raw, n) {
					t.Errorf("body lacks %s: %s", n, r.raw)
				}
			}
			for _, n := range tc.noNames {
				if strings.Contains(r.raw, n) {
					t.Errorf("body holds %s: %s", n, r.raw)
				}
			}
		})
	}
}

// A Fleet gitjob-webhook Secret works as the receiver's: Bitbucket Cloud
// unsigned with the hook UUID as key, Gitea verified with the gogs key on a
// receiver that enables gogs only, Azure with azure-username/-password.
func TestFleetSecretDropIn(t *testing.T) {
	const uuid = "{5f0b1c2e-8d3a-4e6b-9c1d-2a3b4c5d6e7f}"
	fleetSecret := map[string][]byte{"github": []byte("gh"), "bitbucket": []byte(uuid), "gogs": []byte("gg"),
		"azure-username": []byte("fleet"), "azure-password": []byte("pw")}
	settings := StaticSettings{Secrets: fleetSecret, Providers: []string{"github", "bitbucket", "gogs", "azure-password"}}
	tests := map[string]struct {
		d    gitsim.Delivery
		code int
	}{
		"github":                  {gitsim.Delivery{Provider: "github", Event: "push", Payload: fixture(t, "github/push.json"), Secret: []byte("gh")}, 200},
		"bitbucket hook uuid":     {gitsim.Delivery{Provider: "bitbucket", Event: "repo:push", Payload: fixture(t, "bitbucket/push.json"), HookUUID: uuid}, 200},
		"bitbucket other uuid":    {gitsim.Delivery{Provider: "bitbucket", Event: "repo:push", Payload: fixture(t, "bitbucket/push.json"), HookUUID: "{x}"}, 401},
		"bitbucket hmac with key": {gitsim.Delivery{Provider: "bitbucket", Event: "repo:push", Payload: fixture(t, "bitbucket/push.json"), Secret: []byte(uuid)}, 200},
		"bitbucket bad hmac, uuid right": {gitsim.Delivery{Provider: "bitbucket", Event: "repo:push", Payload: fixture(t, "bitbucket/push.json"),
			Secret: []byte("x"), HookUUID: uuid}, 401},
		"gogs":                {gitsim.Delivery{Provider: "gogs", Event: "push", Payload: fixture(t, "gogs/push.json"), Secret: []byte("gg")}, 200},
		"gitea with gogs key": {gitsim.Delivery{Provider: "gitea", Event: "push", Payload: fixture(t, "gitea/push.json"), Secret: []byte("gg")}, 200},
		"gitea wrong key":     {gitsim.Delivery{Provider: "gitea", Event: "push", Payload: fixture(t, "gitea/push.json"), Secret: []byte("gh")}, 401},
		"azure":               {gitsim.Delivery{Provider: "azure-password", Payload: fixture(t, "azure/push.json"), Secret: []byte("fleet:pw")}, 200},
		"azure wrong user":    {gitsim.Delivery{Provider: "azure-password", Payload: fixture(t, "azure/push.json"), Secret: []byte("webhook:pw")}, 401},
		"azure no auth":       {gitsim.Delivery{Provider: "azure-password", Payload: fixture(t, "azure/push.json")}, 401},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			ts := newTestServer(t, settings, Options{})
			r := do(t, tc.d.Request(ts.URL))
			if r.code != tc.code {
				t.Fatalf("got %d, want %d: %s", r.code, tc.code, r.raw)
			}
			if (r.hdr.Get("Retry-After") != "") != (tc.code == http.StatusServiceUnavailable) {
				t.Errorf("%d with Retry-After %q", r.code, r.hdr.Get("Retry-After"))
			}
			if tc.code == 200 && len(r.body.Triggered) == 0 {
				t.Fatalf("nothing triggered: %s", r.raw)
			}
		})
	}
	// Gitea is refused where neither gitea nor gogs is enabled.
	ts := newTestServer(t, StaticSettings{Secrets: fleetSecret, Providers: []string{"github"}}, Options{})
	r := do(t, gitsim.Delivery{Provider: "gitea", Event: "push", Payload: fixture(t, "gitea/push.json"), Secret: []byte("gg")}.Request(ts.URL))
	if r.code != http.StatusForbidden {
		t.Fatalf("gitea without gogs: got %d: %s", r.code, r.raw)
	}
}

// The Azure DevOps service hook "Test" button sends a sample git.push of
// Microsoft's sample repository: verified like any delivery, 200, and only
// a GitRepo of that repository could be triggered. Its event name is read
// from the body.
func TestAzureTestButtonAndEvents(t *testing.T) {
	ts := newTestServer(t, StaticSettings{Secrets: allSecrets()}, Options{})
	ts.d.fn = func(context.Context, push.Request) (push.Result, error) {
		return push.Result{Unmatched: "no GitRepo matched"}, nil
	}
	sample := fixture(t, "azure/test_sample.json")
	r := do(t, gitsim.Delivery{Provider: "azure-password", Payload: sample, Secret: secretOf("azure-password")}.Request(ts.URL))
	if r.code != 200 || r.body.Status != StatusNothingMatched || r.body.Event != "git.push" {
		t.Fatalf("test button: got %d %s", r.code, r.raw)
	}
	reqs := ts.d.requests()
	if len(reqs) != 1 || reqs[0].Events[0].RepoURLs[0] != "https://fabrikam-fiber-inc.visualstudio.com/DefaultCollection/_git/Fabrikam-Fiber-Git" {
		t.Fatalf("dispatched %+v", reqs)
	}
	if r := do(t, gitsim.Delivery{Provider: "azure-password", Payload: sample, Secret: []byte("guess")}.Request(ts.URL)); r.code != 401 {
		t.Fatalf("test button, wrong password: got %d %s", r.code, r.raw)
	}
	r = do(t, gitsim.Delivery{Provider: "azure-password", Payload: fixture(t, "azure/pr_created.json"), Secret: secretOf("azure-password")}.Request(ts.URL))
	if r.code != 200 || r.body.Status != StatusIgnored || !strings.Contains(r.body.Reason, "git.pullrequest.created") {
		t.Fatalf("pull request event: got %d %s", r.code, r.raw)
	}
}

// A wrongly signed delivery must get the same refusal whether or not some
// GitRepo in the targets names a spec.webhookSecret with a key for its
// provider: otherwise anyone who can reach the URL learns that one does
// (the deferred refusal adds "no matched GitRepo's spec.webhookSecret
// verifies it either", and a ping or ignored event does not).
func TestUnverifiedRefusalSaysNothingOfGitRepoSecrets(t *testing.T) {
	ghPush := fixture(t, "github/push.json")
	nothing := func(context.Context, push.Request) (push.Result, error) {
		return push.Result{Unmatched: "no GitRepo matched"}, nil
	}
	reasons := map[string]string{}
	for name, own := range map[string]GitRepoSecrets{
		"no GitRepo secrets":        nil,
		"a GitRepo's github secret": staticGitRepoSecrets{{"github": []byte("team-secret")}},
	} {
		ts := newTestServer(t, StaticSettings{Secrets: allSecrets()}, Options{GitRepoSecrets: own})
		ts.d.fn = nothing
		r := do(t, gitsim.Delivery{Provider: "github", Event: "push", Payload: ghPush, Secret: []byte("guess")}.Request(ts.URL))
		if r.code != http.StatusUnauthorized {
			t.Fatalf("%s: got %d %s, want 401", name, r.code, r.raw)
		}
		reasons[name] = r.body.Reason
	}
	if a, b := reasons["no GitRepo secrets"], reasons["a GitRepo's github secret"]; a != b {
		t.Fatalf("the refusal tells GitRepo secrets apart:\n without: %q\n with:    %q", a, b)
	}
}
