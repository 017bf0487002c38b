package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"net/http"
	"net/url"
	"strconv"

	"github.com/studentperf/studentperf/shared/explain"
	"github.com/studentperf/studentperf/shared/features"
	"github.com/studentperf/studentperf/shared/model"
	"github.com/studentperf/studentperf/shared/predictor"
)

// explainParam is the query parameter of POST /predict that asks for each
// prediction's additive explanation.
const explainParam = "explain"

// explainQuery reads ?explain= of r: true for "true" or "1", false for
// "false", "0" or no query at all; anything else is a bad request naming
// the parameter. A request without a query pays one comparison.
func explainQuery(r *http.Request) (bool, error) {
	if r.URL.RawQuery == "" {
		return false, nil
	}
	q, err := url.ParseQuery(r.URL.RawQuery)
	if err != nil {
		return false, fmt.Errorf("%w: query %q: %v", errBadRequest, features.Clip(r.URL.RawQuery), err)
	}
	vs, ok := q[explainParam]
	if !ok {
		return false, nil
	}
	if len(vs) != 1 {
		return false, fmt.Errorf("%w: query parameter %s given %d times; give it once", errBadRequest, explainParam, len(vs))
	}
	switch vs[0] {
	case "true", "1":
		return true, nil
	case "false", "0":
		return false, nil
	}
	return false, fmt.Errorf("%w: query parameter %s=%q: want true, false, 1 or 0", errBadRequest, explainParam, features.Clip(vs[0]))
}

// explanation is one prediction split into a baseline (the model's answer
// for the training data's typical record) and one additive contribution
// per feature: baseline plus the contributions is the prediction.
type explanation struct {
	Method        string        `json:"method"` // explain.Method*: how the contributions were found
	Baseline      float64       `json:"baseline"`
	Contributions contributions `json:"contributions"`
}

// contributions encode as a JSON object of feature name → contribution,
// in the model's schema order.
type contributions struct {
	names  []string
	values []float64
}

// MarshalJSON writes the object in schema order (a map would sort it).
func (c contributions) MarshalJSON() ([]byte, error) {
	b := make([]byte, 0, 2+len(c.names)*40)
	b = append(b, '{')
	for i, name := range c.names {
		if i > 0 {
			b = append(b, ',')
		}
		q, err := json.Marshal(name)
		if err != nil {
			return nil, err
		}
		b = append(b, q...)
		b = append(b, ':')
		v := c.values[i]
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return nil, fmt.Errorf("contribution of %q is %v", name, v)
		}
		b = strconv.AppendFloat(b, v, 'g', -1, 64)
	}
	return append(b, '}'), nil
}

// explainedResponse answers one record with ?explain=true, after the
// prediction keyed by the target (targetAnswer); explainedBatch answers
// {"instances": …} (and a CSV body asking for JSON).
type explainedResponse struct {
	ModelVersion string `json:"model_version"`
	explanation
}

type explainedBatch struct {
	Predictions  []float64     `json:"predictions"`
	Explanations []explanation `json:"explanations"`
	ModelVersion string        `json:"model_version"`
}

// explainRows explains rows with the explainer built when the model l
// loaded: one explanation per row, in order. The rows must fit the
// request's budget of explanation work (413 naming the limit and the
// family otherwise), the request holds one of the gate's slots while it
// explains (503 when it waits too long for one), and the work stops
// between rows, and inside a long enumeration, when ctx ends (503: the
// client has gone).
func (a *api) explainRows(ctx context.Context, w http.ResponseWriter, l *predictor.Loaded, rows []features.Row) ([]explanation, error) {
	ex, err := explainerOf(l)
	if err != nil {
		return nil, err
	}
	g := a.explain
	if err := g.allow(l, ex, len(rows)); err != nil {
		return nil, err
	}
	release, err := g.acquire(ctx)
	if err != nil {
		return nil, err
	}
	defer release()
	names := featureNames(l.Model)
	k := len(names)
	all := make([]float64, len(rows)*k)
	out := make([]explanation, len(rows))
	for i, r := range rows {
		if err := ctx.Err(); err != nil {
			return nil, stopped(i, len(rows), err)
		}
		contrib := all[i*k : (i+1)*k : (i+1)*k]
		_, base, err := ex.ExplainIntoContext(ctx, r, contrib)
		if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
			return nil, stopped(i, len(rows), err)
		}
		if err != nil {
			return nil, fmt.Errorf("%w: explain record %d: %w", errBadRequest, i+1, err)
		}
		out[i] = explanation{Method: ex.Method(), Baseline: base, Contributions: contributions{names: names, values: contrib}}
		g.done(i + 1)
	}
	w.Header().Set("X-Explain-Method", ex.Method())
	return out, nil
}

// stopped is the error of explanations given up after done of n rows
// because the request's context ended.
func stopped(done, n int, err error) error {
	return fmt.Errorf("%w: explain: stopped after %d of %d records: the request ended: %w", errUnavailable, done, n, err)
}

// explainerOf is the explainer of the loaded version; a model whose
// predictions cannot be explained makes ?explain=true a bad request that
// says why.
func explainerOf(l *predictor.Loaded) (*explain.Explainer, error) {
	ex, err := l.Explainer()
	if err != nil {
		return nil, fmt.Errorf("%w: model version %s cannot explain its predictions: %w", errBadRequest, l.Version, err)
	}
	return ex, nil
}

// featureNames are the model's inputs in schema order, the order of
// Explain's contributions.
func featureNames(m *model.Model) []string {
	names := make([]string, len(m.Features))
	for i, f := range m.Features {
		names[i] = f.Name
	}
	return names
}

// appendExplainedCSV writes the CSV answer with ?explain=true: the target,
// baseline, then one FEATURE_contribution column per feature.
func appendExplainedCSV(buf []byte, target string, out []float64, ex []explanation) []byte {
	buf = append(appendCSVField(buf, target), ",baseline"...)
	if len(ex) > 0 {
		for _, name := range ex[0].Contributions.names {
			buf = append(buf, ',')
			buf = appendCSVField(buf, name+"_contribution")
		}
	}
	buf = append(buf, '\n')
	for i, y := range out {
		buf = strconv.AppendFloat(buf, y, 'g', -1, 64)
		buf = append(buf, ',')
		buf = strconv.AppendFloat(buf, ex[i].Baseline, 'g', -1, 64)
		for _, c := range ex[i].Contributions.values {
			buf = append(buf, ',')
			buf = strconv.AppendFloat(buf, c, 'g', -1, 64)
		}
		buf = append(buf, '\n')
	}
	return buf
}

// appendCSVField quotes a header field when it needs it (RFC 4180).
func appendCSVField(buf []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c == ',' || c == '"' || c == '\n' || c == '\r' {
			buf = append(buf, '"')
			for j := 0; j < len(s); j++ {
				if s[j] == '"' {
					buf = append(buf, '"')
				}
				buf = append(buf, s[j])
			}
			return append(buf, '"')
		}
	}
	return append(buf, s...)
}
