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
	"encoding/json"
	"testing"

	"github.com/webhook-operator/webhook-operator/internal/push"
)

// encodingJSON is what the answers were written with before writeJSON.
func encodingJSON(t testing.TB, resp Response) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := json.NewEncoder(&buf).Encode(resp); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestResponseJSON(t *testing.T) {
	trigger := push.Trigger{Namespace: "fleet-local", Name: "app", Commit: "709d658dc5b6d6afcd46049c2f332ee3f515a67d"}
	coalesced := trigger
	coalesced.Coalesced = true
	cases := map[string]Response{
		"status only": {Status: StatusError},
		"empty":       {},
		"every field": {Status: StatusAccepted, Provider: "github", Event: "push", Delivery: "d-1",
			Triggered: []push.Trigger{trigger}, Pending: []push.Trigger{trigger, coalesced},
			Skipped: []push.Skip{{Namespace: "ns", Name: "other", Reason: "branch main is not tracked"}}, Reason: "1 GitRepo write(s)"},
		"empty slices are omitted": {Status: StatusTriggered, Triggered: []push.Trigger{}, Pending: []push.Trigger{}, Skipped: []push.Skip{}},
		"escaped text": {Status: StatusError, Event: "a\"b\\c<d>&e\n\t\x01", Delivery: "é\u2028\u2029x",
			Reason: "content type \"text/html; charset=<x>\" is not accepted"},
		"invalid UTF-8": {Status: StatusError, Event: "a\xffb", Reason: "\xc3"},
		"escapes in triggers and skips": {Status: StatusTriggered, Triggered: []push.Trigger{{Namespace: "<ns>", Name: "n&m", Commit: "\"c\""}},
			Skipped: []push.Skip{{Namespace: "a\\b", Name: "ü", Reason: "r\r"}}},
	}
	for name, resp := range cases {
		t.Run(name, func(t *testing.T) {
			var got bytes.Buffer
			writeJSON(&got, &resp)
			if want := encodingJSON(t, resp); !bytes.Equal(got.Bytes(), want) {
				t.Fatalf("writeJSON = %s\nencoding/json = %s", got.Bytes(), want)
			}
		})
	}
}

// FuzzResponseJSON holds writeJSON to encoding/json for any text a client
// can make the receiver echo.
func FuzzResponseJSON(f *testing.F) {
	f.Add("push", "d-1", "ns", "name", "reason", true)
	f.Add("a\"<>&\x00\xff\u2028", "é", "", "\\", "\t", false)
	f.Fuzz(func(t *testing.T, event, delivery, ns, name, reason string, coalesced bool) {
		resp := Response{Status: StatusAccepted, Event: event, Delivery: delivery, Reason: reason,
			Pending: []push.Trigger{{Namespace: ns, Name: name, Commit: reason, Coalesced: coalesced}},
			Skipped: []push.Skip{{Namespace: ns, Name: name, Reason: reason}}}
		var got bytes.Buffer
		writeJSON(&got, &resp)
		if want := encodingJSON(t, resp); !bytes.Equal(got.Bytes(), want) {
			t.Fatalf("writeJSON = %q\nencoding/json = %q", got.Bytes(), want)
		}
	})
}
