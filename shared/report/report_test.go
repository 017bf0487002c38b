package report_test

import (
	"flag"
	"fmt"
	"math"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/studentperf/studentperf/shared/dataset"
	"github.com/studentperf/studentperf/shared/metrics"
	"github.com/studentperf/studentperf/shared/model"
	"github.com/studentperf/studentperf/shared/report"
	"github.com/studentperf/studentperf/shared/testkit/modeltest"
)

var out = flag.String("out", "", "write the sample report to this file, to look at it in a browser")

// sample is the report of OLS fitted on the embedded sample and scored on
// its own rows, with a few made-up rival candidates in other families and
// a previous version to compare with.
func sample(t *testing.T) (report.Input, *dataset.Table) {
	t.Helper()
	m, tab := modeltest.Fit(t, "student-math-score", "sample", 42)
	pred, err := m.PredictTable(tab)
	require.NoError(t, err)
	test, err := metrics.EvaluateRegression(tab.Target, pred)
	require.NoError(t, err)
	met := &model.Metrics{
		Selected: "ols", Test: test, Train: test,
		CV: model.CV{Folds: 5, R2Mean: 0.87, R2Std: 0.012},
		Candidates: []model.Candidate{
			{Name: "ridge(alpha=10)", Family: "ridge", Params: map[string]float64{"alpha": 10}, CVR2Mean: 0.861, CVR2Std: 0.02, FitSeconds: 0.002},
			{Name: "ols", Family: "ols", CVR2Mean: 0.87, CVR2Std: 0.012, FitSeconds: 0.001},
			{Name: "ridge(alpha=1)", Family: "ridge", Params: map[string]float64{"alpha": 1}, CVR2Mean: 0.868, CVR2Std: 0.013, FitSeconds: 0.002},
			{Name: "knn(k=5,weights=distance)", Family: "knn", Params: map[string]float64{"k": 5, "weights": 1}, CVR2Mean: 0.71, CVR2Std: 0.04, FitSeconds: 0.03},
		},
		Data: model.DataInfo{URI: "sample", Rows: tab.Len(), SHA256: strings.Repeat("ab", 32)},
		Seed: 42, Stats: dataset.Describe(tab),
	}
	sl, err := report.Slices(tab, pred)
	require.NoError(t, err)
	// Made-up contributions: the aggregation, not an explainer, is what
	// the report shows.
	names := []string{"gender", "race_ethnicity", "parental_level_of_education", "lunch", "test_preparation_course", "reading_score", "writing_score"}
	contrib := make([][]float64, tab.Len())
	for i := range contrib {
		contrib[i] = make([]float64, len(names))
		for j := range names {
			contrib[i][j] = float64(j+1) * math.Sin(float64(i*(j+1)))
		}
	}
	imp, err := report.Importances(names, contrib)
	require.NoError(t, err)
	prevTest := metrics.Regression{R2: 0.81, RMSE: 6.1, MAE: 4.9, Rows: tab.Len()}
	return report.Input{
		Model: "student-math-score", Metrics: met,
		Decision: report.Decision{Pushed: true, Version: "20260102T030405.000000006Z-0123456789ab",
			Reason: "not worse than current version v0 on the same held-out rows: R² 0.8800 vs 0.8100",
			Previous: &report.Previous{Version: "20250101T000000.000000000Z-ba9876543210", Test: &prevTest,
				Metrics: &model.Metrics{Selected: "ridge(alpha=3)", CV: model.CV{Folds: 5, R2Mean: 0.8123, R2Std: 0.0321}, Test: metrics.Regression{R2: 0.8234, Rows: 77}}}},
		Target: tab.Schema.Target, Numeric: report.NumericSeries(tab),
		Actual: tab.Target, Predicted: pred,
		Slices: sl, Importance: imp,
	}, tab
}

func TestRenderHasEverySection(t *testing.T) {
	in, tab := sample(t)
	page, err := report.Render(in)
	require.NoError(t, err)
	s := string(page)
	if *out != "" {
		require.NoError(t, os.WriteFile(*out, page, 0o644))
	}

	for _, id := range []string{"push", "data", "candidates", "evaluation", "slices", "importance"} {
		assert.Contains(t, s, `<h2 id="`+id+`">`, "section %s", id)
	}
	for _, want := range []string{
		"Pushed", in.Decision.Version, in.Decision.Reason, // the decision and why
		"20250101T000000.000000000Z-ba9876543210", "ridge(alpha=3)", "0.8123 ± 0.0321", "0.8100", "6.100", "0.8234 (77 rows)", // the previous version
		fmt.Sprintf("%.4f", in.Metrics.Test.R2), fmt.Sprintf("%.3f", in.Metrics.Test.RMSE), fmt.Sprintf("%.3f", in.Metrics.Test.MAE), // held-out
		"alpha=10", "k=5, weights=distance", // parameters, as the name spells them
		"sha256 <code>" + in.Metrics.Data.SHA256,
	} {
		assert.Contains(t, s, want)
	}

	// Every chart is an SVG with marks: circles, bars or dots drawn as
	// filled paths in the data colour.
	charts := svgs(t, s)
	wantCharts := []string{"chart-dist-reading_score", "chart-dist-writing_score", "chart-dist-math_score",
		"chart-families", "chart-scatter", "chart-residuals", "chart-importance"}
	require.ElementsMatch(t, wantCharts, keys(charts))
	for id, svg := range charts {
		assert.Contains(t, svg, `role="img"`, id)
		assert.Regexp(t, `<title id="`+id+`-title">[^<]{20,}</title>`, svg, "%s has a text alternative", id)
		assert.Contains(t, svg, `viewBox="0 0 `, id)
		assert.NotRegexp(t, `<svg[^>]* width=`, svg, "%s scales with the page", id)
		assert.Greater(t, strings.Count(svg, "<text"), 4, "%s has axis labels and ticks", id)
	}
	assert.GreaterOrEqual(t, arcs(charts["chart-scatter"]), tab.Len(), "a circle per held-out row")
	assert.Contains(t, charts["chart-scatter"], "stroke-dasharray", "the identity line")
	assert.Contains(t, charts["chart-scatter"], ">actual math score<", "the target by its own name")
	assert.Contains(t, charts["chart-scatter"], ">predicted math score<")
	assert.NotContains(t, s, "points", "no unit the data does not have")
	assert.Equal(t, 3, arcs(charts["chart-families"]), "a dot per family")
	assert.Contains(t, s, "k=5, weights=distance", "parameters by name")
	assert.Equal(t, 7, fills(charts["chart-importance"], "#0072B2"), "a bar per feature")
	for _, id := range []string{"chart-dist-reading_score", "chart-residuals"} {
		assert.Greater(t, fills(charts[id], "#0072B2"), 3, "%s has bars", id)
		assert.Contains(t, charts[id], ">rows<", "%s labels its count axis", id)
	}

	// The winner is marked, once, in its family.
	winners := regexp.MustCompile(`<tr class="winner">.*?</tr>`).FindAllString(s, -1)
	require.Len(t, winners, 1)
	assert.Contains(t, winners[0], "★ winner")
	assert.Contains(t, winners[0], "</span> ols</td>")
	assert.Equal(t, 1, strings.Count(s, "★ winner"))

	// Every category's slice table lists every level.
	for j, c := range tab.Schema.Features {
		if c.Kind != dataset.Category {
			continue
		}
		table := tableCaptioned(t, s, strings.ReplaceAll(c.Name, "_", " "))
		for _, level := range tab.Cols[j].Levels {
			assert.Contains(t, table, `<th scope="row" class="name">`+escape(level)+`</th>`, "slice %s level %s", c.Name, level)
		}
		assert.Equal(t, len(tab.Cols[j].Levels), strings.Count(table, `<th scope="row"`), "slice %s rows", c.Name)
	}
}

func TestRenderIsDeterministic(t *testing.T) {
	in, _ := sample(t)
	a, err := report.Render(in)
	require.NoError(t, err)
	b, err := report.Render(in)
	require.NoError(t, err)
	assert.True(t, string(a) == string(b), "two renders of the same input differ")
}

// The page keeps what an accessibility audit looks for: a language, a
// title, a viewport, headings that never skip a level, a caption for
// every figure, a scope for every header cell, ids used once.
func TestRenderIsAccessible(t *testing.T) {
	in, _ := sample(t)
	page, err := report.Render(in)
	require.NoError(t, err)
	s := string(page)
	assert.True(t, strings.HasPrefix(s, "<!doctype html>\n<html lang=\"en\">"))
	assert.Contains(t, s, `<meta charset="utf-8">`)
	assert.Contains(t, s, `<meta name="viewport" content="width=device-width, initial-scale=1">`)
	assert.Contains(t, s, "<title>Training report: student-math-score</title>")
	assert.NotContains(t, s, "<script")
	assert.NotRegexp(t, `(src|href)="[^d]`, s, "no external assets")
	assert.Contains(t, s, `<link rel="icon" href="data:,">`, "no favicon request (a 404 is a console error)")

	level := 0
	for _, h := range regexp.MustCompile(`<h([1-6])[ >]`).FindAllStringSubmatch(s, -1) {
		n, _ := strconv.Atoi(h[1])
		assert.LessOrEqual(t, n, level+1, "heading h%d after h%d", n, level)
		level = n
	}
	assert.Equal(t, strings.Count(s, "<figure>"), strings.Count(s, "<figcaption>"))
	assert.Equal(t, strings.Count(s, "<figure>"), strings.Count(s, "<svg "))
	assert.Equal(t, strings.Count(s, "<svg "), strings.Count(s, "</svg>"))
	assert.Equal(t, strings.Count(s, "<table>"), strings.Count(s, "<caption>"))
	assert.Equal(t, len(regexp.MustCompile(`<th[ >]`).FindAllString(s, -1)), strings.Count(s, "<th scope="), "every header cell has a scope")
	ids := map[string]int{}
	for _, m := range regexp.MustCompile(` id="([^"]+)"`).FindAllStringSubmatch(s, -1) {
		ids[m[1]]++
	}
	for id, n := range ids {
		assert.Equal(t, 1, n, "id %q", id)
	}
	for _, m := range regexp.MustCompile(`aria-labelledby="([^"]+)"`).FindAllStringSubmatch(s, -1) {
		assert.Contains(t, ids, m[1], "aria-labelledby names an element")
	}
}

func TestRenderSaysWhyARunWasNotPushed(t *testing.T) {
	in, _ := sample(t)
	in.Decision = report.Decision{Run: "20260102T030405.000000006Z-0123456789ab", Reason: "test R² 0.4000 < MIN_R2 0.6000",
		Previous: &report.Previous{Version: "v0", Note: "its metrics.json is unreadable (boom)"}}
	page, err := report.Render(in)
	require.NoError(t, err)
	s := string(page)
	assert.Contains(t, s, "<strong>Not pushed</strong> (run <code>20260102T030405.000000006Z-0123456789ab</code>): test R² 0.4000 &lt; MIN_R2 0.6000.")
	assert.Contains(t, s, "its metrics.json is unreadable (boom)")
	assert.Contains(t, s, "not scored", "no score for the previous version on these rows")
}

func TestRenderEscapes(t *testing.T) {
	in, _ := sample(t)
	in.Metrics.Candidates = append(in.Metrics.Candidates, model.Candidate{Name: "<script>alert(1)</script>", Family: "<b>x</b>", CVR2Mean: 0.5})
	in.Decision.Reason = `<img src=x onerror="alert(1)">`
	page, err := report.Render(in)
	require.NoError(t, err)
	s := string(page)
	assert.NotContains(t, s, "<script>alert")
	assert.NotContains(t, s, "<b>x</b>")
	assert.NotContains(t, s, "<img")
	assert.Contains(t, s, "&lt;script&gt;")
}

func TestRenderWithoutPreviousOrImportance(t *testing.T) {
	in, _ := sample(t)
	in.Decision = report.Decision{Pushed: true, Version: "v1", Reason: "no current model"}
	in.Importance, in.ImportanceNote = nil, "the model cannot explain its predictions"
	page, err := report.Render(in)
	require.NoError(t, err)
	s := string(page)
	assert.Contains(t, s, "There was no previous version to compare with.")
	assert.Contains(t, s, "Not available: the model cannot explain its predictions.")
	assert.NotContains(t, s, `id="chart-importance"`)
}

func TestRenderRejectsBadInput(t *testing.T) {
	_, err := report.Render(report.Input{Metrics: &model.Metrics{}, Actual: []float64{1}})
	assert.Error(t, err, "targets without predictions")
	_, err = report.Render(report.Input{})
	assert.Error(t, err, "no metrics")
	_, err = report.Render(report.Input{Metrics: &model.Metrics{}, Actual: []float64{math.NaN()}, Predicted: []float64{1}})
	assert.Error(t, err, "no finite point to plot")
	_, err = report.Render(report.Input{Metrics: &model.Metrics{}, Importance: []report.Importance{{Feature: "a", MeanAbs: math.Inf(1)}}})
	assert.Error(t, err, "an infinite importance")
}

func TestSlices(t *testing.T) {
	tab := &dataset.Table{
		Schema: dataset.Schema{Features: []dataset.Column{{Name: "g", Kind: dataset.Category}, {Name: "s", Kind: dataset.Numeric}}, Target: "y"},
		Cols: []dataset.Col{
			{Codes: []int32{0, 1, 0, -1}, Levels: []string{"m", "f", "x"}},
			{Values: []float64{1, 2, 3, 4}},
		},
		Target: []float64{10, 20, 30, 40},
	}
	got, err := report.Slices(tab, []float64{12, 20, 27, 41})
	require.NoError(t, err)
	require.Len(t, got, 1)
	assert.Equal(t, "g", got[0].Column)
	lv := got[0].Levels
	require.Len(t, lv, 4)
	// The largest slices first; ties by name, the missing rows after the
	// levels. Residuals: m −2, +3; f 0; missing −1.
	assert.Equal(t, report.SliceLevel{Level: "m", Rows: 2, MAE: 2.5, Bias: 0.5}, lv[0])
	assert.Equal(t, report.SliceLevel{Level: "f", Rows: 1, MAE: 0, Bias: 0}, lv[1])
	assert.Equal(t, report.SliceLevel{Level: "", Rows: 1, MAE: 1, Bias: -1}, lv[2])
	assert.Equal(t, "x", lv[3].Level)
	assert.Zero(t, lv[3].Rows)
	assert.True(t, math.IsNaN(lv[3].MAE) && math.IsNaN(lv[3].Bias), "a level without rows has no error")

	_, err = report.Slices(tab, []float64{1})
	assert.Error(t, err, "too few predictions")
}

func TestImportances(t *testing.T) {
	got, err := report.Importances([]string{"a", "b", "c"}, [][]float64{{1, -4, 2}, {-3, 4, -2}})
	require.NoError(t, err)
	assert.Equal(t, []report.Importance{
		{Feature: "b", MeanAbs: 4, MeanContribution: 0},
		{Feature: "a", MeanAbs: 2, MeanContribution: -1},
		{Feature: "c", MeanAbs: 2, MeanContribution: 0},
	}, got)
	_, err = report.Importances([]string{"a"}, [][]float64{{1, 2}})
	assert.Error(t, err, "a row of the wrong width")
	_, err = report.Importances([]string{"a"}, nil)
	assert.Error(t, err, "no rows")
}

// svgs returns each inline SVG of the page by its id.
func svgs(t *testing.T, page string) map[string]string {
	t.Helper()
	out := map[string]string{}
	for _, m := range regexp.MustCompile(`(?s)<svg [^>]*id="([^"]+)".*?</svg>`).FindAllStringSubmatch(page, -1) {
		out[m[1]] = m[0]
	}
	return out
}

// arcs counts the paths with an arc: the circles of scatter and dot
// plots.
func arcs(svg string) int {
	n := 0
	for _, m := range regexp.MustCompile(`<path d="([^"]*)"`).FindAllStringSubmatch(svg, -1) {
		if strings.Contains(m[1], "A") {
			n++
		}
	}
	return n
}

// fills counts the paths filled with colour, as vgsvg writes it.
func fills(svg, colour string) int {
	return len(regexp.MustCompile(`<path [^>]*fill:`+colour+`[;"]`).FindAllString(svg, -1))
}

// tableCaptioned returns the table whose caption is caption.
func tableCaptioned(t *testing.T, page, caption string) string {
	t.Helper()
	i := strings.Index(page, "<caption>"+caption+"</caption>")
	require.GreaterOrEqual(t, i, 0, "no table captioned %q", caption)
	j := strings.Index(page[i:], "</table>")
	require.GreaterOrEqual(t, j, 0)
	return page[i : i+j]
}

func keys(m map[string]string) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

func escape(s string) string {
	return strings.NewReplacer("&", "&amp;", "'", "&#39;", "<", "&lt;", ">", "&gt;", `"`, "&#34;").Replace(s)
}
