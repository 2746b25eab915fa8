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
	"crypto/hmac"
	"crypto/sha256"
	"crypto/subtle"
	"fmt"
	"strings"

	"github.com/webhook-operator/webhook-operator/internal/push"
)

// verifyHMACHex checks a hex HMAC-SHA256 of msg, as Gitea, Gogs, GitHub and
// Bitbucket send it, in constant time. prefix (e.g. "sha256=") must lead the
// header value when given. A nil msg is the check before the body is read
// (see Provider.Verify): the header is checked, but a signature cannot
// verify without its body, so a well-formed one gives ErrBadSignature.
func verifyHMACHex(header, prefix string, secret, msg []byte) error {
	if header == "" {
		return ErrMissingSignature
	}
	if prefix != "" {
		if len(header) < len(prefix) || !strings.EqualFold(header[:len(prefix)], prefix) {
			return fmt.Errorf("%w: expected a %q signature", ErrBadSignature, prefix)
		}
		header = header[len(prefix):]
	}
	got, ok := decodeSHA256Hex(header)
	if !ok {
		return fmt.Errorf("%w: not a hex SHA-256 HMAC", ErrBadSignature)
	}
	if msg == nil {
		return ErrBadSignature
	}
	mac := hmac.New(sha256.New, secret)
	mac.Write(msg)
	var sum [sha256.Size]byte
	if !hmac.Equal(mac.Sum(sum[:0]), got[:]) {
		return ErrBadSignature
	}
	return nil
}

// decodeSHA256Hex decodes a hex digest (either case) without allocating.
func decodeSHA256Hex(s string) (d [sha256.Size]byte, ok bool) {
	if len(s) != 2*len(d) {
		return d, false
	}
	for i := range d {
		hi, okHi := fromHex(s[2*i])
		lo, okLo := fromHex(s[2*i+1])
		if !okHi || !okLo {
			return d, false
		}
		d[i] = hi<<4 | lo
	}
	return d, true
}

func fromHex(c byte) (byte, bool) {
	switch {
	case '0' <= c && c <= '9':
		return c - '0', true
	case 'a' <= c && c <= 'f':
		return c - 'a' + 10, true
	case 'A' <= c && c <= 'F':
		return c - 'A' + 10, true
	}
	return 0, false
}

// verifyToken compares a shared token in constant time. Both sides are
// hashed first so that not even the token's length leaks through timing.
func verifyToken(token string, secret []byte) error {
	if token == "" {
		return ErrMissingSignature
	}
	a := sha256.Sum256([]byte(token))
	b := sha256.Sum256(secret)
	if subtle.ConstantTimeCompare(a[:], b[:]) != 1 {
		return ErrBadSignature
	}
	return nil
}

// isZeroSHA reports an all-zero object id (a deleted or created ref's
// missing side), for SHA-1 and SHA-256 repositories alike.
func isZeroSHA(s string) bool {
	if s == "" {
		return false
	}
	return strings.Trim(s, "0") == ""
}

// refParts splits a full ref into branch or tag.
func refParts(ref string) (branch, tag string) {
	if b, ok := strings.CutPrefix(ref, "refs/heads/"); ok {
		return b, ""
	}
	if t, ok := strings.CutPrefix(ref, "refs/tags/"); ok {
		return "", t
	}
	return "", ""
}

// urls collects the non-empty, distinct repository URLs in payload order.
func urls(in ...string) []string {
	out := make([]string, 0, len(in))
	for _, u := range in {
		if u == "" {
			continue
		}
		dup := false
		for _, o := range out {
			if o == u {
				dup = true
				break
			}
		}
		if !dup {
			out = append(out, u)
		}
	}
	return out
}

// validate checks the fields every push event needs, so a signed but empty
// or foreign document is refused as malformed rather than dispatched.
func validate(evs []push.Event) error {
	for _, e := range evs {
		switch {
		case len(e.RepoURLs) == 0:
			return fmt.Errorf("%w: no repository URL", ErrMalformed)
		case e.Ref == "":
			return fmt.Errorf("%w: no ref", ErrMalformed)
		case !e.Deleted && e.Commit == "":
			return fmt.Errorf("%w: no commit for %s", ErrMalformed, e.Ref)
		}
	}
	return nil
}
