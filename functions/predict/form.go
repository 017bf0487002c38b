package main

import (
	"bytes"
	_ "embed"
	"errors"
	"fmt"
	"html/template"
	"mime"
	"mime/multipart"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/studentperf/studentperf/shared/decode"
	"github.com/studentperf/studentperf/shared/features"
	"github.com/studentperf/studentperf/shared/predictor"
)

//go:embed form.html.tmpl
var formText string

var formPage = template.Must(template.New("form").Funcs(template.FuncMap{
	"label": func(s string) string { return strings.ReplaceAll(s, "_", " ") },
}).Parse(formText))

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
		ff := formField{Name: decode.FormName(f.Name), Label: f.Name, Value: values.Get(decode.FormName(f.Name))}
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
		row, err := decode.Form(values, fs)
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
