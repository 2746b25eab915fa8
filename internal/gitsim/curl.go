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

package gitsim

import (
	"fmt"
	"net/http"
	"sort"
	"strings"
)

// CurlCommand is a shell line that POSTs bodyFile to target with headers.
func CurlCommand(target string, h http.Header, bodyFile string) string {
	keys := make([]string, 0, len(h))
	for k := range h {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b strings.Builder
	b.WriteString("curl -sS -i -X POST")
	for _, k := range keys {
		for _, v := range h[k] {
			fmt.Fprintf(&b, " \\\n  -H %s", shellQuote(displayHeader(k)+": "+v))
		}
	}
	fmt.Fprintf(&b, " \\\n  --data-binary @%s %s", shellQuote(bodyFile), shellQuote(target))
	return b.String()
}

// displayHeader spells a canonicalised header name the way its provider
// documents it (HTTP header names are case-insensitive; this is for people).
func displayHeader(k string) string {
	for _, r := range []struct{ from, to string }{{"X-Github-", "X-GitHub-"}, {"X-Gitlab-", "X-Gitlab-"}} {
		if strings.HasPrefix(k, r.from) {
			return r.to + k[len(r.from):]
		}
	}
	return k
}

// shellQuote quotes s for a POSIX shell unless it is made only of
// characters no shell treats specially.
func shellQuote(s string) string {
	plain := func(r rune) bool {
		return r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("-_./:@=", r)
	}
	if s != "" && strings.IndexFunc(s, func(r rune) bool { return !plain(r) }) < 0 {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
