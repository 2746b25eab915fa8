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
	"errors"
	"fmt"
	"net/http"

	"github.com/webhook-operator/webhook-operator/internal/push"
	"github.com/webhook-operator/webhook-operator/internal/receiver/provider"
)

// GitRepoSecrets are the Secrets that GitRepos inside the receiver's targets
// name in spec.webhookSecret, as the receiver keeps them in memory: looking
// at them never makes an API request.
type GitRepoSecrets interface {
	// Any reports whether f holds for the data of one of them. complete is
	// false while some of them are not listed yet (a new replica, a slow
	// API server): then "not found" is no answer yet.
	Any(f func(data map[string][]byte) bool) (found, complete bool)
}

// deferToOwnSecrets decides what becomes of a delivery the receiver's own
// secret does not verify; code and reason are the refusal it gets when
// nothing else can verify it. In Fleet a GitRepo's spec.webhookSecret takes
// precedence over the global gitjob-webhook Secret, which is then not
// consulted: such a GitRepo is triggered by a delivery that verifies with
// its own Secret alone. So when some GitRepo in the targets names a Secret
// whose key for this provider the headers do not already refuse, the
// delivery goes on to matching, where only those GitRepos can be
// triggered. While some of those Secrets are not loaded, it is 503 for the
// Git host to redeliver. Otherwise it is refused here, before its body is
// read or parsed. It returns whether the delivery goes on.
func (h *handler) deferToOwnSecrets(d *delivery, code int, reason string) bool {
	d.refusal, d.refusalCode = reason, code
	if h.gitRepoSecrets == nil {
		d.fail(code, reason)
		return false
	}
	found, complete := h.gitRepoSecrets.Any(func(data map[string][]byte) bool {
		secret, ok := provider.SecretFromData(d.p, data)
		return ok && refusedByHeaders(d, secret) == nil
	})
	if !found {
		d.refuseUnverified(complete)
		return false
	}
	d.ownSecretsOnly = true
	return true
}

// refuseUnverified answers a delivery no secret verifies: the receiver's
// own refusal, or 503 while the GitRepos' Secrets are not all loaded
// (complete false), unless it carries no signature at all, which no Secret
// could ever verify.
func (d *delivery) refuseUnverified(complete bool) {
	code, reason := d.refusalCode, d.refusal
	unsigned := errors.Is(d.p.Verify(d.r.Header, nil, nil, nil), provider.ErrMissingSignature)
	if !complete && !unsigned {
		code, reason = http.StatusServiceUnavailable,
			reason+"; the GitRepos' own webhookSecrets are not all loaded yet, retry later"
	}
	d.fail(code, reason)
}

// serveOwnSecrets serves a delivery deferred to the GitRepos' own secrets.
// Its payload is parsed only once one of those Secrets verifies it, so an
// unverified sender never gets its JSON read. Whatever does not end in a
// triggered GitRepo gets the receiver's refusal, as if it had been refused
// at once: pings, ignored events and malformed payloads included, so an
// unverified sender learns nothing from the answer.
func (h *handler) serveOwnSecrets(d *delivery) {
	found, complete := h.gitRepoSecrets.Any(func(data map[string][]byte) bool {
		secret, ok := provider.SecretFromData(d.p, data)
		return ok && d.p.Verify(d.r.Header, d.body, d.payload, secret) == nil
	})
	if !found {
		d.refuseUnverified(complete)
		return
	}
	events, kind, err := d.p.Parse(d.event, d.payload)
	var live []push.Event
	if err == nil && kind == provider.KindPush {
		live = liveEvents(events, d.resp.Delivery)
	}
	if len(live) == 0 {
		d.fail(d.refusalCode, d.refusal)
		return
	}
	req := d.request(live, false)
	req.OwnSecretsOnly = true
	res, ok := h.dispatch(d, req)
	if !ok {
		return
	}
	d.respondOwnSecrets(res)
}

// respondOwnSecrets answers a delivery only GitRepos' own secrets could
// verify. The GitRepos it triggered are named: the sender proved it holds
// their secret. Matched GitRepos it did not trigger are only counted.
func (d *delivery) respondOwnSecrets(res push.Result) {
	if len(res.Written)+len(res.Pending) == 0 {
		d.log.Info("delivery verifies with no matched GitRepo's own secret", "unmatched", res.Unmatched, "skipped", len(res.Skipped))
		// The same refusal as without GitRepo secrets: the answer must not
		// tell an unverified sender that some exist.
		d.fail(d.refusalCode, d.refusal)
		return
	}
	code, resp := http.StatusOK, &d.resp
	resp.Status, resp.Triggered, resp.Pending = StatusTriggered, res.Written, res.Pending
	resp.Reason = "triggered the GitRepos whose own spec.webhookSecret verifies the delivery (the receiver's secret does not)"
	if len(res.Pending) > 0 {
		code, resp.Status = http.StatusAccepted, StatusAccepted
		resp.Reason = pendingReason(res.Pending) + "; " + resp.Reason
	}
	if n := len(res.Skipped); n > 0 {
		resp.Reason += fmt.Sprintf("; %d other matched GitRepo(s) not triggered, names withheld", n)
	}
	code = d.undecided(code, res.Undecided)
	d.log.Info("push dispatched on GitRepos' own secrets", "code", code,
		"written", triggerNames(res.Written), "pending", triggerNames(res.Pending), "skipped", res.Skipped)
	respond(d.w, code, *resp)
}

// request is the dispatcher's view of the delivery: its live events and how
// to verify it with any Secret laid out like the receiver's.
func (d *delivery) request(events []push.Event, authenticated bool) push.Request {
	return push.Request{
		Events:        events,
		Authenticated: authenticated,
		Hosts:         d.hosts,
		Verify: func(secret []byte) bool {
			return len(secret) > 0 && d.p.Verify(d.r.Header, d.body, d.payload, secret) == nil
		},
		SecretIn: func(data map[string][]byte) ([]byte, bool) {
			return provider.SecretFromData(d.p, data)
		},
	}
}

// liveEvents drops deleted refs, which never trigger a GitRepo, and stamps
// the delivery id on the rest.
func liveEvents(events []push.Event, deliveryID string) []push.Event {
	live := make([]push.Event, 0, len(events))
	for _, e := range events {
		if !e.Deleted {
			e.DeliveryID = deliveryID
			live = append(live, e)
		}
	}
	return live
}
