// Package report renders the human-readable training report: one
// self-contained, accessible HTML page whose charts (drawn with
// gonum.org/v1/plot) are inline SVG, so it needs no other files, no
// script, and opens from S3 or a disk alike. The same input renders the
// same bytes.
package report

import (
	"bytes"
	"cmp"
	_ "embed"
	"fmt"
	"html/template"
	"math"
	"strconv"
	"strings"

	"github.com/studentperf/studentperf/shared/dataset"
	"github.com/studentperf/studentperf/shared/metrics"
	"github.com/studentperf/studentperf/shared/model"
)

//go:embed report.html.tmpl
var pageText string

var page = template.Must(template.New("report").Funcs(template.FuncMap{
	"f4":        func(f float64) string { return num(f, 4) },
	"f3":        func(f float64) string { return num(f, 3) },
	"f2":        func(f float64) string { return num(f, 2) },
	"v":         value,
	"pct":       func(n, of int) string { return num(100*float64(n)/float64(max(of, 1)), 1) },
	"label":     levelLabel,
	"human":     humanName,
	"maxLevels": func() int { return maxLevels },
	"maxBars":   func() int { return maxBars },
}).Parse(pageText))

// Caps on what one page shows, so that a table of any width renders a
// page of bounded size; the page says what it left out, and metrics.json
// keeps everything.
const (
	maxHistograms  = 8    // histograms: the target's and the numeric features' first (by importance when known)
	maxLevels      = 20   // levels listed per category column, largest first; the rest are one "other" row
	maxSummaryRows = 25   // rows of a per-column table shown before the rest folds into a disclosure
	maxBars        = 20   // features in the importance chart, largest first
	maxOpenColumns = 6    // up to this many category columns, their tables are open; more start folded
	maxPoints      = 2000 // points in the scatter plot: evenly spaced held-out rows beyond
)

// Input is everything the report shows. The training pipeline fills it;
// Render only lays it out. Every column the report names comes from the
// data's schema (Metrics.Stats, Numeric, Slices): the report assumes no
// column, range or unit of its own.
type Input struct {
	Model    string         // the model's name in the store
	Target   string         // the target column's name
	Metrics  *model.Metrics // the run's metrics.json
	Decision Decision

	// Columns is the schema the data was read with, every column of the
	// table with its kind and the reason for it (dataset.Schema.Columns);
	// nil leaves that table out.
	Columns []dataset.Column

	// Numeric is the training data's numeric columns and target
	// (NumericSeries), for their medians and distributions.
	Numeric []Series

	Actual    []float64 // held-out targets
	Predicted []float64 // the selected model's predictions for them

	Slices []Slice // error by slice on the held-out rows (Slices)
	// Skipped lists the grid points the search did not score, and why.
	Skipped []Skipped

	Importance []Importance // global feature importance (Importances); nil: not available
	// ImportanceRows is how many held-out rows Importance averages over
	// (0: all of them).
	ImportanceRows int
	// ImportanceNote says why Importance is nil.
	ImportanceNote string
}

// Skipped is a grid point the search did not score: one that cannot
// apply to the data or failed to fit, with the reason.
type Skipped struct {
	Name   string
	Family string
	Params map[string]float64
	Reason string
}

// Decision is the outcome of the push: where the run went and why, and
// the model it was compared with.
type Decision struct {
	Pushed  bool
	Version string // the new version, when pushed
	Run     string // the run's id, when not pushed: its report sits under runs/
	Reason  string
	// Previous is the version that was current when the run started; nil
	// when there was none.
	Previous *Previous
}

// Previous is the version a run was compared with.
type Previous struct {
	Version string
	// Test is its score on this run's held-out rows; nil when it could
	// not be scored (Note says why).
	Test *metrics.Regression
	// Metrics is its own metrics.json; nil when unreadable (Note says
	// why).
	Metrics *model.Metrics
	Note    string
}

// Render returns the report page.
func Render(in Input) ([]byte, error) {
	if in.Metrics == nil {
		return nil, fmt.Errorf("render report: no metrics")
	}
	if len(in.Actual) != len(in.Predicted) {
		return nil, fmt.Errorf("render report: %d targets for %d predictions", len(in.Actual), len(in.Predicted))
	}
	v, err := build(in)
	if err != nil {
		return nil, fmt.Errorf("render report: %w", err)
	}
	var buf bytes.Buffer
	if err := page.Execute(&buf, v); err != nil {
		return nil, fmt.Errorf("render report: %w", err)
	}
	return buf.Bytes(), nil
}

// view is what the template reads: the input, plus the charts and the
// tables arranged for display.
type view struct {
	Input
	M               *model.Metrics
	TargetName      string // the target in words: "math score", "price"
	Summary         summary
	Families        []family
	Scored          int // candidates with a cross-validated score
	SkippedCount    int // grid points skipped
	FamilyChart     *chart
	Scatter         *chart
	Residuals       *chart
	SliceViews      []sliceView
	OpenSlices      bool
	ImportanceChart *chart
	ImportanceHead  []Importance // the importance table's first rows
	ImportanceTail  []Importance // the rest, folded
	Prev            *Previous
	Ignored         []dataset.Column // the columns the schema leaves out
}

func build(in Input) (*view, error) {
	m := in.Metrics
	target := cmp.Or(in.Target, "target")
	v := &view{Input: in, M: m, Prev: in.Decision.Previous, TargetName: humanName(target)}
	var err error
	if v.Summary, err = summarise(m.Stats, in.Numeric, target, in.Importance); err != nil {
		return nil, err
	}
	for _, c := range in.Columns {
		if c.Kind == dataset.Ignored {
			v.Ignored = append(v.Ignored, c)
		}
	}
	v.Families = families(m.Candidates, in.Skipped, m.Selected)
	for _, f := range v.Families {
		v.Scored += f.Tried() - len(f.Skipped)
		v.SkippedCount += len(f.Skipped)
	}
	if v.FamilyChart, err = familyChart(v.Families, m.CV.Folds); err != nil {
		return nil, err
	}
	if len(in.Actual) > 0 {
		if v.Scatter, v.Residuals, err = heldOutCharts(in.Actual, in.Predicted, v.TargetName); err != nil {
			return nil, err
		}
	}
	v.SliceViews = sliceViews(in.Slices)
	v.OpenSlices = len(in.Slices) <= maxOpenColumns
	if len(in.Importance) > 0 {
		if v.ImportanceChart, err = importanceChart(in.Importance, v.TargetName); err != nil {
			return nil, err
		}
		v.ImportanceHead = in.Importance[:min(len(in.Importance), maxSummaryRows)]
		v.ImportanceTail = in.Importance[len(v.ImportanceHead):]
	}
	return v, nil
}

// heldOutCharts draws the predicted-against-actual scatter plot and the
// residual histogram of the held-out rows, over the data's own range.
func heldOutCharts(actual, pred []float64, target string) (*chart, *chart, error) {
	what := "each held-out row"
	a, p := actual, pred
	if n := len(actual); n > maxPoints {
		step := (n + maxPoints - 1) / maxPoints
		a, p = make([]float64, 0, maxPoints), make([]float64, 0, maxPoints)
		for i := 0; i < n; i += step {
			a, p = append(a, actual[i]), append(p, pred[i])
		}
		what = fmt.Sprintf("%d evenly spaced rows of the %d held-out rows", len(a), n)
	}
	sc, err := scatterChart("chart-scatter", "Scatter plot of the winner's predicted "+target+" against the actual "+target+" for "+what+", with the identity line of perfect prediction", target, a, p)
	if err != nil {
		return nil, nil, err
	}
	resid := make([]float64, len(actual))
	for i := range resid {
		resid[i] = actual[i] - pred[i]
	}
	lim := 0.0
	for _, r := range finite(resid) {
		lim = math.Max(lim, math.Abs(r))
	}
	step := niceStep(2 * lim / 40)
	lim = math.Max(math.Ceil(lim/step)*step, step)
	r, err := histogramChart("chart-residuals", fmt.Sprintf("Histogram of the residuals (actual minus predicted %s) of the held-out rows, from −%s to %s in bins of %s", target, round(lim), round(lim), round(step)),
		"residual: actual − predicted "+target, resid, -lim, lim, step)
	if err != nil {
		return nil, nil, err
	}
	return &sc, &r, nil
}

// importanceChart draws the largest maxBars importances.
func importanceChart(imp []Importance, target string) (*chart, error) {
	imp = imp[:min(len(imp), maxBars)]
	names := make([]string, len(imp))
	vals := make([]float64, len(imp))
	for i, f := range imp {
		names[i], vals[i] = f.Feature, f.MeanAbs
	}
	c, err := barChart("chart-importance", "Bar chart of each feature's mean absolute contribution to the predicted "+target+" over the held-out rows, largest first",
		"mean |contribution| ("+target+")", names, vals)
	if err != nil {
		return nil, err
	}
	return &c, nil
}

// num formats f with prec decimals; "—" stands for a number that does not
// exist (NaN: no rows, every value missing).
func num(f float64, prec int) string {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return "—"
	}
	s := strconv.FormatFloat(f, 'f', prec, 64)
	if strings.Trim(s, "-0.") == "" {
		return strings.TrimPrefix(s, "-") // no "-0.000"
	}
	return s
}

// value formats a number of the data's own scale: two decimals, or four
// significant digits in exponent form for the very large and the very
// small; "—" for a number that does not exist.
func value(f float64) string {
	if a := math.Abs(f); a >= 1e9 || a != 0 && a < 0.01 {
		if math.IsNaN(f) || math.IsInf(f, 0) {
			return "—"
		}
		return strconv.FormatFloat(f, 'g', 4, 64)
	}
	return num(f, 2)
}

// round writes a bin edge or width: at most ten significant digits, so
// that 3 × 0.1 reads 0.3.
func round(f float64) string { return strconv.FormatFloat(f, 'g', 10, 64) }

func levelLabel(level string) string {
	if level == "" {
		return "(missing)"
	}
	return level
}

// humanName turns a column name into words: "race_ethnicity" →
// "race ethnicity".
func humanName(s string) string { return strings.ReplaceAll(s, "_", " ") }
