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
	"encoding/json"
	"fmt"
	"net/http"

	"github.com/webhook-operator/webhook-operator/internal/push"
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
	// Skipped are matched GitRepos that were not triggered, and why.
	Skipped []push.Skip `json:"skipped,omitempty"`
	Reason  string      `json:"reason,omitempty"`
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

// maxEcho bounds header values (event, delivery id) echoed into responses
// and logs; any client can set them.
const maxEcho = 128

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

// fail answers with an error; the reason never holds a secret.
func (d *delivery) fail(code int, reason string) {
	d.resp.Status, d.resp.Reason = StatusError, reason
	// Refusals of a known provider are worth seeing when a hook is
	// misconfigured.
	if code == http.StatusUnauthorized || code == http.StatusForbidden {
		d.log.Info("webhook refused", "code", code, "reason", reason)
	} else {
		d.log.V(1).Info("webhook refused", "code", code, "reason", reason)
	}
	respond(d.w, code, d.resp)
}

// answer sends 200 with status and reason: pings, ignored events and
// pushes that need no write.
func (d *delivery) answer(status, reason string) {
	d.resp.Status, d.resp.Reason = status, reason
	respond(d.w, http.StatusOK, d.resp)
}

// respondDispatched says what the dispatch did; GitRepo names and why
// nothing matched only to an authenticated request.
func (d *delivery) respondDispatched(req *push.Request, res push.Result) {
	code, resp := http.StatusOK, &d.resp
	switch {
	case len(res.Pending) > 0:
		code, resp.Status = http.StatusAccepted, StatusAccepted
		resp.Reason = pendingReason(res.Pending)
	case len(res.Written) > 0:
		resp.Status = StatusTriggered
	case req.Authenticated:
		resp.Status, resp.Reason = StatusNothingMatched, res.Unmatched
	default:
		// The reason names candidate GitRepos and their branches: not for
		// anyone who can reach the URL.
		resp.Status, resp.Reason = StatusNothingMatched, "no GitRepo matched; details are withheld for an unauthenticated request"
		d.log.Info("nothing matched", "reason", res.Unmatched)
	}
	if req.Authenticated {
		resp.Triggered, resp.Pending, resp.Skipped = res.Written, res.Pending, res.Skipped
	} else if n := len(res.Written) + len(res.Pending); n > 0 {
		resp.Reason = fmt.Sprintf("%d GitRepo(s) triggered; names are withheld for an unauthenticated request", n)
	}
	code = d.undecided(code, res.Undecided)
	first := req.Events[0]
	d.log.Info("push dispatched", "code", code, "repo", first.RepoURLs[0], "ref", first.Ref,
		"authenticated", req.Authenticated, "written", triggerNames(res.Written), "pending", triggerNames(res.Pending),
		"skipped", len(res.Skipped), "unmatched", res.Unmatched)
	respond(d.w, code, *resp)
}

// undecided turns an answer into 503 (with Retry-After) when some matched
// GitRepos could not be decided (their spec.webhookSecret was not readable
// right now), so the Git host redelivers: the GitRepos written now are
// written again idempotently, the others get their trigger then.
func (d *delivery) undecided(code int, undecided []push.Skip) int {
	if len(undecided) == 0 {
		return code
	}
	d.resp.Status = StatusError
	reason := fmt.Sprintf("%d matched GitRepo(s) name a spec.webhookSecret not readable right now, retry later", len(undecided))
	if d.resp.Reason != "" {
		reason = d.resp.Reason + "; " + reason
	}
	d.resp.Reason = reason
	return http.StatusServiceUnavailable
}

// pendingReason says why writes are pending: coalesced into a write already
// under way or due at the end of the window (answered at once), or still
// running at the ack deadline.
func pendingReason(pending []push.Trigger) string {
	coalesced := 0
	for _, t := range pending {
		if t.Coalesced {
			coalesced++
		}
	}
	switch coalesced {
	case 0:
		return fmt.Sprintf("%d GitRepo write(s) still pending at the ack deadline; they will be written", len(pending))
	case len(pending):
		return fmt.Sprintf("%d GitRepo write(s) coalesced into a write under way or due at the end of the window; they will be written", coalesced)
	}
	return fmt.Sprintf("%d GitRepo write(s) coalesced into a write under way or due at the end of the window, %d still pending at the ack deadline; they will be written",
		coalesced, len(pending)-coalesced)
}

func triggerNames(ts []push.Trigger) []string {
	out := make([]string, len(ts))
	for i, t := range ts {
		out[i] = t.String() + "@" + t.Commit
	}
	return out
}

func clip(s string) string {
	if len(s) > maxEcho {
		return s[:maxEcho]
	}
	return s
}

// Header values every answer carries, shared rather than built per answer:
// net/http only reads them.
var (
	jsonContentType = []string{"application/json"}
	noSniff         = []string{"nosniff"}
)

func respond(w http.ResponseWriter, code int, resp Response) {
	h := w.Header()
	h["Content-Type"] = jsonContentType
	h["X-Content-Type-Options"] = noSniff
	if code == http.StatusServiceUnavailable {
		// Every 503 asks the Git host to redeliver.
		h.Set("Retry-After", retryAfter)
	}
	w.WriteHeader(code)
	_ = json.NewEncoder(w).Encode(resp)
}
