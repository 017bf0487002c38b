package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/studentperf/studentperf/shared/metrics"
	"github.com/studentperf/studentperf/shared/model"
	"github.com/studentperf/studentperf/shared/modelstore"
)

// Files of a version that GET /model and /model/report read.
const (
	metricsFile = "metrics.json"
	reportName  = "report.html"
)

// maxCachedReport is the largest report.html kept in memory per version;
// a larger one is read from the store on every request.
const maxCachedReport = 4 << 20

// reportCSP lets the training report show what it is made of (inline
// styles and inline SVG, images as data: URIs) and nothing else: no
// script, no fetch, no form, no frame, no base.
const reportCSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; " +
	"base-uri 'none'; form-action 'none'; frame-ancestors 'none'"

// modelInfo is the body of GET /model.
type modelInfo struct {
	Name    string    `json:"name"`
	Version string    `json:"version"`
	Created time.Time `json:"created"`
	Loaded  time.Time `json:"loaded"`
	SHA256  string    `json:"sha256"` // of the version's model.json
	// Selected is the chosen candidate; Family and Params describe it.
	Selected string             `json:"selected"`
	Family   string             `json:"family"`
	Params   map[string]float64 `json:"params"`
	Target   string             `json:"target"`
	Schema   []schemaField      `json:"schema"`
	Data     model.DataInfo     `json:"data"`
	TestData *model.DataInfo    `json:"test_data,omitempty"`
	Seed     uint64             `json:"seed"`
	// Test and CV come from the version's metrics.json; they are absent
	// when it has none, and MetricsError says why when the store could
	// not be read (the next request tries again).
	Test         *metrics.Regression `json:"test,omitempty"`
	CV           *model.CV           `json:"cv,omitempty"`
	MetricsError string              `json:"metrics_error,omitempty"`
}

// schemaField is one input of the model: a category with the values it
// allows, or a number with the bounds its schema declares (none for an
// inferred schema, whose observed range is drift's, not enforced).
type schemaField struct {
	Name    string   `json:"name"`
	Kind    string   `json:"kind"`
	Allowed []string `json:"allowed,omitempty"`
	Min     *float64 `json:"min,omitempty"`
	Max     *float64 `json:"max,omitempty"`
}

// reportFile is a version's report.html, or the knowledge that it has
// none.
type reportFile struct {
	body    []byte
	missing bool
}

// describe builds GET /model's body for sv from the model and, read once,
// the version's metrics.json.
func (a *api) describe(ctx context.Context, sv *served) *modelInfo {
	sv.mu.Lock()
	defer sv.mu.Unlock()
	if sv.info != nil {
		return sv.info
	}
	l, m := sv.loaded, sv.loaded.Model
	info := &modelInfo{
		Name: m.Name, Version: l.Version, Created: l.Created.UTC(), Loaded: l.Loaded.UTC(), SHA256: l.SHA256,
		Selected: m.Estimator.Name, Family: m.Estimator.Family, Params: m.Estimator.Params, Target: m.Target,
		Data: m.Provenance.Data, TestData: m.Provenance.TestData, Seed: m.Provenance.Seed,
	}
	if info.Params == nil {
		info.Params = map[string]float64{}
	}
	cols := m.Schema().Features
	for i, f := range m.Features {
		sf := schemaField{Name: f.Name, Kind: f.Kind}
		for _, c := range m.Transform.Categorical {
			if c.Name == f.Name {
				sf.Allowed = c.Levels
			}
		}
		if sf.Allowed == nil && i < len(cols) {
			// The bounds the schema enforces, where it declares them.
			sf.Min, sf.Max = cols[i].Min, cols[i].Max
		}
		info.Schema = append(info.Schema, sf)
	}
	b, err := a.pred.ReadFile(ctx, l.Version, metricsFile)
	var mt model.Metrics
	switch {
	case errors.Is(err, modelstore.ErrNotFound):
		// Nothing to add, and nothing that will change: versions are
		// immutable.
	case err != nil:
		info.MetricsError = err.Error()
		return info // not kept: the next request reads the store again
	default:
		if err := json.Unmarshal(b, &mt); err != nil {
			info.MetricsError = fmt.Sprintf("decode %s of version %s: %v", metricsFile, l.Version, err)
			break
		}
		info.Test, info.CV = &mt.Test, &mt.CV
		if mt.Selected != "" {
			info.Selected = mt.Selected
		}
	}
	sv.info = info
	return info
}

func (a *api) model() http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		sv, err := a.currentServed()
		if err != nil {
			writeError(w, err)
			return
		}
		w.Header().Set("X-Model-Version", sv.loaded.Version)
		writeJSON(w, http.StatusOK, a.describe(r.Context(), sv))
	}
}

// readReport returns the version's report.html, kept in sv when it is at
// most maxCachedReport bytes (or absent).
func (a *api) readReport(ctx context.Context, sv *served) ([]byte, error) {
	sv.mu.Lock()
	rep := sv.report
	sv.mu.Unlock()
	if rep == nil {
		b, err := a.pred.ReadFile(ctx, sv.loaded.Version, reportName)
		switch {
		case errors.Is(err, modelstore.ErrNotFound):
			rep = &reportFile{missing: true}
		case err != nil:
			return nil, fmt.Errorf("%w: %w", errUnavailable, err)
		default:
			rep = &reportFile{body: b}
		}
		if len(rep.body) <= maxCachedReport {
			sv.mu.Lock()
			sv.report = rep
			sv.mu.Unlock()
		}
	}
	if rep.missing {
		return nil, fmt.Errorf("%w: model version %s has no %s", errNotFound, sv.loaded.Version, reportName)
	}
	return rep.body, nil
}

func (a *api) modelReport() http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		sv, err := a.currentServed()
		if err != nil {
			writeError(w, err)
			return
		}
		w.Header().Set("X-Model-Version", sv.loaded.Version)
		body, err := a.readReport(r.Context(), sv)
		if err != nil {
			writeError(w, err)
			return
		}
		h := w.Header()
		h.Set("Content-Type", "text/html; charset=utf-8")
		h.Set("Content-Security-Policy", reportCSP)
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "no-referrer")
		h.Set("Cache-Control", "no-cache")
		w.WriteHeader(http.StatusOK)
		w.Write(body)
	}
}
