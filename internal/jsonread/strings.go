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

package jsonread

import (
	"encoding/binary"
	"math/bits"
	"unicode/utf8"
)

// Strings are most of a webhook payload's bytes, so they are scanned eight
// bytes at a time: a word holding no quote, backslash, control character or
// non-ASCII byte is plain content and skipped whole.
const (
	ones  = 0x0101010101010101
	highs = 0x8080808080808080
)

// specialMask has the high bit set in each byte of w that may be '"', '\\',
// below 0x20 or 0x80 and above. Borrows make false positives only in bytes
// above a true one, so the lowest set bit always marks a true one: the
// first byte (in little-endian order) that ends a run of plain content.
func specialMask(w uint64) uint64 {
	quote := w ^ (ones * '"')
	backslash := w ^ (ones * '\\')
	zeroQuote := (quote - ones) &^ quote
	zeroBackslash := (backslash - ones) &^ backslash
	control := (w - ones*0x20) &^ w
	return (zeroQuote | zeroBackslash | control | w) & highs
}

// zeroBytes has the high bit set in exactly the bytes of x that are zero
// (no borrow crosses bytes, so there are no false positives).
func zeroBytes(x uint64) uint64 {
	const lows = 0x7f7f7f7f7f7f7f7f
	return ^((x&lows + lows) | x) & highs
}

// nonSpaceMask has the high bit set in exactly the bytes of w that are not
// a space. Only spaces come in runs (indentation); the other whitespace
// bytes are taken one at a time.
func nonSpaceMask(w uint64) uint64 {
	return ^zeroBytes(w^(ones*' ')) & highs
}

// isSpace is JSON's whitespace.
var isSpace = [256]bool{' ': true, '\t': true, '\n': true, '\r': true}

// stringScan is what skipString saw of a string.
type stringScan struct {
	// start and end bound the raw inside of the string.
	start, end int
	// plain says it has no escape and no non-ASCII byte, so its raw bytes
	// are its value.
	plain bool
}

// skipString reads past a string without decoding it.
func (r *Reader) skipString() (stringScan, error) {
	if !r.consume('"') {
		return stringScan{}, r.errorf("expected a string")
	}
	sc := stringScan{start: r.pos, plain: true}
	for {
		for r.pos+8 <= len(r.data) {
			m := specialMask(binary.LittleEndian.Uint64(r.data[r.pos:]))
			if m != 0 {
				r.pos += bits.TrailingZeros64(m) / 8
				break
			}
			r.pos += 8
		}
		if r.pos >= len(r.data) {
			return sc, r.errorf("unterminated string")
		}
		switch c := r.data[r.pos]; {
		case c == '"':
			sc.end = r.pos
			r.pos++
			return sc, nil
		case c == '\\':
			sc.plain = false
			if err := r.skipEscape(); err != nil {
				return sc, err
			}
		case c < 0x20:
			return sc, r.errorf("control character in a string")
		default:
			if c >= utf8.RuneSelf {
				sc.plain = false
			}
			r.pos++
		}
	}
}

// skipEscape reads past one escape sequence, r.pos on its backslash.
func (r *Reader) skipEscape() error {
	if r.pos+1 >= len(r.data) {
		return r.errorf("unterminated string")
	}
	switch r.data[r.pos+1] {
	case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
		r.pos += 2
		return nil
	case 'u':
		if _, ok := hex4(r.data[r.pos+2:]); !ok {
			return r.errorf("malformed \\u escape")
		}
		r.pos += 6
		return nil
	}
	return r.errorf("malformed escape")
}

// stringBytes reads a string and returns its decoded bytes: a slice of the
// document when it needs no decoding, else of r.scratch (valid until the
// next call).
func (r *Reader) stringBytes() ([]byte, error) {
	sc, err := r.skipString()
	if err != nil {
		return nil, err
	}
	raw := r.data[sc.start:sc.end]
	if sc.plain {
		return raw, nil
	}
	r.scratch = unquote(r.scratch[:0], raw)
	return r.scratch, nil
}
