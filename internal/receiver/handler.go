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
	"errors"
	"fmt"
	"mime"
	"net/http"
	"net/url"
	"runtime/debug"
	"strconv"
	"time"

	"github.com/go-logr/logr"

	"github.com/webhook-operator/webhook-operator/internal/push"
	"github.com/webhook-operator/webhook-operator/internal/receiver/provider"
)

// preGrowCap bounds how much buffer a request gets before its body arrives.
const preGrowCap = 64 << 10

type handler struct {
	providers []provider.Provider
	settings  Settings
	// gitRepoSecrets are the GitRepos' own spec.webhookSecret Secrets; nil:
	// none (a delivery failing the receiver's secret is refused at once).
	gitRepoSecrets GitRepoSecrets
	dispatcher     push.Dispatcher
	maxBody        int64
	ackTimeout     time.Duration
	log            logr.Logger
}

// reqInfo carries the metric labels out of serve.
type reqInfo struct {
	provider, event string
}

// ServeHTTP records metrics around the panic-recovering handler.
func (h *handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	sw := &statusWriter{ResponseWriter: w}
	info := &reqInfo{provider: "unknown", event: "other"}
	h.recovering(sw, r, info)
	code := sw.code
	if code == 0 {
		code = http.StatusOK
	}
	requestsTotal.WithLabelValues(info.provider, info.event, strconv.Itoa(code)).Inc()
	requestDuration.WithLabelValues(info.provider).Observe(time.Since(start).Seconds())
}

// recovering is the panic recovery middleware: a bug in a provider parser
// (or anywhere below) answers 500 and is logged; the process keeps serving.
func (h *handler) recovering(w *statusWriter, r *http.Request, info *reqInfo) {
	defer func() {
		v := recover()
		if v == nil {
			return
		}
		if v == http.ErrAbortHandler { //nolint:errorlint // sentinel panic value, as net/http compares it
			panic(v)
		}
		h.log.Error(fmt.Errorf("panic: %v", v), "webhook handler panicked",
			"provider", info.provider, "stack", string(debug.Stack()))
		if w.code == 0 {
			respond(w, http.StatusInternalServerError, Response{Status: StatusError, Reason: "internal error"})
		}
	}()
	h.serve(w, r, info)
}

// delivery is one webhook request of a known provider being served.
type delivery struct {
	w     http.ResponseWriter
	r     *http.Request
	p     provider.Provider
	event string
	resp  Response
	log   logr.Logger
	// body is the request body; payload the JSON in it (the body itself,
	// or the payload field of a form).
	body, payload []byte
	// ownSecretsOnly: the receiver's secret did not verify the delivery
	// (refusal says why), only GitRepos' own secrets may (ownsecrets.go).
	ownSecretsOnly bool
	refusal        string
}

// serve answers one request: identify the provider, read the payload,
// authenticate it, parse it, dispatch its pushes and say what happened.
func (h *handler) serve(w http.ResponseWriter, r *http.Request, info *reqInfo) {
	d, ok := h.identify(w, r, info)
	if !ok || !h.readPayload(d) {
		return
	}
	if up, ok := d.p.(provider.UnsignedPinger); ok && up.UnsignedPing(d.event) {
		d.answer(http.StatusOK, StatusPong, "")
		return
	}
	authenticated, ok := h.authenticate(d)
	if !ok {
		return
	}
	if d.ownSecretsOnly {
		h.serveOwnSecrets(d)
		return
	}
	events, ok := h.parse(d)
	if !ok {
		return
	}
	req := d.request(events, authenticated)
	res, ok := h.dispatch(d, req)
	if !ok {
		return
	}
	d.respondDispatched(&req, res)
}

// identify accepts POSTs of a known provider enabled on this receiver.
func (h *handler) identify(w http.ResponseWriter, r *http.Request, info *reqInfo) (*delivery, bool) {
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		respond(w, http.StatusMethodNotAllowed, Response{Status: StatusError, Reason: "only POST is accepted"})
		return nil, false
	}
	p := provider.Detect(h.providers, r.Header)
	if p == nil {
		respond(w, http.StatusBadRequest, Response{Status: StatusError,
			Reason: "no known provider header (X-GitHub-Event, X-Gitlab-Event, X-Event-Key, X-Gogs-Event, X-Gitea-Event, X-Vss-ActivityId)"})
		return nil, false
	}
	event := p.Event(r.Header)
	info.provider = p.Key()
	for _, e := range p.Events() {
		if e == event {
			info.event = e
		}
	}
	d := &delivery{w: w, r: r, p: p, event: event,
		resp: Response{Provider: p.Key(), Event: clip(event), Delivery: clip(p.Delivery(r.Header))}}
	d.log = h.log.WithValues("provider", d.resp.Provider, "event", d.resp.Event, "delivery", d.resp.Delivery)
	if !provider.EnabledBy(p, h.settings.Enabled) {
		d.fail(http.StatusForbidden, fmt.Sprintf("provider %s is not enabled on this receiver", p.Key()))
		return nil, false
	}
	return d, true
}

// readPayload reads the body within the limit and extracts the payload.
func (h *handler) readPayload(d *delivery) bool {
	r := d.r
	form, ok := acceptedContentType(r.Header.Get("Content-Type"))
	if !ok {
		d.fail(http.StatusUnsupportedMediaType, fmt.Sprintf("content type %q is not accepted: send application/json or application/x-www-form-urlencoded",
			clip(r.Header.Get("Content-Type"))))
		return false
	}
	if r.ContentLength > h.maxBody {
		d.fail(http.StatusRequestEntityTooLarge, fmt.Sprintf("body is over the limit of %d bytes", h.maxBody))
		return false
	}
	// Pre-size the buffer from Content-Length, but only up to a small cap:
	// the header is the client's word, and growing to it before a single
	// byte arrived would let unsigned, stalled requests pin the whole limit.
	var buf bytes.Buffer
	if r.ContentLength > 0 {
		buf.Grow(int(min(r.ContentLength, preGrowCap)) + bytes.MinRead)
	}
	_, err := buf.ReadFrom(http.MaxBytesReader(d.w, r.Body, h.maxBody))
	d.body = buf.Bytes()
	if err != nil {
		var tooLarge *http.MaxBytesError
		if errors.As(err, &tooLarge) {
			d.fail(http.StatusRequestEntityTooLarge, fmt.Sprintf("body is over the limit of %d bytes", h.maxBody))
			return false
		}
		d.fail(http.StatusBadRequest, "reading body: "+err.Error())
		return false
	}
	if len(d.body) == 0 {
		d.fail(http.StatusBadRequest, "empty body")
		return false
	}
	d.payload = d.body
	if form {
		values, err := url.ParseQuery(string(d.body))
		if err != nil {
			d.fail(http.StatusBadRequest, "malformed form body: "+err.Error())
			return false
		}
		d.payload = []byte(values.Get("payload"))
		if len(d.payload) == 0 {
			d.fail(http.StatusBadRequest, "form body has no payload field")
			return false
		}
	}
	return true
}

// authenticate checks the signature with the receiver's secret before any
// of the JSON is trusted. Without a secret, the request is unauthenticated
// and only allowed when allowUnauthenticated is set.
func (h *handler) authenticate(d *delivery) (authenticated, ok bool) {
	key := d.p.Key()
	if secret, ok := provider.SecretFor(d.p, h.settings.SecretFor); ok {
		if err := d.p.Verify(d.r.Header, d.body, d.payload, secret); err != nil {
			signatureFailures.WithLabelValues(key).Inc()
			if h.deferToOwnSecrets(d, err.Error()) {
				return false, true
			}
			d.fail(http.StatusUnauthorized, err.Error())
			return false, false
		}
		return true, true
	}
	if !h.settings.AllowUnauthenticated() {
		signatureFailures.WithLabelValues(key).Inc()
		reason := fmt.Sprintf("no secret is set for provider %s (key %q of the receiver Secret) and allowUnauthenticated is false", key, key)
		if h.deferToOwnSecrets(d, reason) {
			return false, true
		}
		d.fail(http.StatusUnauthorized, reason)
		return false, false
	}
	return false, true
}

// parse turns the payload into the push events to dispatch, answering pings,
// ignored events and pushes that changed no live ref itself.
func (h *handler) parse(d *delivery) ([]push.Event, bool) {
	if pe, ok := d.p.(provider.PayloadEventer); ok {
		d.resp.Event = clip(pe.PayloadEvent(d.payload))
	}
	events, kind, err := d.p.Parse(d.event, d.payload)
	if err != nil {
		d.fail(http.StatusBadRequest, err.Error())
		return nil, false
	}
	switch kind {
	case provider.KindPing:
		d.answer(http.StatusOK, StatusPong, "")
		return nil, false
	case provider.KindIgnored:
		d.answer(http.StatusOK, StatusIgnored, fmt.Sprintf("event %q is not acted on", d.resp.Event))
		return nil, false
	}
	live := liveEvents(events, d.resp.Delivery)
	if len(live) == 0 {
		reason := "the push changed no refs"
		if len(events) > 0 {
			reason = "the push only deleted refs"
		}
		d.answer(http.StatusOK, StatusNothingMatched, reason)
		return nil, false
	}
	return live, true
}

// dispatch hands req to the dispatcher, waiting at most the ack timeout. A
// failure other than that deadline answers 503, for the Git host to
// redeliver.
func (h *handler) dispatch(d *delivery, req push.Request) (push.Result, bool) {
	ctx, cancel := context.WithTimeout(d.r.Context(), h.ackTimeout)
	defer cancel()
	res, err := h.dispatcher.Dispatch(ctx, req)
	if err == nil || (ctx.Err() != nil && errors.Is(err, ctx.Err())) {
		return res, true
	}
	d.w.Header().Set("Retry-After", retryAfter)
	if errors.Is(err, push.ErrQueueFull) {
		d.fail(http.StatusServiceUnavailable, "dispatch queue is full, retry later")
		return res, false
	}
	d.log.Error(err, "dispatching push")
	d.fail(http.StatusServiceUnavailable, "dispatch failed, retry later")
	return res, false
}

// acceptedContentType reports whether ct is JSON or form-encoded (with any
// parameters, e.g. charset), and which.
func acceptedContentType(ct string) (form, ok bool) {
	mt, _, err := mime.ParseMediaType(ct)
	if err != nil {
		return false, false
	}
	switch mt {
	case "application/json":
		return false, true
	case "application/x-www-form-urlencoded":
		return true, true
	}
	return false, false
}
