package main

import (
	"net/http"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/studentperf/studentperf/shared/predictor"
)

// serverMetrics are the server's Prometheus series, in a registry of its own so
// that several servers (tests) never share counters.
type serverMetrics struct {
	reg         *prometheus.Registry
	requests    *prometheus.CounterVec
	latency     *prometheus.HistogramVec
	predictions prometheus.Counter
	reloads     *prometheus.CounterVec
	info        *prometheus.GaugeVec
	storeUp     prometheus.Gauge
	storeFails  prometheus.Counter
}

func newMetrics() *serverMetrics {
	m := &serverMetrics{
		reg: prometheus.NewRegistry(),
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "predict_http_requests_total", Help: "HTTP requests by route and status code.",
		}, []string{"route", "code"}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "predict_http_request_duration_seconds", Help: "HTTP request latency by route.",
			Buckets: []float64{.0001, .00025, .0005, .001, .0025, .005, .01, .025, .05, .1, .25, 1},
		}, []string{"route"}),
		predictions: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "predict_predictions_total", Help: "Rows predicted.",
		}),
		reloads: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "predict_model_reloads_total", Help: "Model store checks by outcome (loaded, unchanged, refused, error).",
		}, []string{"outcome"}),
		info: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "predict_model_info", Help: "1 for the model version being served.",
		}, []string{"version"}),
		storeUp: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "predict_model_store_up", Help: "1 when the last check reached the model store, 0 when it failed (the loaded model keeps serving).",
		}),
		storeFails: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "predict_model_store_errors_total", Help: "Model store checks that could not reach the store.",
		}),
	}
	m.reg.MustRegister(m.requests, m.latency, m.predictions, m.reloads, m.info, m.storeUp, m.storeFails,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

func (m *serverMetrics) reloaded(outcome string) { m.reloads.WithLabelValues(outcome).Inc() }

func (m *serverMetrics) storeHealth(st predictor.Status) {
	if st.StoreErr != "" {
		m.storeUp.Set(0)
		m.storeFails.Inc()
		return
	}
	m.storeUp.Set(1)
}

func (m *serverMetrics) modelInfo(version string) {
	m.info.Reset()
	m.info.WithLabelValues(version).Set(1)
}

func (a *api) metricsHandler() http.Handler {
	return promhttp.HandlerFor(a.metrics.reg, promhttp.HandlerOpts{})
}
