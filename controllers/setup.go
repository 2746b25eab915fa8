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
	"context"
	"fmt"
	"slices"
	"time"

	fleet "github.com/rancher/fleet/pkg/apis/fleet.cattle.io/v1alpha1"
	traefikv1alpha1 "github.com/traefik/traefik/v3/pkg/provider/kubernetes/crd/traefikio/v1alpha1"
	"golang.org/x/time/rate"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	policyv1 "k8s.io/api/policy/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
	corev1client "k8s.io/client-go/kubernetes/typed/core/v1"
	"k8s.io/client-go/util/workqueue"
	"k8s.io/utils/ptr"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/builder"
	"sigs.k8s.io/controller-runtime/pkg/cache"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller"
	"sigs.k8s.io/controller-runtime/pkg/event"
	"sigs.k8s.io/controller-runtime/pkg/handler"
	"sigs.k8s.io/controller-runtime/pkg/log"
	"sigs.k8s.io/controller-runtime/pkg/predicate"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"
	"sigs.k8s.io/controller-runtime/pkg/source"
	gatewayv1 "sigs.k8s.io/gateway-api/apis/v1"

	v1alpha1 "github.com/webhook-operator/webhook-operator/api/v1alpha1"
	"github.com/webhook-operator/webhook-operator/internal/render"
)

// DefaultReceiverClusterRole is the deployed name of config/rbac/receiver_role.yaml.
const DefaultReceiverClusterRole = "webhook-operator-receiver-role"

// Index keys on WebhookReceivers.
const (
	indexSecretRefs   = ".spec.secretNames"
	indexIngressClass = ".spec.ingress.className"
)

// AddToScheme registers every type the reconciler reads or writes.
func AddToScheme(s *runtime.Scheme) error {
	for _, add := range []func(*runtime.Scheme) error{
		v1alpha1.AddToScheme, traefikv1alpha1.AddToScheme, gatewayv1.Install, fleet.AddToScheme,
	} {
		if err := add(s); err != nil {
			return err
		}
	}
	return nil
}

// CacheOptions narrows the manager's cache: only the operator's own
// Secrets and ClusterRoleBindings (by its managed-by label) are cached, not
// every one in the cluster, and GitRepos only as far as the webhook Secret
// grants need them. The Secrets receivers read without that label are
// watched one by one by name (secretWatches).
func CacheOptions() cache.Options {
	ours := labels.SelectorFromSet(labels.Set{render.LabelManagedBy: render.LabelManagedByValue})
	return cache.Options{
		ByObject: map[client.Object]cache.ByObject{
			&corev1.Secret{}:             {Label: ours},
			&rbacv1.ClusterRoleBinding{}: {Label: ours},
		},
		// Not a ByObject entry: that needs the GitRepo CRD when the manager
		// starts, and Fleet may come later. Other kinds pass unchanged.
		DefaultTransform: slimGitRepo,
	}
}

// SetupWithManager registers the controller, its indexes and watches. The
// Middleware and HTTPRoute watches are added only when their CRDs exist, so
// the manager starts on a cluster without them; a CRD installed later gets
// its watch on the first reconcile that finds it.
func (r *WebhookReceiverReconciler) SetupWithManager(ctx context.Context, mgr ctrl.Manager) error {
	if err := r.applyDefaults(mgr); err != nil {
		return err
	}
	if err := indexFields(ctx, mgr); err != nil {
		return err
	}
	b := ctrl.NewControllerManagedBy(mgr).
		Named("webhookreceiver").
		For(&v1alpha1.WebhookReceiver{}, builder.WithPredicates(predicate.Or(
			predicate.GenerationChangedPredicate{}, deletionPredicate()))).
		Owns(&corev1.Secret{}).
		Owns(&corev1.ServiceAccount{}).
		Owns(&rbacv1.Role{}).
		Owns(&rbacv1.RoleBinding{}).
		Owns(&appsv1.Deployment{}).
		Owns(&corev1.Service{}).
		Owns(&policyv1.PodDisruptionBudget{}).
		Owns(&networkingv1.Ingress{}).
		Watches(&rbacv1.ClusterRoleBinding{}, handler.EnqueueRequestsFromMapFunc(ownerLabelsToReceiver)).
		Watches(&rbacv1.Role{}, handler.EnqueueRequestsFromMapFunc(ownerLabelsToReceiver)).
		Watches(&rbacv1.RoleBinding{}, handler.EnqueueRequestsFromMapFunc(ownerLabelsToReceiver)).
		WatchesRawSource(source.Channel(r.secrets.events, handler.EnqueueRequestsFromMapFunc(r.secretToReceivers))).
		Watches(&networkingv1.IngressClass{}, handler.EnqueueRequestsFromMapFunc(r.ingressClassToReceivers)).
		Watches(&corev1.Namespace{}, handler.EnqueueRequestsFromMapFunc(r.namespaceToReceivers),
			builder.OnlyMetadata, builder.WithPredicates(labelsChanged())).
		WithOptions(controllerOptions())
	for _, gvk := range optionalGVKs {
		if ok, err := r.kindInstalled(gvk); err != nil {
			return err
		} else if ok {
			b = b.WatchesRawSource(r.optionalSource(gvk))
			r.watched[gvk] = true
		}
	}
	c, err := b.Build(r)
	if err != nil {
		return fmt.Errorf("building controller: %w", err)
	}
	r.ctrl = c
	return nil
}

// applyDefaults fills the options left unset and takes what the reconciler
// needs from the manager.
func (r *WebhookReceiverReconciler) applyDefaults(mgr ctrl.Manager) error {
	if r.ReceiverClusterRole == "" {
		r.ReceiverClusterRole = DefaultReceiverClusterRole
	}
	if r.MissingCRDRequeueAfter == 0 {
		r.MissingCRDRequeueAfter = time.Minute
	}
	if r.RESTMapper == nil {
		r.RESTMapper = mgr.GetRESTMapper()
	}
	if r.APIReader == nil {
		r.APIReader = mgr.GetAPIReader()
	}
	r.cache = mgr.GetCache()
	r.watched = map[schema.GroupVersionKind]bool{}
	core, err := corev1client.NewForConfigAndClient(mgr.GetConfig(), mgr.GetHTTPClient())
	if err != nil {
		return fmt.Errorf("building the Secret watch client: %w", err)
	}
	r.secrets = newSecretWatches(core)
	if err := mgr.Add(r.secrets); err != nil {
		return fmt.Errorf("adding the Secret watches: %w", err)
	}
	return nil
}

// indexFields indexes WebhookReceivers by the Secrets and the IngressClass
// they refer to, so a change in one of those reconciles its receivers.
// The Secrets are the referenced ones and spec.secretName's: an existing
// Secret that gets the adopt opt-in must end a SecretNotOwned stall.
func indexFields(ctx context.Context, mgr ctrl.Manager) error {
	idx := mgr.GetFieldIndexer()
	if err := idx.IndexField(ctx, &v1alpha1.WebhookReceiver{}, indexSecretRefs, func(o client.Object) []string {
		return secretNames(o.(*v1alpha1.WebhookReceiver))
	}); err != nil {
		return fmt.Errorf("indexing secretRefs: %w", err)
	}
	if err := idx.IndexField(ctx, &v1alpha1.WebhookReceiver{}, indexIngressClass, func(o client.Object) []string {
		if in := o.(*v1alpha1.WebhookReceiver).Spec.Ingress; in != nil {
			return []string{in.ClassName}
		}
		return nil
	}); err != nil {
		return fmt.Errorf("indexing ingress className: %w", err)
	}
	return nil
}

// secretNames are the Secrets a receiver reads: those spec.providers
// refer to and its own (spec.secretName).
func secretNames(wr *v1alpha1.WebhookReceiver) []string {
	names := render.ReferencedSecretNames(wr)
	if own := wr.SecretNameOrDefault(); !slices.Contains(names, own) {
		names = append(names, own)
	}
	return names
}

func controllerOptions() controller.Options {
	return controller.Options{
		MaxConcurrentReconciles: 4,
		// A reconcile is a dozen cached reads and a few applies; a deadline
		// turns one stuck on a just-installed CRD's informer into an error
		// that is retried, instead of a key that never reconciles again.
		ReconciliationTimeout: 15 * time.Second,
		// The classic workqueue always brings a key back after its
		// RequeueAfter; the priority queue can drop such a requeue and
		// leave a receiver Reconciling with no further reconcile.
		UsePriorityQueue: ptr.To(false),
		// Per-item exponential backoff on errors, and an overall token
		// bucket so a burst of events cannot flood the API server.
		RateLimiter: workqueue.NewTypedMaxOfRateLimiter(
			workqueue.NewTypedItemExponentialFailureRateLimiter[reconcile.Request](500*time.Millisecond, 5*time.Minute),
			&workqueue.TypedBucketRateLimiter[reconcile.Request]{Limiter: rate.NewLimiter(rate.Limit(20), 200)},
		),
	}
}

// deletionPredicate passes the update that marks a receiver deleted (or,
// rarely, undeleted), which GenerationChangedPredicate does not see.
func deletionPredicate() predicate.Predicate {
	return predicate.Funcs{
		UpdateFunc: func(e event.UpdateEvent) bool {
			return e.ObjectOld.GetDeletionTimestamp().IsZero() != e.ObjectNew.GetDeletionTimestamp().IsZero()
		},
		CreateFunc:  func(event.CreateEvent) bool { return false },
		DeleteFunc:  func(event.DeleteEvent) bool { return false },
		GenericFunc: func(event.GenericEvent) bool { return false },
	}
}

// ownerLabelsToReceiver maps a child that cannot carry an owner reference
// to its receiver (a ClusterRoleBinding, a Role or RoleBinding in another
// namespace) back through its owner labels.
func ownerLabelsToReceiver(_ context.Context, o client.Object) []reconcile.Request {
	l := o.GetLabels()
	if l[render.LabelOwnerNamespace] == "" || l[render.LabelOwnerName] == "" {
		return nil
	}
	return []reconcile.Request{{NamespacedName: types.NamespacedName{Namespace: l[render.LabelOwnerNamespace], Name: l[render.LabelOwnerName]}}}
}

func (r *WebhookReceiverReconciler) secretToReceivers(ctx context.Context, o client.Object) []reconcile.Request {
	return r.receiversMatching(ctx, client.InNamespace(o.GetNamespace()), client.MatchingFields{indexSecretRefs: o.GetName()})
}

func (r *WebhookReceiverReconciler) ingressClassToReceivers(ctx context.Context, o client.Object) []reconcile.Request {
	return r.receiversMatching(ctx, client.MatchingFields{indexIngressClass: o.GetName()})
}

func (r *WebhookReceiverReconciler) receiversMatching(ctx context.Context, opts ...client.ListOption) []reconcile.Request {
	return r.receiversWhere(ctx, func(*v1alpha1.WebhookReceiver) bool { return true }, opts...)
}

// receiversWhere lists the receivers (narrowed by opts) that keep says.
func (r *WebhookReceiverReconciler) receiversWhere(ctx context.Context, keep func(*v1alpha1.WebhookReceiver) bool, opts ...client.ListOption) []reconcile.Request {
	var list v1alpha1.WebhookReceiverList
	if err := r.List(ctx, &list, opts...); err != nil {
		log.FromContext(ctx).Error(err, "listing WebhookReceivers for a watch event")
		return nil
	}
	reqs := make([]reconcile.Request, 0, len(list.Items))
	for i := range list.Items {
		if keep(&list.Items[i]) {
			reqs = append(reqs, reconcile.Request{NamespacedName: client.ObjectKeyFromObject(&list.Items[i])})
		}
	}
	return reqs
}
