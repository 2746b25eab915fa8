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
	"errors"
	"fmt"
	"io"
	"net/http"
	"sync"
)

// firstChunk bounds the buffer a body starts with, once its first byte has
// arrived (most pushes fit); it doubles from there (see startSize).
const firstChunk = 16 << 10

// budget bounds the bytes the bodies of in-flight requests hold, so that
// hostile load costs at most that much memory: a request that would go over
// it is answered 503 before its body is read.
type budget struct {
	mu          sync.Mutex
	used, limit int64
}

func newBudget(limit int64) *budget { return &budget{limit: limit} }

// take reserves n bytes; false when that would pass the limit.
func (b *budget) take(n int64) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.used+n > b.limit {
		return false
	}
	b.used += n
	inflightBytes.Set(float64(b.used))
	return true
}

// give returns n bytes taken earlier.
func (b *budget) give(n int64) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.used -= n
	inflightBytes.Set(float64(b.used))
}

// hold reserves n bytes of the in-flight budget for this delivery, or
// answers 503 with Retry-After.
func (h *handler) hold(d *delivery, n int64) bool {
	if h.inflight.take(n) {
		d.held += n
		return true
	}
	budgetRefusals.Inc()
	d.fail(http.StatusServiceUnavailable, "the receiver holds as many request bytes as it may, retry later")
	return false
}

// readBody reads the body within the size limit and the in-flight budget.
// Nothing is reserved until the first byte arrives; then the buffer starts
// at about firstChunk (or the declared length, if smaller) and grows as
// bytes arrive (nextSize), each new buffer reserved before it is made. So a
// client is charged for what it has sent, never for what it merely
// declared: a declared Content-Length caps the buffer, and one larger than
// the whole budget is refused unread.
func (h *handler) readBody(d *delivery) ([]byte, bool) {
	src := http.MaxBytesReader(d.w, d.r.Body, h.maxBody)
	most, declared := h.maxBody+1, d.r.ContentLength
	if declared > 0 {
		if declared > h.inflight.limit {
			return nil, h.hold(d, declared)
		}
		most = declared
	}
	var first [1]byte
	n, err := io.ReadFull(src, first[:])
	switch {
	case errors.Is(err, io.EOF) && declared <= 0:
		return nil, true // empty
	case err != nil:
		return nil, h.bodyError(d, err)
	}
	start := startSize(most)
	var buf []byte
	for {
		if len(buf) == cap(buf) {
			if declared > 0 && int64(len(buf)) == declared {
				return buf, true
			}
			if int64(len(buf)) > h.maxBody {
				return nil, h.bodyError(d, &http.MaxBytesError{Limit: h.maxBody})
			}
			if !h.grow(d, &buf, nextSize(int64(cap(buf)), start, most, declared)) {
				h.drain(d, src)
				return nil, false
			}
			buf = append(buf, first[:n]...)
			n = 0
		}
		k, err := src.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+k]
		switch {
		case errors.Is(err, io.EOF) && declared > 0 && int64(len(buf)) < declared:
			return nil, h.bodyError(d, io.ErrUnexpectedEOF)
		case errors.Is(err, io.EOF):
			return buf, true
		case err != nil:
			return nil, h.bodyError(d, err)
		}
	}
}

// drain follows a refusal part way through a body (its first byte read):
// the buffer is dropped and its reservation given back, then the rest is
// read without being kept, so the sender gets its 503 rather than a
// connection closed under its upload. It costs no memory, and no more time
// than the server's read timeout allows any body.
func (h *handler) drain(d *delivery, src io.Reader) {
	h.inflight.give(d.held)
	d.held = 0
	_, _ = io.Copy(io.Discard, src)
}

// startSize is the first buffer for a body of at most most bytes: most
// halved until it is no more than firstChunk, so that the sizes land on
// most's quarter exactly. The last step then copies from a quarter of the
// body, not from the largest power of two below its half: a 25 MiB body
// grows from 6.25 MiB, not 8, and two such bodies can take their last step
// at the same moment within 64 MiB.
func startSize(most int64) int64 {
	for most > firstChunk {
		most = (most + 1) / 2
	}
	return most
}

// nextSize is the buffer after one of size held: double (from start), up
// to most; a body of declared length goes to that length at once when it
// has sent a quarter of it. That leaves a large body one short step of
// garbage instead of a doubling chain as long as itself, and still charges
// a client at most four times what it has sent.
func nextSize(held, start, most, declared int64) int64 {
	if declared > 0 && 4*held >= declared {
		return declared
	}
	return min(max(2*held, start), most)
}

// grow replaces *buf with a buffer of capacity next holding the same bytes,
// reserving it first; the old buffer is garbage then, so its reservation
// is given back. The reservation covers the moment both exist.
func (h *handler) grow(d *delivery, buf *[]byte, next int64) bool {
	if !h.hold(d, next) {
		return false
	}
	grown := make([]byte, len(*buf), next)
	copy(grown, *buf)
	old := int64(cap(*buf))
	h.inflight.give(old)
	d.held -= old
	*buf = grown
	return true
}

// bodyError answers a failed body read: 413 over the limit, else 400.
// It returns false, the read's ok, so callers can return it directly.
func (h *handler) bodyError(d *delivery, err error) (ok bool) {
	var tooLarge *http.MaxBytesError
	if errors.As(err, &tooLarge) {
		d.fail(http.StatusRequestEntityTooLarge, fmt.Sprintf("body is over the limit of %d bytes", h.maxBody))
	} else {
		d.fail(http.StatusBadRequest, "reading body: "+err.Error())
	}
	return false
}

// errNoField is a form body without the field.
var errNoField = errors.New("no such field")

// formField returns the still-escaped value of the first field called name
// in an application/x-www-form-urlencoded body, without decoding the rest
// of the form: Gogs and Gitea sign the JSON in the payload field, so that
// one field is all the receiver needs before it can authenticate.
func formField(body []byte, name string) ([]byte, error) {
	for len(body) > 0 {
		var pair []byte
		pair, body, _ = bytes.Cut(body, []byte("&"))
		key, value, _ := bytes.Cut(pair, []byte("="))
		if formKeyIs(key, name) {
			return value, nil
		}
	}
	return nil, errNoField
}

// formKeyIs reports whether an escaped form key decodes to name.
func formKeyIs(key []byte, name string) bool {
	if string(key) == name {
		return true
	}
	// An escaped byte takes three characters: a longer key cannot be name.
	if len(key) > 3*len(name) || !bytes.ContainsAny(key, "%+") {
		return false
	}
	k, err := unescapeForm(key)
	return err == nil && string(k) == name
}

// unescapeForm decodes one form value ('+' is a space, %XX a byte) into a
// new slice no longer than v.
func unescapeForm(v []byte) ([]byte, error) {
	out := make([]byte, 0, len(v))
	for i := 0; i < len(v); i++ {
		switch c := v[i]; c {
		case '+':
			out = append(out, ' ')
		case '%':
			if i+2 >= len(v) {
				return nil, fmt.Errorf("invalid URL escape %q", v[i:])
			}
			hi, ok1 := unhex(v[i+1])
			lo, ok2 := unhex(v[i+2])
			if !ok1 || !ok2 {
				return nil, fmt.Errorf("invalid URL escape %q", v[i:i+3])
			}
			out = append(out, hi<<4|lo)
			i += 2
		default:
			out = append(out, c)
		}
	}
	return out, nil
}

func unhex(c byte) (byte, bool) {
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
