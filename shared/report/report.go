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
	"slices"
	"strconv"
	"strings"

	"github.com/studentperf/studentperf/shared/dataset"
	"github.com/studentperf/studentperf/shared/metrics"
	"github.com/studentperf/studentperf/shared/model"
)

//go:embed report.html.tmpl
var pageText string

var page = template.Must(template.New("report").Funcs(template.FuncMap{
	"f4":    func(f float64) string { return num(f, 4) },
	"f3":    func(f float64) string { return num(f, 3) },
	"f2":    func(f float64) string { return num(f, 2) },
	"pct":   func(n, of int) string { return num(100*float64(n)/float64(max(of, 1)), 1) },
	"label": levelLabel,
	"human": humanName,
}).Parse(pageText))

// Input is everything the report shows. The training pipeline fills it;
// Render only lays it out.
type Input struct {
	Model    string         // the model's name in the store
	Metrics  *model.Metrics // the run's metrics.json
	Decision Decision

	Scores []Series // the training data's score columns and target (ScoreSeries), for their distributions

	Actual    []float64 // held-out targets
	Predicted []float64 // the selected model's predictions for them

	Slices     []Slice      // error by slice on the held-out rows (Slices)
	Importance []Importance // global feature importance (Importances); nil: not available
	// ImportanceRows is how many held-out rows Importance averages over
	// (0: all of them).
	ImportanceRows int
	// ImportanceNote says why Importance is nil.
	ImportanceNote string
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
	Categories      []dataset.ColumnStats
	ScoreStats      []dataset.ColumnStats
	Distribution    []chart
	Families        []family
	FamilyChart     *chart
	Winner          *model.Candidate
	Scatter         *chart
	Residuals       *chart
	ResidualNote    string
	ImportanceChart *chart
	Prev            *Previous
}

// family is the candidates of one model family, best first.
type family struct {
	Name       string
	Candidates []candidate
	HasWinner  bool
}

type candidate struct {
	model.Candidate
	Params string
	Winner bool
}

func build(in Input) (*view, error) {
	m := in.Metrics
	v := &view{Input: in, M: m, Prev: in.Decision.Previous}
	for _, c := range m.Stats.Columns {
		if c.Kind == dataset.Category {
			v.Categories = append(v.Categories, c)
		} else {
			v.ScoreStats = append(v.ScoreStats, c)
		}
	}
	for _, s := range in.Scores {
		if len(finite(s.Values)) == 0 {
			continue
		}
		c, err := histogramChart("chart-dist-"+s.Name, "Histogram of "+humanName(s.Name)+" in the training data, 0 to 100 points in bins of 5",
			humanName(s.Name)+" (points)", s.Values, 0, 100, 5)
		if err != nil {
			return nil, err
		}
		v.Distribution = append(v.Distribution, c)
	}

	v.Families = families(m.Candidates, m.Selected)
	for i := range m.Candidates {
		if m.Candidates[i].Name == m.Selected {
			v.Winner = &m.Candidates[i]
		}
	}
	if len(v.Families) > 0 {
		var names []string
		var means, stds []float64
		win := -1
		for i, f := range v.Families {
			best := f.Candidates[0]
			names = append(names, f.Name)
			means, stds = append(means, best.CVR2Mean), append(stds, best.CVR2Std)
			if f.HasWinner {
				win = i
			}
		}
		c, err := dotChart("chart-families", "Best candidate of each model family: mean cross-validated R² with ± one standard deviation across folds; the winner's family is the larger blue dot",
			fmt.Sprintf("mean %d-fold cross-validated R² (1 = perfect)", m.CV.Folds), names, means, stds, win)
		if err != nil {
			return nil, err
		}
		v.FamilyChart = &c
	}

	if len(in.Actual) > 0 {
		c, err := scatterChart("chart-scatter", "Scatter plot of the winner's predicted math score against the actual score for each held-out row, with the identity line of perfect prediction", in.Actual, in.Predicted)
		if err != nil {
			return nil, err
		}
		v.Scatter = &c
		resid := make([]float64, len(in.Actual))
		for i := range resid {
			resid[i] = in.Actual[i] - in.Predicted[i]
		}
		lim := 10.0
		for _, r := range finite(resid) {
			lim = math.Max(lim, math.Ceil(math.Abs(r)/5)*5)
		}
		lim = math.Min(lim, 100)
		r, err := histogramChart("chart-residuals", fmt.Sprintf("Histogram of the residuals (actual minus predicted) of the held-out rows, from −%g to %g points in bins of 2", lim, lim),
			"residual: actual − predicted (points)", resid, -lim, lim, 2)
		if err != nil {
			return nil, err
		}
		v.Residuals = &r
	}

	if len(in.Importance) > 0 {
		names := make([]string, len(in.Importance))
		vals := make([]float64, len(in.Importance))
		for i, f := range in.Importance {
			names[i], vals[i] = f.Feature, f.MeanAbs
		}
		c, err := barChart("chart-importance", "Bar chart of each feature's mean absolute contribution to the predicted math score over the held-out rows, largest first",
			"mean |contribution| (points of math score)", names, vals)
		if err != nil {
			return nil, err
		}
		v.ImportanceChart = &c
	}
	return v, nil
}

// families groups candidates by family, families in order of their
// first candidate, each family's candidates by mean CV R² (best first),
// ties by name.
func families(cs []model.Candidate, selected string) []family {
	var out []family
	index := map[string]int{}
	for _, c := range cs {
		name := cmp.Or(c.Family, "other")
		i, ok := index[name]
		if !ok {
			i = len(out)
			index[name] = i
			out = append(out, family{Name: name})
		}
		win := c.Name == selected
		out[i].Candidates = append(out[i].Candidates, candidate{Candidate: c, Params: params(c.Name, c.Params), Winner: win})
		out[i].HasWinner = out[i].HasWinner || win
	}
	for i := range out {
		slices.SortStableFunc(out[i].Candidates, func(a, b candidate) int {
			return cmp.Or(cmp.Compare(b.CVR2Mean, a.CVR2Mean), cmp.Compare(a.Name, b.Name))
		})
	}
	return out
}

// params writes a candidate's parameters as "name=value", sorted by name.
// A value the candidate's name spells out ("tree(criterion=poisson)")
// is written as there: the name says "poisson" where the parameters hold
// its code.
func params(name string, p map[string]float64) string {
	named := map[string]string{}
	if i := strings.IndexByte(name, '('); i >= 0 && strings.HasSuffix(name, ")") {
		for _, kv := range strings.Split(name[i+1:len(name)-1], ",") {
			if k, v, ok := strings.Cut(kv, "="); ok {
				named[k] = v
			}
		}
	}
	keys := make([]string, 0, len(p))
	for k := range p {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		v, ok := named[k]
		if !ok {
			v = strconv.FormatFloat(p[k], 'g', -1, 64)
		}
		parts[i] = k + "=" + v
	}
	return strings.Join(parts, ", ")
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

func levelLabel(level string) string {
	if level == "" {
		return "(missing)"
	}
	return level
}

// humanName turns a column name into words: "race_ethnicity" →
// "race ethnicity".
func humanName(s string) string { return strings.ReplaceAll(s, "_", " ") }
