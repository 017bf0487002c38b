// Package promdrift exports a drift.Monitor's report as Prometheus
// series. It is apart from drift so that the trainer, which stores drift
// baselines in its models, does not link the Prometheus client.
//
// The only label is the feature's name, so a model exports four series a
// feature and two more: a category's levels (thousands, in a wide table)
// are never labels; their shares are in GET /model/drift.
package promdrift

import (
	"github.com/prometheus/client_golang/prometheus"

	"github.com/studentperf/studentperf/shared/dataset"
	"github.com/studentperf/studentperf/shared/drift"
)

// The series a Collector exports, all of the current window (a Reset
// starts the counters again from 0, which Prometheus's rate() reads as a
// counter reset).
var (
	descRecords = prometheus.NewDesc("predict_drift_records_total",
		"Served records counted by the drift monitor.", nil, nil)
	descPSI = prometheus.NewDesc("predict_drift_psi",
		"Population stability index of a feature's served values against the training data (absent before the first record).", []string{"feature"}, nil)
	descUnseen = prometheus.NewDesc("predict_drift_unseen_total",
		"Served values of a category feature that training never saw.", []string{"feature"}, nil)
	descOutOfRange = prometheus.NewDesc("predict_drift_out_of_range_total",
		"Served values of a numeric feature outside its training range (or the bounds its schema declares).", []string{"feature"}, nil)
	descMissing = prometheus.NewDesc("predict_drift_missing_total",
		"Served records with a feature missing.", []string{"feature"}, nil)
	descDrifting = prometheus.NewDesc("predict_drift_warning",
		"1 when a feature drifts (PSI above 0.2 with at least 100 records), else 0.", []string{"feature"}, nil)
	descWarnings = prometheus.NewDesc("predict_drift_features_drifting",
		"Features that drift (PSI above 0.2 with at least 100 records): one series to alert on, however wide the model.", nil, nil)
)

// Collector exports the drift of the monitor current returns at scrape
// time (nil: no model with a baseline is loaded, and nothing is
// exported), so that a server reloading models registers it once.
type Collector struct {
	current func() *drift.Monitor
}

var _ prometheus.Collector = (*Collector)(nil)

// NewCollector returns a collector of current's monitor; current must
// be safe to call from the scrape goroutine.
func NewCollector(current func() *drift.Monitor) *Collector { return &Collector{current: current} }

// Describe sends the descriptors of every series.
func (c *Collector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{descRecords, descPSI, descUnseen, descOutOfRange, descMissing, descDrifting, descWarnings} {
		ch <- d
	}
}

// Collect sends the current window's series, features in schema order.
func (c *Collector) Collect(ch chan<- prometheus.Metric) {
	if c.current == nil {
		return
	}
	m := c.current()
	if m == nil {
		return
	}
	rep := m.Snapshot()
	send := func(d *prometheus.Desc, t prometheus.ValueType, v float64, labels ...string) {
		mt, err := prometheus.NewConstMetric(d, t, v, labels...)
		if err != nil {
			mt = prometheus.NewInvalidMetric(d, err)
		}
		ch <- mt
	}
	send(descRecords, prometheus.CounterValue, float64(rep.Records))
	send(descWarnings, prometheus.GaugeValue, float64(len(rep.Warnings)))
	for _, f := range rep.Features {
		if f.PSI != nil {
			send(descPSI, prometheus.GaugeValue, *f.PSI, f.Name)
		}
		if f.Kind == dataset.Category {
			send(descUnseen, prometheus.CounterValue, float64(f.Unseen), f.Name)
		} else {
			send(descOutOfRange, prometheus.CounterValue, float64(f.OutOfRange), f.Name)
		}
		send(descMissing, prometheus.CounterValue, float64(f.Missing), f.Name)
		warn := 0.0
		if f.Warning != "" {
			warn = 1
		}
		send(descDrifting, prometheus.GaugeValue, warn, f.Name)
	}
}
