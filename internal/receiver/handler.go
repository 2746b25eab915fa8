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
	"errors"
	"fmt"
	"mime"
	"net/http"
	"runtime/debug"
	"strconv"
	"time"

	"github.com/go-logr/logr"

	"github.com/webhook-operator/webhook-operator/internal/push"
	"github.com/webhook-operator/webhook-operator/internal/receiver/provider"
)

type handler struct {
	providers []provider.Provider
	settings  Settings
	// gitRepoSecrets are the GitRepos' own spec.webhookSecret Secrets; nil:
	// none (a delivery failing the receiver's secret is refused at once).
	gitRepoSecrets GitRepoSecrets
	dispatcher     push.Dispatcher
	maxBody        int64
	ackTimeout     time.Duration
	// inflight bounds the bytes held by the bodies of requests being served.
	inflight *budget
	log      logr.Logger
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
	// form: the body is form-encoded; ping: an unsigned ping, answered
	// without authentication.
	form, ping bool
	// secret is the provider's key of the receiver Secret; nil when the
	// provider accepts unsigned deliveries, for GitRepos on hosts only.
	secret []byte
	hosts  []string
	// held is what the request holds of the in-flight budget.
	held int64
	// body is the request body; payload the JSON in it (the body itself,
	// or the payload field of a form).
	body, payload []byte
	// ownSecretsOnly: the receiver's secret did not verify the delivery
	// (refusal says why, refusalCode is the answer it would have got), only
	// GitRepos' own secrets may (ownsecrets.go).
	ownSecretsOnly bool
	refusal        string
	refusalCode    int
}

// serve answers one request: identify the provider, decide from the
// headers whether it may be served, read the payload within the in-flight
// budget, authenticate it, parse it, dispatch its pushes and say what
// happened.
func (h *handler) serve(w http.ResponseWriter, r *http.Request, info *reqInfo) {
	d, ok := h.identify(w, r, info)
	if !ok || !h.admit(d) {
		return
	}
	defer func() { h.inflight.give(d.held) }()
	if !h.readPayload(d) {
		return
	}
	if d.ping {
		d.answer(StatusPong, "")
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

// admit decides from the headers alone, before a byte of the body is read:
// the content type and length, and whether and how the provider may be
// served (see access).
func (h *handler) admit(d *delivery) bool {
	ct := d.r.Header.Get("Content-Type")
	form, ok := acceptedContentType(ct)
	if !ok {
		d.fail(http.StatusUnsupportedMediaType, fmt.Sprintf("content type %q is not accepted: send application/json or application/x-www-form-urlencoded", clip(ct)))
		return false
	}
	d.form = form
	if d.r.ContentLength > h.maxBody {
		d.fail(http.StatusRequestEntityTooLarge, fmt.Sprintf("body is over the limit of %d bytes", h.maxBody))
		return false
	}
	if up, ok := d.p.(provider.UnsignedPinger); ok && up.UnsignedPing(d.event) {
		d.ping = true
		return true
	}
	return h.access(d)
}

// access finds how the provider authenticates here. With its key in the
// receiver Secret, deliveries must verify with it, and a missing signature
// or a wrong header-only token is refused now, before the body costs
// memory. Without the key, a provider that allows unsigned deliveries gets
// them, bound to its hosts; any other provider is configured with a secret
// that is not in the receiver Secret yet, so the answer is 503 for the Git
// host to redeliver once it is, never an unsigned pass.
func (h *handler) access(d *delivery) bool {
	key := d.p.Key()
	if secret, ok := provider.SecretFor(d.p, h.settings.SecretFor); ok {
		d.secret = secret
		if err := refusedByHeaders(d, secret); err != nil {
			signatureFailures.WithLabelValues(key).Inc()
			return h.deferToOwnSecrets(d, http.StatusUnauthorized, err.Error())
		}
		return true
	}
	if hosts, ok := h.settings.Unauthenticated(key); ok {
		d.hosts = hosts
		return true
	}
	reason := fmt.Sprintf("provider %s is configured with a secret but key %q is not in the receiver Secret yet: "+
		"the configuration is incomplete, retry later", key, key)
	return h.deferToOwnSecrets(d, http.StatusServiceUnavailable, reason)
}

// refusedByHeaders is the refusal the headers alone decide for secret: a
// missing signature, or a header-only token that is not secret. Nil when
// only the body can tell.
func refusedByHeaders(d *delivery, secret []byte) error {
	err := d.p.Verify(d.r.Header, nil, nil, secret)
	if err != nil && (errors.Is(err, provider.ErrMissingSignature) || provider.AuthenticatesByHeader(d.p)) {
		return err
	}
	return nil
}

// readPayload reads the body and extracts the payload: the body itself, or
// only the payload field of a form (decoded within the in-flight budget).
func (h *handler) readPayload(d *delivery) bool {
	body, ok := h.readBody(d)
	if !ok {
		return false
	}
	if len(body) == 0 {
		d.fail(http.StatusBadRequest, "empty body")
		return false
	}
	d.body, d.payload = body, body
	if !d.form {
		return true
	}
	field, err := formField(body, "payload")
	if err != nil || len(field) == 0 {
		d.fail(http.StatusBadRequest, "form body has no payload field")
		return false
	}
	if !h.hold(d, int64(len(field))) {
		return false
	}
	if d.payload, err = unescapeForm(field); err != nil {
		d.fail(http.StatusBadRequest, "malformed form body: "+err.Error())
		return false
	}
	return true
}

// authenticate checks the signature with the provider's key of the
// receiver Secret before any of the JSON is trusted. A provider that
// accepts unsigned deliveries (no key) passes them unauthenticated.
func (h *handler) authenticate(d *delivery) (authenticated, ok bool) {
	if d.secret == nil || d.ownSecretsOnly {
		return false, true
	}
	if err := d.p.Verify(d.r.Header, d.body, d.payload, d.secret); err != nil {
		signatureFailures.WithLabelValues(d.p.Key()).Inc()
		return false, h.deferToOwnSecrets(d, http.StatusUnauthorized, err.Error())
	}
	return true, true
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
		d.answer(StatusPong, "")
		return nil, false
	case provider.KindIgnored:
		d.answer(StatusIgnored, fmt.Sprintf("event %q is not acted on", d.resp.Event))
		return nil, false
	}
	live := liveEvents(events, d.resp.Delivery)
	if len(live) == 0 {
		reason := "the push changed no refs"
		if len(events) > 0 {
			reason = "the push only deleted refs"
		}
		d.answer(StatusNothingMatched, reason)
		return nil, false
	}
	return live, true
}

// dispatch hands req to the dispatcher, waiting at most the ack timeout.
// Writes still pending at that deadline are an answer (202); any other
// failure, a lookup cut short by the deadline included, answers 503 for the
// Git host to redeliver: "nothing matched" would lose the trigger.
func (h *handler) dispatch(d *delivery, req push.Request) (push.Result, bool) {
	ctx, cancel := context.WithTimeout(d.r.Context(), h.ackTimeout)
	defer cancel()
	res, err := h.dispatcher.Dispatch(ctx, req)
	if err == nil || (errors.Is(err, ctx.Err()) && len(res.Written)+len(res.Pending) > 0) {
		return res, true
	}
	switch {
	case errors.Is(err, push.ErrQueueFull):
		d.fail(http.StatusServiceUnavailable, "dispatch queue is full, retry later")
	case ctx.Err() != nil && errors.Is(err, ctx.Err()):
		d.log.Error(err, "matching did not finish within the ack deadline")
		d.fail(http.StatusServiceUnavailable, "matching did not finish within the ack deadline, retry later")
	default:
		d.log.Error(err, "dispatching push")
		d.fail(http.StatusServiceUnavailable, "dispatch failed, retry later")
	}
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
