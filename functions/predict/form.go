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
	"github.com/studentperf/studentperf/shared/dataset"
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

	// Student is true for the student model, whose page keeps its own
	// words; any other model's page speaks of its target: Target as a
	// heading ("Price"), TargetShort inside a sentence ("price").
	Student             bool
	Target, TargetShort string

	// The result, when there is one.
	Score         string
	Baseline      string // the typical student's (or record's) predicted value
	Contributions []contribution
	NoExplain     string // why there are no contributions
}

// pageOf starts the page of model l: its fields (with the submitted
// values and problems, if any) and the words that name its target.
func pageOf(l *predictor.Loaded, values url.Values, ps features.Problems) formData {
	s := l.Model.Schema()
	d := formData{Version: l.Version, Report: formReportLink, Student: s.IsStudents()}
	d.Fields, d.Errors = fieldsOf(l.Model, values, ps)
	target := dataset.Column{Name: s.Target}
	d.Target, d.TargetShort = target.FormLabel(), shortOf(target, false)
	return d
}

func (a *api) form() http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		l, _, err := a.current()
		if err != nil {
			a.formError(w, r, nil, nil, err)
			return
		}
		d := pageOf(l, nil, nil)
		d.Errors = nil
		d.Students = formThousands(l.Model.Provenance.Data.Rows)
		renderForm(w, http.StatusOK, d)
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
		d := pageOf(l, values, nil)
		d.Score = strconv.FormatFloat(out[0], 'f', 2, 64)
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
	s := m.Schema()
	students := s.IsStudents()
	// The student page measures in points from a typical student; another
	// model's in its target's units from a typical record.
	unit, typicalOne := " points", "a typical student"
	if !students {
		unit, typicalOne = "", "a typical record"
	}
	cat, num := 0, 0
	for i, f := range m.Features {
		if i >= len(ex.Contributions) {
			break
		}
		var value, typical string
		if f.Kind == "category" {
			value, typical = row.Cat[cat], ref.Cat[cat]
			if levels := m.Transform.Categorical[cat].Choices(); levels != nil {
				value = formOption(levels, value)
			}
			if value == "" {
				value = "missing"
			}
			cat++
		} else {
			value, typical = formNumber(row.Num[num]), formNumber(ref.Num[num])
			num++
		}
		short := f.Name
		if j := s.Index(f.Name); j >= 0 {
			short = shortOf(s.Features[j], students)
		}
		c := ex.Contributions[i]
		points := strconv.FormatFloat(math.Abs(c), 'f', 1, 64)
		it := item{abs: math.Abs(c), c: contribution{Typical: typical, Direction: "none", Width: "0"}}
		switch {
		case points == "0.0" && value == typical:
			it.c.Text = fmt.Sprintf("%s %s (same as %s)", short, value, typicalOne)
		case points == "0.0":
			it.c.Text = fmt.Sprintf("%s %s (0.0%s vs %s)", short, value, unit, typicalOne)
		case c > 0:
			it.c.Text = fmt.Sprintf("%s %s (+%s%s vs %s)", short, value, points, unit, typicalOne)
			it.c.Direction = "up"
		default:
			it.c.Text = fmt.Sprintf("%s %s (−%s%s vs %s)", short, value, points, unit, typicalOne)
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
	d := formData{Student: true}
	if l != nil {
		d = pageOf(l, values, ps)
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
