// Package push holds the normalised push event every provider parses into,
// and the contract between the HTTP receiver and the GitRepo dispatcher.
// It exists so that the receiver (which knows providers, not GitRepos) and the
// dispatcher (which knows GitRepos, not providers) meet at one small type.
package push

import (
	"context"
	"errors"
)

// Event is one ref change of one push, normalised across providers. A push
// that changes several refs (Bitbucket) becomes several Events.
type Event struct {
	// Provider is the provider's key in the receiver Secret: github, gitlab,
	// bitbucket, bitbucket-server, gogs, gitea or azure-password.
	Provider string
	// DeliveryID is the provider's delivery id header, if any (for logs).
	DeliveryID string
	// RepoURLs are every URL of the repository the payload gives (html,
	// clone, ssh), unnormalised.
	RepoURLs []string
	// Ref is the full ref, e.g. refs/heads/main or refs/tags/v1.0.0.
	Ref string
	// Branch is set for a branch push, Tag for a tag push.
	Branch string
	Tag    string
	// Commit is the commit the ref points to after the push.
	Commit string
	// DefaultBranch is the repository's default branch, when the payload says.
	DefaultBranch string
	// Deleted is true when the push deleted the ref (all-zero after SHA);
	// deleted refs never trigger a GitRepo.
	Deleted bool
	// ChangedFiles are the repository-relative paths of every file the
	// push's commits added, modified or removed, sorted and distinct. Set
	// only when FilesComplete.
	ChangedFiles []string
	// FilesComplete says ChangedFiles is every file the push changed, so a
	// GitRepo may be skipped when none is under its paths. It is false when
	// the provider gives no file lists (Bitbucket), when the list may be
	// truncated (more commits than the payload lists, no commits at all), and
	// when the ref was created or force-pushed (the commits listed are then
	// not the whole difference to what the GitRepo last saw).
	FilesComplete bool
}

// Request is what the receiver hands the dispatcher for one verified webhook.
type Request struct {
	Events []Event
	// Authenticated is true when the request verified with a provider secret,
	// false when its provider allows unsigned deliveries
	// (allowUnauthenticated). Only an authenticated request may set a
	// GitRepo's spec.pollingInterval.
	Authenticated bool
	// Hosts bounds an unauthenticated request: it may only trigger GitRepos
	// whose normalised repository host is one of these (its provider's
	// allowUnauthenticated hosts, lower-case). Ignored when Authenticated.
	Hosts []string
	// Verify reports whether this request's signature or token verifies with
	// the given secret, the way its provider checks it (constant time). The
	// dispatcher uses it for GitRepos that name their own spec.webhookSecret.
	// It reads the request, so it is valid only until Dispatch returns.
	Verify func(secret []byte) bool
	// SecretIn returns the secret Verify takes from a Secret laid out like
	// Fleet's gitjob-webhook (the provider's key; gitea falls back to gogs;
	// azure-username and azure-password together), false when it has none.
	SecretIn func(data map[string][]byte) ([]byte, bool)
	// OwnSecretsOnly is true when the request did not verify with the
	// receiver's secret: only GitRepos whose own spec.webhookSecret verifies
	// it may be triggered (Fleet's precedence of the GitRepo's secret).
	OwnSecretsOnly bool
}

// Trigger is one GitRepo a push was matched to.
type Trigger struct {
	Namespace string `json:"namespace"`
	Name      string `json:"name"`
	Commit    string `json:"commit"`
	// Coalesced marks a pending push that rides on a write of its GitRepo
	// already under way or due at the end of the coalescing window, instead
	// of a write of its own: it was answered without waiting.
	Coalesced bool `json:"coalesced,omitempty"`
}

// String is namespace/name.
func (t Trigger) String() string { return t.Namespace + "/" + t.Name }

// Skip is a GitRepo inside the receiver's targets that matched the push but
// was not triggered, and why.
type Skip struct {
	Namespace string `json:"namespace"`
	Name      string `json:"name"`
	Reason    string `json:"reason"`
}

// Result is the dispatcher's answer for one Request.
type Result struct {
	// Written are GitRepos whose status now carries the commit (written by
	// this or an earlier push).
	Written []Trigger
	// Pending are GitRepos accepted for writing but not yet written: coalesced
	// into a write under way or due at the end of the window (answered at
	// once, Coalesced set), or still being written when the context ended
	// (the ack deadline). The receiver answers 202.
	Pending []Trigger
	// Unmatched says why nothing matched (normalised URLs, branch), for the
	// 200 response body. Empty when something matched.
	Unmatched string
	// Skipped are GitRepos that matched the push but were not written
	// because of the receiver's path-aware targets.
	Skipped []Skip
	// Undecided are GitRepos that matched but whose spec.webhookSecret is
	// not readable right now (its watch is starting, the API server is
	// slow): neither written nor refused, so the receiver answers 503 for
	// the Git host to redeliver. The others were written as usual.
	Undecided []Skip
}

// ErrQueueFull means the dispatcher's backlog is over its limit; the receiver
// answers 503 with Retry-After. Nothing of the request was queued.
var ErrQueueFull = errors.New("dispatch queue is full")

// Dispatcher turns verified push events into GitRepo writes.
type Dispatcher interface {
	// Dispatch matches the request's events to GitRepos and queues their
	// writes. It returns when the writes it leads are written, or when ctx
	// ends; pushes coalesced into another write come back in Result.Pending
	// at once. Everything pending will still be written.
	Dispatch(ctx context.Context, req Request) (Result, error)
}
