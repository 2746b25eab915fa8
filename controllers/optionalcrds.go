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

package controllers

import (
	"fmt"

	fleet "github.com/rancher/fleet/pkg/apis/fleet.cattle.io/v1alpha1"
	traefikv1alpha1 "github.com/traefik/traefik/v3/pkg/provider/kubernetes/crd/traefikio/v1alpha1"
	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/handler"
	"sigs.k8s.io/controller-runtime/pkg/source"
	gatewayv1 "sigs.k8s.io/gateway-api/apis/v1"

	v1alpha1 "github.com/webhook-operator/webhook-operator/api/v1alpha1"
)

// The optional kinds: a receiver may need them, the cluster may not serve
// them. Middlewares and HTTPRoutes are children; GitRepos name the webhook
// Secrets a receiver is granted (Fleet may be installed after the operator).
var (
	middlewareGVK = traefikv1alpha1.SchemeGroupVersion.WithKind("Middleware")
	httpRouteGVK  = schema.GroupVersionKind{Group: gatewayv1.GroupName, Version: "v1", Kind: "HTTPRoute"}
	gitRepoGVK    = fleet.SchemeGroupVersion.WithKind("GitRepo")
)

// optionalGVKs are the optional kinds, in the order they are looked up.
var optionalGVKs = []schema.GroupVersionKind{middlewareGVK, httpRouteGVK, gitRepoGVK}

// optionalCRDs says which optional CRDs the cluster serves: a child of a
// missing kind can be neither applied nor left over.
type optionalCRDs struct {
	middleware, httpRoute, gitRepo bool
}

func (c optionalCRDs) installed(gvk schema.GroupVersionKind) bool {
	switch gvk {
	case middlewareGVK:
		return c.middleware
	case httpRouteGVK:
		return c.httpRoute
	}
	return c.gitRepo
}

func newObject(gvk schema.GroupVersionKind) client.Object {
	switch gvk {
	case middlewareGVK:
		return &traefikv1alpha1.Middleware{}
	case httpRouteGVK:
		return &gatewayv1.HTTPRoute{}
	}
	return &fleet.GitRepo{}
}

// installedCRDs looks the optional kinds up.
func (r *WebhookReceiverReconciler) installedCRDs() (optionalCRDs, error) {
	var crds optionalCRDs
	for _, k := range []struct {
		gvk schema.GroupVersionKind
		to  *bool
	}{{middlewareGVK, &crds.middleware}, {httpRouteGVK, &crds.httpRoute}, {gitRepoGVK, &crds.gitRepo}} {
		ok, err := r.kindInstalled(k.gvk)
		if err != nil {
			return crds, err
		}
		*k.to = ok
	}
	return crds, nil
}

// kindInstalled asks the RESTMapper whether the API server serves gvk.
func (r *WebhookReceiverReconciler) kindInstalled(gvk schema.GroupVersionKind) (bool, error) {
	_, err := r.RESTMapper.RESTMapping(gvk.GroupKind(), gvk.Version)
	if err == nil {
		return true, nil
	}
	// The lazy RESTMapper re-discovers an unknown group on every lookup, so
	// a CRD installed later is found without a restart.
	if meta.IsNoMatchError(err) {
		return false, nil
	}
	return false, fmt.Errorf("looking up %s: %w", gvk, err)
}

// optionalSource is the watch of an optional kind: a child by its
// controller owner reference, a GitRepo through the receivers whose
// targets may include it, when the Secret it names may have changed.
func (r *WebhookReceiverReconciler) optionalSource(gvk schema.GroupVersionKind) source.Source {
	if gvk == gitRepoGVK {
		return source.Kind(r.cache, newObject(gvk), handler.EnqueueRequestsFromMapFunc(r.gitRepoToReceivers), webhookSecretChanged())
	}
	h := handler.EnqueueRequestForOwner(r.Scheme(), r.RESTMapper, &v1alpha1.WebhookReceiver{}, handler.OnlyControllerOwner())
	return source.Kind(r.cache, newObject(gvk), h)
}

// watchInstalled watches the installed optional kinds, so a CRD installed
// after start is picked up without a restart.
func (r *WebhookReceiverReconciler) watchInstalled(crds optionalCRDs) error {
	for _, gvk := range optionalGVKs {
		if !crds.installed(gvk) {
			continue
		}
		if err := r.ensureWatch(gvk); err != nil {
			return err
		}
	}
	return nil
}

// ensureWatch adds the watch of an optional CRD kind installed after start.
func (r *WebhookReceiverReconciler) ensureWatch(gvk schema.GroupVersionKind) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.watched[gvk] || r.ctrl == nil {
		return nil
	}
	if err := r.ctrl.Watch(r.optionalSource(gvk)); err != nil {
		return fmt.Errorf("watching %s: %w", gvk.Kind, err)
	}
	r.watched[gvk] = true
	return nil
}
