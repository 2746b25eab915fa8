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

// Response is the JSON body of every answer. It never carries a secret, and
// GitRepo names only for an authenticated request.
type Response struct {
	// Status is one of the Status* constants.
	Status    string         `json:"status"`
	Provider  string         `json:"provider,omitempty"`
	Event     string         `json:"event,omitempty"`
	Delivery  string         `json:"delivery,omitempty"`
	Triggered []push.Trigger `json:"triggered,omitempty"`
	Pending   []push.Trigger `json:"pending,omitempty"`
	Reason    string         `json:"reason,omitempty"`
}

// Response statuses.
const (
	StatusTriggered      = "triggered"
	StatusNothingMatched = "nothing matched"
	StatusIgnored        = "ignored"
	StatusPong           = "pong"
	StatusAccepted       = "accepted"
	StatusError          = "error"
)

// retryAfter is the Retry-After of a 503, in seconds.
const retryAfter = "10"

// preGrowCap bounds how much buffer a request gets before its body arrives.
const preGrowCap = 64 << 10

// maxEcho bounds header values (event, delivery id) echoed into responses
// and logs; any client can set them.
const maxEcho = 128

type handler struct {
	providers  []provider.Provider
	settings   Settings
	dispatcher push.Dispatcher
	maxBody    int64
	ackTimeout time.Duration
	log        logr.Logger
}

// reqInfo carries the metric labels out of serve.
type reqInfo struct {
	provider, event string
}

// statusWriter remembers the status code, for metrics and so that panic
// recovery knows whether an answer was already started.
type statusWriter struct {
	http.ResponseWriter
	code int
}

func (w *statusWriter) WriteHeader(code int) {
	if w.code == 0 {
		w.code = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.code == 0 {
		w.code = http.StatusOK
	}
	return w.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController and MaxBytesReader reach the
// underlying writer.
func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

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

func (h *handler) serve(w http.ResponseWriter, r *http.Request, info *reqInfo) {
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		respond(w, http.StatusMethodNotAllowed, Response{Status: StatusError, Reason: "only POST is accepted"})
		return
	}
	p := provider.Detect(h.providers, r.Header)
	if p == nil {
		respond(w, http.StatusBadRequest, Response{Status: StatusError,
			Reason: "no known provider header (X-GitHub-Event, X-Gitlab-Event, X-Event-Key, X-Gogs-Event, X-Gitea-Event)"})
		return
	}
	event := p.Event(r.Header)
	info.provider = p.Key()
	for _, e := range p.Events() {
		if e == event {
			info.event = e
		}
	}
	resp := Response{Provider: p.Key(), Event: clip(event), Delivery: clip(p.Delivery(r.Header))}
	log := h.log.WithValues("provider", resp.Provider, "event", resp.Event, "delivery", resp.Delivery)
	fail := func(code int, reason string) {
		resp.Status, resp.Reason = StatusError, reason
		// Refusals of a known provider are worth seeing when a hook is
		// misconfigured; the reason never holds a secret.
		if code == http.StatusUnauthorized || code == http.StatusForbidden {
			log.Info("webhook refused", "code", code, "reason", reason)
		} else {
			log.V(1).Info("webhook refused", "code", code, "reason", reason)
		}
		respond(w, code, resp)
	}

	if !h.settings.Enabled(p.Key()) {
		fail(http.StatusForbidden, fmt.Sprintf("provider %s is not enabled on this receiver", p.Key()))
		return
	}
	form, ok := acceptedContentType(r.Header.Get("Content-Type"))
	if !ok {
		fail(http.StatusUnsupportedMediaType, fmt.Sprintf("content type %q is not accepted: send application/json or application/x-www-form-urlencoded",
			clip(r.Header.Get("Content-Type"))))
		return
	}
	if r.ContentLength > h.maxBody {
		fail(http.StatusRequestEntityTooLarge, fmt.Sprintf("body is over the limit of %d bytes", h.maxBody))
		return
	}
	// Pre-size the buffer from Content-Length, but only up to a small cap:
	// the header is the client's word, and growing to it before a single
	// byte arrived would let unsigned, stalled requests pin the whole limit.
	var buf bytes.Buffer
	if r.ContentLength > 0 {
		buf.Grow(int(min(r.ContentLength, preGrowCap)) + bytes.MinRead)
	}
	_, err := buf.ReadFrom(http.MaxBytesReader(w, r.Body, h.maxBody))
	body := buf.Bytes()
	if err != nil {
		var tooLarge *http.MaxBytesError
		if errors.As(err, &tooLarge) {
			fail(http.StatusRequestEntityTooLarge, fmt.Sprintf("body is over the limit of %d bytes", h.maxBody))
			return
		}
		fail(http.StatusBadRequest, "reading body: "+err.Error())
		return
	}
	if len(body) == 0 {
		fail(http.StatusBadRequest, "empty body")
		return
	}
	payload := body
	if form {
		values, err := url.ParseQuery(string(body))
		if err != nil {
			fail(http.StatusBadRequest, "malformed form body: "+err.Error())
			return
		}
		payload = []byte(values.Get("payload"))
		if len(payload) == 0 {
			fail(http.StatusBadRequest, "form body has no payload field")
			return
		}
	}

	if up, ok := p.(provider.UnsignedPinger); ok && up.UnsignedPing(event) {
		resp.Status = StatusPong
		respond(w, http.StatusOK, resp)
		return
	}

	// The signature is checked before any of the JSON is trusted.
	authenticated := false
	if secret, ok := h.settings.SecretFor(p.Key()); ok {
		if err := p.Verify(r.Header, body, payload, secret); err != nil {
			signatureFailures.WithLabelValues(p.Key()).Inc()
			fail(http.StatusUnauthorized, err.Error())
			return
		}
		authenticated = true
	} else if !h.settings.AllowUnauthenticated() {
		signatureFailures.WithLabelValues(p.Key()).Inc()
		fail(http.StatusUnauthorized, fmt.Sprintf("no secret is set for provider %s (key %q of the receiver Secret) and allowUnauthenticated is false", p.Key(), p.Key()))
		return
	}

	events, kind, err := p.Parse(event, payload)
	if err != nil {
		fail(http.StatusBadRequest, err.Error())
		return
	}
	switch kind {
	case provider.KindPing:
		resp.Status = StatusPong
		respond(w, http.StatusOK, resp)
		return
	case provider.KindIgnored:
		resp.Status, resp.Reason = StatusIgnored, fmt.Sprintf("event %q is not acted on", resp.Event)
		respond(w, http.StatusOK, resp)
		return
	}

	// Deleted refs never trigger a GitRepo, so they are not dispatched.
	live := make([]push.Event, 0, len(events))
	for _, e := range events {
		if !e.Deleted {
			e.DeliveryID = resp.Delivery
			live = append(live, e)
		}
	}
	if len(live) == 0 {
		resp.Status, resp.Reason = StatusNothingMatched, "the push changed no refs"
		if len(events) > 0 {
			resp.Reason = "the push only deleted refs"
		}
		respond(w, http.StatusOK, resp)
		return
	}

	req := push.Request{
		Events:        live,
		Authenticated: authenticated,
		Verify: func(secret []byte) bool {
			return len(secret) > 0 && p.Verify(r.Header, body, payload, secret) == nil
		},
	}
	ctx, cancel := context.WithTimeout(r.Context(), h.ackTimeout)
	defer cancel()
	res, err := h.dispatcher.Dispatch(ctx, req)
	if err != nil && (ctx.Err() == nil || !errors.Is(err, ctx.Err())) {
		w.Header().Set("Retry-After", retryAfter)
		if errors.Is(err, push.ErrQueueFull) {
			fail(http.StatusServiceUnavailable, "dispatch queue is full, retry later")
			return
		}
		log.Error(err, "dispatching push")
		fail(http.StatusServiceUnavailable, "dispatch failed, retry later")
		return
	}

	code := http.StatusOK
	switch {
	case len(res.Pending) > 0:
		code, resp.Status = http.StatusAccepted, StatusAccepted
		resp.Reason = fmt.Sprintf("%d GitRepo write(s) still pending at the ack deadline; they will be written", len(res.Pending))
	case len(res.Written) > 0:
		resp.Status = StatusTriggered
	case authenticated:
		resp.Status, resp.Reason = StatusNothingMatched, res.Unmatched
	default:
		// The reason names candidate GitRepos and their branches: not for
		// anyone who can reach the URL.
		resp.Status, resp.Reason = StatusNothingMatched, "no GitRepo matched; details are withheld for an unauthenticated request"
		log.Info("nothing matched", "reason", res.Unmatched)
	}
	if authenticated {
		resp.Triggered, resp.Pending = res.Written, res.Pending
	} else if n := len(res.Written) + len(res.Pending); n > 0 {
		resp.Reason = fmt.Sprintf("%d GitRepo(s) triggered; names are withheld for an unauthenticated request", n)
	}
	log.Info("push dispatched", "code", code, "repo", live[0].RepoURLs[0], "ref", live[0].Ref,
		"authenticated", authenticated, "written", triggerNames(res.Written), "pending", triggerNames(res.Pending),
		"unmatched", res.Unmatched)
	respond(w, code, resp)
}

func triggerNames(ts []push.Trigger) []string {
	out := make([]string, len(ts))
	for i, t := range ts {
		out[i] = t.String() + "@" + t.Commit
	}
	return out
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

func clip(s string) string {
	if len(s) > maxEcho {
		return s[:maxEcho]
	}
	return s
}

func respond(w http.ResponseWriter, code int, resp Response) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(code)
	_ = json.NewEncoder(w).Encode(resp)
}
