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

// Package controllers holds the WebhookReceiver reconciler: it turns a
// WebhookReceiver into the running, exposed receiver (the desired objects
// come from internal/render) and reports status.
package controllers

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"sync"
	"time"

	traefikv1alpha1 "github.com/traefik/traefik/v3/pkg/provider/kubernetes/crd/traefikio/v1alpha1"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	policyv1 "k8s.io/api/policy/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/util/workqueue"
	"k8s.io/utils/ptr"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/builder"
	"sigs.k8s.io/controller-runtime/pkg/cache"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller"
	"sigs.k8s.io/controller-runtime/pkg/controller/controllerutil"
	"sigs.k8s.io/controller-runtime/pkg/event"
	"sigs.k8s.io/controller-runtime/pkg/handler"
	"sigs.k8s.io/controller-runtime/pkg/log"
	"sigs.k8s.io/controller-runtime/pkg/predicate"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"
	"sigs.k8s.io/controller-runtime/pkg/recorder"
	"sigs.k8s.io/controller-runtime/pkg/source"
	gatewayv1 "sigs.k8s.io/gateway-api/apis/v1"

	"golang.org/x/time/rate"
	"k8s.io/apimachinery/pkg/labels"

	v1alpha1 "github.com/webhook-operator/webhook-operator/api/v1alpha1"
	"github.com/webhook-operator/webhook-operator/internal/render"
)

// Finalizer removes the cluster-scoped ClusterRoleBinding of a
// cross-namespace receiver, which owner references cannot garbage-collect.
const Finalizer = "gitops.webhook-operator.dev/cluster-rbac"

// DefaultReceiverClusterRole is the deployed name of config/rbac/receiver_role.yaml.
const DefaultReceiverClusterRole = "webhook-operator-receiver-role"

// Index keys on WebhookReceivers.
const (
	indexSecretRefs   = ".spec.providers.secretRefs"
	indexIngressClass = ".spec.ingress.className"
)

// Condition reasons.
const (
	ReasonReady                    = "Ready"
	ReasonProgressing              = "Progressing"
	ReasonDeploymentNotAvailable   = "DeploymentNotAvailable"
	ReasonSecretNotFound           = "SecretNotFound"
	ReasonMiddlewareCRDMissing     = "TraefikMiddlewareCRDMissing"
	ReasonGatewayAPICRDMissing     = "GatewayAPICRDMissing"
	ReasonPathNotSupported         = "PathNotSupported"
	ReasonIngressClassNotFound     = "IngressClassNotFound"
	ReasonCrossNamespaceNotAllowed = "CrossNamespaceNotAllowed"
	ReasonNotStalled               = "NotStalled"
	ReasonInvalidChild             = "InvalidChild"
)

var (
	middlewareGVK = traefikv1alpha1.SchemeGroupVersion.WithKind("Middleware")
	httpRouteGVK  = gatewayv1.SchemeGroupVersion.WithKind("HTTPRoute")
)

// AddToScheme registers every type the reconciler reads or writes.
func AddToScheme(s *runtime.Scheme) error {
	for _, add := range []func(*runtime.Scheme) error{
		v1alpha1.AddToScheme, traefikv1alpha1.AddToScheme, gatewayv1.Install,
	} {
		if err := add(s); err != nil {
			return err
		}
	}
	return nil
}

// CacheOptions narrows the manager's cache: only the operator's own
// ClusterRoleBindings are cached, not every one in the cluster.
func CacheOptions() cache.Options {
	return cache.Options{ByObject: map[client.Object]cache.ByObject{
		&rbacv1.ClusterRoleBinding{}: {Label: labels.SelectorFromSet(labels.Set{render.LabelManagedBy: render.LabelManagedByValue})},
	}}
}

// WebhookReceiverReconciler reconciles WebhookReceivers.
type WebhookReceiverReconciler struct {
	client.Client
	// APIReader reads past the cache; used only to make sure a generated
	// secret is never regenerated because the cache lags behind.
	APIReader  client.Reader
	Recorder   recorder.EventRecorder
	RESTMapper meta.RESTMapper
	// ReceiverImage is the receiver container's image.
	ReceiverImage string
	// ReceiverClusterRole is the fixed ClusterRole receivers are bound to.
	ReceiverClusterRole string
	// CrossNamespaceNamespaces are the namespaces whose WebhookReceivers may
	// set spec.targets.namespaceSelector.
	CrossNamespaceNamespaces []string
	// MissingCRDRequeueAfter is how often a receiver Stalled on a missing CRD
	// looks again (CRDs are not watched). Default one minute.
	MissingCRDRequeueAfter time.Duration

	ctrl  controller.Controller
	cache cache.Cache
	mu    sync.Mutex
	// watched records the optional CRD kinds (Middleware, HTTPRoute) that
	// have a watch; a kind installed after start gets one on first use.
	watched map[schema.GroupVersionKind]bool
}

// +kubebuilder:rbac:groups=gitops.webhook-operator.dev,resources=webhookreceivers,verbs=get;list;watch;patch
// +kubebuilder:rbac:groups=gitops.webhook-operator.dev,resources=webhookreceivers/status,verbs=get;patch
// +kubebuilder:rbac:groups=gitops.webhook-operator.dev,resources=webhookreceivers/finalizers,verbs=update
// +kubebuilder:rbac:groups="",resources=secrets;serviceaccounts;services,verbs=get;list;watch;create;patch
// +kubebuilder:rbac:groups=apps,resources=deployments,verbs=get;list;watch;create;patch
// +kubebuilder:rbac:groups=policy,resources=poddisruptionbudgets,verbs=get;list;watch;create;patch;delete
// +kubebuilder:rbac:groups=networking.k8s.io,resources=ingresses,verbs=get;list;watch;create;patch;delete
// +kubebuilder:rbac:groups=networking.k8s.io,resources=ingressclasses,verbs=get;list;watch
// +kubebuilder:rbac:groups=rbac.authorization.k8s.io,resources=roles,verbs=get;list;watch;create;patch
// +kubebuilder:rbac:groups=rbac.authorization.k8s.io,resources=rolebindings;clusterrolebindings,verbs=get;list;watch;create;patch;delete
// +kubebuilder:rbac:groups=rbac.authorization.k8s.io,resources=clusterroles,verbs=bind,resourceNames=webhook-operator-receiver-role
// +kubebuilder:rbac:groups=traefik.io,resources=middlewares,verbs=get;list;watch;create;patch;delete
// +kubebuilder:rbac:groups=gateway.networking.k8s.io,resources=httproutes,verbs=get;list;watch;create;patch;delete
// +kubebuilder:rbac:groups="",resources=events,verbs=create;patch
// +kubebuilder:rbac:groups=events.k8s.io,resources=events,verbs=create;patch

// SetupWithManager registers the controller, its indexes and watches. The
// Middleware and HTTPRoute watches are added only when their CRDs exist, so
// the manager starts on a cluster without them; a CRD installed later gets
// its watch on the first reconcile that finds it.
func (r *WebhookReceiverReconciler) SetupWithManager(ctx context.Context, mgr ctrl.Manager) error {
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

	idx := mgr.GetFieldIndexer()
	if err := idx.IndexField(ctx, &v1alpha1.WebhookReceiver{}, indexSecretRefs, func(o client.Object) []string {
		return render.ReferencedSecretNames(o.(*v1alpha1.WebhookReceiver))
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
		Watches(&rbacv1.ClusterRoleBinding{}, handler.EnqueueRequestsFromMapFunc(clusterRoleBindingToReceiver)).
		Watches(&corev1.Secret{}, handler.EnqueueRequestsFromMapFunc(r.secretToReceivers)).
		Watches(&networkingv1.IngressClass{}, handler.EnqueueRequestsFromMapFunc(r.ingressClassToReceivers)).
		WithOptions(controller.Options{
			MaxConcurrentReconciles: 4,
			// A reconcile is a dozen cached reads and a few applies; a deadline
			// turns one stuck on a just-installed CRD's informer into an error
			// that is retried, instead of a key that never reconciles again.
			ReconciliationTimeout: 15 * time.Second,
			// The classic queue: with controller-runtime's default priority
			// queue, envtest runs (1 in 3) left a receiver Reconciling with no
			// further reconcile after a RequeueAfter; none since the switch.
			UsePriorityQueue: ptr.To(false),
			// Per-item exponential backoff on errors, and an overall token
			// bucket so a burst of events cannot flood the API server.
			RateLimiter: workqueue.NewTypedMaxOfRateLimiter(
				workqueue.NewTypedItemExponentialFailureRateLimiter[reconcile.Request](500*time.Millisecond, 5*time.Minute),
				&workqueue.TypedBucketRateLimiter[reconcile.Request]{Limiter: rate.NewLimiter(rate.Limit(20), 200)},
			),
		})
	for _, gvk := range []schema.GroupVersionKind{middlewareGVK, httpRouteGVK} {
		if ok, err := r.kindInstalled(gvk); err != nil {
			return err
		} else if ok {
			b = b.Owns(newObject(gvk))
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

func newObject(gvk schema.GroupVersionKind) client.Object {
	if gvk == middlewareGVK {
		return &traefikv1alpha1.Middleware{}
	}
	return &gatewayv1.HTTPRoute{}
}

// kindInstalled asks the RESTMapper (which re-discovers an unknown group)
// whether the API server serves gvk.
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

func clusterRoleBindingToReceiver(_ context.Context, o client.Object) []reconcile.Request {
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
	var list v1alpha1.WebhookReceiverList
	if err := r.List(ctx, &list, opts...); err != nil {
		log.FromContext(ctx).Error(err, "listing WebhookReceivers for a watch event")
		return nil
	}
	reqs := make([]reconcile.Request, 0, len(list.Items))
	for i := range list.Items {
		reqs = append(reqs, reconcile.Request{NamespacedName: client.ObjectKeyFromObject(&list.Items[i])})
	}
	return reqs
}

// stall is a spec that cannot work until something outside the operator
// changes; it is reported, not retried with backoff.
type stall struct {
	reason, message string
	// requeue: the cause is not watched (a missing CRD), so look again later.
	requeue bool
}

// Reconcile converges one WebhookReceiver in named steps: get it, finalize it
// if deleted, preflight the spec, build its Secret, ensure the finalizer,
// render the children, apply them and remove leftovers, then summarise the
// outcome into status conditions.
func (r *WebhookReceiverReconciler) Reconcile(ctx context.Context, req ctrl.Request) (ctrl.Result, error) {
	wr := &v1alpha1.WebhookReceiver{}
	if err := r.Get(ctx, req.NamespacedName, wr); err != nil {
		return ctrl.Result{}, client.IgnoreNotFound(err)
	}
	if !wr.DeletionTimestamp.IsZero() {
		return ctrl.Result{}, r.finalize(ctx, wr)
	}
	flavor, st, err := r.preflight(ctx, wr)
	if st != nil && st.reason == ReasonCrossNamespaceNotAllowed {
		// The operator no longer allows this namespace to reach others (its
		// flag changed): take back the cluster-wide binding now, not at
		// deletion, or the running receiver keeps cross-namespace access.
		if err := r.dropClusterRoleBinding(ctx, wr); err != nil {
			return ctrl.Result{}, err
		}
	}
	if err != nil || st != nil {
		return r.reportStall(ctx, wr, st, err)
	}
	secret, st, err := r.desiredSecret(ctx, wr)
	if err != nil || st != nil {
		return r.reportStall(ctx, wr, st, err)
	}
	if err := r.ensureFinalizer(ctx, wr); err != nil {
		return ctrl.Result{}, err
	}
	crds, err := r.discoverOptionalCRDs()
	if err != nil {
		return ctrl.Result{}, err
	}
	children := desiredChildren(wr, secret, r.renderParams(flavor), crds)

	changes := &childChanges{}
	// Deferred so the Events also cover a reconcile that fails half-way.
	defer r.emitChanges(wr, changes)
	if st, err := r.applyChildren(ctx, wr, children, changes); err != nil || st != nil {
		// No reportStall here: an invalid child is neither logged nor requeued.
		if err != nil {
			return ctrl.Result{}, err
		}
		return ctrl.Result{}, r.writeStatus(ctx, wr, st, nil, false)
	}
	if err := r.releaseFinalizer(ctx, wr); err != nil {
		return ctrl.Result{}, err
	}
	return r.summarize(ctx, wr, changes.any())
}

// reportStall ends a reconcile cut short by a step: an error goes back to the
// workqueue for backoff; a stall is written to status instead, and looked at
// again later only when its cause is not watched.
func (r *WebhookReceiverReconciler) reportStall(ctx context.Context, wr *v1alpha1.WebhookReceiver, st *stall, err error) (ctrl.Result, error) {
	if err != nil {
		return ctrl.Result{}, err
	}
	log.FromContext(ctx).V(1).Info("stalled", "reason", st.reason, "message", st.message)
	if err := r.writeStatus(ctx, wr, st, nil, false); err != nil {
		return ctrl.Result{}, err
	}
	if st.requeue {
		return ctrl.Result{RequeueAfter: r.MissingCRDRequeueAfter}, nil
	}
	return ctrl.Result{}, nil
}

// ensureFinalizer adds the finalizer to a cross-namespace receiver before its
// ClusterRoleBinding exists, so the binding can never leak.
func (r *WebhookReceiverReconciler) ensureFinalizer(ctx context.Context, wr *v1alpha1.WebhookReceiver) error {
	if !render.CrossNamespace(wr) || controllerutil.ContainsFinalizer(wr, Finalizer) {
		return nil
	}
	return r.patchFinalizer(ctx, wr, true)
}

// releaseFinalizer drops the finalizer of a receiver that is no longer
// cross-namespace; applyChildren has already removed its ClusterRoleBinding.
func (r *WebhookReceiverReconciler) releaseFinalizer(ctx context.Context, wr *v1alpha1.WebhookReceiver) error {
	if render.CrossNamespace(wr) || !controllerutil.ContainsFinalizer(wr, Finalizer) {
		return nil
	}
	return r.patchFinalizer(ctx, wr, false)
}

// patchFinalizer adds or removes the finalizer. The optimistic lock matters: a
// merge patch replaces the whole finalizers list, so without it a finalizer
// added meanwhile by someone else would be lost.
func (r *WebhookReceiverReconciler) patchFinalizer(ctx context.Context, wr *v1alpha1.WebhookReceiver, add bool) error {
	patch := client.MergeFromWithOptions(wr.DeepCopy(), client.MergeFromWithOptimisticLock{})
	what := "adding"
	if add {
		controllerutil.AddFinalizer(wr, Finalizer)
	} else {
		what = "removing"
		controllerutil.RemoveFinalizer(wr, Finalizer)
	}
	if err := r.Patch(ctx, wr, patch); err != nil {
		return fmt.Errorf("%s finalizer: %w", what, err)
	}
	return nil
}

// optionalCRDs says which optional CRDs the cluster serves: a child of a
// missing kind can be neither applied nor left over.
type optionalCRDs struct {
	middleware, httpRoute bool
}

// discoverOptionalCRDs looks the optional kinds up and watches the installed
// ones, so a CRD installed after start is picked up without a restart.
func (r *WebhookReceiverReconciler) discoverOptionalCRDs() (optionalCRDs, error) {
	var crds optionalCRDs
	var err error
	if crds.middleware, err = r.kindInstalled(middlewareGVK); err != nil {
		return crds, err
	}
	if crds.httpRoute, err = r.kindInstalled(httpRouteGVK); err != nil {
		return crds, err
	}
	for _, k := range []struct {
		gvk       schema.GroupVersionKind
		installed bool
	}{{middlewareGVK, crds.middleware}, {httpRouteGVK, crds.httpRoute}} {
		if !k.installed {
			continue
		}
		if err := r.ensureWatch(k.gvk); err != nil {
			return crds, err
		}
	}
	return crds, nil
}

// renderParams are the operator-wide inputs of the render builders.
func (r *WebhookReceiverReconciler) renderParams(flavor v1alpha1.Flavor) render.Params {
	return render.Params{Image: r.ReceiverImage, ReceiverClusterRole: r.ReceiverClusterRole, Flavor: flavor}
}

// children is what one reconcile converges on.
type children struct {
	// desired are applied, in order (the Secret first, so the Deployment
	// never starts without it).
	desired []client.Object
	// unwanted are what an earlier spec may have left behind; deleted if ours.
	unwanted []client.Object
}

// desiredChildren is the pure part of a reconcile: from the receiver (with its
// finalizer state) it decides which children must exist and which must not.
func desiredChildren(wr *v1alpha1.WebhookReceiver, secret *corev1.Secret, p render.Params, crds optionalCRDs) children {
	c := children{desired: []client.Object{
		secret,
		render.ServiceAccount(wr),
		render.Role(wr),
		render.RoleBinding(wr),
		render.Deployment(wr, p),
		render.Service(wr),
	}}
	if render.CrossNamespace(wr) {
		c.desired = append(c.desired, render.ClusterRoleBinding(wr, p))
		c.unwanted = append(c.unwanted, render.GitRepoRoleBinding(wr, p))
	} else {
		c.desired = append(c.desired, render.GitRepoRoleBinding(wr, p))
		// Only a receiver that was cross-namespace (it has the finalizer) can
		// have a ClusterRoleBinding to remove.
		if controllerutil.ContainsFinalizer(wr, Finalizer) {
			c.unwanted = append(c.unwanted, render.ClusterRoleBinding(wr, p))
		}
	}
	if render.NeedsPDB(wr) {
		c.desired = append(c.desired, render.PodDisruptionBudget(wr))
	} else {
		c.unwanted = append(c.unwanted, render.PodDisruptionBudget(wr))
	}
	if wr.Spec.Ingress != nil {
		c.desired = append(c.desired, render.Ingress(wr, p))
		if crds.httpRoute {
			c.unwanted = append(c.unwanted, render.HTTPRoute(wr))
		}
	} else {
		c.desired = append(c.desired, render.HTTPRoute(wr))
		c.unwanted = append(c.unwanted, render.Ingress(wr, p))
	}
	if render.NeedsMiddleware(wr, p.Flavor) {
		c.desired = append(c.desired, render.Middleware(wr))
	} else if crds.middleware {
		c.unwanted = append(c.unwanted, render.Middleware(wr))
	}
	return c
}

// applyChildren applies the desired children, then deletes the unwanted ones,
// recording every write in changes. A child the API server refuses as invalid
// (e.g. a name too long for a Service) is a stall: retrying cannot help.
func (r *WebhookReceiverReconciler) applyChildren(ctx context.Context, wr *v1alpha1.WebhookReceiver, c children, changes *childChanges) (*stall, error) {
	for _, obj := range c.desired {
		if err := r.ensure(ctx, obj, changes); err != nil {
			if apierrors.IsInvalid(err) {
				return &stall{reason: ReasonInvalidChild, message: err.Error()}, nil
			}
			return nil, err
		}
	}
	for _, obj := range c.unwanted {
		if err := r.remove(ctx, wr, obj, changes); err != nil {
			return nil, err
		}
	}
	return nil, nil
}

// summarize writes the status from the receiver Deployment. After any write it
// looks again once the cache has caught up; the next pass normally changes
// nothing and settles the status.
func (r *WebhookReceiverReconciler) summarize(ctx context.Context, wr *v1alpha1.WebhookReceiver, changed bool) (ctrl.Result, error) {
	deploy := &appsv1.Deployment{}
	if err := r.Get(ctx, types.NamespacedName{Namespace: wr.Namespace, Name: render.ReceiverName(wr)}, deploy); err != nil {
		if !apierrors.IsNotFound(err) {
			return ctrl.Result{}, fmt.Errorf("reading Deployment: %w", err)
		}
		deploy = nil
	}
	if err := r.writeStatus(ctx, wr, nil, deploy, changed); err != nil {
		return ctrl.Result{}, err
	}
	if changed {
		return ctrl.Result{RequeueAfter: 2 * time.Second}, nil
	}
	return ctrl.Result{}, nil
}

// preflight resolves the ingress flavor and finds specs that cannot work.
func (r *WebhookReceiverReconciler) preflight(ctx context.Context, wr *v1alpha1.WebhookReceiver) (v1alpha1.Flavor, *stall, error) {
	if render.CrossNamespace(wr) && !contains(r.CrossNamespaceNamespaces, wr.Namespace) {
		return "", &stall{reason: ReasonCrossNamespaceNotAllowed, message: fmt.Sprintf(
			"spec.targets.namespaceSelector is set, but WebhookReceivers in namespace %q may only target their own namespace (the operator allows cross-namespace targets for: %s); remove the namespaceSelector or ask the operator admin",
			wr.Namespace, strings.Join(r.CrossNamespaceNamespaces, ", "))}, nil
	}
	if wr.Spec.Gateway != nil {
		ok, err := r.kindInstalled(httpRouteGVK)
		if err != nil {
			return "", nil, err
		}
		if !ok {
			return "", &stall{reason: ReasonGatewayAPICRDMissing, requeue: true, message: fmt.Sprintf(
				"spec.gateway is set but the Gateway API CRD httproutes.%s (%s) is not installed", gatewayv1.GroupName, httpRouteGVK.Version)}, nil
		}
		return "", nil, nil
	}
	if wr.Spec.Ingress == nil {
		return "", &stall{reason: ReasonPathNotSupported, message: "neither spec.ingress nor spec.gateway is set"}, nil
	}
	flavor := wr.Spec.Ingress.Flavor
	if flavor == "" {
		ic := &networkingv1.IngressClass{}
		if err := r.Get(ctx, types.NamespacedName{Name: wr.Spec.Ingress.ClassName}, ic); err != nil {
			if !apierrors.IsNotFound(err) {
				return "", nil, fmt.Errorf("reading IngressClass: %w", err)
			}
			return "", &stall{reason: ReasonIngressClassNotFound, message: fmt.Sprintf(
				"IngressClass %q not found: create it or set spec.ingress.flavor", wr.Spec.Ingress.ClassName)}, nil
		}
		flavor = render.ResolveFlavor(ic.Spec.Controller)
	}
	if err := render.ValidateExposure(wr, flavor); err != nil {
		return "", &stall{reason: ReasonPathNotSupported, message: err.Error()}, nil
	}
	if render.NeedsMiddleware(wr, flavor) {
		ok, err := r.kindInstalled(middlewareGVK)
		if err != nil {
			return "", nil, err
		}
		if !ok {
			return "", &stall{reason: ReasonMiddlewareCRDMissing, requeue: true, message: fmt.Sprintf(
				"the traefik flavor with path %q needs a stripPrefix Middleware, but the Traefik CRD middlewares.traefik.io (v1alpha1) is not installed", render.Path(wr))}, nil
		}
	}
	return flavor, nil, nil
}

// desiredSecret builds the receiver Secret, keeping generated values.
func (r *WebhookReceiverReconciler) desiredSecret(ctx context.Context, wr *v1alpha1.WebhookReceiver) (*corev1.Secret, *stall, error) {
	key := types.NamespacedName{Namespace: wr.Namespace, Name: wr.SecretNameOrDefault()}
	existing := &corev1.Secret{}
	err := r.Get(ctx, key, existing)
	if err != nil && !apierrors.IsNotFound(err) {
		return nil, nil, fmt.Errorf("reading Secret %s: %w", key.Name, err)
	}
	if err != nil || lacksGeneratedKey(wr, existing) {
		// The cache may lag behind a Secret just written with generated
		// values; regenerating them would break configured Git hosts.
		existing = &corev1.Secret{}
		if err := r.APIReader.Get(ctx, key, existing); err != nil {
			if !apierrors.IsNotFound(err) {
				return nil, nil, fmt.Errorf("reading Secret %s: %w", key.Name, err)
			}
			existing = nil
		}
	}
	lookup := func(name string) (map[string][]byte, bool, error) {
		s := &corev1.Secret{}
		if err := r.Get(ctx, types.NamespacedName{Namespace: wr.Namespace, Name: name}, s); err != nil {
			if apierrors.IsNotFound(err) {
				return nil, false, nil
			}
			return nil, false, err
		}
		return s.Data, true, nil
	}
	data, generated, err := render.SecretData(wr, existing, lookup, render.GenerateToken)
	var missing *render.MissingSecretError
	if errors.As(err, &missing) {
		return nil, &stall{reason: ReasonSecretNotFound, message: missing.Error()}, nil
	}
	if err != nil {
		return nil, nil, err
	}
	return render.Secret(wr, data, generated), nil, nil
}

// lacksGeneratedKey reports whether a generate: true provider has no value
// in the (cached) Secret yet.
func lacksGeneratedKey(wr *v1alpha1.WebhookReceiver, s *corev1.Secret) bool {
	for _, p := range wr.Spec.Providers.EnabledProviders() {
		if p.Source.Generate && len(s.Data[p.Key]) == 0 {
			return true
		}
	}
	return false
}

// ensure applies obj with server-side apply unless the live object already
// is up to date (render.UpToDate), so an unchanged child costs no write.
func (r *WebhookReceiverReconciler) ensure(ctx context.Context, obj client.Object, changes *childChanges) error {
	u, err := render.ApplyObject(obj)
	if err != nil {
		return err
	}
	kind := u.GetKind()
	live := obj.DeepCopyObject().(client.Object)
	err = r.Get(ctx, client.ObjectKeyFromObject(obj), live)
	switch {
	case apierrors.IsNotFound(err):
		live = nil
	case err != nil:
		return fmt.Errorf("reading %s %s: %w", kind, obj.GetName(), err)
	default:
		ok, err := render.UpToDate(u, live)
		if err != nil {
			return err
		}
		if ok {
			return nil
		}
	}
	if err := r.Apply(ctx, client.ApplyConfigurationFromUnstructured(u),
		client.FieldOwner(render.FieldManager), client.ForceOwnership); err != nil {
		return fmt.Errorf("applying %s %s: %w", kind, obj.GetName(), err)
	}
	what := kind + " " + obj.GetName()
	if live == nil {
		changes.created = append(changes.created, what)
		log.FromContext(ctx).Info("created child", "kind", kind, "name", obj.GetName())
	} else {
		changes.updated = append(changes.updated, what)
		log.FromContext(ctx).Info("updated child", "kind", kind, "name", obj.GetName())
	}
	return nil
}

// childChanges collects what one reconcile wrote, for its Events.
type childChanges struct {
	created, updated, deleted []string
}

func (c *childChanges) any() bool {
	return len(c.created)+len(c.updated)+len(c.deleted) > 0
}

// emitChanges emits one Event per kind of change and reconcile, listing the
// children: the events.k8s.io API folds same-reason Events of one object into
// a series and would drop the later children's names.
func (r *WebhookReceiverReconciler) emitChanges(wr *v1alpha1.WebhookReceiver, c *childChanges) {
	for _, e := range []struct {
		reason, action string
		what           []string
	}{
		{"Created", "Create", c.created},
		{"Updated", "Update", c.updated},
		{"Deleted", "Delete", c.deleted},
	} {
		if len(e.what) == 0 {
			continue
		}
		note := strings.ToLower(e.reason) + " " + strings.Join(e.what, ", ")
		if len(note) > 1000 { // the Events API limit is 1 kB
			note = note[:997] + "..."
		}
		r.Recorder.Eventf(wr, nil, corev1.EventTypeNormal, e.reason, e.action, "%s", note)
	}
}

// remove deletes a child that is no longer desired, if it exists and is ours.
func (r *WebhookReceiverReconciler) remove(ctx context.Context, wr *v1alpha1.WebhookReceiver, obj client.Object, changes *childChanges) error {
	live := obj.DeepCopyObject().(client.Object)
	if err := r.Get(ctx, client.ObjectKeyFromObject(obj), live); err != nil {
		return client.IgnoreNotFound(err)
	}
	ours := metav1.IsControlledBy(live, wr)
	if live.GetNamespace() == "" { // cluster-scoped: owner labels
		l := live.GetLabels()
		ours = l[render.LabelOwnerNamespace] == wr.Namespace && l[render.LabelOwnerName] == wr.Name
	}
	if !ours {
		return nil
	}
	if err := r.Delete(ctx, live); client.IgnoreNotFound(err) != nil {
		return fmt.Errorf("deleting %T %s: %w", obj, obj.GetName(), err)
	}
	kind := obj.GetObjectKind().GroupVersionKind().Kind // set by the render builders
	changes.deleted = append(changes.deleted, kind+" "+obj.GetName())
	log.FromContext(ctx).Info("deleted child", "kind", kind, "name", obj.GetName())
	return nil
}

// finalize removes the ClusterRoleBinding of a deleted receiver, then the
// finalizer. Namespaced children go by garbage collection.
func (r *WebhookReceiverReconciler) finalize(ctx context.Context, wr *v1alpha1.WebhookReceiver) error {
	if !controllerutil.ContainsFinalizer(wr, Finalizer) {
		return nil
	}
	return r.dropClusterRoleBinding(ctx, wr)
}

// dropClusterRoleBinding removes a receiver's ClusterRoleBinding and then
// its finalizer. With the finalizer set the binding may exist before the
// cache shows it, so it is deleted outright; without it, only when the
// cache shows one left over, so a receiver that never had one costs no write.
func (r *WebhookReceiverReconciler) dropClusterRoleBinding(ctx context.Context, wr *v1alpha1.WebhookReceiver) error {
	crb := &rbacv1.ClusterRoleBinding{}
	crb.Name = render.ClusterRoleBindingName(wr)
	hasFinalizer := controllerutil.ContainsFinalizer(wr, Finalizer)
	if !hasFinalizer {
		err := r.Get(ctx, client.ObjectKeyFromObject(crb), crb)
		if apierrors.IsNotFound(err) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("reading ClusterRoleBinding %s: %w", crb.Name, err)
		}
	}
	if err := r.Delete(ctx, crb); client.IgnoreNotFound(err) != nil {
		return fmt.Errorf("deleting ClusterRoleBinding %s: %w", crb.Name, err)
	}
	if !hasFinalizer {
		return nil
	}
	return r.patchFinalizer(ctx, wr, false)
}

// writeStatus computes the status and writes it only when it changed. An
// Event is emitted when the receiver becomes Stalled or its reason changes.
func (r *WebhookReceiverReconciler) writeStatus(ctx context.Context, wr *v1alpha1.WebhookReceiver, st *stall, deploy *appsv1.Deployment, changed bool) error {
	old := wr.DeepCopy()
	s := &wr.Status
	s.ObservedGeneration = wr.Generation
	s.URL = render.URL(wr)
	s.SecretName = wr.SecretNameOrDefault()
	s.ReadyReplicas = 0
	if deploy != nil {
		s.ReadyReplicas = deploy.Status.ReadyReplicas
	}
	set := func(t string, status metav1.ConditionStatus, reason, msg string) {
		meta.SetStatusCondition(&s.Conditions, metav1.Condition{
			Type: t, Status: status, Reason: reason, Message: msg, ObservedGeneration: wr.Generation,
		})
	}
	switch {
	case st != nil:
		set(v1alpha1.ConditionStalled, metav1.ConditionTrue, st.reason, st.message)
		set(v1alpha1.ConditionReconciling, metav1.ConditionFalse, st.reason, "stalled: "+st.message)
		set(v1alpha1.ConditionReady, metav1.ConditionFalse, st.reason, st.message)
	case changed:
		set(v1alpha1.ConditionStalled, metav1.ConditionFalse, ReasonNotStalled, "")
		set(v1alpha1.ConditionReconciling, metav1.ConditionTrue, ReasonProgressing, "applying the receiver's objects")
		set(v1alpha1.ConditionReady, metav1.ConditionFalse, ReasonProgressing, "applying the receiver's objects")
	case !deploymentAvailable(deploy):
		msg := fmt.Sprintf("waiting for Deployment %s to become available", render.ReceiverName(wr))
		set(v1alpha1.ConditionStalled, metav1.ConditionFalse, ReasonNotStalled, "")
		set(v1alpha1.ConditionReconciling, metav1.ConditionTrue, ReasonDeploymentNotAvailable, msg)
		set(v1alpha1.ConditionReady, metav1.ConditionFalse, ReasonDeploymentNotAvailable, msg)
	default:
		set(v1alpha1.ConditionStalled, metav1.ConditionFalse, ReasonNotStalled, "")
		set(v1alpha1.ConditionReconciling, metav1.ConditionFalse, ReasonReady, "")
		set(v1alpha1.ConditionReady, metav1.ConditionTrue, ReasonReady, "the receiver is available at "+s.URL)
	}
	sortConditions(s.Conditions)
	if equality.Semantic.DeepEqual(old.Status, wr.Status) {
		return nil
	}
	if st != nil {
		prev := meta.FindStatusCondition(old.Status.Conditions, v1alpha1.ConditionStalled)
		if prev == nil || prev.Status != metav1.ConditionTrue || prev.Reason != st.reason || prev.Message != st.message {
			r.Recorder.Eventf(wr, nil, corev1.EventTypeWarning, st.reason, "Reconcile", "%s", st.message)
		}
	}
	if err := r.Status().Patch(ctx, wr, client.MergeFrom(old)); err != nil {
		return fmt.Errorf("writing status: %w", err)
	}
	return nil
}

func sortConditions(c []metav1.Condition) {
	sort.SliceStable(c, func(i, j int) bool { return c[i].Type < c[j].Type })
}

func deploymentAvailable(d *appsv1.Deployment) bool {
	if d == nil || d.Status.ObservedGeneration < d.Generation {
		return false
	}
	for _, c := range d.Status.Conditions {
		if c.Type == appsv1.DeploymentAvailable {
			return c.Status == corev1.ConditionTrue
		}
	}
	return false
}

func contains(l []string, s string) bool {
	for _, e := range l {
		if e == s {
			return true
		}
	}
	return false
}
