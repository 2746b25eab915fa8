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

package provider

import (
	"fmt"
	"net/http"

	"github.com/webhook-operator/webhook-operator/api/v1alpha1"
	"github.com/webhook-operator/webhook-operator/internal/jsonread"
	"github.com/webhook-operator/webhook-operator/internal/push"
)

// BitbucketServer webhooks (Server / Data Center): X-Event-Key with
// X-Request-Id, signed with X-Hub-Signature: sha256=<hex HMAC of the raw
// body>. Its "Test connection" ping (diagnostics:ping) is answered 200.
type BitbucketServer struct{}

// Key implements Provider.
func (BitbucketServer) Key() string { return v1alpha1.SecretKeyBitbucketServer }

// Detect implements Provider (checked after Bitbucket Cloud).
func (BitbucketServer) Detect(h http.Header) bool { return h.Get("X-Event-Key") != "" }

// Event implements Provider.
func (BitbucketServer) Event(h http.Header) string { return h.Get("X-Event-Key") }

// Delivery implements Provider.
func (BitbucketServer) Delivery(h http.Header) string { return h.Get("X-Request-Id") }

// Events implements Provider.
func (BitbucketServer) Events() []string { return []string{"repo:refs_changed", "diagnostics:ping"} }

// UnsignedPing implements UnsignedPinger: the "Test connection" button of
// older Bitbucket Server versions sends diagnostics:ping unsigned.
func (BitbucketServer) UnsignedPing(event string) bool { return event == "diagnostics:ping" }

// Verify implements Provider.
func (BitbucketServer) Verify(h http.Header, raw, _, secret []byte) error {
	sig := h.Get("X-Hub-Signature")
	if sig == "" {
		return fmt.Errorf("%w: X-Hub-Signature", ErrMissingSignature)
	}
	return verifyHMACHex(sig, "sha256=", secret, raw)
}

// bitbucketServerChange is one ref change of a repo:refs_changed payload.
type bitbucketServerChange struct {
	refID, legacyRefID, toHash, typ string
}

// bitbucketServerPush is what the receiver reads of a repo:refs_changed
// payload. It carries no file lists.
type bitbucketServerPush struct {
	// links are the clone links, then the self links.
	clone, self []string
	changes     []bitbucketServerChange
}

func (b *bitbucketServerPush) field(r *jsonread.Reader, key []byte) error {
	switch string(key) {
	case "repository":
		return r.Object(func(r *jsonread.Reader, key []byte) error {
			if string(key) != "links" {
				return nil
			}
			return r.Object(b.linksField)
		})
	case "changes":
		b.changes = b.changes[:0]
		return r.Array(b.readChange)
	}
	return nil
}

func (b *bitbucketServerPush) linksField(r *jsonread.Reader, key []byte) error {
	var list *[]string
	switch string(key) {
	case "clone":
		list = &b.clone
	case "self":
		list = &b.self
	default:
		return nil
	}
	*list = (*list)[:0]
	return r.Array(func(r *jsonread.Reader) error {
		var href string
		err := r.Object(func(r *jsonread.Reader, key []byte) error {
			if string(key) == "href" {
				return readString(r, &href)
			}
			return nil
		})
		*list = append(*list, href)
		return err
	})
}

func (b *bitbucketServerPush) readChange(r *jsonread.Reader) error {
	var c bitbucketServerChange
	err := r.Object(func(r *jsonread.Reader, key []byte) error {
		switch string(key) {
		case "ref":
			return r.Object(func(r *jsonread.Reader, key []byte) error {
				if string(key) == "id" {
					return readString(r, &c.refID)
				}
				return nil
			})
		case "refId":
			return readString(r, &c.legacyRefID)
		case "toHash":
			return readString(r, &c.toHash)
		case "type":
			return readString(r, &c.typ)
		}
		return nil
	})
	b.changes = append(b.changes, c)
	return err
}

// Parse implements Provider. Every change is one event; type DELETE (or an
// all-zero toHash) deleted the ref.
func (p BitbucketServer) Parse(event string, payload []byte) ([]push.Event, Kind, error) {
	switch event {
	case "diagnostics:ping":
		return nil, KindPing, nil
	case "repo:refs_changed":
	default:
		return nil, KindIgnored, nil
	}
	var b bitbucketServerPush
	if err := readObject(payload, b.field); err != nil {
		return nil, KindPush, err
	}
	repoURLs := urls(append(b.clone, b.self...)...)
	if len(repoURLs) == 0 {
		return nil, KindPush, fmt.Errorf("%w: no repository URL", ErrMalformed)
	}
	evs := make([]push.Event, 0, len(b.changes))
	for _, c := range b.changes {
		ref := c.refID
		if ref == "" {
			ref = c.legacyRefID
		}
		ev := push.Event{
			Provider: p.Key(),
			RepoURLs: repoURLs,
			Ref:      ref,
			Deleted:  c.typ == "DELETE" || isZeroSHA(c.toHash),
		}
		ev.Branch, ev.Tag = refParts(ref)
		if !ev.Deleted {
			ev.Commit = c.toHash
		}
		evs = append(evs, ev)
	}
	return evs, KindPush, validate(evs)
}
