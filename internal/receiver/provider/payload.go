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
	"slices"

	"github.com/webhook-operator/webhook-operator/internal/jsonread"
)

// readObject reads the fields fn picks out of a JSON object payload in one
// pass (see jsonread: no reflection, nothing built for the fields the
// receiver does not read), wrapping any error as ErrMalformed.
func readObject(payload []byte, fn func(r *jsonread.Reader, key []byte) error) error {
	if err := jsonread.Object(payload, fn); err != nil {
		return fmt.Errorf("%w: %w", ErrMalformed, err)
	}
	return nil
}

// readString reads a string field into *dst.
func readString(r *jsonread.Reader, dst *string) error {
	s, err := r.String()
	*dst = s
	return err
}

// changedFiles collects the files of a commits array as GitHub, GitLab,
// Gitea and Gogs send it: every commit's added, modified and removed paths.
type changedFiles struct {
	files []string
	// commits is how many commits the payload listed.
	commits int
	// overflow: the lists named more than maxChangedFiles files.
	overflow bool
}

// maxChangedFiles bounds the files kept from one payload. A string header
// per listed file can cost several times the bytes that list it, outside
// the in-flight body budget; past the bound the list counts as incomplete,
// so path-aware targets trigger every GitRepo (as for a truncated list).
const maxChangedFiles = 10000

// read reads a commits array (or null). A repeated key replaces what was
// read, as with encoding/json.
func (c *changedFiles) read(r *jsonread.Reader) error {
	c.files, c.commits, c.overflow = c.files[:0], 0, false
	return r.Array(func(r *jsonread.Reader) error {
		c.commits++
		return r.Object(func(r *jsonread.Reader, key []byte) error {
			switch string(key) {
			case "added", "modified", "removed":
				return r.Array(c.readFile)
			}
			return nil
		})
	})
}

func (c *changedFiles) readFile(r *jsonread.Reader) error {
	if len(c.files) >= maxChangedFiles {
		c.overflow = true
		return nil // skipped, still validated
	}
	s, err := r.String()
	if s != "" {
		c.files = append(c.files, s)
	}
	return err
}

// listed says whether the commits listed are every commit of the push:
// there is at least one, and fewer than the provider's cap on the list, or
// as many as the payload's total (when it gives one; total > 0).
func (c *changedFiles) listed(total int64, listCap int) bool {
	if c.commits == 0 {
		return false
	}
	if total > 0 {
		return total <= int64(c.commits)
	}
	return c.commits < listCap
}

// result is the files for push.Event: sorted and distinct when complete,
// nil otherwise. Commits that list no file at all say nothing reliable
// (an empty commit, or a merge whose lists a host leaves empty), so they
// count as incomplete too.
func (c *changedFiles) result(complete bool) ([]string, bool) {
	if !complete || c.overflow || len(c.files) == 0 {
		return nil, false
	}
	slices.Sort(c.files)
	return slices.Clip(slices.Compact(c.files)), true
}
