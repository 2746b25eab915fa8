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

// BitbucketCloud webhooks (bitbucket.org): X-Event-Key with X-Hook-UUID,
// signed with X-Hub-Signature: sha256=<hex HMAC of the raw body>.
type BitbucketCloud struct{}

// Key implements Provider.
func (BitbucketCloud) Key() string { return v1alpha1.SecretKeyBitbucket }

// Detect implements Provider. Cloud always sends X-Hook-UUID; Server sends
// X-Request-Id instead, so repo:push without X-Request-Id is Cloud too.
func (BitbucketCloud) Detect(h http.Header) bool {
	if h.Get("X-Hook-UUID") != "" {
		return true
	}
	return h.Get("X-Event-Key") == "repo:push" && h.Get("X-Request-Id") == ""
}

// Event implements Provider.
func (BitbucketCloud) Event(h http.Header) string { return h.Get("X-Event-Key") }

// Delivery implements Provider.
func (BitbucketCloud) Delivery(h http.Header) string { return h.Get("X-Request-UUID") }

// Events implements Provider.
func (BitbucketCloud) Events() []string { return []string{"repo:push"} }

// Verify implements Provider. A signed delivery (X-Hub-Signature) must
// carry the HMAC of its body. An unsigned one is checked the way Fleet
// checks Bitbucket Cloud: its bitbucket key is the webhook's UUID, compared
// with X-Hook-UUID (here in constant time; Fleet compares with !=). That is
// weaker than an HMAC, since the UUID travels in every delivery, but it is
// what a Fleet gitjob-webhook Secret holds.
func (BitbucketCloud) Verify(h http.Header, raw, _, secret []byte) error {
	if sig := h.Get("X-Hub-Signature"); sig != "" {
		return verifyHMACHex(sig, "sha256=", secret, raw)
	}
	uuid := h.Get("X-Hook-UUID")
	if uuid == "" {
		return fmt.Errorf("%w: X-Hub-Signature (or Fleet's X-Hook-UUID)", ErrMissingSignature)
	}
	if verifyToken(uuid, secret) != nil {
		return fmt.Errorf("%w: no X-Hub-Signature, and X-Hook-UUID is not the hook UUID", ErrBadSignature)
	}
	return nil
}

type bitbucketRef struct {
	typ, name, hash string
}

func (b *bitbucketRef) field(r *jsonread.Reader, key []byte) error {
	switch string(key) {
	case "type":
		return readString(r, &b.typ)
	case "name":
		return readString(r, &b.name)
	case "target":
		return r.Object(func(r *jsonread.Reader, key []byte) error {
			if string(key) == "hash" {
				return readString(r, &b.hash)
			}
			return nil
		})
	}
	return nil
}

// bitbucketChange is one ref change; a side that is not set was null or
// absent. The sides are values, not pointers: a push costs no allocation
// per side.
type bitbucketChange struct {
	new, old       bitbucketRef
	hasNew, hasOld bool
}

// bitbucketPush is what the receiver reads of a repo:push payload. It
// carries no file lists.
type bitbucketPush struct {
	htmlURL, mainBranch string
	changes             []bitbucketChange
}

func (b *bitbucketPush) field(r *jsonread.Reader, key []byte) error {
	switch string(key) {
	case "repository":
		return r.Object(b.repositoryField)
	case "push":
		return r.Object(func(r *jsonread.Reader, key []byte) error {
			if string(key) != "changes" {
				return nil
			}
			b.changes = b.changes[:0]
			return r.Array(b.readChange)
		})
	}
	return nil
}

func (b *bitbucketPush) repositoryField(r *jsonread.Reader, key []byte) error {
	switch string(key) {
	case "links":
		return r.Object(func(r *jsonread.Reader, key []byte) error {
			if string(key) != "html" {
				return nil
			}
			return r.Object(func(r *jsonread.Reader, key []byte) error {
				if string(key) == "href" {
					return readString(r, &b.htmlURL)
				}
				return nil
			})
		})
	case "mainbranch":
		return r.Object(func(r *jsonread.Reader, key []byte) error {
			if string(key) == "name" {
				return readString(r, &b.mainBranch)
			}
			return nil
		})
	}
	return nil
}

func (b *bitbucketPush) readChange(r *jsonread.Reader) error {
	var c bitbucketChange
	err := r.Object(func(r *jsonread.Reader, key []byte) error {
		var side *bitbucketRef
		var has *bool
		switch string(key) {
		case "new":
			side, has = &c.new, &c.hasNew
		case "old":
			side, has = &c.old, &c.hasOld
		default:
			return nil
		}
		*side, *has = bitbucketRef{}, false
		if r.SkipNull() {
			return nil
		}
		*has = true
		return r.Object(side.field)
	})
	b.changes = append(b.changes, c)
	return err
}

// Parse implements Provider. Every change of the push is one event; a
// change whose "new" is null deleted the ref named by "old".
func (p BitbucketCloud) Parse(event string, payload []byte) ([]push.Event, Kind, error) {
	if event != "repo:push" {
		return nil, KindIgnored, nil
	}
	var b bitbucketPush
	if err := readObject(payload, b.field); err != nil {
		return nil, KindPush, err
	}
	repoURLs := urls(b.htmlURL)
	if len(repoURLs) == 0 {
		return nil, KindPush, fmt.Errorf("%w: no repository URL", ErrMalformed)
	}
	evs := make([]push.Event, 0, len(b.changes))
	for _, c := range b.changes {
		ref, deleted := &c.new, false
		if !c.hasNew {
			ref, deleted = &c.old, true
		}
		if !c.hasNew && !c.hasOld {
			return nil, KindPush, fmt.Errorf("%w: change with neither new nor old", ErrMalformed)
		}
		ev := push.Event{Provider: p.Key(), RepoURLs: repoURLs, DefaultBranch: b.mainBranch, Deleted: deleted}
		switch ref.typ {
		case "branch", "named_branch":
			ev.Ref, ev.Branch = "refs/heads/"+ref.name, ref.name
		case "tag", "annotated_tag":
			ev.Ref, ev.Tag = "refs/tags/"+ref.name, ref.name
		default:
			// Mercurial bookmarks and the like: nothing a GitRepo tracks.
			continue
		}
		if !deleted {
			ev.Commit = ref.hash
		}
		evs = append(evs, ev)
	}
	return evs, KindPush, validate(evs)
}
