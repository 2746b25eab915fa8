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
	"encoding/base64"
	"fmt"
	"net/http"
	"strings"

	"github.com/webhook-operator/webhook-operator/api/v1alpha1"
	"github.com/webhook-operator/webhook-operator/internal/jsonread"
	"github.com/webhook-operator/webhook-operator/internal/push"
)

// AzureDevOps service hooks ("Web Hooks" service, event "Code pushed").
// Like Fleet, it is detected by the X-Vss-ActivityId or
// X-Vss-SubscriptionId header; the event type is the body's eventType.
// Azure signs nothing: the hook sends HTTP basic auth, checked against the
// Secret's azure-username and azure-password keys (Fleet's keys).
//
// Its Key is azure-password, the key that holds its secret.
type AzureDevOps struct{}

// azurePushEvent is the eventType of a "Code pushed" notification.
const azurePushEvent = "git.push"

// Key implements Provider.
func (AzureDevOps) Key() string { return v1alpha1.SecretKeyAzurePassword }

// Detect implements Provider.
func (AzureDevOps) Detect(h http.Header) bool {
	return h.Get("X-Vss-ActivityId") != "" || h.Get("X-Vss-SubscriptionId") != ""
}

// Event implements Provider: Azure names the event in the body only (see
// PayloadEvent), so the header gives none.
func (AzureDevOps) Event(http.Header) string { return "" }

// Delivery implements Provider.
func (AzureDevOps) Delivery(h http.Header) string { return h.Get("X-Vss-ActivityId") }

// Events implements Provider.
func (AzureDevOps) Events() []string { return []string{azurePushEvent} }

// SecretFrom implements KeyedSecret: "username:password", the credential
// basic auth carries, when both keys are set. Fleet skips the check when
// both are empty; here a provider without a secret is refused unless
// allowUnauthenticated says otherwise.
func (AzureDevOps) SecretFrom(lookup func(string) ([]byte, bool)) ([]byte, bool) {
	user, okU := lookup(v1alpha1.SecretKeyAzureUsername)
	pass, okP := lookup(v1alpha1.SecretKeyAzurePassword)
	if !okU || !okP {
		return nil, false
	}
	return []byte(string(user) + ":" + string(pass)), true
}

// Verify implements Provider: the request's basic auth must equal secret
// ("username:password", see SecretFrom). Both parts are compared in
// constant time and both are always compared (Fleet compares with ==).
func (AzureDevOps) Verify(h http.Header, _, _, secret []byte) error {
	user, pass, ok := basicAuth(h.Get("Authorization"))
	if !ok {
		return fmt.Errorf("%w: Authorization (HTTP basic auth)", ErrMissingSignature)
	}
	wantUser, wantPass, _ := strings.Cut(string(secret), ":")
	errUser := verifyToken(user, []byte(wantUser))
	errPass := verifyToken(pass, []byte(wantPass))
	if errUser != nil || errPass != nil {
		return fmt.Errorf("%w: basic auth username or password", ErrBadSignature)
	}
	return nil
}

// basicAuth decodes an "Authorization: Basic" header value.
func basicAuth(v string) (user, pass string, ok bool) {
	const prefix = "Basic "
	if len(v) < len(prefix) || !strings.EqualFold(v[:len(prefix)], prefix) {
		return "", "", false
	}
	raw, err := base64.StdEncoding.DecodeString(strings.TrimSpace(v[len(prefix):]))
	if err != nil {
		return "", "", false
	}
	return strings.Cut(string(raw), ":")
}

// PayloadEvent implements PayloadEventer: the body's eventType, "" when
// the body is not JSON or eventType not a string.
func (AzureDevOps) PayloadEvent(payload []byte) string {
	var eventType string
	err := jsonread.Object(payload, func(r *jsonread.Reader, key []byte) error {
		if string(key) == "eventType" {
			return readString(r, &eventType)
		}
		return nil
	})
	if err != nil {
		return ""
	}
	return eventType
}

type azureRefUpdate struct {
	name, newObjectID string
}

// azurePush is what the receiver reads of a service hook payload.
type azurePush struct {
	eventType                                string
	refUpdates                               []azureRefUpdate
	remoteURL, sshURL, webURL, defaultBranch string
}

func (a *azurePush) field(r *jsonread.Reader, key []byte) error {
	switch string(key) {
	case "eventType":
		return readString(r, &a.eventType)
	case "resource":
		return r.Object(a.resourceField)
	}
	return nil
}

func (a *azurePush) resourceField(r *jsonread.Reader, key []byte) error {
	switch string(key) {
	case "refUpdates":
		a.refUpdates = a.refUpdates[:0]
		return r.Array(a.readRefUpdate)
	case "repository":
		return r.Object(a.repositoryField)
	}
	return nil
}

func (a *azurePush) readRefUpdate(r *jsonread.Reader) error {
	var u azureRefUpdate
	err := r.Object(func(r *jsonread.Reader, key []byte) error {
		switch string(key) {
		case "name":
			return readString(r, &u.name)
		case "newObjectId":
			return readString(r, &u.newObjectID)
		}
		return nil
	})
	a.refUpdates = append(a.refUpdates, u)
	return err
}

func (a *azurePush) repositoryField(r *jsonread.Reader, key []byte) error {
	switch string(key) {
	case "remoteUrl":
		return readString(r, &a.remoteURL)
	case "sshUrl":
		return readString(r, &a.sshURL)
	case "webUrl":
		return readString(r, &a.webURL)
	case "defaultBranch":
		return readString(r, &a.defaultBranch)
	}
	return nil
}

// Parse implements Provider. Every entry of resource.refUpdates is one
// event (Fleet takes the first only); an all-zero newObjectId deleted the
// ref. Other event types (pull requests, builds, ...) are ignored with 200,
// where Fleet answers 200 for some and 500 for the rest. The "Test" button
// of a service hook sends a sample git.push of a repository of Microsoft's:
// it is parsed like any push and triggers only a GitRepo of that repository.
func (p AzureDevOps) Parse(_ string, payload []byte) ([]push.Event, Kind, error) {
	var a azurePush
	if err := readObject(payload, a.field); err != nil {
		return nil, KindPush, err
	}
	switch a.eventType {
	case azurePushEvent:
	case "":
		return nil, KindPush, fmt.Errorf("%w: no eventType", ErrMalformed)
	default:
		return nil, KindIgnored, nil
	}
	repoURLs := urls(a.remoteURL, a.sshURL, a.webURL)
	if len(repoURLs) == 0 {
		return nil, KindPush, fmt.Errorf("%w: no repository URL", ErrMalformed)
	}
	defaultBranch, _ := refParts(a.defaultBranch)
	evs := make([]push.Event, 0, len(a.refUpdates))
	for _, u := range a.refUpdates {
		branch, tag := refParts(u.name)
		if branch == "" && tag == "" {
			continue // not a branch or tag: nothing a GitRepo tracks
		}
		ev := push.Event{Provider: p.Key(), RepoURLs: repoURLs, Ref: u.name, Branch: branch, Tag: tag,
			DefaultBranch: defaultBranch, Deleted: isZeroSHA(u.newObjectID)}
		if !ev.Deleted {
			ev.Commit = u.newObjectID
		}
		evs = append(evs, ev)
	}
	return evs, KindPush, validate(evs)
}
