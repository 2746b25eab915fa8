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

package receiver

import (
	"context"
	"errors"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/runtime"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"sigs.k8s.io/controller-runtime/pkg/cache/informertest"

	"github.com/webhook-operator/webhook-operator/api/v1alpha1"
)

// TestSettingsReadyRecoversFromInformerError: an informer that cannot be
// created once (a discovery or REST mapping error while the API server is
// briefly unavailable at start) must not keep Ready failing once it can be:
// Ready backs the receiver's /readyz, and a probe that never passes again
// takes the pod out of its Service for good.
func TestSettingsReadyRecoversFromInformerError(t *testing.T) {
	s := runtime.NewScheme()
	if err := clientgoscheme.AddToScheme(s); err != nil {
		t.Fatal(err)
	}
	if err := v1alpha1.AddToScheme(s); err != nil {
		t.Fatal(err)
	}
	informers := &informertest.FakeInformers{Scheme: s,
		Error: errors.New(`no matches for kind "WebhookReceiver": the server is currently unable to handle the request`)}
	settings := NewCacheSettings(informers, "fleet", "apps", "fleet-webhook").(readier)

	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	if err := settings.Ready(ctx); err == nil {
		t.Fatal("Ready succeeded while the informers could not be created")
	}
	informers.Error = nil // the API server answers again
	if err := settings.Ready(ctx); err != nil {
		t.Fatalf("Ready once the informers can be created: %v", err)
	}
	if _, ok := settings.(*cacheSettings).snapshot(); !ok {
		t.Fatal("Ready succeeded but the settings snapshot never synced")
	}
}
