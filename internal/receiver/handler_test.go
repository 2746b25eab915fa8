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
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/go-logr/logr"
	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"

	"github.com/webhook-operator/webhook-operator/api/v1alpha1"
	"github.com/webhook-operator/webhook-operator/internal/gitsim"
	"github.com/webhook-operator/webhook-operator/internal/push"
	"github.com/webhook-operator/webhook-operator/internal/receiver/provider"
)

// fakeDispatcher records requests and answers with fn, or by default
// "written" for every event.
type fakeDispatcher struct {
	mu  sync.Mutex
	got []push.Request
	fn  func(ctx context.Context, req push.Request) (push.Result, error)
}

func (d *fakeDispatcher) Dispatch(ctx context.Context, req push.Request) (push.Result, error) {
	d.mu.Lock()
	d.got = append(d.got, req)
	d.mu.Unlock()
	if d.fn != nil {
		return d.fn(ctx, req)
	}
	var res push.Result
	for i, e := range req.Events {
		res.Written = append(res.Written, push.Trigger{Namespace: "fleet-default", Name: "repo-" + string(rune('a'+i)), Commit: e.Commit})
	}
	return res, nil
}

func (d *fakeDispatcher) requests() []push.Request {
	d.mu.Lock()
	defer d.mu.Unlock()
	return append([]push.Request(nil), d.got...)
}

func secretOf(key string) []byte { return []byte("s3cr3t-" + key + "-value") }

func allSecrets() map[string][]byte {
	m := map[string][]byte{}
	for _, p := range provider.All() {
		m[p.Key()] = secretOf(p.Key())
	}
	m[v1alpha1.SecretKeyAzureUsername] = []byte("webhook")
	return m
}

// credentialOf is the secret the provider's Verify takes for allSecrets:
// Azure DevOps' is "username:password" (gitsim sends a bare password as
// the user "webhook").
func credentialOf(key string) []byte {
	if key == v1alpha1.SecretKeyAzurePassword {
		return append([]byte("webhook:"), secretOf(key)...)
	}
	return secretOf(key)
}

func fixture(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("provider", "testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

type testServer struct {
	*httptest.Server
	d *fakeDispatcher
}

func newTestServer(t *testing.T, settings Settings, opts Options) *testServer {
	t.Helper()
	d := &fakeDispatcher{}
	opts.Settings, opts.Dispatcher, opts.Logger = settings, d, logr.Discard()
	srv := httptest.NewServer(NewServer(opts).Handler())
	t.Cleanup(srv.Close)
	return &testServer{Server: srv, d: d}
}

type result struct {
	code int
	hdr  http.Header
	body Response
	raw  string
}

func do(t *testing.T, req *http.Request) result {
	t.Helper()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	r := result{code: resp.StatusCode, hdr: resp.Header, raw: string(raw)}
	if err := json.Unmarshal(raw, &r.body); err != nil {
		t.Fatalf("response is not JSON (%d): %q", resp.StatusCode, raw)
	}
	return r
}

// providerCase is one provider's fixtures and event names.
type providerCase struct {
	push, tag, deleted  string // fixtures
	pushEvent, tagEvent string
	otherEvent          string
	other               string // fixture of otherEvent, when the body names the event (Azure)
	unsignedBody        bool   // the secret does not cover the body (GitLab, Azure)
	ping, pingEvent     string
	form                bool
	commit, tagCommit   string
}

var providerCases = map[string]providerCase{
	"github": {push: "github/push.json", tag: "github/push_tag.json", deleted: "github/push_deleted.json",
		pushEvent: "push", tagEvent: "push", otherEvent: "issues", ping: "github/ping.json", pingEvent: "ping", form: true,
		commit: "0d1a26e67d8f5eaf1f6ba5c57fc3c7d91ac0fd1c", tagCommit: "7c1f0d8e9a3b2c4d5e6f708192a3b4c5d6e7f801"},
	"gitlab": {push: "gitlab/push.json", tag: "gitlab/tag_push.json", deleted: "gitlab/push_deleted.json",
		pushEvent: "Push Hook", tagEvent: "Tag Push Hook", otherEvent: "Issue Hook",
		commit: "da1560886d4f094c3e6c9ef40349f7d38b5d27d7", tagCommit: "da1560886d4f094c3e6c9ef40349f7d38b5d27d7", unsignedBody: true},
	"bitbucket": {push: "bitbucket/push.json", tag: "bitbucket/push_tag.json", deleted: "bitbucket/push_deleted.json",
		pushEvent: "repo:push", tagEvent: "repo:push", otherEvent: "issue:created",
		commit: "709d658dc5b6d6afcd46049c2f332ee3f515a67d", tagCommit: "709d658dc5b6d6afcd46049c2f332ee3f515a67d"},
	"bitbucket-server": {push: "bitbucket-server/refs_changed.json", tag: "bitbucket-server/refs_changed_tag.json", deleted: "bitbucket-server/refs_changed_deleted.json",
		pushEvent: "repo:refs_changed", tagEvent: "repo:refs_changed", otherEvent: "pr:opened", ping: "bitbucket-server/ping.json", pingEvent: "diagnostics:ping",
		commit: "178864a7d521b6f5e720b386b2c2b0ef8563e0dc", tagCommit: "178864a7d521b6f5e720b386b2c2b0ef8563e0dc"},
	"gogs": {push: "gogs/push.json", tag: "gogs/push_tag.json", deleted: "gogs/push_deleted.json",
		pushEvent: "push", tagEvent: "push", otherEvent: "delete", form: true,
		commit: "bffeb74224043ba2feb48d137756c8a9331c449a", tagCommit: "bffeb74224043ba2feb48d137756c8a9331c449a"},
	"gitea": {push: "gitea/push.json", tag: "gitea/push_tag.json", deleted: "gitea/push_deleted.json",
		pushEvent: "push", tagEvent: "push", otherEvent: "delete", form: true,
		commit: "bffeb74224043ba2feb48d137756c8a9331c449a", tagCommit: "bffeb74224043ba2feb48d137756c8a9331c449a"},
	"azure-password": {push: "azure/push.json", tag: "azure/push_tag.json", deleted: "azure/push_deleted.json",
		pushEvent: "git.push", tagEvent: "git.push", otherEvent: "git.pullrequest.created", other: "azure/pr_created.json", unsignedBody: true,
		commit: "3f6c1a9e2b7d4c8e0a5f1b3d7e9c2a4f6b8d0e1c", tagCommit: "3f6c1a9e2b7d4c8e0a5f1b3d7e9c2a4f6b8d0e1c"},
}

// TestProviders runs every provider through the HTTP handler with its
// payloads, signed as the provider signs them.
func TestProviders(t *testing.T) {
	const limit = 64 << 10
	for key, pc := range providerCases {
		t.Run(key, func(t *testing.T) {
			secret := secretOf(key)
			pushPayload := fixture(t, pc.push)
			otherPayload := pushPayload
			if pc.other != "" {
				otherPayload = fixture(t, pc.other)
			}
			type tc struct {
				d          gitsim.Delivery
				mutate     func(h http.Header, body []byte) []byte
				code       int
				status     string
				dispatched bool
				commit     string
				tag        bool
			}
			cases := map[string]tc{
				"valid": {d: gitsim.Delivery{Event: pc.pushEvent, Payload: pushPayload, Secret: secret},
					code: 200, status: StatusTriggered, dispatched: true, commit: pc.commit},
				"wrong secret": {d: gitsim.Delivery{Event: pc.pushEvent, Payload: pushPayload, Secret: []byte("not-the-secret")},
					code: 401, status: StatusError},
				"missing signature": {d: gitsim.Delivery{Event: pc.pushEvent, Payload: pushPayload},
					code: 401, status: StatusError},
				"wrong event": {d: gitsim.Delivery{Event: pc.otherEvent, Payload: otherPayload, Secret: secret},
					code: 200, status: StatusIgnored},
				"deleted ref": {d: gitsim.Delivery{Event: pc.pushEvent, Payload: fixture(t, pc.deleted), Secret: secret},
					code: 200, status: StatusNothingMatched},
				"tag push": {d: gitsim.Delivery{Event: pc.tagEvent, Payload: fixture(t, pc.tag), Secret: secret},
					code: 200, status: StatusTriggered, dispatched: true, commit: pc.tagCommit, tag: true},
				"unknown content type": {d: gitsim.Delivery{Event: pc.pushEvent, Payload: pushPayload, Secret: secret},
					mutate: func(h http.Header, b []byte) []byte { h.Set("Content-Type", "text/plain"); return b },
					code:   415, status: StatusError},
				"truncated JSON": {d: gitsim.Delivery{Event: pc.pushEvent, Payload: pushPayload[:len(pushPayload)/2], Secret: secret},
					code: 400, status: StatusError},
				"empty body": {d: gitsim.Delivery{Event: pc.pushEvent, Payload: []byte{}, Secret: secret},
					code: 400, status: StatusError},
				"huge body": {d: gitsim.Delivery{Event: pc.pushEvent, Payload: append(bytes.Repeat([]byte(" "), limit), pushPayload...), Secret: secret},
					code: 413, status: StatusError},
			}
			if !pc.unsignedBody {
				cases["tampered body"] = tc{d: gitsim.Delivery{Event: pc.pushEvent, Payload: pushPayload, Secret: secret},
					mutate: func(_ http.Header, b []byte) []byte {
						return bytes.Replace(b, []byte(pc.commit), []byte(strings.Repeat("f", len(pc.commit))), 1)
					},
					code: 401, status: StatusError}
			}
			if pc.ping != "" {
				cases["ping"] = tc{d: gitsim.Delivery{Event: pc.pingEvent, Payload: fixture(t, pc.ping), Secret: secret},
					code: 200, status: StatusPong}
			}
			if pc.form {
				cases["form-encoded"] = tc{d: gitsim.Delivery{Event: pc.pushEvent, Payload: pushPayload, Secret: secret, Form: true},
					code: 200, status: StatusTriggered, dispatched: true, commit: pc.commit}
				cases["form-encoded wrong secret"] = tc{d: gitsim.Delivery{Event: pc.pushEvent, Payload: pushPayload, Secret: []byte("x"), Form: true},
					code: 401, status: StatusError}
			}
			for name, c := range cases {
				t.Run(name, func(t *testing.T) {
					ts := newTestServer(t, StaticSettings{Secrets: allSecrets()}, Options{MaxBodyBytes: limit})
					c.d.Provider = key
					h, body := c.d.Build()
					if c.mutate != nil {
						body = c.mutate(h, body)
					}
					req, _ := http.NewRequest(http.MethodPost, ts.URL+"/", bytes.NewReader(body))
					req.Header = h
					r := do(t, req)
					if r.code != c.code || r.body.Status != c.status {
						t.Fatalf("got %d %q, want %d %q: %s", r.code, r.body.Status, c.code, c.status, r.raw)
					}
					if r.body.Provider != key {
						t.Errorf("provider = %q", r.body.Provider)
					}
					if strings.Contains(r.raw, string(secret)) {
						t.Errorf("response leaks the secret: %s", r.raw)
					}
					reqs := ts.d.requests()
					if !c.dispatched {
						if len(reqs) != 0 {
							t.Fatalf("dispatched %d requests, want none", len(reqs))
						}
						if len(r.body.Triggered) != 0 {
							t.Errorf("triggered = %v", r.body.Triggered)
						}
						return
					}
					if len(reqs) != 1 {
						t.Fatalf("dispatched %d requests, want 1", len(reqs))
					}
					got := reqs[0]
					cred := credentialOf(key)
					if !got.Authenticated || !got.Verify(cred) || got.Verify([]byte("other")) || got.Verify(nil) {
						t.Errorf("authenticated=%v verify(secret)=%v verify(other)=%v", got.Authenticated, got.Verify(cred), got.Verify([]byte("other")))
					}
					if s, ok := got.SecretIn(allSecrets()); !ok || !bytes.Equal(s, cred) {
						t.Errorf("SecretIn(receiver Secret) = %q, %v; want %q", s, ok, cred)
					}
					e := got.Events[0]
					if e.Commit != c.commit || e.Provider != key || e.DeliveryID != gitsim.DeliveryID || len(e.RepoURLs) == 0 {
						t.Errorf("event = %+v", e)
					}
					if c.tag && e.Tag == "" || !c.tag && e.Branch != "main" {
						t.Errorf("event ref = %q branch %q tag %q", e.Ref, e.Branch, e.Tag)
					}
					if len(r.body.Triggered) != len(got.Events) || r.body.Triggered[0].Commit != c.commit {
						t.Errorf("triggered = %+v", r.body.Triggered)
					}
				})
			}
		})
	}
}

func TestBitbucketServerUnsignedPing(t *testing.T) {
	ts := newTestServer(t, StaticSettings{Secrets: allSecrets()}, Options{})
	r := do(t, gitsim.Delivery{Provider: "bitbucket-server", Event: "diagnostics:ping", Payload: []byte(`{"test": true}`)}.Request(ts.URL))
	if r.code != 200 || r.body.Status != StatusPong {
		t.Fatalf("got %d %s", r.code, r.raw)
	}
}

func TestBitbucketEveryChangeDispatched(t *testing.T) {
	ts := newTestServer(t, StaticSettings{Secrets: allSecrets()}, Options{})
	for key, fx := range map[string]string{"bitbucket": "bitbucket/push.json", "bitbucket-server": "bitbucket-server/refs_changed.json"} {
		ev := providerCases[key].pushEvent
		r := do(t, gitsim.Delivery{Provider: key, Event: ev, Payload: fixture(t, fx), Secret: secretOf(key)}.Request(ts.URL))
		if r.code != 200 || len(r.body.Triggered) != 2 {
			t.Fatalf("%s: got %d %s", key, r.code, r.raw)
		}
	}
	for _, req := range ts.d.requests() {
		if len(req.Events) != 2 || req.Events[0].Branch != "main" || req.Events[1].Tag != "v2.3.0" {
			t.Errorf("events = %+v", req.Events)
		}
	}
}

func TestGitLabSystemHook(t *testing.T) {
	ts := newTestServer(t, StaticSettings{Secrets: allSecrets()}, Options{})
	for fx, want := range map[string]string{"gitlab/system_push.json": StatusTriggered, "gitlab/system_project_create.json": StatusIgnored} {
		r := do(t, gitsim.Delivery{Provider: "gitlab", Event: "System Hook", Payload: fixture(t, fx), Secret: secretOf("gitlab")}.Request(ts.URL))
		if r.code != 200 || r.body.Status != want {
			t.Errorf("%s: got %d %s, want %s", fx, r.code, r.raw, want)
		}
	}
}

func TestGitHubSHA1Refused(t *testing.T) {
	ts := newTestServer(t, StaticSettings{Secrets: allSecrets()}, Options{})
	req := gitsim.Delivery{Provider: "github", Event: "push", Payload: fixture(t, "github/push.json"), Secret: secretOf("github")}.Request(ts.URL)
	req.Header.Del("X-Hub-Signature-256")
	r := do(t, req)
	if r.code != 401 || !strings.Contains(r.body.Reason, "SHA-1") {
		t.Fatalf("got %d %s", r.code, r.raw)
	}
}

// TestStatusCodes walks every answer the receiver gives (code, status,
// reason) through a real HTTP server.
func TestStatusCodes(t *testing.T) {
	ghPush := fixture(t, "github/push.json")
	signed := func(url string) *http.Request {
		return gitsim.Delivery{Provider: "github", Event: "push", Payload: ghPush, Secret: secretOf("github")}.Request(url)
	}
	type tc struct {
		settings   Settings
		opts       Options
		dispatch   func(ctx context.Context, req push.Request) (push.Result, error)
		req        func(url string) *http.Request
		code       int
		status     string
		header     [2]string // name, value expected in the response
		reason     string    // substring of the reason
		dispatched bool
		names      bool // GitRepo names in the body
	}
	all := StaticSettings{Secrets: allSecrets()}
	cases := map[string]tc{
		"push matched and written": {req: signed, code: 200, status: StatusTriggered, dispatched: true, names: true},
		"push nothing matched": {req: signed, code: 200, status: StatusNothingMatched, dispatched: true,
			dispatch: func(context.Context, push.Request) (push.Result, error) {
				return push.Result{Unmatched: "no GitRepo for github.com/example-org/fleet-examples branch main"}, nil
			}, reason: "no GitRepo for github.com/example-org/fleet-examples"},
		"ping": {code: 200, status: StatusPong, req: func(url string) *http.Request {
			return gitsim.Delivery{Provider: "github", Event: "ping", Payload: fixture(t, "github/ping.json"), Secret: secretOf("github")}.Request(url)
		}},
		"ignored event": {code: 200, status: StatusIgnored, reason: `"issues"`, req: func(url string) *http.Request {
			return gitsim.Delivery{Provider: "github", Event: "issues", Payload: fixture(t, "github/issues.json"), Secret: secretOf("github")}.Request(url)
		}},
		"pending at ack deadline": {req: signed, code: 202, status: StatusAccepted, dispatched: true, names: true,
			opts: Options{AckTimeout: 20_000_000}, // 20ms
			dispatch: func(ctx context.Context, req push.Request) (push.Result, error) {
				<-ctx.Done()
				return push.Result{Pending: []push.Trigger{{Namespace: "fleet-default", Name: "slow", Commit: req.Events[0].Commit}}}, ctx.Err()
			}},
		"coalesced into a pending write": {req: signed, code: 202, status: StatusAccepted, dispatched: true, names: true,
			reason: "coalesced into a write under way",
			dispatch: func(_ context.Context, req push.Request) (push.Result, error) {
				return push.Result{Pending: []push.Trigger{{Namespace: "fleet-default", Name: "busy", Commit: req.Events[0].Commit, Coalesced: true}}}, nil
			}},
		"not POST": {code: 405, status: StatusError, header: [2]string{"Allow", "POST"}, req: func(url string) *http.Request {
			r, _ := http.NewRequest(http.MethodGet, url+"/some/path", nil)
			r.Header.Set("X-GitHub-Event", "push")
			return r
		}},
		"no provider header": {code: 400, status: StatusError, reason: "no known provider", req: func(url string) *http.Request {
			r := signed(url)
			r.Header.Del("X-GitHub-Event")
			return r
		}},
		"malformed payload": {code: 400, status: StatusError, reason: "malformed", req: func(url string) *http.Request {
			return gitsim.Delivery{Provider: "github", Event: "push", Payload: []byte(`{"ref": 42}`), Secret: secretOf("github")}.Request(url)
		}},
		"malformed form body": {code: 400, status: StatusError, req: func(url string) *http.Request {
			r := gitsim.Delivery{Provider: "github", Event: "push", Payload: ghPush, Secret: secretOf("github")}.Request(url)
			r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			return r
		}},
		"charset parameter accepted": {code: 200, status: StatusTriggered, dispatched: true, names: true, req: func(url string) *http.Request {
			r := signed(url)
			r.Header.Set("Content-Type", "application/json; charset=utf-8")
			return r
		}},
		"other content type": {code: 415, status: StatusError, req: func(url string) *http.Request {
			r := signed(url)
			r.Header.Set("Content-Type", "application/xml")
			return r
		}},
		"no content type": {code: 415, status: StatusError, req: func(url string) *http.Request {
			r := signed(url)
			r.Header.Del("Content-Type")
			return r
		}},
		"over the limit by Content-Length": {code: 413, status: StatusError, opts: Options{MaxBodyBytes: 1024}, req: signed},
		"over the default limit, streamed": {code: 413, status: StatusError, req: func(url string) *http.Request {
			big := io.MultiReader(strings.NewReader(`{"ref":"`), io.LimitReader(zeros{}, DefaultMaxBodyBytes+1))
			r, _ := http.NewRequest(http.MethodPost, url, io.NopCloser(big)) // no length: chunked
			r.Header = signed(url).Header
			return r
		}},
		"missing signature": {code: 401, status: StatusError, req: func(url string) *http.Request {
			return gitsim.Delivery{Provider: "github", Event: "push", Payload: ghPush}.Request(url)
		}},
		"wrong signature": {code: 401, status: StatusError, req: func(url string) *http.Request {
			return gitsim.Delivery{Provider: "github", Event: "push", Payload: ghPush, Secret: []byte("guess")}.Request(url)
		}},
		"secret configured, key missing": {code: 503, status: StatusError, reason: "configuration is incomplete",
			header:   [2]string{"Retry-After", retryAfter},
			settings: StaticSettings{Secrets: map[string][]byte{"github": {}}}, req: signed},
		"no secret, allowUnauthenticated": {code: 200, status: StatusTriggered, dispatched: true, reason: "withheld",
			settings: StaticSettings{Unsigned: map[string][]string{"github": {"github.com"}}}, req: func(url string) *http.Request {
				return gitsim.Delivery{Provider: "github", Event: "push", Payload: ghPush}.Request(url)
			}},
		"no secret, allowUnauthenticated, nothing matched: candidates withheld": {code: 200, status: StatusNothingMatched, dispatched: true, reason: "details are withheld",
			settings: StaticSettings{Unsigned: map[string][]string{"github": {"github.com"}}}, req: func(url string) *http.Request {
				return gitsim.Delivery{Provider: "github", Event: "push", Payload: ghPush}.Request(url)
			},
			dispatch: func(context.Context, push.Request) (push.Result, error) {
				return push.Result{Unmatched: "fleet-default/private-repo follows branch release"}, nil
			}},
		"secret set, allowUnauthenticated, wrong signature": {code: 401, status: StatusError,
			settings: StaticSettings{Secrets: allSecrets(), Unsigned: map[string][]string{"github": {"github.com"}}}, req: func(url string) *http.Request {
				return gitsim.Delivery{Provider: "github", Event: "push", Payload: ghPush, Secret: []byte("guess")}.Request(url)
			}},
		"provider not enabled": {code: 403, status: StatusError, reason: "not enabled",
			settings: StaticSettings{Secrets: allSecrets(), Providers: []string{"gitlab"}}, req: signed},
		"queue full": {code: 503, status: StatusError, header: [2]string{"Retry-After", retryAfter}, req: signed, dispatched: true,
			dispatch: func(context.Context, push.Request) (push.Result, error) { return push.Result{}, push.ErrQueueFull }},
		"dispatcher failure": {code: 503, status: StatusError, header: [2]string{"Retry-After", retryAfter}, req: signed, dispatched: true,
			dispatch: func(context.Context, push.Request) (push.Result, error) {
				return push.Result{}, errors.New("apiserver down")
			}},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			settings := c.settings
			if settings == nil {
				settings = all
			}
			ts := newTestServer(t, settings, c.opts)
			ts.d.fn = c.dispatch
			r := do(t, c.req(ts.URL))
			if r.code != c.code || r.body.Status != c.status {
				t.Fatalf("got %d %q, want %d %q: %s", r.code, r.body.Status, c.code, c.status, r.raw)
			}
			if c.header[0] != "" && r.hdr.Get(c.header[0]) != c.header[1] {
				t.Errorf("%s = %q, want %q", c.header[0], r.hdr.Get(c.header[0]), c.header[1])
			}
			if !strings.Contains(r.body.Reason, c.reason) {
				t.Errorf("reason %q does not say %q", r.body.Reason, c.reason)
			}
			if got := len(ts.d.requests()) > 0; got != c.dispatched {
				t.Errorf("dispatched = %v, want %v", got, c.dispatched)
			}
			hasNames := strings.Contains(r.raw, `"name"`)
			if hasNames != c.names {
				t.Errorf("GitRepo names in body = %v, want %v: %s", hasNames, c.names, r.raw)
			}
			for _, s := range allSecrets() {
				if strings.Contains(r.raw, string(s)) {
					t.Errorf("response leaks a secret: %s", r.raw)
				}
			}
		})
	}
}

type zeros struct{}

func (zeros) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = '0'
	}
	return len(p), nil
}

// panicky is a provider whose parser panics, standing in for a bug.
type panicky struct{ provider.GitHub }

func (panicky) Detect(h http.Header) bool { return h.Get("X-Panic") != "" }
func (panicky) Parse(string, []byte) ([]push.Event, provider.Kind, error) {
	panic("parser bug")
}

func TestPanicRecovered(t *testing.T) {
	d := &fakeDispatcher{}
	h := newHandler(Options{Settings: StaticSettings{Secrets: allSecrets()}, Dispatcher: d, MaxBodyBytes: DefaultMaxBodyBytes,
		AckTimeout: DefaultAckTimeout, Logger: logr.Discard()}, append([]provider.Provider{panicky{}}, provider.All()...))
	srv := httptest.NewServer(h)
	defer srv.Close()

	before := value(requestsTotal.WithLabelValues("github", "push", "500"))
	bad := gitsim.Delivery{Provider: "github", Event: "push", Payload: fixture(t, "github/push.json"), Secret: secretOf("github")}.Request(srv.URL)
	bad.Header.Set("X-Panic", "1")
	if r := do(t, bad); r.code != http.StatusInternalServerError || r.body.Status != StatusError {
		t.Fatalf("panic answered %d %s", r.code, r.raw)
	}
	if got := value(requestsTotal.WithLabelValues("github", "push", "500")); got != before+1 {
		t.Errorf("500s counted %v, want %v", got, before+1)
	}
	// The server still serves.
	good := gitsim.Delivery{Provider: "github", Event: "push", Payload: fixture(t, "github/push.json"), Secret: secretOf("github")}.Request(srv.URL)
	if r := do(t, good); r.code != http.StatusOK {
		t.Fatalf("after a panic: %d %s", r.code, r.raw)
	}
}

func TestMetrics(t *testing.T) {
	ts := newTestServer(t, StaticSettings{Secrets: allSecrets()}, Options{})
	ok := value(requestsTotal.WithLabelValues("gitlab", "Push Hook", "200"))
	other := value(requestsTotal.WithLabelValues("gitlab", "other", "200"))
	sig := value(signatureFailures.WithLabelValues("gitlab"))
	payload := fixture(t, "gitlab/push.json")
	do(t, gitsim.Delivery{Provider: "gitlab", Event: "Push Hook", Payload: payload, Secret: secretOf("gitlab")}.Request(ts.URL))
	do(t, gitsim.Delivery{Provider: "gitlab", Event: "Whatever Hook 123", Payload: payload, Secret: secretOf("gitlab")}.Request(ts.URL))
	do(t, gitsim.Delivery{Provider: "gitlab", Event: "Push Hook", Payload: payload, Secret: []byte("nope")}.Request(ts.URL))
	if got := value(requestsTotal.WithLabelValues("gitlab", "Push Hook", "200")); got != ok+1 {
		t.Errorf("requests{Push Hook,200} = %v, want %v", got, ok+1)
	}
	if got := value(requestsTotal.WithLabelValues("gitlab", "other", "200")); got != other+1 {
		t.Errorf("unknown events must count as other: %v, want %v", got, other+1)
	}
	if got := value(signatureFailures.WithLabelValues("gitlab")); got != sig+1 {
		t.Errorf("signature failures = %v, want %v", got, sig+1)
	}
	var m dto.Metric
	if err := requestDuration.WithLabelValues("gitlab").(prometheus.Metric).Write(&m); err != nil || m.GetHistogram().GetSampleCount() == 0 {
		t.Errorf("no request duration observed (%v)", err)
	}
}

// value reads a counter.
func value(c prometheus.Counter) float64 {
	var m dto.Metric
	if err := c.Write(&m); err != nil {
		panic(err)
	}
	return m.GetCounter().GetValue()
}
