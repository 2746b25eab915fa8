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

	traefikv1alpha1 "github.com/traefik/traefik/v3/pkg/provider/kubernetes/crd/traefikio/v1alpha1"
	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/handler"
	"sigs.k8s.io/controller-runtime/pkg/source"
	gatewayv1 "sigs.k8s.io/gateway-api/apis/v1"

	v1alpha1 "github.com/webhook-operator/webhook-operator/api/v1alpha1"
)

// The optional kinds: a receiver may need them, the cluster may not serve them.
var (
	middlewareGVK = traefikv1alpha1.SchemeGroupVersion.WithKind("Middleware")
	httpRouteGVK  = schema.GroupVersionKind{Group: gatewayv1.GroupName, Version: "v1", Kind: "HTTPRoute"}
)

// optionalCRDs says which optional CRDs the cluster serves: a child of a
// missing kind can be neither applied nor left over.
type optionalCRDs struct {
	middleware, httpRoute bool
}

func newObject(gvk schema.GroupVersionKind) client.Object {
	if gvk == middlewareGVK {
		return &traefikv1alpha1.Middleware{}
	}
	return &gatewayv1.HTTPRoute{}
}

// installedCRDs looks the optional kinds up.
func (r *WebhookReceiverReconciler) installedCRDs() (optionalCRDs, error) {
	var crds optionalCRDs
	var err error
	if crds.middleware, err = r.kindInstalled(middlewareGVK); err != nil {
		return crds, err
	}
	if crds.httpRoute, err = r.kindInstalled(httpRouteGVK); err != nil {
		return crds, err
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

// watchInstalled watches the installed optional kinds, so a CRD installed
// after start is picked up without a restart.
func (r *WebhookReceiverReconciler) watchInstalled(crds optionalCRDs) error {
	for _, k := range []struct {
		gvk       schema.GroupVersionKind
		installed bool
	}{{middlewareGVK, crds.middleware}, {httpRouteGVK, crds.httpRoute}} {
		if !k.installed {
			continue
		}
		if err := r.ensureWatch(k.gvk); err != nil {
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
	obj := newObject(gvk)
	h := handler.EnqueueRequestForOwner(r.Scheme(), r.RESTMapper, &v1alpha1.WebhookReceiver{}, handler.OnlyControllerOwner())
	if err := r.ctrl.Watch(source.Kind(r.cache, obj, h)); err != nil {
		return fmt.Errorf("watching %s: %w", gvk.Kind, err)
	}
	r.watched[gvk] = true
	return nil
}
