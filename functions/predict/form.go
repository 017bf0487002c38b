package main

import (
	"bytes"
	_ "embed"
	"errors"
	"fmt"
	"html/template"
	"math"
	"mime"
	"mime/multipart"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/studentperf/studentperf/shared/features"
	"github.com/studentperf/studentperf/shared/predictor"
)

//go:embed form.html.tmpl
var formText string

var formPage = template.Must(template.New("form").Funcs(template.FuncMap{
	"label": func(s string) string { return strings.ReplaceAll(s, "_", " ") },
}).Parse(formText))

// formNames maps the Python original's form field names onto model
// fields; the original called race_ethnicity "ethnicity".
var formNames = map[string]string{"ethnicity": "race_ethnicity"}

func formName(field string) string {
	for form, f := range formNames {
		if f == field {
			return form
		}
	}
	return field
}

// formField is one input of the page.
type formField struct {
	Name    string // form name
	Label   string
	Options []string // categories; nil for a score
	Value   string
}

type formData struct {
	Fields   []formField
	Score    string
	Version  string
	Problems features.Problems
	Message  string
}

// fields lists the model's inputs as form fields, keeping submitted values.
func fieldsOf(l *predictor.Loaded, values url.Values) []formField {
	var out []formField
	tr := l.Model.Transform
	for _, f := range l.Model.Features {
		ff := formField{Name: formName(f.Name), Label: f.Name, Value: values.Get(formName(f.Name))}
		for _, c := range tr.Categorical {
			if c.Name == f.Name {
				ff.Options = c.Levels
			}
		}
		out = append(out, ff)
	}
	return out
}

func (a *api) form() http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		l, _, err := a.current()
		if err != nil {
			a.formError(w, r, nil, err)
			return
		}
		renderForm(w, http.StatusOK, formData{Fields: fieldsOf(l, nil), Version: l.Version})
	}
}

func (a *api) predictForm() http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		l, fs, err := a.current()
		if err != nil {
			a.formError(w, r, nil, err)
			return
		}
		values, err := readForm(w, r, a.limits)
		if err != nil {
			a.formError(w, r, l, err)
			return
		}
		row, err := decodeForm(values, fs)
		if err != nil {
			a.formErrorValues(w, r, l, values, err)
			return
		}
		out, err := a.predictRows(w, l, []features.Row{row})
		if err != nil {
			a.formErrorValues(w, r, l, values, err)
			return
		}
		renderForm(w, http.StatusOK, formData{Fields: fieldsOf(l, values), Score: strconv.FormatFloat(out[0], 'f', 2, 64), Version: l.Version})
	}
}

// readForm reads a url-encoded or multipart form body, size-limited.
func readForm(w http.ResponseWriter, r *http.Request, limits Limits) (url.Values, error) {
	const urlencoded, multi = "application/x-www-form-urlencoded", "multipart/form-data"
	body, _, err := readBody(w, r, limits, urlencoded, multi)
	if err != nil {
		return nil, err
	}
	mt, params, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if mt == multi {
		if params["boundary"] == "" {
			return nil, fmt.Errorf("%w: multipart form without a boundary", errBadRequest)
		}
		f, err := multipart.NewReader(bytes.NewReader(body), params["boundary"]).ReadForm(limits.MaxBody)
		if err != nil {
			return nil, fmt.Errorf("%w: malformed multipart form: %v", errBadRequest, err)
		}
		defer f.RemoveAll()
		if len(f.File) > 0 {
			return nil, fmt.Errorf("%w: file uploads are not accepted", errBadRequest)
		}
		return url.Values(f.Value), nil
	}
	values, err := url.ParseQuery(string(body))
	if err != nil {
		return nil, fmt.Errorf("%w: malformed form: %v", errBadRequest, err)
	}
	return values, nil
}

// decodeForm maps form values onto a row, reporting every problem.
func decodeForm(values url.Values, fs *fieldSet) (features.Row, error) {
	row := fs.newRow()
	var ps features.Problems
	known := map[string]bool{}
	for _, name := range fs.names {
		known[formName(name)] = true
		vs, ok := values[formName(name)]
		switch {
		case !ok || len(vs) == 0 || strings.TrimSpace(vs[0]) == "":
			ps = append(ps, features.Problem{Field: formName(name), Reason: "required"})
			continue
		case len(vs) > 1:
			ps = append(ps, features.Problem{Field: formName(name), Value: features.Clip(strings.Join(vs, ",")), Reason: "given more than once"})
			continue
		}
		v := vs[0]
		slot := fs.slot[name]
		if slot >= 0 {
			row.Cat[slot] = v
			if p := fs.category(formName(name), slot, v); p != nil {
				ps = append(ps, *p)
			}
			continue
		}
		t := strings.TrimSpace(v)
		f, err := strconv.ParseFloat(t, 64)
		switch {
		case err != nil || !decimal(t) || math.IsNaN(f) || math.IsInf(f, 0):
			ps = append(ps, features.Problem{Field: formName(name), Value: features.Clip(v), Reason: "must be a finite decimal number"})
		default:
			if p := score(formName(name), v, f); p != nil {
				ps = append(ps, *p)
				continue
			}
			row.Num[-slot-1] = f
		}
	}
	for name, vs := range values {
		if !known[name] {
			ps = append(ps, features.Problem{Field: features.Clip(name), Value: features.Clip(strings.Join(vs, ",")), Reason: "unknown field"})
		}
	}
	if len(ps) > 0 {
		return row, ps
	}
	return row, nil
}

// decimal reports a plain decimal number ("72", "72.5", "7e1"): what a
// number input sends, and what the JSON routes accept. It rules out the
// hexadecimal and underscore forms strconv also parses.
func decimal(s string) bool {
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c >= '0' && c <= '9', c == '.', c == 'e', c == 'E', c == '+', c == '-':
		default:
			return false
		}
	}
	return s != ""
}

// wantsHTML is true for browsers: they ask for text/html; API clients
// (curl's */*, JSON clients) get JSON errors.
func wantsHTML(r *http.Request) bool {
	return strings.Contains(r.Header.Get("Accept"), "text/html")
}

func (a *api) formError(w http.ResponseWriter, r *http.Request, l *predictor.Loaded, err error) {
	a.formErrorValues(w, r, l, nil, err)
}

// formErrorValues answers a form error: the page again, with the
// problems, for a browser; a JSON error otherwise.
func (a *api) formErrorValues(w http.ResponseWriter, r *http.Request, l *predictor.Loaded, values url.Values, err error) {
	if !wantsHTML(r) {
		writeError(w, err)
		return
	}
	d := formData{Message: err.Error()}
	var ps features.Problems
	if errors.As(err, &ps) {
		d.Problems, d.Message = ps, ""
	}
	if l != nil {
		d.Fields, d.Version = fieldsOf(l, values), l.Version
	}
	renderForm(w, statusOf(err), d)
}

func renderForm(w http.ResponseWriter, status int, d formData) {
	var buf bytes.Buffer
	if err := formPage.Execute(&buf, d); err != nil {
		writeError(w, fmt.Errorf("render form: %w", err))
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	if d.Version != "" && d.Score != "" {
		w.Header().Set("X-Model-Version", d.Version)
	}
	w.WriteHeader(status)
	w.Write(buf.Bytes())
}
