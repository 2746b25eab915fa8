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

package gitrepo

import (
	"net/url"
	"strings"
)

// Azure DevOps (cloud) hosts. Every repository has one key,
// dev.azure.com/<org>/<project>/<repo>, whichever of these a GitRepo or a
// payload spells it with.
const (
	azureHost       = "dev.azure.com"
	azureSSHHost    = "ssh.dev.azure.com"
	azureLegacySSH  = "vs-ssh.visualstudio.com"
	azureLegacyZone = ".visualstudio.com"
)

// IsAzureHost reports whether host (lower-case) is an Azure DevOps cloud host,
// the only hosts rewriteAzure touches: other hosts never get Azure's rules.
func IsAzureHost(host string) bool {
	return host == azureHost || host == azureSSHHost || strings.HasSuffix(host, azureLegacyZone)
}

// rewriteAzure folds the URL forms of one Azure DevOps repository onto
// dev.azure.com/<org>/<project>/<repo> (segments lower-case, percent-decoded):
//
//	https://dev.azure.com/org/project/_git/repo
//	https://org@dev.azure.com/org/project/_git/repo   (the user is dropped before)
//	https://org.visualstudio.com/project/_git/repo
//	https://org.visualstudio.com/DefaultCollection/project/_git/repo
//	git@ssh.dev.azure.com:v3/org/project/repo
//	org@vs-ssh.visualstudio.com:v3/org/project/repo
//
// A repository named like its project may be written without the project
// (.../_git/repo), as Azure's own sample payloads do.
//
// Fleet matches these forms with a regex whose path part allows an optional
// "/_git" and an optional "v3/" prefix, and rewrites a payload's
// *.visualstudio.com remoteUrl to dev.azure.com (so a GitRepo that spells the
// visualstudio.com form stops matching there, and DefaultCollection is never
// handled); both sides of our index share one key instead. Names with spaces
// match whether written "fleet qa" or "fleet%20qa": Fleet matches on the
// escaped path and still misses the visualstudio.com case.
func rewriteAzure(host string, segs []string) (string, []string, bool) {
	if !IsAzureHost(host) {
		return host, segs, false
	}
	for i, s := range segs {
		// scp-style addresses are not URL-decoded by splitHostPath.
		if d, err := url.PathUnescape(s); err == nil {
			segs[i] = d
		}
	}
	switch {
	case host == azureSSHHost || host == azureLegacySSH:
		if len(segs) > 0 && segs[0] == "v3" {
			segs = segs[1:]
		}
	case host != azureHost: // <org>.visualstudio.com
		org := strings.TrimSuffix(host, azureLegacyZone)
		if len(segs) > 0 && segs[0] == "defaultcollection" {
			segs = segs[1:]
		}
		segs = append([]string{org}, segs...)
	}
	if i := indexOf(segs, "_git"); i >= 0 {
		rest := segs[i+1:]
		if i == 1 && len(rest) == 1 { // org/_git/repo: project named like the repo
			return azureHost, []string{segs[0], rest[0], rest[0]}, true
		}
		segs = append(segs[:i:i], rest...)
	}
	return azureHost, segs, true
}

func indexOf(segs []string, s string) int {
	for i, v := range segs {
		if v == s {
			return i
		}
	}
	return -1
}
