package promdrift_test

import (
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"github.com/stretchr/testify/require"
	"github.com/studentperf/studentperf/functions/predict/internal/promdrift"
	"github.com/studentperf/studentperf/shared/dataset"
	"github.com/studentperf/studentperf/shared/drift"
	"github.com/studentperf/studentperf/shared/features"
)

// monitor returns a monitor of a hand-counted table (ten rows five times
// over, so that no level is rare: color blue 3, green 1, red 5, one
// missing; score nine bins of one, one missing, in [1, 10]) that has
// seen four records.
func monitor(t *testing.T) *drift.Monitor {
	t.Helper()
	data := "color,score\n" + strings.Repeat("red,1\nred,2\nblue,3\nred,4\n,5\nblue,6\nred,7\ngreen,8\nred,\nblue,10\n", 5)
	s := dataset.Schema{Features: []dataset.Column{{Name: "color", Kind: dataset.Category}, {Name: "score", Kind: dataset.Numeric}}}
	tab, err := dataset.Read(strings.NewReader(data), s)
	require.NoError(t, err)
	tr, err := features.Fit(tab)
	require.NoError(t, err)
	b, err := drift.Fit(tab, tr)
	require.NoError(t, err)
	m, err := drift.NewMonitor(b, tr)
	require.NoError(t, err)
	for _, r := range []features.Row{
		{Cat: []string{"red"}, Num: []float64{1}},
		{Cat: []string{"red"}, Num: []float64{1}},
		{Cat: []string{"blue"}, Num: []float64{math.NaN()}},
		{Cat: []string{"zzz"}, Num: []float64{101}},
	} {
		m.Observe(r)
	}
	return m
}

// scrape registers c alone in a pedantic registry (which checks the
// metrics against their descriptors) and returns its text exposition.
func scrape(t *testing.T, c prometheus.Collector) string {
	t.Helper()
	reg := prometheus.NewPedanticRegistry()
	require.NoError(t, reg.Register(c))
	rec := httptest.NewRecorder()
	promhttp.HandlerFor(reg, promhttp.HandlerOpts{ErrorHandling: promhttp.HTTPErrorOnError}).
		ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	require.Equal(t, 200, rec.Code)
	b, err := io.ReadAll(rec.Body)
	require.NoError(t, err)
	return string(b)
}

func TestCollector(t *testing.T) {
	m := monitor(t)
	got := scrape(t, promdrift.NewCollector(func() *drift.Monitor { return m }))
	// PSI of color by hand: 3 valid records (red 2, blue 1) against blue
	// .3, green .1, red .5, missing .1, with 1e-4 for the empty shares.
	// Score: 1, 1 in the first bin and one missing (101 is outside [1, 10])
	// against 1/10 each, by hand the same way.
	for _, line := range []string{
		"# TYPE predict_drift_records_total counter",
		"predict_drift_records_total 4",
		"# TYPE predict_drift_features_drifting gauge",
		"predict_drift_features_drifting 0",
		"# TYPE predict_drift_unseen_total counter",
		`predict_drift_unseen_total{feature="color"} 1`,
		"# TYPE predict_drift_out_of_range_total counter",
		`predict_drift_out_of_range_total{feature="score"} 1`,
		`predict_drift_missing_total{feature="color"} 0`,
		`predict_drift_missing_total{feature="score"} 1`,
		"# TYPE predict_drift_psi gauge",
		`predict_drift_psi{feature="color"} 1.431628534004522`,
		`predict_drift_psi{feature="score"} 6.876639664740576`,
		"# TYPE predict_drift_warning gauge",
		`predict_drift_warning{feature="color"} 0`,
		`predict_drift_warning{feature="score"} 0`,
	} {
		require.Contains(t, strings.Split(got, "\n"), line, "in\n%s", got)
	}
	require.NotContains(t, got, `predict_drift_unseen_total{feature="score"}`, "unseen is for categories")
	require.NotContains(t, got, `predict_drift_out_of_range_total{feature="color"}`, "out of range is for scores")
}

func TestCollectorWithoutMonitor(t *testing.T) {
	for name, c := range map[string]*promdrift.Collector{
		"nil func":    promdrift.NewCollector(nil),
		"nil monitor": promdrift.NewCollector(func() *drift.Monitor { return nil }),
	} {
		require.Empty(t, scrape(t, c), name)
	}
}

// A wide model, 120 scores and 30 categories of which one has 5,000
// levels: four series a feature and two more, labelled by feature only,
// no level anywhere.
func TestCollectorWideModel(t *testing.T) {
	const nNum, nCat, rows = 120, 30, 6000
	var s dataset.Schema
	var cols []dataset.Col
	rng := rand.New(rand.NewPCG(1, 2))
	for i := range nCat {
		s.Features = append(s.Features, dataset.Column{Name: fmt.Sprintf("cat%03d", i), Kind: dataset.Category})
		levels := 3
		if i == 0 {
			levels = 5000
		}
		var col dataset.Col
		for l := range levels {
			col.Levels = append(col.Levels, fmt.Sprintf("level-%d-%d", i, l))
		}
		for r := range rows {
			col.Codes = append(col.Codes, int32(r%levels))
		}
		cols = append(cols, col)
	}
	for i := range nNum {
		s.Features = append(s.Features, dataset.Column{Name: fmt.Sprintf("num%03d", i), Kind: dataset.Numeric})
		var col dataset.Col
		for range rows {
			col.Values = append(col.Values, math.Round(100*rng.Float64()))
		}
		cols = append(cols, col)
	}
	tab := &dataset.Table{Schema: s, Cols: cols}
	tr, err := features.Fit(tab)
	require.NoError(t, err)
	b, err := drift.Fit(tab, tr)
	require.NoError(t, err)
	m, err := drift.NewMonitor(b, tr)
	require.NoError(t, err)
	served, err := tr.Rows(tab.Subset([]int{0, 1, 2, 3, 4, 4999}))
	require.NoError(t, err)
	for _, r := range served {
		m.Observe(r)
	}
	got := scrape(t, promdrift.NewCollector(func() *drift.Monitor { return m }))
	var series int
	for line := range strings.Lines(got) {
		if strings.HasPrefix(line, "#") {
			continue
		}
		series++
		require.NotContains(t, line, "level-", "a level as a label")
		if strings.Contains(line, "{") {
			require.Regexp(t, `^predict_drift_[a-z_]+\{feature="(cat|num)\d{3}"\} `, line)
		}
	}
	require.Equal(t, 4*(nNum+nCat)+2, series, "series of a model of %d features", nNum+nCat)
	require.Contains(t, got, "\npredict_drift_features_drifting 0\n")
}
