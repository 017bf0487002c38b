package main

import (
	"bytes"
	_ "embed"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"sync"

	"github.com/studentperf/studentperf/functions/predict/internal/request"
	"github.com/studentperf/studentperf/shared/dataset"
	"github.com/studentperf/studentperf/shared/model"
)

// openAPIDoc describes every route of routes.go; a test keeps the two in
// step. It is written for the student model; GET /openapi.json answers it
// rewritten for the current model's schema (see openAPIFor).
//
//go:embed openapi.json
var openAPIDoc []byte

// maxEnumLevels is the most levels a category lists as an enum in the
// OpenAPI document; a category with more is described as a string.
const maxEnumLevels = 50

// openAPICache keeps the document of the model last described, by the
// sha256 of its model.json: every request for the same model gets the
// same bytes without rebuilding them.
type openAPICache struct {
	mu   sync.Mutex
	sha  string
	body []byte
}

var openAPIDocs openAPICache

func (a *api) openAPI() http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		body := openAPIDoc // no model yet: the document as written
		if l, _, err := a.current(); err == nil {
			b, err := openAPIDocs.get(l.SHA256, l.Model)
			if err != nil {
				writeError(w, err)
				return
			}
			body = b
		}
		w.Header().Set("Content-Type", "application/json")
		w.Write(body)
	}
}

// get returns the document for model m, whose model.json has sha256 sha.
func (c *openAPICache) get(sha string, m *model.Model) ([]byte, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.body != nil && c.sha == sha {
		return c.body, nil
	}
	b, err := openAPIFor(m)
	if err != nil {
		return nil, err
	}
	c.sha, c.body = sha, b
	return b, nil
}

// openAPIFor rewrites the document for m: the record is m's schema (a
// property per input, an enum for a category of few levels, the required
// fields), the answer is keyed by m's target, and so is the Open
// Inference Protocol's output.
func openAPIFor(m *model.Model) ([]byte, error) {
	var doc map[string]any
	if err := json.Unmarshal(openAPIDoc, &doc); err != nil {
		return nil, fmt.Errorf("openapi: %w", err)
	}
	s := m.Schema()
	if !s.IsStudents() {
		doc = renameTarget(doc, s.Target).(map[string]any)
		label := dataset.Column{Name: s.Target}.FormLabel()
		info := doc["info"].(map[string]any)
		info["title"] = label + " predictor"
		info["description"] = "Predicts " + s.Target + " from a record of " + strings.Join(s.Inputs(), ", ") +
			" (the model's schema: GET /model). Every error is a JSON body with a top-level \"error\" member; bad fields are listed in \"problems\". " +
			"Every prediction response carries an X-Model-Version header. Every route answers an unknown method with 405 and an Allow header, and every route is public (no authentication)."
	}
	schemas := doc["components"].(map[string]any)["schemas"].(map[string]any)
	schemas["Record"], schemas["Form"] = recordSchemas(m, schemas["Record"].(map[string]any))
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(doc); err != nil {
		return nil, fmt.Errorf("openapi: %w", err)
	}
	return buf.Bytes(), nil
}

// renameTarget replaces the student target's name by target in every key
// and string of v (a decoded JSON document): the answer's member, the
// CSV header, the Open Inference Protocol's output and their descriptions.
func renameTarget(v any, target string) any {
	switch v := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(v))
		for k, x := range v {
			out[strings.ReplaceAll(k, dataset.Students.Target, target)] = renameTarget(x, target)
		}
		return out
	case []any:
		for i, x := range v {
			v[i] = renameTarget(x, target)
		}
		return v
	case string:
		return strings.ReplaceAll(v, dataset.Students.Target, target)
	}
	return v
}

// recordSchemas describes a JSON record and a form of m's schema. old is
// the written document's record, whose examples are kept for the fields
// it names.
func recordSchemas(m *model.Model, old map[string]any) (record, form map[string]any) {
	s := m.Schema()
	oldProps, _ := old["properties"].(map[string]any)
	props, formProps := map[string]any{}, map[string]any{}
	var required, formRequired []string
	for _, c := range formInputs(s) {
		p := map[string]any{}
		if op, ok := oldProps[c.Name].(map[string]any); ok && op["example"] != nil {
			p["example"] = op["example"]
		}
		desc := c.FormLabel()
		if c.Help != "" {
			desc += ": " + c.Help
		}
		switch c.Kind {
		case dataset.Category:
			p["type"] = "string"
			if levels := formLevels(m.Transform, c.Name); len(levels) <= maxEnumLevels {
				p["enum"] = levels
			}
			if !c.UnknownIsError() {
				desc += ". A value training did not see is read as missing"
			}
		case dataset.Date:
			p["type"], p["format"] = "string", "date"
		default:
			p["type"] = "number"
			if c.Min != nil {
				p["minimum"] = *c.Min
			}
			if c.Max != nil {
				p["maximum"] = *c.Max
			}
			if h := numberHint(c); h != "" && c.Help == "" {
				desc += ". " + strings.TrimSuffix(h, ".")
			}
		}
		p["description"] = desc
		props[c.Name] = p
		formProps[request.FormName(c.Name)] = map[string]any{"type": "string", "description": desc}
		if c.Required {
			required = append(required, c.Name)
			formRequired = append(formRequired, request.FormName(c.Name))
		}
	}
	record = map[string]any{"type": "object", "properties": props}
	form = map[string]any{"type": "object", "properties": formProps}
	if len(required) > 0 {
		record["required"], form["required"] = required, formRequired
	}
	if s.Strict {
		record["additionalProperties"] = false
	} else {
		record["description"] = "A record of the model's inputs. A missing or null field is imputed; other members (the target, ignored columns, anything else) are accepted and not used."
	}
	return record, form
}
