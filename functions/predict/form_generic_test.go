package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"math"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/studentperf/studentperf/shared/dataset"
	"github.com/studentperf/studentperf/shared/features"
	"github.com/studentperf/studentperf/shared/linear"
	"github.com/studentperf/studentperf/shared/model"
)

// genericColours is how many levels the generated table's colour has:
// more than a drop-down shows.
const genericColours = 60

// genericCSV writes a generated table that is not the student data: an
// id (ignored by inference), a category of five levels (cut), one of
// genericColours levels (colour), two numbers (carat, depth), with date a
// date column (sold), and the target price. Values are computed from the
// row number, so every run writes the same bytes.
func genericCSV(rows int, date bool) []byte {
	var b bytes.Buffer
	cuts := []string{"Fair", "Good", "Very Good", "Premium", "Ideal"}
	b.WriteString("id,cut,colour,carat,depth")
	if date {
		b.WriteString(",sold")
	}
	b.WriteString(",price\n")
	for i := range rows {
		cut := i % len(cuts)
		colour := (i / 5 * 7) % genericColours // independent of cut
		carat := 0.2 + float64((i*37)%480)/100
		depth := 55 + float64((i*13)%150)/10
		day := time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC).AddDate(0, 0, (i*11)%700)
		noise := float64((i*7919)%101) - 50
		price := 300 + 4000*carat + 150*float64(cut) + 10*float64(colour) - 20*(depth-60) + noise
		fmt.Fprintf(&b, "r%04d,%s,c%02d,%.2f,%.1f", i, cuts[cut], colour, carat, depth)
		if date {
			price += 0.5 * float64(day.YearDay())
			fmt.Fprintf(&b, ",%s", day.Format(time.DateOnly))
		}
		fmt.Fprintf(&b, ",%.2f\n", price)
	}
	return b.Bytes()
}

// genericModel fits OLS on genericCSV(600, date) with the schema
// inference infers for target price, as train run -target price would.
func genericModel(t testing.TB, date bool) (*model.Model, *dataset.Table) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "generic.csv")
	require.NoError(t, os.WriteFile(path, genericCSV(600, date), 0o644))
	tab, s, info, err := dataset.LoadInferred(context.Background(), path,
		dataset.SchemaChoice{Infer: dataset.InferOptions{Target: "price"}}, dataset.SourceOptions{})
	require.NoError(t, err, "load the generated table")
	tr, err := features.Fit(tab)
	require.NoError(t, err, "fit transforms")
	X, err := tr.Matrix(tab)
	require.NoError(t, err, "design matrix")
	lin, err := linear.Fit(X, tab.Target, linear.Candidate{Name: linear.OLS, Family: linear.OLS})
	require.NoError(t, err, "fit OLS")
	m, err := model.New("price", s, tr, model.Estimator{Name: linear.OLS, Family: linear.OLS, Linear: lin},
		model.Provenance{Seed: 1, Folds: 5, Data: model.DataInfo{URI: info.URI, Rows: info.Rows, SHA256: info.SHA256}})
	require.NoError(t, err, "new model")
	return m, tab
}

// genericStore is a store holding genericModel as the model "price".
func genericStore(t testing.TB, date bool) (root, version string, m *model.Model) {
	t.Helper()
	root = t.TempDir()
	m, tab := genericModel(t, date)
	return root, pushModel(t, root, m, tab, time.Now()), m
}

// getHTML fetches url as a browser does and returns status and body.
func getHTML(t testing.TB, method, url, form string) (int, string) {
	t.Helper()
	req, err := http.NewRequest(method, url, strings.NewReader(form))
	require.NoError(t, err)
	req.Header.Set("Accept", "text/html")
	if form != "" {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err, "%s %s", method, url)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return resp.StatusCode, string(b)
}

// TestGenericForm checks the form of a model that is not the student
// one: its inputs are the schema's, each as its kind asks, named and
// labelled from the column names, with the training range as a hint.
func TestGenericForm(t *testing.T) {
	root, _, m := genericStore(t, true)
	s := m.Schema()
	base, _ := startServer(t, map[string]string{"MODEL_STORE": root, "MODEL_NAME": "price"})
	status, page := getHTML(t, "GET", base+"/", "")
	require.Equal(t, http.StatusOK, status, page)

	assert.Contains(t, page, "<title>Price predictor</title>")
	assert.NotContains(t, page, "student", "a price model's page speaks of no students")
	assert.NotContains(t, page, `name="id"`, "the id column is ignored by inference: no input")
	assert.NotContains(t, page, `name="price"`, "the target is no input")

	// cut: a drop-down of its five levels, optional (missing is imputed).
	sel := regexp.MustCompile(`(?s)<select id="cut" name="cut"[^>]*>(.*?)</select>`).FindStringSubmatch(page)
	require.NotNil(t, sel, "no select for cut:\n%s", page)
	assert.NotContains(t, sel[0], "required", "an inferred column is optional")
	opts := regexp.MustCompile(`<option value="([^"]*)"`).FindAllStringSubmatch(sel[1], -1)
	var got []string
	for _, o := range opts[1:] {
		got = append(got, o[1])
	}
	assert.Equal(t, []string{"Fair", "Good", "Ideal", "Premium", "Very Good"}, got, "cut's options")
	assert.Contains(t, page, `<label for="cut">Cut</label>`)

	// colour: too many levels for a drop-down, so a text box with a list.
	assert.NotContains(t, page, `<select id="colour"`)
	assert.Regexp(t, `<input id="colour" name="colour" type="text" list="colour-levels"`, page)
	list := regexp.MustCompile(`(?s)<datalist id="colour-levels">(.*?)</datalist>`).FindStringSubmatch(page)
	require.NotNil(t, list, "no datalist for colour")
	assert.Equal(t, genericColours, strings.Count(list[1], "<option "), "colour's suggestions")

	// carat: a number input with the range training saw as its hint, and
	// no bounds (an inferred range is not enforced).
	carat := s.Features[s.Index("carat")]
	require.NotNil(t, carat.Seen)
	hint := fmt.Sprintf("From %s to %s in the training data.", formNumber(carat.Seen.Min), formNumber(carat.Seen.Max))
	assert.Contains(t, page, `<p class="help" id="carat-help">`+hint+`</p>`)
	in := regexp.MustCompile(`<input id="carat"[^>]*>`).FindString(page)
	require.NotEmpty(t, in, "no input for carat")
	assert.Contains(t, in, `type="number"`)
	assert.Contains(t, in, `step="any"`)
	assert.Contains(t, in, `aria-describedby="carat-help"`)
	assert.NotContains(t, in, "min=", "an inferred range is a hint, not a bound")

	// sold: one date input for the date's four parts.
	assert.Regexp(t, `<input id="sold" name="sold" type="date"`, page)
	assert.NotContains(t, page, "sold.year")
	assert.Equal(t, len(s.Inputs()), strings.Count(page, `<div class="field`), "one field per input")
}

// TestGenericFormPredicts submits the form of a model that is not the
// student one and checks the page names the prediction by the target and
// shows what the model predicts in-process.
func TestGenericFormPredicts(t *testing.T) {
	root, version, m := genericStore(t, false)
	base, _ := startServer(t, map[string]string{"MODEL_STORE": root, "MODEL_NAME": "price"})
	values := url.Values{"cut": {"Ideal"}, "colour": {"c07"}, "carat": {"1.5"}, "depth": {"61.2"}}
	status, page := getHTML(t, "POST", base+"/predictdata", values.Encode())
	require.Equal(t, http.StatusOK, status, page)

	row := features.Row{Cat: []string{"Ideal", "c07"}, Num: []float64{1.5, 61.2}}
	want, err := m.Predict(row)
	require.NoError(t, err)
	assert.Contains(t, page, fmt.Sprintf("<title>Predicted price: %.2f · Price predictor</title>", want))
	assert.Contains(t, page, `<h2 id="result-title">Predicted price</h2>`)
	assert.Contains(t, page, fmt.Sprintf(`<strong id="score">%.2f</strong>`, want))
	assert.Contains(t, page, version)
	assert.Regexp(t, `carat 1.5 \([+−][0-9.]+ vs a typical record\)`, page, "the contributions speak of records, in the target's units")
	assert.NotContains(t, page, "points")
	assert.Contains(t, page, `value="c07"`, "the submitted colour stays in its box")
	assert.False(t, math.IsNaN(want))
}

// TestFormFieldWords checks the pieces a schema's field is made of: ids
// that are safe in HTML, a folded category's levels, the short words of a
// result sentence and what an empty field is told.
func TestFormFieldWords(t *testing.T) {
	for name, want := range map[string]string{
		"gender": "gender", "reading_score": "reading_score", "ethnicity": "ethnicity", "x-1": "x-1",
		"carat (ct)": "field-3", "1st": "field-3", "": "field-3", "día": "field-3", "a.b": "field-3",
	} {
		assert.Equal(t, want, formID(name, 2), "formID(%q)", name)
	}

	tr := &features.Transform{Categorical: []features.Categorical{
		{Name: "x", Levels: []string{"a", "b", features.OtherLevel}, Folded: []string{"c", "aa"}},
		{Name: "y", Levels: []string{"b", "a"}},
	}}
	assert.Equal(t, []string{"a", "aa", "b", "c"}, formLevels(tr, "x"), "folded levels are offered by name, the fold's own name is not")
	assert.Equal(t, []string{"b", "a"}, formLevels(tr, "y"))
	assert.Nil(t, formLevels(tr, "z"))

	students := dataset.Students
	for name, want := range map[string]string{
		"gender": "gender", "race_ethnicity": "ethnicity", "parental_level_of_education": "parental education",
		"test_preparation_course": "test preparation", "reading_score": "reading score",
	} {
		assert.Equal(t, want, shortOf(students.Features[students.Index(name)], true), "shortOf(%s)", name)
	}
	assert.Equal(t, "race or ethnicity group", shortOf(students.Features[students.Index("race_ethnicity")], false))
	assert.Equal(t, "total sqft", shortOf(dataset.Column{Name: "total_sqft"}, false))
	assert.Equal(t, "GDP per head", shortOf(dataset.Column{Name: "gdp", Label: "GDP per head"}, false))
	assert.Equal(t, "sold day of week", shortOf(dataset.Column{Name: "sold.day_of_week", Source: "sold", Part: "day_of_week"}, false))

	lo, hi := 1.0, 5.0
	required := features.Problem{Field: "f", Reason: "required"}
	assert.Equal(t, "enter a number from 1 to 5.", problemText(required, &formField{Input: inputNumber, Min: formNumber(lo), Max: formNumber(hi)}))
	assert.Equal(t, "enter a number.", problemText(required, &formField{Input: inputNumber}))
	assert.Equal(t, "enter a date.", problemText(required, &formField{Input: inputDate}))
	assert.Equal(t, "choose one.", problemText(required, &formField{Input: inputList, Options: []string{"a"}}))
	assert.Equal(t, "Between 1 and 5.", numberHint(dataset.Column{Min: &lo, Max: &hi}))
	assert.Equal(t, "From 0.5 to 7 in the training data.", numberHint(dataset.Column{Seen: &dataset.Seen{Rows: 3, Min: 0.5, Max: 7}}))
	assert.Empty(t, numberHint(dataset.Column{Seen: &dataset.Seen{Rows: 3, Missing: 3}}), "a column training never saw a value of has no range")
}

// TestGenericFormProblems: a problem with a date's part is shown beside
// the date's field, and the summary links to the field's id.
func TestGenericFormProblems(t *testing.T) {
	m, _ := genericModel(t, true)
	fields, summary := fieldsOf(m, url.Values{"sold": {"2021-02-30"}}, features.Problems{
		{Field: "sold.month", Value: "2021-02-30", Reason: "is not a date"},
		{Field: "carat", Value: "heavy", Reason: "must be a number"},
	})
	byName := map[string]formField{}
	for _, f := range fields {
		byName[f.Name] = f
	}
	assert.Equal(t, "“2021-02-30” is not a date.", byName["sold"].Error)
	assert.Equal(t, "2021-02-30", byName["sold"].Value)
	assert.Equal(t, "“heavy” must be a number.", byName["carat"].Error)
	require.Len(t, summary, 2)
	assert.Equal(t, pageError{Field: "sold", Text: "Sold: “2021-02-30” is not a date."}, summary[0])
}
