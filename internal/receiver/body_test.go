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
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/webhook-operator/webhook-operator/internal/gitsim"
)

// formField must find what url.ParseQuery's Get finds, decoding only that
// field.
func TestFormField(t *testing.T) {
	tests := map[string]struct {
		body    string
		want    string
		wantErr bool
	}{
		"only field":          {body: "payload=%7B%22a%22%3A1%7D", want: `{"a":1}`},
		"plus is a space":     {body: "payload=a+b", want: "a b"},
		"after other fields":  {body: "x=1&y=%zz&payload=v", want: "v"},
		"first of two":        {body: "payload=one&payload=two", want: "one"},
		"escaped key":         {body: "p%61yload=v", want: "v"},
		"no value":            {body: "payload", want: ""},
		"prefix key is other": {body: "payloads=x&payload=y", want: "y"},
		"missing":             {body: "a=1&b=2", wantErr: true},
		"bad escape in field": {body: "payload=%7", wantErr: true},
		"bad hex in field":    {body: "payload=%g0", wantErr: true},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			raw, err := formField([]byte(tc.body), "payload")
			var got []byte
			if err == nil {
				got, err = unescapeForm(raw)
			}
			if tc.wantErr {
				if err == nil {
					t.Fatalf("got %q, want an error", got)
				}
				return
			}
			if err != nil || string(got) != tc.want {
				t.Fatalf("got %q, %v; want %q", got, err, tc.want)
			}
			if v, qerr := url.ParseQuery(tc.body); qerr == nil && v.Get("payload") != tc.want {
				t.Fatalf("url.ParseQuery finds %q, formField %q", v.Get("payload"), got)
			}
		})
	}
}

// countingBody counts the bytes read from it.
type countingBody struct {
	r    io.Reader
	read atomic.Int64
}

func (c *countingBody) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.read.Add(int64(n))
	return n, err
}

func (c *countingBody) Close() error { return nil }

// A request whose provider needs a signature it does not carry, or whose
// header-only token is wrong, is refused before its body is read; one that
// would pass the in-flight budget gets 503 with Retry-After unread.
func TestRefusedBeforeTheBodyIsRead(t *testing.T) {
	payload := fixture(t, "github/push.json")
	tests := map[string]struct {
		d      gitsim.Delivery
		budget int64
		code   int
	}{
		"unsigned github":     {d: gitsim.Delivery{Provider: "github", Event: "push", Payload: payload}, code: 401},
		"unsigned gitea form": {d: gitsim.Delivery{Provider: "gitea", Event: "push", Payload: payload, Form: true}, code: 401},
		"wrong gitlab token": {d: gitsim.Delivery{Provider: "gitlab", Event: "Push Hook", Payload: payload, Secret: []byte("guess")},
			code: 401},
		"over the in-flight budget": {d: gitsim.Delivery{Provider: "github", Event: "push", Payload: payload, Secret: secretOf("github")},
			budget: int64(len(payload)) - 1, code: 503},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			h := NewServer(Options{Settings: StaticSettings{Secrets: allSecrets()}, Dispatcher: &fakeDispatcher{},
				MaxInflightBytes: tc.budget}).Handler()
			hdr, body := tc.d.Build()
			cb := &countingBody{r: bytes.NewReader(body)}
			req, _ := http.NewRequest(http.MethodPost, "/", cb)
			req.Header, req.ContentLength = hdr, int64(len(body))
			rec := &recorder{header: http.Header{}}
			h.ServeHTTP(rec, req)
			if rec.code != tc.code {
				t.Fatalf("got %d %s, want %d", rec.code, rec.body.String(), tc.code)
			}
			if tc.code == 503 && rec.header.Get("Retry-After") == "" {
				t.Error("503 without Retry-After")
			}
			if n := cb.read.Load(); n != 0 {
				t.Fatalf("%d body bytes read before refusing", n)
			}
		})
	}
}

// The budget is given back: requests in turn each fit the budget one body
// holds.
func TestInflightBudgetGivenBack(t *testing.T) {
	payload := fixture(t, "github/push.json")
	for _, form := range []bool{false, true} {
		d := gitsim.Delivery{Provider: "github", Event: "push", Payload: payload, Secret: secretOf("github"), Form: form}
		_, body := d.Build()
		// Enough for one request at a time (a form's payload is held beside
		// its body; a chunked body's buffer starts at firstChunk), not for
		// all of them.
		limit := int64(3*len(body) + firstChunk)
		h := NewServer(Options{Settings: StaticSettings{Secrets: allSecrets()}, Dispatcher: &fakeDispatcher{},
			MaxInflightBytes: limit}).Handler()
		for i := range 3 {
			for _, chunked := range []bool{false, true} {
				hdr, body := d.Build()
				req, _ := http.NewRequest(http.MethodPost, "/", io.NopCloser(bytes.NewReader(body)))
				req.Header = hdr
				if !chunked {
					req.ContentLength = int64(len(body))
				}
				rec := &recorder{header: http.Header{}}
				h.ServeHTTP(rec, req)
				if rec.code != http.StatusOK {
					t.Fatalf("form=%v request %d chunked=%v: got %d %s", form, i, chunked, rec.code, rec.body.String())
				}
			}
		}
	}
}

// recorder is a minimal ResponseWriter.
type recorder struct {
	header http.Header
	code   int
	body   strings.Builder
}

func (r *recorder) Header() http.Header { return r.header }
func (r *recorder) WriteHeader(code int) {
	if r.code == 0 {
		r.code = code
	}
}
func (r *recorder) Write(b []byte) (int, error) {
	if r.code == 0 {
		r.code = http.StatusOK
	}
	return r.body.Write(b)
}

// FuzzFormField: whenever url.ParseQuery reads a form without error,
// formField finds the same payload it does.
func FuzzFormField(f *testing.F) {
	for _, seed := range []string{"payload=%7B%7D&x=1", "a=1&p%61yload=a+b", "payload", "x=%zz&payload=1"} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		v, qerr := url.ParseQuery(string(body))
		if qerr != nil {
			return
		}
		raw, err := formField(body, "payload")
		if err != nil {
			if _, ok := v["payload"]; ok {
				t.Fatalf("formField misses the payload field ParseQuery finds: %v", err)
			}
			return
		}
		got, err := unescapeForm(raw)
		if err != nil || string(got) != v.Get("payload") {
			t.Fatalf("formField gives %q (%v), ParseQuery %q", got, err, v.Get("payload"))
		}
	})
}

// A declared Content-Length is not reserved before its bytes arrive: a
// client that declares a large body and sends nothing must not take the
// budget real deliveries need.
func TestDeclaredLengthIsNotReservedUpFront(t *testing.T) {
	d := gitsim.Delivery{Provider: "github", Event: "push", Payload: fixture(t, "github/push.json"), Secret: secretOf("github")}
	_, body := d.Build()
	limit := int64(4*len(body) + 2*firstChunk)
	h := NewServer(Options{Settings: StaticSettings{Secrets: allSecrets()}, Dispatcher: &fakeDispatcher{},
		MaxInflightBytes: limit}).Handler()

	started, release := make(chan struct{}), make(chan struct{})
	stalled := &partBody{stalled: started, release: release}
	hdr, _ := d.Build()
	req, _ := http.NewRequest(http.MethodPost, "/", stalled)
	req.Header, req.ContentLength = hdr, limit-1
	stalledRec := &recorder{header: http.Header{}}
	done := make(chan struct{})
	go func() {
		defer close(done)
		h.ServeHTTP(stalledRec, req)
	}()
	<-started

	hdr, body = d.Build()
	req, _ = http.NewRequest(http.MethodPost, "/", io.NopCloser(bytes.NewReader(body)))
	req.Header, req.ContentLength = hdr, int64(len(body))
	rec := &recorder{header: http.Header{}}
	h.ServeHTTP(rec, req)
	close(stalled.release)
	<-done
	if rec.code != http.StatusOK {
		t.Fatalf("a delivery beside a stalled declared body: got %d %s, want 200", rec.code, rec.body.String())
	}
	if stalledRec.code != http.StatusBadRequest {
		t.Fatalf("the stalled body, cut short: got %d %s, want 400", stalledRec.code, stalledRec.body.String())
	}
}

// Header-only connections: each declares a large body (or sends it chunked)
// and then sends nothing. readBody reserves its first 64 KiB buffer before a
// byte arrives, so with the default 64 MiB budget 1,024 such connections
// (cheap: no bytes, held up to the 60 s read timeout) answer every real
// delivery 503. A client must be charged for what it has sent: here none.
func TestStalledDeclarationsHoldNoBudget(t *testing.T) {
	d := gitsim.Delivery{Provider: "github", Event: "push", Payload: fixture(t, "github/push.json"), Secret: secretOf("github")}
	const stalls = 16
	const limit = stalls * firstChunk
	for name, declared := range map[string]int64{"declared the whole budget": limit, "chunked": -1} {
		t.Run(name, func(t *testing.T) {
			h := NewServer(Options{Settings: StaticSettings{Secrets: allSecrets()}, Dispatcher: &fakeDispatcher{},
				MaxInflightBytes: limit}).Handler()
			release := make(chan struct{})
			var wg sync.WaitGroup
			for range stalls {
				started := make(chan struct{})
				stalled := &partBody{stalled: started, release: release}
				hdr, _ := d.Build()
				req, _ := http.NewRequest(http.MethodPost, "/", stalled)
				req.Header, req.ContentLength = hdr, declared
				rec := &recorder{header: http.Header{}}
				served := make(chan struct{})
				wg.Go(func() {
					defer close(served)
					h.ServeHTTP(rec, req)
				})
				select {
				case <-started:
				case <-served:
					close(release)
					t.Fatalf("a stalled request was answered %d %s before its body was read", rec.code, rec.body.String())
				}
			}
			hdr, body := d.Build()
			req, _ := http.NewRequest(http.MethodPost, "/", io.NopCloser(bytes.NewReader(body)))
			req.Header, req.ContentLength = hdr, int64(len(body))
			rec := &recorder{header: http.Header{}}
			h.ServeHTTP(rec, req)
			close(release)
			wg.Wait()
			if rec.code != http.StatusOK {
				t.Fatalf("a %d-byte delivery beside %d connections that sent no body byte: got %d %s, want 200",
					len(body), stalls, rec.code, rec.body.String())
			}
		})
	}
}

// partBody sends n bytes (none: a client that declared a body and sends
// nothing), then closes stalled and stalls until released.
type partBody struct {
	n       int
	stalled chan struct{}
	once    sync.Once
	release chan struct{}
}

func (p *partBody) Read(b []byte) (int, error) {
	if p.n > 0 {
		k := min(p.n, len(b))
		p.n -= k
		return k, nil
	}
	p.once.Do(func() { close(p.stalled) })
	<-p.release
	return 0, io.ErrUnexpectedEOF
}

func (p *partBody) Close() error { return nil }

// A body refused part way (its next buffer does not fit) is drained at the
// sender's pace, up to the 60 s read timeout, while its request still holds
// the reservation of the buffer it no longer keeps: refused requests go on
// taking the budget the next deliveries need.
func TestDrainedBodyHoldsNoBudget(t *testing.T) {
	d := gitsim.Delivery{Provider: "github", Event: "push", Payload: fixture(t, "github/push.json"), Secret: secretOf("github")}
	hdr, body := d.Build()
	// The refused body's first buffer fits, its second does not; the
	// delivery fits once that first buffer is given back.
	limit := int64(firstChunk + len(body) - 1)
	h := NewServer(Options{Settings: StaticSettings{Secrets: allSecrets()}, Dispatcher: &fakeDispatcher{},
		MaxInflightBytes: limit}).Handler()

	part := &partBody{n: firstChunk, stalled: make(chan struct{}), release: make(chan struct{})}
	req, _ := http.NewRequest(http.MethodPost, "/", part)
	req.Header, req.ContentLength = hdr, 0 // unknown: chunked
	refused := &recorder{header: http.Header{}}
	done := make(chan struct{})
	go func() {
		defer close(done)
		h.ServeHTTP(refused, req)
	}()
	select {
	case <-part.stalled: // refused at the second buffer, draining
	case <-done:
		t.Fatalf("the body over the budget was answered %d %s without a drain", refused.code, refused.body.String())
	}

	hdr, body = d.Build()
	req, _ = http.NewRequest(http.MethodPost, "/", io.NopCloser(bytes.NewReader(body)))
	req.Header, req.ContentLength = hdr, int64(len(body))
	rec := &recorder{header: http.Header{}}
	h.ServeHTTP(rec, req)
	close(part.release)
	<-done
	if refused.code != http.StatusServiceUnavailable {
		t.Fatalf("the body over the budget: got %d %s, want 503", refused.code, refused.body.String())
	}
	if rec.code != http.StatusOK {
		t.Fatalf("a delivery beside a refused body being drained: got %d %s, want 200", rec.code, rec.body.String())
	}
}

// barrierBody sends its first n bytes, waits until every body of its group
// has sent theirs, then sends the rest.
type barrierBody struct {
	data    []byte
	pos, n  int
	arrived *sync.WaitGroup
	once    sync.Once
	all     chan struct{}
}

func (b *barrierBody) Read(p []byte) (int, error) {
	if b.pos == b.n {
		b.once.Do(b.arrived.Done)
		<-b.all
	}
	if b.pos == len(b.data) {
		return 0, io.EOF
	}
	end := len(b.data)
	if b.pos < b.n {
		end = b.n
	}
	k := copy(p, b.data[b.pos:end])
	b.pos += k
	return k, nil
}

func (b *barrierBody) Close() error { return nil }

// The default in-flight budget is two bodies of the full size limit, but
// two signed full-size deliveries arriving together no longer both fit:
// each reaches a 16 MiB buffer, the first grows to 25 MiB (holding both of
// its buffers while it copies), and the second's growth step then passes
// 64 MiB, so it is answered 503 though the budget is sized for both.
func TestTwoFullSizeDeliveriesFitTheDefaultBudget(t *testing.T) {
	h := NewServer(Options{Settings: StaticSettings{Secrets: allSecrets()}, Dispatcher: &fakeDispatcher{}}).Handler()
	prefix := `{"ref":"refs/heads/main","after":"0123456789abcdef0123456789abcdef01234567",` +
		`"repository":{"clone_url":"https://github.com/org/app"},"pad":"`
	payload := append([]byte(prefix), bytes.Repeat([]byte("a"), DefaultMaxBodyBytes-len(prefix)-2)...)
	payload = append(payload, `"}`...)
	hdr, body := gitsim.Delivery{Provider: "github", Event: "push", Payload: payload, Secret: secretOf("github")}.Build()
	if len(body) != DefaultMaxBodyBytes {
		t.Fatalf("body is %d bytes, want %d", len(body), DefaultMaxBodyBytes)
	}
	var arrived sync.WaitGroup
	arrived.Add(2)
	all := make(chan struct{})
	go func() { arrived.Wait(); close(all) }()
	recs := []*recorder{{header: http.Header{}}, {header: http.Header{}}}
	var wg sync.WaitGroup
	for _, rec := range recs {
		req, _ := http.NewRequest(http.MethodPost, "/", &barrierBody{data: body, n: 16 << 20, arrived: &arrived, all: all})
		req.Header, req.ContentLength = hdr.Clone(), int64(len(body))
		wg.Go(func() { h.ServeHTTP(rec, req) })
	}
	wg.Wait()
	for i, rec := range recs {
		if rec.code == http.StatusServiceUnavailable {
			t.Errorf("full-size delivery %d of 2: got 503 %s", i, rec.body.String())
		}
	}
}

// paddedPush is a GitHub push payload of exactly n bytes.
func paddedPush(n int) []byte {
	prefix := `{"ref":"refs/heads/main","after":"0123456789abcdef0123456789abcdef01234567",` +
		`"repository":{"clone_url":"https://github.com/org/app"},"pad":"`
	payload := append([]byte(prefix), bytes.Repeat([]byte("a"), n-len(prefix)-2)...)
	return append(payload, `"}`...)
}

// A body at the size limit, alone on the receiver, fits the smallest budget
// the receiver accepts (MinInflightBytes), however it is sent: with a
// declared length (1.25 times its size at the last growth step), chunked
// (1.5 times) or form-encoded (the body and its decoded payload field).
// With less, it would get 503 on every redelivery.
func TestFullSizeBodyFitsTheSmallestBudget(t *testing.T) {
	const limit = 1 << 20
	tests := map[string]struct{ chunked, form bool }{
		"declared": {}, "chunked": {chunked: true}, "form": {form: true}, "chunked form": {chunked: true, form: true},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			h := NewServer(Options{Settings: StaticSettings{Secrets: allSecrets()}, Dispatcher: &fakeDispatcher{},
				MaxBodyBytes: limit, MaxInflightBytes: MinInflightBytes(limit)}).Handler()
			payload := paddedPush(limit)
			if tc.form {
				payload = paddedPush(limit - 400) // the form's escaping adds some
			}
			hdr, body := gitsim.Delivery{Provider: "github", Event: "push", Payload: payload, Secret: secretOf("github"),
				Form: tc.form}.Build()
			if len(body) > limit {
				t.Fatalf("body is %d bytes, over the %d limit", len(body), limit)
			}
			req, _ := http.NewRequest(http.MethodPost, "/", io.NopCloser(bytes.NewReader(body)))
			req.Header = hdr
			if !tc.chunked {
				req.ContentLength = int64(len(body))
			}
			rec := &recorder{header: http.Header{}}
			h.ServeHTTP(rec, req)
			if rec.code != http.StatusOK {
				t.Fatalf("a %d-byte delivery alone, budget %d: got %d %s, want 200", len(body), MinInflightBytes(limit),
					rec.code, rec.body.String())
			}
		})
	}
}
