package main

import (
	"bytes"
	"context"
	_ "embed"
	"errors"
	"fmt"
	"html/template"
	"math"
	"mime"
	"mime/multipart"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/studentperf/studentperf/functions/predict/internal/request"
	"github.com/studentperf/studentperf/shared/explain"
	"github.com/studentperf/studentperf/shared/features"
	"github.com/studentperf/studentperf/shared/model"
	"github.com/studentperf/studentperf/shared/predictor"
)

//go:embed form.html.tmpl
var formText string

var formPage = template.Must(template.New("form").Parse(formText))

// formReportLink is where GET /model/report serves the current version's
// training report; the form links to it.
const formReportLink = "/model/report"

// fieldText is what the form says about one input: a label and a line of
// help under it.
type fieldText struct {
	Label string // as a heading: "Reading score"
	Short string // inside a formSentence: "reading score"
	Help  string
}

// fieldTexts are the words for the original's seven inputs, by feature
// name. A model with other inputs gets labels made from their names.
var fieldTexts = map[string]fieldText{
	"gender": {"Gender", "gender", "As recorded in the school's records."},
	"race_ethnicity": {"Race or ethnicity group", "ethnicity",
		"The data set anonymises these as groups A to E."},
	"parental_level_of_education": {"Parents' education", "parental education",
		"The highest level either parent reached."},
	"lunch": {"Lunch", "lunch",
		"Free or reduced-price lunch is a sign of lower family income."},
	"test_preparation_course": {"Test preparation course", "test preparation",
		"Whether the student completed a preparation course before the exams."},
	"reading_score": {"Reading score", "reading score", "The reading exam score, from 0 to 100."},
	"writing_score": {"Writing score", "writing score", "The writing exam score, from 0 to 100."},
}

// fieldTextOf returns the words for a feature.
func fieldTextOf(name string) fieldText {
	if t, ok := fieldTexts[name]; ok {
		return t
	}
	short := strings.ReplaceAll(name, "_", " ")
	return fieldText{Label: formCapitalize(short), Short: short}
}

// formField is one input of the page.
type formField struct {
	Name    string // form name, also the element id
	Text    fieldText
	Options []string // categories; nil for a score
	Value   string   // what was submitted, as an option of Options for a category
	Error   string   // what is wrong with Value, for a person; "" when nothing is
}

// HelpID and ErrorID are the ids of the field's help and error lines,
// which the input names in aria-describedby.
func (f formField) HelpID() string  { return f.Name + "-help" }
func (f formField) ErrorID() string { return f.Name + "-error" }

// pageError is one line of the summary at the top of an error page;
// Field is the id of the input to fix, "" when there is none.
type pageError struct {
	Field string
	Text  string
}

// contribution is one input's share of a prediction, as the result page
// shows it.
type contribution struct {
	Text      string // "reading score 72 (+8.1 points vs a typical student)"
	Typical   string // the typical student's value: "70"
	Direction string // "up", "down" or "none": the bar's side and colour
	Width     string // the bar's length, percent of its half of the track
}

type formData struct {
	Fields   []formField
	Errors   []pageError
	Version  string
	Report   string // link to the training report
	Students string // rows of the model's training data ("1,000"); "" when unknown

	// The result, when there is one.
	Score         string
	Baseline      string // the typical student's predicted score
	Contributions []contribution
	NoExplain     string // why there are no contributions
}

// fieldsOf lists the model's inputs as form fields, keeping the
// submitted values and placing each problem next to its field.
func fieldsOf(l *predictor.Loaded, values url.Values, ps features.Problems) ([]formField, []pageError) {
	var out []formField
	byName := map[string]int{}
	tr := l.Model.Transform
	for _, f := range l.Model.Features {
		ff := formField{Name: request.FormName(f.Name), Text: fieldTextOf(f.Name), Value: values.Get(request.FormName(f.Name))}
		for _, c := range tr.Categorical {
			if c.Name == f.Name {
				ff.Options = c.Levels
				ff.Value = formOption(c.Levels, ff.Value)
			}
		}
		byName[ff.Name] = len(out)
		out = append(out, ff)
	}
	var summary []pageError
	for _, p := range ps {
		i, ok := byName[p.Field]
		if !ok {
			summary = append(summary, pageError{Text: fieldTextOf(p.Field).Label + ": " + problemText(p, false)})
			continue
		}
		f := &out[i]
		msg := problemText(p, f.Options != nil)
		if f.Error != "" {
			f.Error += " "
		}
		f.Error += formSentence(msg)
		summary = append(summary, pageError{Field: f.Name, Text: f.Text.Label + ": " + msg})
	}
	return out, summary
}

// formOption returns the option v names (the decoder takes categories
// regardless of case and surrounding space), or v itself.
func formOption(options []string, v string) string {
	t := strings.TrimSpace(v)
	for _, o := range options {
		if strings.EqualFold(o, t) {
			return o
		}
	}
	return v
}

// problemText says what is wrong with a field, as the end of a formSentence
// that starts with the field's label.
func problemText(p features.Problem, category bool) string {
	if p.Reason == "required" && p.Value == "" {
		if category {
			return "choose one."
		}
		return "enter a number from 0 to 100."
	}
	s := p.Reason
	if p.Value != "" {
		s = "“" + p.Value + "” " + s
	}
	if len(p.Allowed) > 0 {
		s += " (choose one of: " + strings.Join(p.Allowed, ", ") + ")"
	}
	return s + "."
}

func (a *api) form() http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		l, _, err := a.current()
		if err != nil {
			a.formError(w, r, nil, nil, err)
			return
		}
		fields, _ := fieldsOf(l, nil, nil)
		renderForm(w, http.StatusOK, formData{Fields: fields, Version: l.Version, Report: formReportLink, Students: formThousands(l.Model.Provenance.Data.Rows)})
	}
}

func (a *api) predictForm() http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		l, fs, err := a.current()
		if err != nil {
			a.formError(w, r, nil, nil, err)
			return
		}
		values, err := readForm(w, r, a.limits)
		if err != nil {
			a.formError(w, r, l, nil, err)
			return
		}
		row, err := request.Form(values, fs)
		if err != nil {
			a.formError(w, r, l, values, err)
			return
		}
		out, err := a.predictRows(w, l, []features.Row{row})
		if err != nil {
			a.formError(w, r, l, values, err)
			return
		}
		fields, _ := fieldsOf(l, values, nil)
		d := formData{Fields: fields, Score: strconv.FormatFloat(out[0], 'f', 2, 64), Version: l.Version, Report: formReportLink}
		if ref, ex, err := a.explainForm(r.Context(), l, row); err != nil {
			// The score stands without its explanation.
			a.log.Warn("form: explain", "version", l.Version, "error", err)
			d.NoExplain = "This model's prediction cannot be broken down: " + err.Error()
		} else {
			d.Baseline = strconv.FormatFloat(ex.Baseline, 'f', 2, 64)
			d.Contributions = formContributions(l.Model, ref, row, ex)
		}
		renderForm(w, http.StatusOK, d)
	}
}

// explainForm explains the form's record with the explainer built when
// the model l loaded, within the bounds of ?explain=true (one record's
// work, a slot), and returns the reference record it measures from.
func (a *api) explainForm(ctx context.Context, l *predictor.Loaded, row features.Row) (features.Row, explain.Explanation, error) {
	e, err := l.Explainer()
	if err != nil {
		return features.Row{}, explain.Explanation{}, err
	}
	if err := a.explain.allow(l, e, 1); err != nil {
		return features.Row{}, explain.Explanation{}, err
	}
	release, err := a.explain.acquire(ctx)
	if err != nil {
		return features.Row{}, explain.Explanation{}, err
	}
	defer release()
	ex, err := e.ExplainContext(ctx, row)
	return e.Reference(), ex, err
}

// formContributions lists each input's contribution to the prediction
// against the reference record ref, largest first, in words and as bar
// lengths scaled to the largest.
func formContributions(m *model.Model, ref, row features.Row, ex explain.Explanation) []contribution {
	type item struct {
		c   contribution
		abs float64
	}
	var items []item
	top := 0.0
	for _, c := range ex.Contributions {
		top = math.Max(top, math.Abs(c))
	}
	cat, num := 0, 0
	for i, f := range m.Features {
		if i >= len(ex.Contributions) {
			break
		}
		var value, typical string
		if f.Kind == "category" {
			value, typical = row.Cat[cat], ref.Cat[cat]
			if levels := m.Transform.Categorical[cat].Levels; levels != nil {
				value = formOption(levels, value)
			}
			cat++
		} else {
			value, typical = formNumber(row.Num[num]), formNumber(ref.Num[num])
			num++
		}
		c := ex.Contributions[i]
		points := strconv.FormatFloat(math.Abs(c), 'f', 1, 64)
		it := item{abs: math.Abs(c), c: contribution{Typical: typical, Direction: "none", Width: "0"}}
		switch {
		case points == "0.0" && value == typical:
			it.c.Text = fmt.Sprintf("%s %s (same as a typical student)", fieldTextOf(f.Name).Short, value)
		case points == "0.0":
			it.c.Text = fmt.Sprintf("%s %s (0.0 points vs a typical student)", fieldTextOf(f.Name).Short, value)
		case c > 0:
			it.c.Text = fmt.Sprintf("%s %s (+%s points vs a typical student)", fieldTextOf(f.Name).Short, value, points)
			it.c.Direction = "up"
		default:
			it.c.Text = fmt.Sprintf("%s %s (−%s points vs a typical student)", fieldTextOf(f.Name).Short, value, points)
			it.c.Direction = "down"
		}
		if top > 0 {
			it.c.Width = strconv.FormatFloat(100*math.Abs(c)/top, 'f', 1, 64)
		}
		items = append(items, it)
	}
	slices.SortStableFunc(items, func(a, b item) int {
		switch {
		case a.abs > b.abs:
			return -1
		case a.abs < b.abs:
			return 1
		}
		return 0
	})
	out := make([]contribution, len(items))
	for i, it := range items {
		out[i] = it.c
	}
	return out
}

// number formats a score as briefly as it reads: 72, 72.5.
func formNumber(f float64) string {
	if math.IsNaN(f) {
		return "missing"
	}
	return strconv.FormatFloat(f, 'f', -1, 64)
}

// formThousands writes a count with thousands separators: 1,000; ""
// for none.
func formThousands(n int) string {
	if n <= 0 {
		return ""
	}
	s := strconv.Itoa(n)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
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

// formError answers a form error: the page again, with the submitted
// values and each problem next to its field, for a browser; a JSON error
// otherwise.
func (a *api) formError(w http.ResponseWriter, r *http.Request, l *predictor.Loaded, values url.Values, err error) {
	if !wantsHTML(r) {
		writeError(w, err)
		return
	}
	var ps features.Problems
	errors.As(err, &ps)
	d := formData{}
	if l != nil {
		d.Fields, d.Errors = fieldsOf(l, values, ps)
		d.Version, d.Report = l.Version, formReportLink
	}
	if len(ps) == 0 {
		d.Errors = []pageError{{Text: formSentence(err.Error())}}
	}
	renderForm(w, statusOf(err), d)
}

// formSentence starts s with a capital letter and ends it with a full stop.
func formSentence(s string) string {
	if s == "" || strings.HasSuffix(s, ".") {
		return formCapitalize(s)
	}
	return formCapitalize(s) + "."
}

// formCapitalize upper-cases the first letter of s (which may be anything a
// client sent, so it is read rune by rune).
func formCapitalize(s string) string {
	r, n := utf8.DecodeRuneInString(s)
	if n == 0 || r == utf8.RuneError {
		return s
	}
	return string(unicode.ToUpper(r)) + s[n:]
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
