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

package v1alpha1

import (
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	gatewayv1 "sigs.k8s.io/gateway-api/apis/v1"
)

// Flavor names the ingress controller an Ingress is written for.
// +kubebuilder:validation:Enum=traefik;nginx;generic
type Flavor string

const (
	FlavorTraefik Flavor = "traefik"
	FlavorNginx   Flavor = "nginx"
	FlavorGeneric Flavor = "generic"
)

// Condition types, kstatus-compatible.
const (
	ConditionReady       = "Ready"
	ConditionReconciling = "Reconciling"
	ConditionStalled     = "Stalled"
)

// WebhookReceiverSpec is the desired state of a WebhookReceiver: where Git
// hosts reach it, which providers it accepts, and which GitRepos it may trigger.
// +kubebuilder:validation:XValidation:rule="has(self.ingress) != has(self.gateway)",message="exactly one of spec.ingress or spec.gateway must be set"
// +kubebuilder:validation:XValidation:rule="!has(self.gateway) || !has(self.tls) || (!has(self.tls.secretName) && !has(self.tls.issuerRef))",message="with spec.gateway the Gateway's listener terminates TLS: use tls: {} (an https URL) without secretName or issuerRef"
type WebhookReceiverSpec struct {
	// Host is the DNS name Git hosts send webhooks to, e.g. webhooks.example.com.
	// +required
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=253
	// +kubebuilder:validation:Pattern=`^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$`
	Host string `json:"host"`

	// Path is the URL path prefix the receiver is exposed under. A prefix other
	// than "/" is stripped before the request reaches the receiver.
	// +optional
	// +kubebuilder:default="/"
	// +kubebuilder:validation:MaxLength=200
	// +kubebuilder:validation:Pattern=`^/[A-Za-z0-9._~/-]*$`
	// +kubebuilder:validation:XValidation:rule="self == '/' || !self.endsWith('/')",message="path must not end with '/' (except the root path '/')"
	Path string `json:"path,omitempty"`

	// Ingress exposes the receiver through a Kubernetes Ingress. Exactly one of
	// ingress and gateway must be set.
	// +optional
	Ingress *IngressSpec `json:"ingress,omitempty"`

	// Gateway exposes the receiver through a Gateway API HTTPRoute. Exactly one
	// of ingress and gateway must be set.
	// +optional
	Gateway *GatewaySpec `json:"gateway,omitempty"`

	// TLS serves the webhook URL over HTTPS. With ingress, secretName and
	// issuerRef configure the Ingress's TLS; with gateway, the Gateway's
	// listener terminates TLS, so set tls: {} only (the status URL is https).
	// +optional
	TLS *TLSSpec `json:"tls,omitempty"`

	// SecretName is the name of the Secret this receiver owns and fills with the
	// provider secrets under Fleet's keys (github, gitlab, bitbucket,
	// bitbucket-server, gogs, gitea). Default: <metadata.name>-webhook. Use
	// gitjob-webhook in Fleet's namespace to serve Fleet's own webhook too.
	// +optional
	// +kubebuilder:validation:MaxLength=253
	// +kubebuilder:validation:Pattern=`^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$`
	SecretName string `json:"secretName,omitempty"`

	// Providers lists the Git providers this receiver accepts and where each
	// one's webhook secret comes from. A provider not listed is refused (403).
	// +optional
	Providers Providers `json:"providers,omitempty"`

	// Targets selects the GitRepos a push may trigger.
	// +optional
	Targets Targets `json:"targets,omitempty"`

	// PollingInterval is written to a triggered GitRepo that has none (and
	// does not set spec.disablePolling), so Fleet polls rarely once webhooks
	// arrive. "0s" means leave GitRepo specs alone: GitRepos are still
	// triggered but their spec is never written, for GitRepos managed from
	// Git where any change would be drift. Otherwise between 15s and 168h.
	// +optional
	// +kubebuilder:default="1h"
	// +kubebuilder:validation:Type=string
	// +kubebuilder:validation:XValidation:rule="duration(self) == duration('0s') || (duration(self) >= duration('15s') && duration(self) <= duration('168h'))",message="pollingInterval must be between 15s and 168h, or 0s to never write GitRepo specs"
	PollingInterval *metav1.Duration `json:"pollingInterval,omitempty"`

	// Batching controls how GitRepo writes are coalesced and rate-limited.
	// +optional
	// +kubebuilder:default={}
	Batching Batching `json:"batching,omitempty"`

	// Receiver configures the receiver Deployment.
	// +optional
	// +kubebuilder:default={}
	Receiver ReceiverSpec `json:"receiver,omitempty"`
}

// IngressSpec exposes the receiver with a networking.k8s.io/v1 Ingress.
type IngressSpec struct {
	// ClassName is the IngressClass name. Its spec.controller decides the
	// flavor unless flavor is set.
	// +required
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=253
	ClassName string `json:"className"`

	// Flavor is the ingress controller the Ingress is written for: traefik
	// (a stripPrefix Middleware), nginx (regex path and rewrite-target) or
	// generic (only the path "/" works). Default: read from the IngressClass.
	// +optional
	Flavor Flavor `json:"flavor,omitempty"`

	// Priority is the Traefik router priority. Default 100 plus the path
	// length ("/" 101, "/gitjob" 107): above an application's catch-all on
	// the same host, and the longer path wins among receivers on one host.
	// +optional
	// +kubebuilder:validation:Minimum=1
	// +kubebuilder:validation:Maximum=1000000
	Priority *int32 `json:"priority,omitempty"`

	// Annotations are merged onto the Ingress. The operator's own annotations win.
	// +optional
	Annotations map[string]string `json:"annotations,omitempty"`
}

// GatewaySpec exposes the receiver with a Gateway API HTTPRoute.
type GatewaySpec struct {
	// ParentRefs are the Gateways (and listeners) the HTTPRoute attaches to.
	// +required
	// +kubebuilder:validation:MinItems=1
	// +kubebuilder:validation:MaxItems=16
	ParentRefs []gatewayv1.ParentReference `json:"parentRefs"`
}

// TLSSpec serves the webhook URL over HTTPS.
type TLSSpec struct {
	// SecretName is the TLS Secret for the host. With issuerRef, cert-manager
	// creates it. Default: <metadata.name>-tls.
	// +optional
	// +kubebuilder:validation:MaxLength=253
	SecretName string `json:"secretName,omitempty"`

	// IssuerRef names a cert-manager Issuer or ClusterIssuer; the operator adds
	// the matching cert-manager annotation to the Ingress.
	// +optional
	IssuerRef *IssuerRef `json:"issuerRef,omitempty"`
}

// IssuerRef names a cert-manager issuer.
type IssuerRef struct {
	// Kind is Issuer or ClusterIssuer.
	// +optional
	// +kubebuilder:default=ClusterIssuer
	// +kubebuilder:validation:Enum=Issuer;ClusterIssuer
	Kind string `json:"kind,omitempty"`

	// Name of the issuer.
	// +required
	// +kubebuilder:validation:MinLength=1
	Name string `json:"name"`
}

// Providers lists the Git providers a receiver accepts.
type Providers struct {
	// GitHub push webhooks (X-Hub-Signature-256). Secret key "github".
	// +optional
	GitHub *ProviderSecret `json:"github,omitempty"`
	// GitLab push and tag push webhooks (X-Gitlab-Token). Secret key "gitlab".
	// +optional
	GitLab *ProviderSecret `json:"gitlab,omitempty"`
	// Bitbucket Cloud repo:push webhooks. Secret key "bitbucket".
	// +optional
	Bitbucket *ProviderSecret `json:"bitbucket,omitempty"`
	// Bitbucket Server / Data Center repo:refs_changed webhooks. Secret key
	// "bitbucket-server".
	// +optional
	BitbucketServer *ProviderSecret `json:"bitbucketServer,omitempty"`
	// Gogs push webhooks (X-Gogs-Signature). Secret key "gogs".
	// +optional
	Gogs *ProviderSecret `json:"gogs,omitempty"`
	// Gitea and Forgejo push webhooks (X-Gitea-Signature). Secret key
	// "gitea"; without it, Gitea deliveries verify with the "gogs" key, as
	// Fleet does.
	// +optional
	Gitea *ProviderSecret `json:"gitea,omitempty"`
	// Azure DevOps "Code pushed" service hooks, authenticated with HTTP basic
	// auth. Secret keys "azure-username" and "azure-password" (Fleet's).
	// +optional
	AzureDevOps *AzureDevOpsProvider `json:"azureDevOps,omitempty"`
}

// ProviderSecret says where a provider's webhook secret comes from: a key of
// an existing Secret, or a random token the operator generates once and keeps.
// Without either, the provider is refused unless allowUnauthenticated is set,
// and then an unsigned delivery may only trigger GitRepos on hosts.
// +kubebuilder:validation:XValidation:rule="!(has(self.secretRef) && has(self.generate) && self.generate)",message="set either secretRef or generate: true, not both"
// +kubebuilder:validation:XValidation:rule="has(self.secretRef) || (has(self.generate) && self.generate) || (has(self.allowUnauthenticated) && self.allowUnauthenticated)",message="a provider needs secretRef or generate: true (or allowUnauthenticated: true with hosts)"
// +kubebuilder:validation:XValidation:rule="!(has(self.allowUnauthenticated) && self.allowUnauthenticated) || (!has(self.secretRef) && !(has(self.generate) && self.generate))",message="allowUnauthenticated cannot be combined with secretRef or generate: a provider with a secret never accepts unsigned deliveries"
// +kubebuilder:validation:XValidation:rule="!(has(self.allowUnauthenticated) && self.allowUnauthenticated) || (has(self.hosts) && size(self.hosts) > 0)",message="hosts is required when allowUnauthenticated is true: list the Git hosts whose GitRepos unsigned deliveries may trigger"
type ProviderSecret struct {
	// SecretRef is a key of a Secret in the WebhookReceiver's namespace.
	// +optional
	SecretRef *SecretKeyRef `json:"secretRef,omitempty"`

	// Generate makes the operator generate a random secret once and keep it.
	// Read it from the receiver's Secret and paste it into the Git host.
	// +optional
	Generate bool `json:"generate,omitempty"`

	// AllowUnauthenticated accepts this provider's deliveries without a
	// signature or token. Off by default: anyone who can reach the URL could
	// trigger deployments. Requires hosts.
	// +optional
	AllowUnauthenticated bool `json:"allowUnauthenticated,omitempty"`

	// Hosts are the Git hosts (e.g. git.internal.example) whose GitRepos an
	// unsigned delivery of this provider may trigger. Only with
	// allowUnauthenticated.
	// +optional
	// +listType=set
	// +kubebuilder:validation:MaxItems=32
	// +kubebuilder:validation:items:MaxLength=253
	// +kubebuilder:validation:items:Pattern=`^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$`
	Hosts []string `json:"hosts,omitempty"`
}

// AzureDevOpsProvider is an Azure DevOps service hook's basic auth: the
// password comes from secretRef or is generated; the username is plain
// configuration.
// +kubebuilder:validation:XValidation:rule="!(has(self.secretRef) && has(self.generate) && self.generate)",message="set either secretRef or generate: true, not both"
// +kubebuilder:validation:XValidation:rule="has(self.secretRef) || (has(self.generate) && self.generate) || (has(self.allowUnauthenticated) && self.allowUnauthenticated)",message="a provider needs secretRef or generate: true (or allowUnauthenticated: true with hosts)"
// +kubebuilder:validation:XValidation:rule="!(has(self.allowUnauthenticated) && self.allowUnauthenticated) || (!has(self.secretRef) && !(has(self.generate) && self.generate))",message="allowUnauthenticated cannot be combined with secretRef or generate: a provider with a secret never accepts unsigned deliveries"
// +kubebuilder:validation:XValidation:rule="!(has(self.allowUnauthenticated) && self.allowUnauthenticated) || (has(self.hosts) && size(self.hosts) > 0)",message="hosts is required when allowUnauthenticated is true: list the Git hosts whose GitRepos unsigned deliveries may trigger"
type AzureDevOpsProvider struct {
	ProviderSecret `json:",inline"`

	// Username is the basic auth username to enter in the service hook,
	// written to the receiver Secret's azure-username key.
	// +optional
	// +kubebuilder:default=webhook
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=253
	Username string `json:"username,omitempty"`
}

// SecretKeyRef is a key of a Secret in the same namespace.
type SecretKeyRef struct {
	// Name of the Secret.
	// +required
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=253
	Name string `json:"name"`

	// Key in the Secret's data.
	// +required
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=253
	// +kubebuilder:validation:Pattern=`^[-._a-zA-Z0-9]+$`
	Key string `json:"key"`
}

// Targets selects the GitRepos a receiver may trigger.
type Targets struct {
	// NamespaceSelector selects the namespaces whose GitRepos may be
	// triggered. Unset: only the WebhookReceiver's own namespace. Set (even to
	// {}): only allowed in namespaces the operator was started with
	// --cross-namespace-namespaces for; elsewhere the receiver is Stalled.
	// +optional
	NamespaceSelector *metav1.LabelSelector `json:"namespaceSelector,omitempty"`

	// Selector is a label selector on GitRepos. Unset or {}: every GitRepo in
	// the selected namespaces.
	// +optional
	Selector *metav1.LabelSelector `json:"selector,omitempty"`

	// PathAware triggers a GitRepo that has spec.paths only when the push
	// changed a file under one of them (or under a path of its
	// gitops.webhook-operator.dev/watch-paths annotation). GitRepos without
	// paths, and pushes whose file list is missing or incomplete, always
	// trigger.
	// +optional
	PathAware bool `json:"pathAware,omitempty"`
}

// Batching controls how GitRepo writes are coalesced and rate-limited.
type Batching struct {
	// Window is how long pushes to one GitRepo are coalesced into one write.
	// +optional
	// +kubebuilder:default="1s"
	// +kubebuilder:validation:Type=string
	// +kubebuilder:validation:XValidation:rule="duration(self) >= duration('0s') && duration(self) <= duration('60s')",message="window must be between 0s and 60s"
	Window *metav1.Duration `json:"window,omitempty"`

	// QPS is the number of GitRepo writes per second across all GitRepos
	// (token bucket rate).
	// +optional
	// +kubebuilder:default=20
	// +kubebuilder:validation:Minimum=1
	// +kubebuilder:validation:Maximum=1000
	QPS *int32 `json:"qps,omitempty"`

	// Burst is the token bucket size for GitRepo writes.
	// +optional
	// +kubebuilder:default=100
	// +kubebuilder:validation:Minimum=1
	// +kubebuilder:validation:Maximum=10000
	Burst *int32 `json:"burst,omitempty"`
}

// ReceiverSpec configures the receiver Deployment.
type ReceiverSpec struct {
	// Replicas of the receiver. More than one adds a PodDisruptionBudget.
	// +optional
	// +kubebuilder:default=1
	// +kubebuilder:validation:Minimum=1
	// +kubebuilder:validation:Maximum=20
	Replicas *int32 `json:"replicas,omitempty"`

	// Resources of the receiver container. Default: requests 10m CPU, 32Mi
	// memory; limit 256Mi memory (the receiver bounds the bytes it holds).
	// +optional
	Resources corev1.ResourceRequirements `json:"resources,omitempty"`
}

// WebhookReceiverStatus is the observed state of a WebhookReceiver.
type WebhookReceiverStatus struct {
	// Conditions: Ready, Reconciling and Stalled (kstatus-compatible).
	// +optional
	// +listType=map
	// +listMapKey=type
	Conditions []metav1.Condition `json:"conditions,omitempty"`

	// ObservedGeneration is the generation the status describes.
	// +optional
	ObservedGeneration int64 `json:"observedGeneration,omitempty"`

	// URL is the webhook URL to paste into the Git host.
	// +optional
	URL string `json:"url,omitempty"`

	// SecretName is the Secret holding the provider secrets (never the values).
	// +optional
	SecretName string `json:"secretName,omitempty"`

	// ReadyReplicas of the receiver Deployment.
	// +optional
	ReadyReplicas int32 `json:"readyReplicas,omitempty"`
}

// WebhookReceiver turns Git push webhooks into Fleet GitRepo updates: the
// operator runs and exposes a receiver for it.
// +kubebuilder:object:root=true
// +kubebuilder:subresource:status
// +kubebuilder:validation:XValidation:rule="size(self.metadata.name) <= 54",message="metadata.name must be at most 54 characters: children are named <name>-receiver and labelled with the name"
// +kubebuilder:validation:XValidation:rule="self.metadata.name.matches('^[a-z]([-a-z0-9]*[a-z0-9])?$')",message="metadata.name must be a DNS-1035 label (lower-case letters, digits and '-', starting with a letter, ending with a letter or digit): it names the receiver's Service"
// +kubebuilder:validation:XValidation:rule="!has(self.spec) || !has(self.spec.host) || !(isIP(self.spec.host) || self.spec.host.matches('^[0-9.]+$'))",messageExpression="'spec.host must be a DNS name, not an IP address: ' + self.spec.host + ' (Ingress and HTTPRoute hosts are names; point a DNS name such as webhooks.example.com at the address)'",fieldPath=".spec.host"
// +kubebuilder:resource:shortName=whr,categories=gitops
// +kubebuilder:printcolumn:name="Host",type=string,JSONPath=`.spec.host`
// +kubebuilder:printcolumn:name="URL",type=string,JSONPath=`.status.url`
// +kubebuilder:printcolumn:name="Ready",type=string,JSONPath=`.status.conditions[?(@.type=="Ready")].status`
// +kubebuilder:printcolumn:name="Age",type=date,JSONPath=`.metadata.creationTimestamp`
type WebhookReceiver struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`

	// +required
	Spec WebhookReceiverSpec `json:"spec"`
	// +optional
	Status WebhookReceiverStatus `json:"status,omitempty"`
}

// WebhookReceiverList is a list of WebhookReceivers.
// +kubebuilder:object:root=true
type WebhookReceiverList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty"`
	Items           []WebhookReceiver `json:"items"`
}
