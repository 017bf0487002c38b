package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"strings"

	"github.com/studentperf/studentperf/shared/features"
)

// The Open Inference Protocol (KServe V2) over REST: one input tensor per
// feature (BYTES for categories, FP64 for scores), one output math_score
// (FP64).

const oipOutput = "math_score"

type oipTensorMeta struct {
	Name     string  `json:"name"`
	Datatype string  `json:"datatype"`
	Shape    []int64 `json:"shape"`
}

type oipInferRequest struct {
	ID         string          `json:"id,omitempty"`
	Parameters json.RawMessage `json:"parameters,omitempty"`
	Inputs     []oipInput      `json:"inputs"`
	Outputs    []struct {
		Name       string          `json:"name"`
		Parameters json.RawMessage `json:"parameters,omitempty"`
	} `json:"outputs,omitempty"`
}

type oipInput struct {
	Name       string          `json:"name"`
	Shape      []int64         `json:"shape"`
	Datatype   string          `json:"datatype"`
	Parameters json.RawMessage `json:"parameters,omitempty"`
	Data       json.RawMessage `json:"data"`
}

type oipOutputTensor struct {
	Name     string    `json:"name"`
	Shape    []int64   `json:"shape"`
	Datatype string    `json:"datatype"`
	Data     []float64 `json:"data"`
}

type oipInferResponse struct {
	ModelName    string            `json:"model_name"`
	ModelVersion string            `json:"model_version"`
	ID           string            `json:"id,omitempty"`
	Outputs      []oipOutputTensor `json:"outputs"`
}

func (a *api) oipServer() http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, map[string]any{"name": "studentperf-predict", "version": "1", "extensions": []string{}})
	}
}

func (a *api) oipLive() http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, map[string]bool{"live": true})
	}
}

func (a *api) oipReady() http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if _, _, err := a.current(); err != nil {
			writeJSON(w, http.StatusServiceUnavailable, map[string]any{"ready": false, "error": err.Error()})
			return
		}
		writeJSON(w, http.StatusOK, map[string]bool{"ready": true})
	}
}

// checkModelName answers 404 for a model this server does not serve.
func (a *api) checkModelName(r *http.Request) error {
	if name := r.PathValue("model"); name != a.pred.Name() {
		return fmt.Errorf("%w: model %q (this server serves %q)", errNotFound, features.Clip(name), a.pred.Name())
	}
	return nil
}

func (a *api) oipModel() http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if err := a.checkModelName(r); err != nil {
			writeError(w, err)
			return
		}
		l, _, err := a.current()
		if err != nil {
			writeError(w, err)
			return
		}
		var inputs []oipTensorMeta
		for _, f := range l.Model.Features {
			dt := "FP64"
			if f.Kind == "category" {
				dt = "BYTES"
			}
			inputs = append(inputs, oipTensorMeta{Name: f.Name, Datatype: dt, Shape: []int64{-1}})
		}
		writeJSON(w, http.StatusOK, map[string]any{
			"name": a.pred.Name(), "versions": []string{l.Version}, "platform": "studentperf-go",
			"inputs": inputs, "outputs": []oipTensorMeta{{Name: oipOutput, Datatype: "FP64", Shape: []int64{-1}}},
		})
	}
}

func (a *api) oipModelReady() http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if err := a.checkModelName(r); err != nil {
			writeError(w, err)
			return
		}
		if _, _, err := a.current(); err != nil {
			writeJSON(w, http.StatusServiceUnavailable, map[string]any{"name": a.pred.Name(), "ready": false, "error": err.Error()})
			return
		}
		writeJSON(w, http.StatusOK, map[string]any{"name": a.pred.Name(), "ready": true})
	}
}

func (a *api) oipInfer() http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if err := a.checkModelName(r); err != nil {
			writeError(w, err)
			return
		}
		l, fs, err := a.current()
		if err != nil {
			writeError(w, err)
			return
		}
		body, _, err := readBody(w, r, a.limits, "application/json")
		if err != nil {
			writeError(w, err)
			return
		}
		req, rows, err := decodeInfer(body, fs, a.limits.MaxBatch)
		if err != nil {
			writeError(w, err)
			return
		}
		out, err := a.predictRows(w, l, rows)
		if err != nil {
			writeError(w, err)
			return
		}
		writeJSON(w, http.StatusOK, oipInferResponse{
			ModelName: a.pred.Name(), ModelVersion: l.Version, ID: req.ID,
			Outputs: []oipOutputTensor{{Name: oipOutput, Shape: []int64{int64(len(out))}, Datatype: "FP64", Data: out}},
		})
	}
}

// decodeInfer turns an inference request into rows. Each feature is one
// input of shape [N] or [N, 1] with N values (flat, or one level of
// nesting in row-major order); all inputs have the same N.
func decodeInfer(body []byte, fs *fieldSet, maxBatch int) (oipInferRequest, []features.Row, error) {
	var req oipInferRequest
	if err := checkJSON(body); err != nil {
		return req, nil, err
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&req); err != nil {
		return req, nil, fmt.Errorf("%w: inference request: %v", errBadRequest, err)
	}
	for _, o := range req.Outputs {
		if o.Name != oipOutput {
			return req, nil, fmt.Errorf("%w: unknown output %q (the model has %q)", errBadRequest, features.Clip(o.Name), oipOutput)
		}
	}
	if len(req.Inputs) == 0 {
		return req, nil, fmt.Errorf("%w: no inputs; want one per feature: %v", errBadRequest, fs.names)
	}
	var ps features.Problems
	n := -1
	var rows []features.Row
	seen := map[string]bool{}
	for _, in := range req.Inputs {
		slot, ok := fs.slot[in.Name]
		if !ok {
			ps = append(ps, features.Problem{Field: features.Clip(in.Name), Reason: fmt.Sprintf("unknown input (inputs: %v)", fs.names)})
			continue
		}
		if seen[in.Name] {
			ps = append(ps, features.Problem{Field: in.Name, Reason: "input given more than once"})
			continue
		}
		seen[in.Name] = true
		want := "FP64"
		if slot >= 0 {
			want = "BYTES"
		}
		if in.Datatype != want {
			ps = append(ps, features.Problem{Field: in.Name, Value: features.Clip(in.Datatype), Reason: "datatype must be " + want})
			continue
		}
		count, err := shapeCount(in.Shape)
		if err != nil {
			ps = append(ps, features.Problem{Field: in.Name, Value: fmt.Sprint(in.Shape), Reason: err.Error()})
			continue
		}
		if count > int64(maxBatch) {
			return req, nil, fmt.Errorf("%w: input %q has %d rows; at most %d per request", errTooLarge, in.Name, count, maxBatch)
		}
		if n < 0 {
			n = int(count)
			rows = make([]features.Row, n)
			for i := range rows {
				rows[i] = fs.newRow()
			}
		} else if int(count) != n {
			ps = append(ps, features.Problem{Field: in.Name, Value: fmt.Sprint(in.Shape), Reason: fmt.Sprintf("shape must give %d rows like the other inputs", n)})
			continue
		}
		if p := fillInput(fs, in, slot, rows); p != nil {
			ps = append(ps, *p)
		}
	}
	for _, name := range fs.names {
		if !seen[name] {
			ps = append(ps, features.Problem{Field: name, Reason: "required input"})
		}
	}
	if len(ps) > 0 {
		return req, nil, ps
	}
	if n == 0 {
		return req, nil, fmt.Errorf("%w: inputs have no rows", errBadRequest)
	}
	return req, rows, nil
}

// shapeCount checks a shape of [N] or [N, 1] and returns N.
func shapeCount(shape []int64) (int64, error) {
	switch {
	case len(shape) == 1 && shape[0] >= 0:
		return shape[0], nil
	case len(shape) == 2 && shape[0] >= 0 && shape[1] == 1:
		return shape[0], nil
	}
	return 0, fmt.Errorf("shape must be [N] or [N, 1]")
}

// fillInput decodes one input's data into its column of rows.
func fillInput(fs *fieldSet, in oipInput, slot int, rows []features.Row) *features.Problem {
	var flat []json.RawMessage
	if err := json.Unmarshal(in.Data, &flat); err != nil {
		return &features.Problem{Field: in.Name, Value: features.Clip(string(in.Data)), Reason: "data must be an array"}
	}
	if len(flat) > 0 && len(bytes.TrimSpace(flat[0])) > 0 && bytes.TrimSpace(flat[0])[0] == '[' {
		var nested [][]json.RawMessage
		if err := json.Unmarshal(in.Data, &nested); err != nil {
			return &features.Problem{Field: in.Name, Value: features.Clip(string(in.Data)), Reason: "data must be a flat array or an array of one-element arrays"}
		}
		flat = flat[:0]
		for _, inner := range nested {
			if len(inner) != 1 {
				return &features.Problem{Field: in.Name, Reason: "nested data must hold one value per row"}
			}
			flat = append(flat, inner[0])
		}
	}
	if len(flat) != len(rows) {
		return &features.Problem{Field: in.Name, Value: fmt.Sprint(len(flat)), Reason: fmt.Sprintf("data has %d values; the shape says %d", len(flat), len(rows))}
	}
	for i, raw := range flat {
		raw = bytes.TrimSpace(raw)
		if slot >= 0 {
			var s string
			if len(raw) == 0 || raw[0] != '"' || json.Unmarshal(raw, &s) != nil || strings.TrimSpace(s) == "" {
				return &features.Problem{Field: fmt.Sprintf("%s[%d]", in.Name, i), Value: features.Clip(string(raw)), Reason: "must be a non-empty string"}
			}
			rows[i].Cat[slot] = s
			if p := fs.category(fmt.Sprintf("%s[%d]", in.Name, i), slot, s); p != nil {
				return p
			}
			continue
		}
		var f float64
		if len(raw) == 0 || raw[0] == 'n' || json.Unmarshal(raw, &f) != nil || math.IsInf(f, 0) {
			return &features.Problem{Field: fmt.Sprintf("%s[%d]", in.Name, i), Value: features.Clip(string(raw)), Reason: "must be a finite number"}
		}
		if p := score(fmt.Sprintf("%s[%d]", in.Name, i), string(raw), f); p != nil {
			return p
		}
		rows[i].Num[-slot-1] = f
	}
	return nil
}
