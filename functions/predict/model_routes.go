package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/studentperf/studentperf/shared/dataset"
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
	Task     string             `json:"task"`
	// Schema lists the model's features, each with what it allows;
	// DataSchema is the whole schema the model reads and enforces (every
	// column with its kind, policies, bounds, labels and what inference
	// saw; the target and the task), and SchemaSHA256 the sha256 of its
	// JSON, as model.json records it.
	Schema       []schemaField   `json:"schema"`
	DataSchema   dataset.Schema  `json:"data_schema"`
	SchemaSHA256 string          `json:"schema_sha256"`
	Data         model.DataInfo  `json:"data"`
	TestData     *model.DataInfo `json:"test_data,omitempty"`
	Seed         uint64          `json:"seed"`
	// Test and CV come from the version's metrics.json; they are absent
	// when it has none, and MetricsError says why when the store could
	// not be read (the next request tries again).
	Test         *metrics.Regression `json:"test,omitempty"`
	CV           *model.CV           `json:"cv,omitempty"`
	MetricsError string              `json:"metrics_error,omitempty"`
}

// schemaField is one feature of the model: a category with the values it
// allows, or a number with its declared bounds (none for an inferred
// one), and whether a record must carry it.
type schemaField struct {
	Name     string   `json:"name"`
	Kind     string   `json:"kind"`
	Required bool     `json:"required"`
	Unknown  string   `json:"unknown,omitempty"` // a category's policy for an unseen level
	Allowed  []string `json:"allowed,omitempty"`
	Min      *float64 `json:"min,omitempty"`
	Max      *float64 `json:"max,omitempty"`
	Source   string   `json:"source,omitempty"` // the date column a date part comes from
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
	info.DataSchema, info.SchemaSHA256 = m.Schema(), m.SchemaSHA256
	info.Task = info.DataSchema.Task
	if info.Task == "" {
		info.Task = dataset.Regression
	}
	if info.SchemaSHA256 == "" {
		// A format 1 model records none: its schema is dataset.Students.
		if b, err := json.Marshal(info.DataSchema); err == nil {
			info.SchemaSHA256 = model.Sum(b)
		}
	}
	info.Schema = schemaFields(m)
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

// schemaFields lists m's features for GET /model.
func schemaFields(m *model.Model) []schemaField {
	s := m.Schema()
	var out []schemaField
	for i, f := range m.Features {
		sf := schemaField{Name: f.Name, Kind: f.Kind}
		if i < len(s.Features) {
			c := s.Features[i]
			sf.Required, sf.Min, sf.Max, sf.Source = c.Required, c.Min, c.Max, c.Source
			if c.Kind == dataset.Category {
				sf.Unknown = c.Unknown
				if sf.Unknown == "" {
					sf.Unknown = dataset.UnknownMissing
				}
			}
		}
		for _, c := range m.Transform.Categorical {
			if c.Name == f.Name {
				sf.Allowed = c.Choices() // not the missing level: no record names it
			}
		}
		out = append(out, sf)
	}
	return out
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
