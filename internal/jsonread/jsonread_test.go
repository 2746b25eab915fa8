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
	"bytes"
	"encoding/json"
	"errors"
	"runtime/debug"
	"slices"
	"strings"
	"testing"
)

// doc is what the table tests read: a few fields at several depths.
type doc struct {
	Ref     string
	Forced  bool
	Count   int64
	Files   []string
	RepoURL string
}

func readDoc(data []byte) (doc, error) {
	var d doc
	err := Object(data, func(r *Reader, key []byte) error {
		var err error
		switch string(key) {
		case "ref":
			d.Ref, err = r.String()
		case "forced":
			d.Forced, err = r.Bool()
		case "count":
			d.Count, err = r.Int()
		case "repository":
			err = r.Object(func(r *Reader, key []byte) error {
				var err error
				if string(key) == "html_url" {
					d.RepoURL, err = r.String()
				}
				return err
			})
		case "commits":
			err = r.Array(func(r *Reader) error {
				return r.Object(func(r *Reader, key []byte) error {
					if string(key) != "added" {
						return nil
					}
					return r.Array(func(r *Reader) error {
						s, err := r.String()
						d.Files = append(d.Files, s)
						return err
					})
				})
			})
		}
		return err
	})
	return d, err
}

func TestReadDoc(t *testing.T) {
	cases := map[string]struct {
		in      string
		want    doc
		wantErr bool
	}{
		"fields at every depth": {
			in: `{"ref":"refs/heads/main","skip":{"a":[1,2.5e3,-0.1,true,false,null,"x\"y"]},"forced":true,"count":42,
				"repository":{"id":1,"html_url":"https://h/o/r"},"commits":[{"added":["a/x.yaml","b"]},{"added":[]},{"removed":["c"]}]}`,
			want: doc{Ref: "refs/heads/main", Forced: true, Count: 42, RepoURL: "https://h/o/r", Files: []string{"a/x.yaml", "b"}},
		},
		"nulls read as zero values": {
			in:   `{"ref":null,"forced":null,"count":null,"repository":null,"commits":null}`,
			want: doc{},
		},
		"escapes decoded":          {in: `{"ref":"a\u00e9\n\/\ud83d\ude00"}`, want: doc{Ref: "aé\n/😀"}},
		"escaped key matches":      {in: `{"r\u0065f":"x"}`, want: doc{Ref: "x"}},
		"lone surrogate":           {in: `{"ref":"\ud800x"}`, want: doc{Ref: "\uFFFDx"}},
		"invalid UTF-8 replaced":   {in: "{\"ref\":\"a\xffb\"}", want: doc{Ref: "a\uFFFDb"}},
		"duplicate key, last wins": {in: `{"ref":"a","ref":"b"}`, want: doc{Ref: "b"}},
		"top-level null":           {in: ` null `, want: doc{}},
		"empty object":             {in: `{}`, want: doc{}},
		"wrong type":               {in: `{"ref":1}`, wantErr: true},
		"not an integer":           {in: `{"count":1.5}`, wantErr: true},
		"trailing data":            {in: `{} {}`, wantErr: true},
		"top-level array":          {in: `[]`, wantErr: true},
		"unterminated":             {in: `{"ref":"a`, wantErr: true},
		"bad skipped value":        {in: `{"x":[1,}`, wantErr: true},
		"bad literal":              {in: `{"x":tru}`, wantErr: true},
		"leading zero":             {in: `{"x":01}`, wantErr: true},
		"control char":             {in: "{\"x\":\"a\tb\"}", wantErr: true},
		"bad escape":               {in: `{"x":"\q"}`, wantErr: true},
		"missing colon":            {in: `{"x" 1}`, wantErr: true},
		"empty":                    {in: ``, wantErr: true},
		"too deep":                 {in: `{"x":` + strings.Repeat("[", maxDepth+1) + strings.Repeat("]", maxDepth+1) + `}`, wantErr: true},
	}
	// Runs of each whitespace byte, long and short, around every token.
	cases["whitespace of every kind"] = struct {
		in      string
		want    doc
		wantErr bool
	}{in: " \t\r\n {\n\t\t  \"ref\" \r\n:\t  \"a\"  ,\n                 \"skip\" : [ 1 , { } ] ,\"count\":\t\t\t1 \r\n}\n         ",
		want: doc{Ref: "a", Count: 1}}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			got, err := readDoc([]byte(tc.in))
			if tc.wantErr {
				if !errors.Is(err, ErrSyntax) {
					t.Fatalf("err = %v, want ErrSyntax", err)
				}
				return
			}
			if err != nil {
				t.Fatalf("unexpected error: %v", err)
			}
			if got.Ref != tc.want.Ref || got.Forced != tc.want.Forced || got.Count != tc.want.Count ||
				got.RepoURL != tc.want.RepoURL || !slices.Equal(got.Files, tc.want.Files) {
				t.Fatalf("got %+v, want %+v", got, tc.want)
			}
		})
	}
}

// FuzzObject checks the reader against encoding/json: it accepts exactly
// the documents encoding/json accepts as an object (or null), and decodes
// strings to the same text.
func FuzzObject(f *testing.F) {
	for _, s := range []string{`{"ref":"a\u00e9"}`, `{"a":[1,{"b":null}],"c":-1.5e+3}`, `null`, `{"x":"\ud800\udc00"}`, "{\"a\":\"\xff\"}"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		var strs []string
		err := Object(data, func(r *Reader, _ []byte) error {
			if r.pos < len(r.data) && r.data[r.pos] == '"' {
				s, err := r.String()
				strs = append(strs, s)
				return err
			}
			return nil
		})
		var want map[string]json.RawMessage
		werr := json.Unmarshal(data, &want)
		if (err == nil) != (werr == nil) {
			t.Fatalf("jsonread err %v, encoding/json err %v", err, werr)
		}
		if err != nil || bytes.Equal(bytes.TrimSpace(data), []byte("null")) {
			return
		}
		for _, s := range strs {
			found := false
			for _, raw := range want {
				var ws string
				if json.Unmarshal(raw, &ws) == nil && ws == s {
					found = true
				}
			}
			if !found {
				t.Fatalf("string %q not decoded by encoding/json from %q", s, data)
			}
		}
	})
}

// Skipping a value nested to the depth limit takes no stack per level: a
// hostile body of brackets must cost the bytes it holds, not megabytes of
// goroutine stack outside the receiver's in-flight budget. With the stack
// capped far below what one frame per level needs, recursion would crash.
func TestSkipDeepNestingUsesNoStackPerLevel(t *testing.T) {
	depth := maxDepth - 1
	doc := []byte(`{"x":` + strings.Repeat(`[{"a":`, depth/2) + `1` + strings.Repeat(`}]`, depth/2) + `}`)
	defer debug.SetMaxStack(debug.SetMaxStack(256 << 10))
	done := make(chan error)
	go func() { done <- Object(doc, func(*Reader, []byte) error { return nil }) }()
	if err := <-done; err != nil {
		t.Fatalf("a document nested %d deep: %v", depth, err)
	}
	tooDeep := []byte(`{"x":` + strings.Repeat(`[`, maxDepth) + strings.Repeat(`]`, maxDepth) + `}`)
	if err := Object(tooDeep, func(*Reader, []byte) error { return nil }); !errors.Is(err, ErrSyntax) {
		t.Fatalf("a document nested past the limit: %v, want ErrSyntax", err)
	}
}
