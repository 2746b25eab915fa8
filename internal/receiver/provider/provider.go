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

// Package provider knows the Git hosting providers' webhooks: how to detect
// which provider sent a request, how it signs it, and how its push payload
// maps to the normalised push.Event. The HTTP handler only drives this
// interface, so adding a provider is one file plus a registry entry.
package provider

import (
	"errors"
	"net/http"

	"github.com/webhook-operator/webhook-operator/internal/push"
)

// Kind is what a delivery asks the receiver to do.
type Kind int

const (
	// KindIgnored is an event the receiver does not act on.
	KindIgnored Kind = iota
	// KindPush is a push: its events go to the dispatcher.
	KindPush
	// KindPing is a test delivery: answered 200, nothing else.
	KindPing
)

// String names the kind for logs.
func (k Kind) String() string {
	switch k {
	case KindPush:
		return "push"
	case KindPing:
		return "ping"
	default:
		return "ignored"
	}
}

// Verification errors. They say what is wrong with the request, never what
// the secret is, so they may go into responses and logs.
var (
	ErrMissingSignature = errors.New("missing signature")
	ErrBadSignature     = errors.New("signature does not match")
	// ErrMalformed marks a payload that is not what the provider sends.
	ErrMalformed = errors.New("malformed payload")
)

// Provider is one Git hosting provider's webhook dialect.
type Provider interface {
	// Key is the provider's key in the receiver Secret, one of
	// v1alpha1.SecretKeys(); it names the provider in metrics, logs and
	// answers too.
	Key() string
	// Detect reports whether the request headers are this provider's.
	Detect(h http.Header) bool
	// Event is the event name from the headers (e.g. "push", "Push Hook").
	Event(h http.Header) string
	// Delivery is the provider's delivery id header, "" if none.
	Delivery(h http.Header) string
	// Events lists the event names this provider acts on (push and ping);
	// anything else is ignored. Used to keep metric labels bounded.
	Events() []string
	// Verify checks the request's signature or token against secret in
	// constant time. raw is the body as sent; payload is the JSON document
	// (raw itself, or the form's payload field). A request without any
	// signature or token must give ErrMissingSignature from the headers
	// alone: the receiver first calls Verify with nil raw and payload, to
	// refuse such a request before reading its body.
	Verify(h http.Header, raw, payload, secret []byte) error
	// Parse turns a verified payload into push events. For KindPing and
	// KindIgnored the events are nil. An error wraps ErrMalformed.
	Parse(event string, payload []byte) ([]push.Event, Kind, error)
}

// UnsignedPinger is implemented by providers whose ping delivery carries no
// signature; the receiver answers such a ping without checking it (it
// triggers nothing).
type UnsignedPinger interface {
	UnsignedPing(event string) bool
}

// HeaderAuthenticator is implemented by providers whose token is all in the
// headers (Verify ignores the body), so that a wrong token is refused before
// the body is read.
type HeaderAuthenticator interface {
	AuthenticatesByHeader() bool
}

// AuthenticatesByHeader reports whether p's Verify reads the headers only.
func AuthenticatesByHeader(p Provider) bool {
	ha, ok := p.(HeaderAuthenticator)
	return ok && ha.AuthenticatesByHeader()
}

// PayloadEventer is implemented by providers that name the event in the
// body rather than a header (Azure DevOps); the receiver reports that name.
type PayloadEventer interface {
	PayloadEvent(payload []byte) string
}

// All returns every provider in detection order: Gitea/Forgejo also send
// Gogs' and GitHub's headers and Gogs also sends GitHub's, so the more
// specific ones come first; Bitbucket Cloud before Server since both send
// X-Event-Key; Azure DevOps last, as in Fleet.
func All() []Provider {
	return []Provider{Gitea{}, Gogs{}, GitHub{}, GitLab{}, BitbucketCloud{}, BitbucketServer{}, AzureDevOps{}}
}

// Detect returns the first of providers (in detection order, see All) whose
// headers the request carries, or nil when none does.
func Detect(providers []Provider, h http.Header) Provider {
	for _, p := range providers {
		if p.Detect(h) {
			return p
		}
	}
	return nil
}
