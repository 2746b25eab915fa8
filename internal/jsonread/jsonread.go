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

// Package jsonread reads the few fields a caller wants out of a JSON
// document in one pass, without reflection and without building values for
// the rest. A webhook payload is kilobytes of JSON of which the receiver
// reads a dozen strings; encoding/json validates the whole document once and
// then walks it again through reflection, which costs most of a request.
//
// The caller walks the document with callbacks: Object calls fn for every
// key, and a value fn does not read is skipped (and still validated), so the
// whole document must be well-formed JSON. Keys match exactly (encoding/json
// would also match them case-insensitively); a key given twice is seen twice,
// so the last assignment wins as with encoding/json. null reads as the zero
// value of whatever was asked for.
package jsonread

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math/bits"
	"strconv"
)

// maxDepth bounds nesting, as encoding/json does, so a hostile document
// cannot recurse without end.
const maxDepth = 10000

// ErrSyntax is wrapped by every error about a document that is not JSON or
// not of the expected shape.
var ErrSyntax = errors.New("invalid JSON")

// Reader walks one JSON document. Its methods read the value at the current
// position and move past it.
type Reader struct {
	data    []byte
	pos     int
	depth   int
	scratch []byte
}

// Object reads data, which must be one JSON object (or null) and nothing but
// whitespace around it, calling fn for each of its keys.
func Object(data []byte, fn func(r *Reader, key []byte) error) error {
	r := &Reader{data: data}
	if err := r.Object(fn); err != nil {
		return err
	}
	r.space()
	if r.pos != len(r.data) {
		return r.errorf("data after the top-level value")
	}
	return nil
}

// Object reads an object (or null), calling fn with each key; fn reads the
// key's value with r or leaves it to be skipped. The key is only valid
// during the call.
func (r *Reader) Object(fn func(r *Reader, key []byte) error) error {
	r.space()
	if r.null() {
		return nil
	}
	if !r.consume('{') {
		return r.errorf("expected an object")
	}
	if err := r.enter(); err != nil {
		return err
	}
	r.space()
	if r.consume('}') {
		r.depth--
		return nil
	}
	for {
		r.space()
		key, err := r.stringBytes()
		if err != nil {
			return err
		}
		r.space()
		if !r.consume(':') {
			return r.errorf("expected ':' after an object key")
		}
		r.space()
		start := r.pos
		if err := fn(r, key); err != nil {
			return err
		}
		if r.pos == start {
			if err := r.Skip(); err != nil {
				return err
			}
		}
		r.space()
		if r.consume('}') {
			r.depth--
			return nil
		}
		if !r.consume(',') {
			return r.errorf("expected ',' or '}' in an object")
		}
	}
}

// Array reads an array (or null), calling fn for each element; fn reads the
// element with r or leaves it to be skipped.
func (r *Reader) Array(fn func(r *Reader) error) error {
	r.space()
	if r.null() {
		return nil
	}
	if !r.consume('[') {
		return r.errorf("expected an array")
	}
	if err := r.enter(); err != nil {
		return err
	}
	r.space()
	if r.consume(']') {
		r.depth--
		return nil
	}
	for {
		r.space()
		start := r.pos
		if err := fn(r); err != nil {
			return err
		}
		if r.pos == start {
			if err := r.Skip(); err != nil {
				return err
			}
		}
		r.space()
		if r.consume(']') {
			r.depth--
			return nil
		}
		if !r.consume(',') {
			return r.errorf("expected ',' or ']' in an array")
		}
	}
}

// String reads a string (or null: ""). Invalid UTF-8 becomes U+FFFD, as
// encoding/json decodes it.
func (r *Reader) String() (string, error) {
	r.space()
	if r.null() {
		return "", nil
	}
	b, err := r.stringBytes()
	if err != nil {
		return "", err
	}
	return string(b), nil
}

// Bool reads true or false (or null: false).
func (r *Reader) Bool() (bool, error) {
	r.space()
	switch {
	case r.null():
		return false, nil
	case r.literal("true"):
		return true, nil
	case r.literal("false"):
		return false, nil
	}
	return false, r.errorf("expected a boolean")
}

// Int reads an integer number (or null: 0).
func (r *Reader) Int() (int64, error) {
	r.space()
	if r.null() {
		return 0, nil
	}
	start := r.pos
	if err := r.number(); err != nil {
		return 0, err
	}
	n, err := strconv.ParseInt(string(r.data[start:r.pos]), 10, 64)
	if err != nil {
		return 0, fmt.Errorf("%w: number at offset %d is not an integer", ErrSyntax, start)
	}
	return n, nil
}

// SkipNull reads a null if one is next, and reports whether it did: for a
// caller that must tell null from an empty object.
func (r *Reader) SkipNull() bool {
	r.space()
	return r.null()
}

// Skip reads past one value of any kind, checking that it is well-formed.
// Containers nested in it are tracked on a stack of their closing bytes,
// not by recursion, so a hostile document nested to the depth limit costs
// a byte per level rather than a stack frame per level.
func (r *Reader) Skip() error {
	var open []byte // the closing byte of each container being skipped
	for {
		opened, err := r.skipScalarOrOpen(&open)
		if err != nil {
			return err
		}
		if opened {
			continue // read its first element
		}
		// After a value: close the containers it ends, or go on to the
		// next element of the innermost one.
		for next := false; !next; {
			if len(open) == 0 {
				return nil
			}
			r.space()
			end := open[len(open)-1]
			switch {
			case r.consume(end):
				open = open[:len(open)-1]
				r.depth--
			case !r.consume(','):
				return r.errorf(unclosed(end))
			case end == '}':
				if err := r.skipKey(); err != nil {
					return err
				}
				next = true
			default:
				next = true
			}
		}
	}
}

// skipScalarOrOpen reads past a scalar, an empty container, or the opening
// of a container (and its first key), whose closing byte it pushes on open:
// opened says it did that.
func (r *Reader) skipScalarOrOpen(open *[]byte) (opened bool, err error) {
	r.space()
	if r.pos >= len(r.data) {
		return false, r.errorf("unexpected end of data")
	}
	switch c := r.data[r.pos]; {
	case c == '{' || c == '[':
		r.pos++
		if err := r.enter(); err != nil {
			return false, err
		}
		end := byte(']')
		if c == '{' {
			end = '}'
		}
		r.space()
		if r.consume(end) {
			r.depth--
			return false, nil
		}
		*open = append(*open, end)
		if end == '}' {
			return true, r.skipKey()
		}
		return true, nil
	case c == '"':
		_, err := r.skipString()
		return false, err
	case c == '-' || ('0' <= c && c <= '9'):
		return false, r.number()
	case r.literal("true"), r.literal("false"), r.literal("null"):
		return false, nil
	}
	return false, r.errorf("unexpected character")
}

// skipKey reads past an object key (validated, not decoded: no one reads
// it) and its colon.
func (r *Reader) skipKey() error {
	r.space()
	if _, err := r.skipString(); err != nil {
		return err
	}
	r.space()
	if !r.consume(':') {
		return r.errorf("expected ':' after an object key")
	}
	return nil
}

// unclosed is the error for a container neither continued nor closed.
func unclosed(end byte) string {
	if end == '}' {
		return "expected ',' or '}' in an object"
	}
	return "expected ',' or ']' in an array"
}

func (r *Reader) enter() error {
	r.depth++
	if r.depth > maxDepth {
		return r.errorf("nested too deeply")
	}
	return nil
}

func (r *Reader) errorf(what string) error {
	return fmt.Errorf("%w: %s at offset %d", ErrSyntax, what, r.pos)
}

// space skips whitespace. Compact JSON has none, so the first byte decides
// quickly; indented payloads (Gitea's, the fixtures') have a newline and a
// run of spaces, skipped a word at a time.
func (r *Reader) space() {
	if r.pos < len(r.data) && isSpace[r.data[r.pos]] {
		r.skipSpace()
	}
}

// skipSpace is space's loop, kept out of it so that the check inlines.
func (r *Reader) skipSpace() {
	// Most runs are the one space after a colon or comma.
	r.pos++
	if r.pos >= len(r.data) || !isSpace[r.data[r.pos]] {
		return
	}
	for r.pos < len(r.data) && isSpace[r.data[r.pos]] {
		r.pos++
		for r.pos+8 <= len(r.data) {
			m := nonSpaceMask(binary.LittleEndian.Uint64(r.data[r.pos:]))
			if m != 0 {
				r.pos += bits.TrailingZeros64(m) / 8
				break
			}
			r.pos += 8
		}
	}
}

func (r *Reader) consume(c byte) bool {
	if r.pos < len(r.data) && r.data[r.pos] == c {
		r.pos++
		return true
	}
	return false
}

func (r *Reader) literal(lit string) bool {
	if len(r.data)-r.pos >= len(lit) && string(r.data[r.pos:r.pos+len(lit)]) == lit {
		r.pos += len(lit)
		return true
	}
	return false
}

func (r *Reader) null() bool { return r.literal("null") }

// number reads past a number in JSON's grammar.
func (r *Reader) number() error {
	r.consume('-')
	switch {
	case r.consume('0'):
	case r.digits() == 0:
		return r.errorf("malformed number")
	}
	if r.consume('.') && r.digits() == 0 {
		return r.errorf("malformed number")
	}
	if r.consume('e') || r.consume('E') {
		if !r.consume('+') {
			r.consume('-')
		}
		if r.digits() == 0 {
			return r.errorf("malformed number")
		}
	}
	return nil
}

func (r *Reader) digits() int {
	start := r.pos
	for r.pos < len(r.data) && '0' <= r.data[r.pos] && r.data[r.pos] <= '9' {
		r.pos++
	}
	return r.pos - start
}
