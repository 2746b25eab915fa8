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
	"github.com/prometheus/client_golang/prometheus"
	"sigs.k8s.io/controller-runtime/pkg/metrics"
)

var (
	triggersWritten = prometheus.NewCounter(prometheus.CounterOpts{
		Name: "webhook_operator_gitrepo_triggers_written_total",
		Help: "GitRepo status writes (webhookCommit) that succeeded.",
	})
	triggersFailed = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "webhook_operator_gitrepo_triggers_failed_total",
		Help: "GitRepo writes that failed, by reason; failed writes are retried until written unless the GitRepo is gone or the write is forbidden.",
	}, []string{"reason"})
	writesDropped = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "webhook_operator_gitrepo_writes_dropped_total",
		Help: "GitRepo writes given up without retry, by reason: not_found (the GitRepo is gone) or forbidden (the receiver may not write it).",
	}, []string{"reason"})
	eventsEmitted = prometheus.NewCounter(prometheus.CounterOpts{
		Name: "webhook_operator_gitrepo_events_total",
		Help: "Aggregated Events emitted on GitRepos.",
	})
	triggersSkipped = prometheus.NewCounter(prometheus.CounterOpts{
		Name: "webhook_operator_gitrepo_triggers_skipped_total",
		Help: "Triggers needing no write of their own: the live GitRepo already carried the commit, or a newer push replaced it.",
	})
	pushesCoalesced = prometheus.NewCounter(prometheus.CounterOpts{
		Name: "webhook_operator_pushes_coalesced_total",
		Help: "Pushes folded into a GitRepo write that was already pending.",
	})
	queueDepth = prometheus.NewGauge(prometheus.GaugeOpts{
		Name: "webhook_operator_dispatch_queue_depth",
		Help: "GitRepos with a write to do.",
	})
	writeDuration = prometheus.NewHistogram(prometheus.HistogramOpts{
		Name:    "webhook_operator_gitrepo_write_duration_seconds",
		Help:    "Duration of one GitRepo write (API requests only).",
		Buckets: prometheus.ExponentialBuckets(0.005, 2, 12),
	})
	triggerLatency = prometheus.NewHistogram(prometheus.HistogramOpts{
		Name:    "webhook_operator_gitrepo_trigger_latency_seconds",
		Help:    "Time from the first pending push of a GitRepo to its write (coalescing window, rate limit and retries included).",
		Buckets: prometheus.ExponentialBuckets(0.01, 2, 14),
	})
)

func init() {
	metrics.Registry.MustRegister(triggersWritten, triggersFailed, writesDropped, eventsEmitted, triggersSkipped,
		pushesCoalesced, queueDepth, writeDuration, triggerLatency)
}
