package request

import (
	"bytes"
	"encoding/json"
	"fmt"

	"github.com/studentperf/studentperf/shared/features"
)

// InferRequest is an Open Inference Protocol inference request body.
type InferRequest struct {
	ID         string          `json:"id,omitempty"`
	Parameters json.RawMessage `json:"parameters,omitempty"`
	Inputs     []InferInput    `json:"inputs"`
	Outputs    []struct {
		Name       string          `json:"name"`
		Parameters json.RawMessage `json:"parameters,omitempty"`
	} `json:"outputs,omitempty"`
}

// InferInput is one input tensor of an inference request.
type InferInput struct {
	Name       string          `json:"name"`
	Shape      []int64         `json:"shape"`
	Datatype   string          `json:"datatype"`
	Parameters json.RawMessage `json:"parameters,omitempty"`
	Data       json.RawMessage `json:"data"`
}

// Infer turns an inference request into rows. Each feature is one
// input of shape [N] or [N, 1] with N values (flat, or one level of
// nesting in row-major order); all inputs have the same N.
func Infer(body []byte, fs *Fields, maxBatch int) (InferRequest, []features.Row, error) {
	var req InferRequest
	if err := checkJSON(body); err != nil {
		return req, nil, err
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&req); err != nil {
		return req, nil, fmt.Errorf("%w: inference request: %w", ErrBadRequest, err)
	}
	for _, o := range req.Outputs {
		if o.Name != fs.Target() {
			return req, nil, fmt.Errorf("%w: unknown output %q (the model has %q)", ErrBadRequest, features.Clip(o.Name), fs.Target())
		}
	}
	if len(req.Inputs) == 0 {
		return req, nil, fmt.Errorf("%w: no inputs; want one per feature: %v", ErrBadRequest, fs.names)
	}
	var ps features.Problems
	n := -1
	var rows []features.Row
	seen := map[string]bool{}
	for _, in := range req.Inputs {
		idx := fs.fieldIndex([]byte(in.Name))
		if idx < 0 {
			if !fs.accepts(in.Name) {
				ps = append(ps, features.Problem{Field: features.Clip(in.Name), Reason: fmt.Sprintf("unknown input (inputs: %v)", fs.names)})
			}
			continue
		}
		f := &fs.fields[idx]
		if seen[in.Name] {
			ps = append(ps, features.Problem{Field: in.Name, Reason: "input given more than once"})
			continue
		}
		seen[in.Name] = true
		if reason := fs.checkDatatype(in.Datatype, f); reason != "" {
			ps = append(ps, features.Problem{Field: in.Name, Value: features.Clip(in.Datatype), Reason: reason})
			continue
		}
		count, err := shapeCount(in.Shape)
		if err != nil {
			ps = append(ps, features.Problem{Field: in.Name, Value: fmt.Sprint(in.Shape), Reason: err.Error()})
			continue
		}
		if count > int64(maxBatch) {
			return req, nil, fmt.Errorf("%w: input %q has %d rows; at most %d per request", ErrTooLarge, in.Name, count, maxBatch)
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
		if p := fs.fillInput(in, f, rows); p != nil {
			ps = append(ps, *p)
		}
	}
	for i := range fs.fields {
		if f := &fs.fields[i]; !seen[f.name] && f.required {
			ps = append(ps, features.Problem{Field: f.name, Reason: "required input"})
		}
	}
	if n < 0 && len(ps) == 0 {
		return req, nil, fmt.Errorf("%w: no input is a feature; want one per feature: %v", ErrBadRequest, fs.names)
	}
	if len(ps) > 0 {
		return req, nil, ps
	}
	if n == 0 {
		return req, nil, fmt.Errorf("%w: inputs have no rows", ErrBadRequest)
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

// fillInput decodes one input's data into its field of rows (rows start
// with every value missing, so an input not given leaves its field
// missing).
func (fs *Fields) fillInput(in InferInput, f *field, rows []features.Row) *features.Problem {
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
		if p := fs.tensorValue(f, fmt.Sprintf("%s[%d]", in.Name, i), in.Datatype, bytes.TrimSpace(raw), rows[i]); p != nil {
			return p
		}
	}
	return nil
}
