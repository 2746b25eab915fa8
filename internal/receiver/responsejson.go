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
	"io"
	"sync"

	"github.com/webhook-operator/webhook-operator/internal/push"
)

// Every request is answered with a Response, so it is written without
// reflection: appendJSON gives exactly what encoding/json's Encoder does
// (keys, order, omitempty, escaping and the trailing newline), which
// TestResponseJSON checks.

// maxPooledAnswer bounds the buffers kept for reuse: a rare answer listing
// many GitRepos does not pin its buffer.
const maxPooledAnswer = 16 << 10

// answerBufs holds the buffers answers are written from.
var answerBufs = sync.Pool{New: func() any { b := make([]byte, 0, 512); return &b }}

// writeJSON writes resp's JSON to w.
func writeJSON(w io.Writer, resp *Response) {
	bp := answerBufs.Get().(*[]byte)
	b := resp.appendJSON((*bp)[:0])
	_, _ = w.Write(b)
	if cap(b) <= maxPooledAnswer {
		*bp = b
		answerBufs.Put(bp)
	}
}

func (resp *Response) appendJSON(b []byte) []byte {
	b = append(b, `{"status":`...)
	b = appendJSONString(b, resp.Status)
	b = appendOptional(b, `,"provider":`, resp.Provider)
	b = appendOptional(b, `,"event":`, resp.Event)
	b = appendOptional(b, `,"delivery":`, resp.Delivery)
	b = appendTriggers(b, `,"triggered":`, resp.Triggered)
	b = appendTriggers(b, `,"pending":`, resp.Pending)
	if len(resp.Skipped) > 0 {
		b = append(b, `,"skipped":[`...)
		for i, s := range resp.Skipped {
			if i > 0 {
				b = append(b, ',')
			}
			b = append(b, `{"namespace":`...)
			b = appendJSONString(b, s.Namespace)
			b = append(b, `,"name":`...)
			b = appendJSONString(b, s.Name)
			b = append(b, `,"reason":`...)
			b = appendJSONString(b, s.Reason)
			b = append(b, '}')
		}
		b = append(b, ']')
	}
	b = appendOptional(b, `,"reason":`, resp.Reason)
	return append(b, '}', '\n')
}

// appendOptional appends an omitempty string field.
func appendOptional(b []byte, key, s string) []byte {
	if s == "" {
		return b
	}
	return appendJSONString(append(b, key...), s)
}

func appendTriggers(b []byte, key string, ts []push.Trigger) []byte {
	if len(ts) == 0 {
		return b
	}
	b = append(append(b, key...), '[')
	for i, t := range ts {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, `{"namespace":`...)
		b = appendJSONString(b, t.Namespace)
		b = append(b, `,"name":`...)
		b = appendJSONString(b, t.Name)
		b = append(b, `,"commit":`...)
		b = appendJSONString(b, t.Commit)
		if t.Coalesced {
			b = append(b, `,"coalesced":true`...)
		}
		b = append(b, '}')
	}
	return append(b, ']')
}

// appendJSONString appends s quoted. Plain ASCII is copied; a string with
// anything encoding/json escapes (quotes, backslashes, control characters,
// HTML's <, > and &, non-ASCII) is left to encoding/json.
func appendJSONString(b []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c < 0x20, c >= 0x80, c == '"', c == '\\', c == '<', c == '>', c == '&':
			q, _ := json.Marshal(s)
			return append(b, q...)
		}
	}
	b = append(b, '"')
	b = append(b, s...)
	return append(b, '"')
}
