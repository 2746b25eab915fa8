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
	"encoding/base64"
	"net/http"
	"net/url"
	"strings"
)

// azureDefaultUser is the basic auth username a Delivery.Secret without a
// colon is sent with: the default of spec.providers.azureDevOps.username.
const azureDefaultUser = "webhook"

// azureHeaders: a service hook's request carries Azure's activity and
// subscription ids and, when the hook has a username and password, HTTP
// basic auth. The event type is in the body.
func azureHeaders(h http.Header, d Delivery, _ []byte) {
	if !d.Form {
		h.Set("Content-Type", "application/json; charset=utf-8")
	}
	h.Set("User-Agent", "VSServices/16.255.0 (NetStandard; Linux)")
	h.Set("X-Vss-ActivityId", d.ID)
	h.Set("X-Vss-SubscriptionId", "5b0b6c1e-3a4f-4d6e-9c1b-7a2e8f0d4c31")
	h.Set("Request-Id", "|"+d.ID+".1.")
	if d.Secret != nil {
		cred := string(d.Secret)
		if !strings.Contains(cred, ":") {
			cred = azureDefaultUser + ":" + cred
		}
		h.Set("Authorization", "Basic "+base64.StdEncoding.EncodeToString([]byte(cred)))
	}
}

// azureBody is a "Code pushed" (git.push) notification. RepoURL is the
// repository's https URL, https://dev.azure.com/<org>/<project>/_git/<repo>
// (or a legacy https://<org>.visualstudio.com/... one); names may contain
// spaces, which the payload escapes as Azure does.
func azureBody(p Push, r repo) any {
	parts := strings.Split(r.path, "/")
	segs := make([]string, len(parts))
	for i, s := range parts {
		segs[i] = url.PathEscape(s)
	}
	escaped := strings.Join(segs, "/")
	web := "https://" + r.host + "/" + escaped
	rp := map[string]any{"name": r.name, "remoteUrl": web, "webUrl": web}
	if r.host == "dev.azure.com" && len(parts) == 4 && parts[2] == "_git" {
		// org/project/_git/repo: Azure's clone URL names the org as user,
		// and its SSH URL drops _git under v3/.
		rp["remoteUrl"] = "https://" + segs[0] + "@dev.azure.com/" + escaped
		rp["sshUrl"] = "git@ssh.dev.azure.com:v3/" + segs[0] + "/" + segs[1] + "/" + segs[3]
		rp["project"] = map[string]any{"name": parts[1]}
	}
	if p.DefaultBranch != "" {
		rp["defaultBranch"] = "refs/heads/" + p.DefaultBranch
	}
	return map[string]any{
		"subscriptionId": "5b0b6c1e-3a4f-4d6e-9c1b-7a2e8f0d4c31", "notificationId": 1,
		"id": "a3f9e2c4-6b1d-4e8a-9f2c-1d5b7e3a9c60", "eventType": "git.push", "publisherId": "tfs",
		"resource": map[string]any{
			"commits":    []any{map[string]any{"commitId": p.Commit, "comment": "simulated push"}},
			"refUpdates": []any{map[string]any{"name": p.ref(), "oldObjectId": beforeSHA, "newObjectId": p.Commit}},
			"repository": rp,
			"pushedBy":   map[string]any{"displayName": "gitsim"},
		},
		"resourceVersion": "1.0",
	}
}
