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

package dispatch

import (
	"context"
	"fmt"

	fleet "github.com/rancher/fleet/pkg/apis/fleet.cattle.io/v1alpha1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/validation"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/webhook-operator/webhook-operator/internal/push"
)

// SecretGetter reads the Secrets GitRepos name in spec.webhookSecret. The
// receiver's is a webhooksecret.Store, which answers from its watches and
// never asks the API server; any client.Reader fits (tests).
type SecretGetter interface {
	Get(ctx context.Context, key client.ObjectKey, obj client.Object, opts ...client.GetOption) error
}

// authorize says whether the request may trigger a GitRepo it matched: ""
// when it may, else why not. The rule is Fleet's (its getSecret): a
// GitRepo's own spec.webhookSecret takes precedence, and then the global
// gitjob-webhook Secret (here: the receiver's) is not consulted at all;
// a GitRepo without one needs the receiver's secret. Unlike Fleet, a
// request that verifies with neither is never let through, also when no
// GitRepo matched.
func (m *matcher) authorize(ctx context.Context, gr *fleet.GitRepo) string {
	if gr.Spec.WebhookSecret != "" {
		return m.verifySecret(ctx, gr)
	}
	if m.req.OwnSecretsOnly {
		return "the request does not verify with the receiver's secret, and the GitRepo names no spec.webhookSecret"
	}
	return ""
}

// skip records a matched GitRepo the request may not trigger, or, when its
// webhookSecret could not be read right now, may not trigger yet.
func (m *matcher) skip(gr *fleet.GitRepo, why string) {
	m.why("%s/%s: %s", gr.Namespace, gr.Name, why)
	s := push.Skip{Namespace: gr.Namespace, Name: gr.Name, Reason: why}
	if m.verified[secretCheck{namespace: gr.Namespace, name: gr.Spec.WebhookSecret}].unloaded {
		m.undecided = append(m.undecided, s)
		return
	}
	m.secretSkips = append(m.secretSkips, s)
}

// verdict is what checking one GitRepo Secret gave: why the request may not
// trigger its GitRepos ("" when it may), and whether that is only because
// the Secret could not be read right now.
type verdict struct {
	why      string
	unloaded bool
}

// secretCheck is one GitRepo Secret checked for this request.
type secretCheck struct {
	namespace, name string
}

// verifySecret checks the request against a GitRepo's own
// spec.webhookSecret, failing closed: it returns why not, "" when verified.
// The Secret lives in the GitRepo's namespace and must exist, and its keys
// are Fleet's (github, gitlab, ..., gitea falling back to gogs, Azure's
// azure-username and azure-password), as in Fleet.
func (m *matcher) verifySecret(ctx context.Context, gr *fleet.GitRepo) string {
	k := secretCheck{namespace: gr.Namespace, name: gr.Spec.WebhookSecret}
	if v, ok := m.verified[k]; ok {
		return v.why
	}
	if m.verified == nil {
		m.verified = map[secretCheck]verdict{}
	}
	v := m.readAndVerify(ctx, gr, k)
	m.verified[k] = v
	return v.why
}

// readAndVerify reads the Secret k and verifies the request with it.
func (m *matcher) readAndVerify(ctx context.Context, gr *fleet.GitRepo, k secretCheck) verdict {
	if len(validation.IsDNS1123Subdomain(k.name)) > 0 {
		// Fleet's CRD lets spec.webhookSecret be anything; no Secret can
		// have this name, and the name itself is not repeated.
		return verdict{why: "spec.webhookSecret is not a valid Secret name"}
	}
	var s corev1.Secret
	err := m.secrets.Get(ctx, types.NamespacedName{Namespace: k.namespace, Name: k.name}, &s)
	switch {
	case err == nil:
		return verdict{why: m.verifyWith(k.name, s.Data)}
	case !apierrors.IsNotFound(err) && !apierrors.IsForbidden(err):
		// Not an answer about the Secret: only the GitRepos naming it wait
		// for a redelivery.
		if m.unloadedErr == nil {
			m.unloadedErr = fmt.Errorf("reading spec.webhookSecret %s/%s: %w", k.namespace, k.name, err)
		}
		m.log.V(1).Info("a GitRepo's webhookSecret is not readable right now", "secret", k.namespace+"/"+k.name, "error", err.Error())
		return verdict{why: fmt.Sprintf("spec.webhookSecret %s not readable right now", k.name), unloaded: true}
	}
	m.log.Error(err, "reading spec.webhookSecret", "gitrepo", gr.Namespace+"/"+gr.Name, "secret", k.name)
	if apierrors.ReasonForError(err) == metav1.StatusReasonUnknown {
		return verdict{why: fmt.Sprintf("spec.webhookSecret %s not readable", k.name)}
	}
	return verdict{why: fmt.Sprintf("spec.webhookSecret %s not readable (%s)", k.name, apierrors.ReasonForError(err))}
}

func (m *matcher) verifyWith(name string, data map[string][]byte) string {
	if m.req.SecretIn == nil || m.req.Verify == nil {
		return fmt.Sprintf("request cannot be verified with spec.webhookSecret %s", name)
	}
	secret, ok := m.req.SecretIn(data)
	if !ok {
		return fmt.Sprintf("spec.webhookSecret %s has no key for provider %s", name, firstProvider(m.req))
	}
	if !m.req.Verify(secret) {
		return fmt.Sprintf("request does not verify with spec.webhookSecret %s", name)
	}
	return ""
}
