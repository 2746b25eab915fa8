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

// Package gitrepo is the pure GitRepo side of the receiver: repository URL
// normalisation (the cache index key), the cache transform that keeps only
// what matching reads, and the rules deciding whether a push triggers a
// GitRepo. Nothing here talks to the API server.
package gitrepo

import (
	"errors"
	"fmt"
	"net/url"
	"strings"
)

// Host aliases that serve the same repositories as another host: GitHub's and
// GitLab's SSH-over-443 endpoints and Bitbucket Cloud's.
var hostAliases = map[string]string{
	"ssh.github.com":       "github.com",
	"www.github.com":       "github.com",
	"altssh.gitlab.com":    "gitlab.com",
	"www.gitlab.com":       "gitlab.com",
	"altssh.bitbucket.org": "bitbucket.org",
	"www.bitbucket.org":    "bitbucket.org",
}

// SaaS hosts whose path layout is known; the Bitbucket Server rewrites below
// are not applied to them, so a GitLab group named "scm" cannot alias.
var knownHosts = map[string]bool{
	"github.com":    true,
	"gitlab.com":    true,
	"bitbucket.org": true,
	"dev.azure.com": true,
}

// NormalizeURL turns any form of a Git remote URL into the key GitRepos are
// indexed by: lower-case host without scheme, user or port, then the
// repository path without a trailing ".git" or "/".
//
// The path is lower-cased too: GitHub, GitLab, Bitbucket and Azure DevOps
// treat repository paths case-insensitively, and a webhook payload may spell
// an org differently from the GitRepo. Self-hosted servers with
// case-sensitive paths where two repos differ only in case are not supported.
//
// Provider-specific forms fold onto one key so every clone URL of a repo
// matches every other:
//   - scp-style git@host:org/repo == ssh://git@host/org/repo == https://host/org/repo.git
//   - ssh.github.com:443 == github.com (likewise altssh.gitlab.com, altssh.bitbucket.org)
//   - Bitbucket Server: /scm/PROJ/repo.git (HTTP clone) == /PROJ/repo.git (SSH clone)
//     == /projects/PROJ/repos/repo/browse (web); personal repos /scm/~user/repo
//     == /users/user/repos/repo
//   - Azure DevOps: dev.azure.com/org/project/_git/repo ==
//     git@ssh.dev.azure.com:v3/org/project/repo == org.visualstudio.com/project/_git/repo
func NormalizeURL(raw string) (string, error) {
	s := strings.TrimSpace(raw)
	if s == "" {
		return "", errors.New("empty repository URL")
	}
	host, p, err := splitHostPath(s)
	if err != nil {
		return "", fmt.Errorf("repository URL %q: %w", raw, err)
	}
	host = strings.TrimSuffix(strings.ToLower(host), ".")
	if host == "" {
		return "", fmt.Errorf("repository URL %q: no host", raw)
	}
	segs := make([]string, 0, 4)
	for seg := range strings.SplitSeq(p, "/") {
		switch seg {
		case "":
			continue
		case ".", "..":
			// Never let a path trick alias another repository.
			return "", fmt.Errorf("repository URL %q: relative path segment", raw)
		}
		segs = append(segs, strings.ToLower(seg))
	}
	if n := len(segs); n > 0 {
		segs[n-1] = strings.TrimSuffix(segs[n-1], ".git")
		if segs[n-1] == "" {
			segs = segs[:n-1]
		}
	}
	if a, ok := hostAliases[host]; ok {
		host = a
	}
	host, segs = rewriteProvider(host, segs)
	if len(segs) == 0 {
		return "", fmt.Errorf("repository URL %q: no repository path", raw)
	}
	return host + "/" + strings.Join(segs, "/"), nil
}

// splitHostPath separates host and path of a URL with a scheme, an scp-style
// address (user@host:path) or a bare host/path.
func splitHostPath(s string) (host, path string, err error) {
	if i := strings.Index(s, "://"); i >= 0 {
		u, err := url.Parse(s)
		if err != nil {
			return "", "", err
		}
		switch strings.ToLower(u.Scheme) {
		case "http", "https", "ssh", "git", "git+ssh", "ssh+git":
		default:
			return "", "", fmt.Errorf("unsupported scheme %q", u.Scheme)
		}
		return u.Hostname(), u.Path, nil
	}
	// Query and fragment only make sense on web URLs; drop them for the rest.
	if i := strings.IndexAny(s, "?#"); i >= 0 {
		s = s[:i]
	}
	rest := s
	if at := strings.LastIndex(rest[:firstIndexOr(rest, "/", len(rest))], "@"); at >= 0 {
		rest = rest[at+1:]
	}
	if strings.HasPrefix(rest, "[") { // scp-style IPv6: [::1]:org/repo
		end := strings.Index(rest, "]")
		if end < 0 {
			return "", "", errors.New("unterminated IPv6 host")
		}
		host, after := rest[1:end], rest[end+1:]
		if !strings.HasPrefix(after, ":") {
			return "", "", errors.New("IPv6 host without path")
		}
		return host, after[1:], nil
	}
	colon := strings.Index(rest, ":")
	slash := firstIndexOr(rest, "/", -1)
	switch {
	case colon > 0 && (slash < 0 || colon < slash):
		// scp-style host:path. The path after ':' is relative to the user's
		// home on a plain SSH server, but Git hosts treat it as org/repo.
		return rest[:colon], rest[colon+1:], nil
	case slash > 0:
		return rest[:slash], rest[slash+1:], nil
	default:
		return "", "", errors.New("not a remote repository URL")
	}
}

func firstIndexOr(s, sub string, def int) int {
	if i := strings.Index(s, sub); i >= 0 {
		return i
	}
	return def
}

// rewriteProvider folds provider-specific path layouts onto one form.
func rewriteProvider(host string, segs []string) (string, []string) {
	// Azure DevOps cloud hosts: see azure.go.
	if h, s, ok := rewriteAzure(host, segs); ok {
		return h, s
	}
	// Azure DevOps Server: .../project/_git/repo.
	if n := len(segs); n >= 2 && segs[n-2] == "_git" {
		segs = append(segs[:n-2:n-2], segs[n-1])
	}
	if knownHosts[host] {
		return host, segs
	}
	// Bitbucket Server / Data Center.
	switch n := len(segs); {
	case n == 3 && segs[0] == "scm":
		segs = segs[1:]
	case (n == 4 || n == 5 && segs[4] == "browse") && segs[2] == "repos" && segs[0] == "projects":
		segs = []string{segs[1], segs[3]}
	case (n == 4 || n == 5 && segs[4] == "browse") && segs[2] == "repos" && segs[0] == "users":
		segs = []string{"~" + segs[1], segs[3]}
	}
	return host, segs
}
