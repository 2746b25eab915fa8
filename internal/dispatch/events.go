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
	"fmt"
	"strings"
	"sync"
	"time"

	fleet "github.com/rancher/fleet/pkg/apis/fleet.cattle.io/v1alpha1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/tools/events"

	"github.com/webhook-operator/webhook-operator/api/v1alpha1"
)

// ReasonTriggered is the reason of the Events on triggered GitRepos.
const ReasonTriggered = "WebhookTriggered"

// activity aggregates what pushes did to each GitRepo into Events, emitted
// by a periodic flush. An Event is an API write like the status patch, and
// one per write would double the API server's load, so the receiver spends
// on Events only writes that coalescing saved: a GitRepo gets one Event for
// a period only when the period's pushes to it outnumber the writes they
// cost (its trailing write still due counted), so Events never take the
// writes above one per push. A burst shows in `kubectl describe gitrepo`
// as one Event naming the last commit and the pushes it stands for; a
// single push shows there as Fleet's own status.webhookCommit and
// status.lastWebhookTime, and in the receiver's log.
type activity struct {
	recorder events.EventRecorder // nil: nothing is counted
	receiver types.NamespacedName

	mu     sync.Mutex
	since  time.Time
	byRepo map[string]*tally
}

// tally is one GitRepo's pushes and writes in the current period.
type tally struct {
	// uid is the GitRepo's, from a write. Only namespace, name and UID of
	// the GitRepo are kept until an Event needs them: a tally exists for
	// every GitRepo pushed in a period, thousands under load.
	uid            types.UID
	pushes, writes int
	commit         string // last commit written
	provider       string
	polling        time.Duration // pollingInterval set in the period
}

func newActivity(recorder events.EventRecorder, receiver types.NamespacedName) *activity {
	return &activity{recorder: recorder, receiver: receiver, since: time.Now(), byRepo: map[string]*tally{}}
}

func (a *activity) tally(key string) *tally {
	t := a.byRepo[key]
	if t == nil {
		t = &tally{}
		a.byRepo[key] = t
	}
	return t
}

// pushed counts one push to each trigger's GitRepo.
func (a *activity) pushed(ts []*trigger) {
	if a.recorder == nil {
		return
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	for _, t := range ts {
		a.tally(t.key).pushes++
	}
}

// wrote counts the API writes one GitRepo write made (failed ones too: the
// API server served them), and what it wrote.
func (a *activity) wrote(gr *fleet.GitRepo, r writeResult) {
	if a.recorder == nil || r.requests == 0 {
		return
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	t := a.tally(gr.Namespace + "/" + gr.Name)
	t.writes += r.requests
	t.uid = gr.UID
	if r.commit != "" {
		t.commit, t.provider = r.commit, r.provider
	}
	if r.polling > 0 {
		t.polling = r.polling
	}
}

// flush emits the period's Events and starts a new period; dirty says
// whether a GitRepo still has a write to do.
func (a *activity) flush(dirty func(key string) bool) {
	if a.recorder == nil {
		return
	}
	a.mu.Lock()
	byRepo, since := a.byRepo, a.since
	a.byRepo, a.since = map[string]*tally{}, time.Now()
	a.mu.Unlock()
	period := time.Since(since).Round(time.Second)
	related := &v1alpha1.WebhookReceiver{ObjectMeta: metav1.ObjectMeta{
		Namespace: a.receiver.Namespace, Name: a.receiver.Name,
	}}
	related.SetGroupVersionKind(v1alpha1.GroupVersion.WithKind("WebhookReceiver"))
	for key, t := range byRepo {
		saved := t.pushes - t.writes
		if dirty(key) {
			saved--
		}
		if saved < 1 || t.commit == "" {
			continue
		}
		note := fmt.Sprintf("webhook commit %s from %s push via WebhookReceiver %s: last of %d pushes in %s, coalesced into %d API writes",
			t.commit, t.provider, a.receiver, t.pushes, period, t.writes)
		if t.polling > 0 {
			note += fmt.Sprintf("; spec.pollingInterval set to %s", t.polling)
		}
		ns, name, _ := strings.Cut(key, "/")
		regarding := &fleet.GitRepo{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name, UID: t.uid}}
		a.recorder.Eventf(regarding, related, corev1.EventTypeNormal, ReasonTriggered, "Trigger", "%s", note)
		eventsEmitted.Inc()
	}
}
