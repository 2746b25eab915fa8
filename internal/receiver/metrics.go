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
	"github.com/prometheus/client_golang/prometheus"
	"sigs.k8s.io/controller-runtime/pkg/metrics"
)

// Label values are bounded: provider is a registry key or "unknown", event
// one of the provider's known events or "other", since both come from
// headers any client can set.
var (
	requestsTotal = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "webhook_operator_receiver_requests_total",
		Help: "Webhook requests by provider, event and HTTP status code.",
	}, []string{"provider", "event", "code"})

	requestDuration = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name:    "webhook_operator_receiver_request_duration_seconds",
		Help:    "Time to answer a webhook request, including the wait for GitRepo writes.",
		Buckets: []float64{0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10},
	}, []string{"provider"})

	signatureFailures = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "webhook_operator_receiver_signature_failures_total",
		Help: "Webhook requests refused for a missing or wrong signature or token.",
	}, []string{"provider"})

	inflightBytes = prometheus.NewGauge(prometheus.GaugeOpts{
		Name: "webhook_operator_receiver_inflight_body_bytes",
		Help: "Bytes the bodies of webhook requests being served hold (bounded by --max-inflight-bytes).",
	})

	budgetRefusals = prometheus.NewCounter(prometheus.CounterOpts{
		Name: "webhook_operator_receiver_inflight_refusals_total",
		Help: "Webhook requests answered 503 because their body would pass --max-inflight-bytes.",
	})
)

func init() {
	metrics.Registry.MustRegister(requestsTotal, requestDuration, signatureFailures, inflightBytes, budgetRefusals)
}
