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

package render

import (
	"github.com/traefik/traefik/v3/pkg/config/dynamic"
	traefikv1alpha1 "github.com/traefik/traefik/v3/pkg/provider/kubernetes/crd/traefikio/v1alpha1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	v1alpha1 "github.com/webhook-operator/webhook-operator/api/v1alpha1"
)

// Middleware strips spec.path before Traefik forwards to the receiver;
// desired only for the traefik flavor with a non-"/" path (NeedsMiddleware).
func Middleware(wr *v1alpha1.WebhookReceiver) *traefikv1alpha1.Middleware {
	return &traefikv1alpha1.Middleware{
		TypeMeta:   metav1.TypeMeta{APIVersion: traefikv1alpha1.SchemeGroupVersion.String(), Kind: "Middleware"},
		ObjectMeta: objectMeta(wr, MiddlewareName(wr)),
		Spec: traefikv1alpha1.MiddlewareSpec{
			StripPrefix: &dynamic.StripPrefix{Prefixes: []string{Path(wr)}},
		},
	}
}
