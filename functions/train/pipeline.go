package main

import (
	"cmp"
	"context"
	"fmt"
	"github.com/studentperf/studentperf/shared/cli"
	"io"
	"math"
	"os"
	"slices"
	"time"
	"unicode/utf8"

	"github.com/studentperf/studentperf/shared/dataset"
	"github.com/studentperf/studentperf/shared/drift"
	"github.com/studentperf/studentperf/shared/explain"
	"github.com/studentperf/studentperf/shared/features"
	"github.com/studentperf/studentperf/shared/metrics"
	"github.com/studentperf/studentperf/shared/model"
	"github.com/studentperf/studentperf/shared/pusher"
	"github.com/studentperf/studentperf/shared/report"
	"github.com/studentperf/studentperf/shared/search"
)

// outcome is what one training run produced.
type outcome struct {
	Model    string // the model's name: a schema file may name it
	Metrics  *model.Metrics
	Decision pusher.Decision
}

// train runs the pipeline step by step; each step names itself in its
// error. Nothing touches the store before the push step.
func train(ctx context.Context, cfg config, store pusher.Store, out io.Writer, now func() time.Time) (*outcome, error) {
	start := now()
	cfg, err := withSchemaFile(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("ingest: %w", err)
	}

	// The model to beat, and the revision of current.json this run's push
	// replaces: read before training, so that a run which another one
	// overtakes while it trains loses the race instead of overwriting it.
	base, err := pusher.ReadBase(ctx, store, cfg.Model)
	if err != nil {
		return nil, fmt.Errorf("read current: %w", err)
	}
	d, err := ingest(ctx, cfg, out)
	if err != nil {
		return nil, err
	}
	tr, err := features.Fit(d.train)
	if err != nil {
		return nil, fmt.Errorf("transform: %w", err)
	}
	found, err := runSearch(ctx, cfg, tr, d.train, out)
	if err != nil {
		return nil, err
	}
	m, err := buildModel(cfg, d, tr, found)
	if err != nil {
		return nil, fmt.Errorf("model: %w", err)
	}
	mt, testPred, err := evaluate(cfg, m, d, found)
	if err != nil {
		return nil, err
	}
	printCandidates(out, mt)
	c := pusher.Candidate{Base: base, Model: m, Test: d.test, Metrics: mt}
	decision, err := push(ctx, cfg, store, out, c, d, testPred, now)
	if err != nil {
		return nil, err
	}
	fmt.Fprintf(out, "done in %.2fs\n", now().Sub(start).Seconds())
	return &outcome{Model: cfg.Model, Metrics: mt, Decision: decision}, nil
}

// ingested is the run's data: the whole table, its training and held-out
// parts and where they came from.
type ingested struct {
	all, train, test *dataset.Table
	schema           dataset.Schema  // what the table was read with
	info             model.DataInfo  // the training data (-data)
	testInfo         *model.DataInfo // the held-out data, when -test-data gave it
	stats            dataset.Stats   // the description of all
}

// ingest loads the training data and holds out the test rows: the
// -test-data table when given, a seeded split of the data otherwise. It
// says on out what it read.
func ingest(ctx context.Context, cfg config, out io.Writer) (ingested, error) {
	src := dataset.SourceOptions{Seed: cfg.Seed, Openers: cfg.openers}
	tab, schema, info, err := dataset.LoadInferred(ctx, cfg.Data, schemaChoice(cfg), src)
	if err != nil {
		return ingested{}, fmt.Errorf("ingest: %w", err)
	}
	d := ingested{all: tab, schema: schema, info: model.DataInfo{URI: info.URI, Rows: info.Rows, SHA256: info.SHA256, Dropped: tab.Dropped}, stats: dataset.Describe(tab)}
	if cfg.TestData != "" {
		t, ti, err := dataset.Load(ctx, cfg.TestData, schema, src)
		if err != nil {
			return ingested{}, fmt.Errorf("ingest test data: %w", err)
		}
		d.train, d.test, d.testInfo = tab, t, &model.DataInfo{URI: ti.URI, Rows: ti.Rows, SHA256: ti.SHA256, Dropped: t.Dropped}
		if err := enoughRows(d.train.Len(), d.test.Len(), cfg.Folds); err != nil {
			return ingested{}, fmt.Errorf("ingest: %w", err)
		}
		fmt.Fprintf(out, "data: %s (%d rows), test data: %s (%d rows)\n", info.URI, info.Rows, ti.URI, ti.Rows)
		printSchema(out, schema, cfg.SchemaURI, d.stats, tab.Dropped+t.Dropped)
		return d, nil
	}
	if need := rowsNeeded(cfg.TestFraction, cfg.Folds); tab.Len() < need {
		return ingested{}, fmt.Errorf("ingest: %w: the data has %d; at test fraction %v the run needs at least %d (at least %d held out to judge R², and %d training rows for %d-fold cross-validation, %d a fold)",
			search.ErrTooFewRows, tab.Len(), cfg.TestFraction, need, minTestRows, search.MinFoldRows*cfg.Folds, cfg.Folds, search.MinFoldRows)
	}
	if d.train, d.test, err = dataset.Split(tab, cfg.TestFraction, cfg.Seed); err != nil {
		return ingested{}, fmt.Errorf("split: %w", err)
	}
	fmt.Fprintf(out, "data: %s (%d rows), split %d train / %d test (seed %d)\n", info.URI, info.Rows, d.train.Len(), d.test.Len(), cfg.Seed)
	printSchema(out, schema, cfg.SchemaURI, d.stats, tab.Dropped)
	return d, nil
}

// minTestRows is the fewest held-out rows a model is judged on: R² is a
// ratio of variances, which one row does not have and a handful barely
// estimate, and the push decision rests on it.
const minTestRows = 10

// enoughRows checks that the training rows can be folded and the held-out
// rows can judge, naming each minimum.
func enoughRows(train, test, folds int) error {
	if test < minTestRows {
		return fmt.Errorf("%w: the held-out data has %d rows; judging a model needs at least %d", search.ErrTooFewRows, test, minTestRows)
	}
	if need := search.MinFoldRows * folds; train < need {
		return fmt.Errorf("%w: the training data has %d rows; %d-fold cross-validation needs at least %d (%d a fold)",
			search.ErrTooFewRows, train, folds, need, search.MinFoldRows)
	}
	return nil
}

// rowsNeeded is the fewest rows that, split at the test fraction as
// dataset.Split splits (⌈fraction·n⌉ held out), leave minTestRows held out
// and enough training rows for the folds.
func rowsNeeded(fraction float64, folds int) int {
	if !(fraction > 0 && fraction < 1) {
		return 0 // Split names a bad fraction itself
	}
	held := func(n int) int { return int(math.Ceil(fraction * float64(n))) }
	n := max(minTestRows+search.MinFoldRows*folds, int(math.Min(float64(minTestRows-1)/fraction, 1<<50)))
	for held(n) < minTestRows || n-held(n) < search.MinFoldRows*folds {
		n++
	}
	return n
}

// runSearch cross-validates the run's grid on the training rows and
// refits the winner, reporting each family as it finishes (and each fit
// on cfg.progress when set). The training inputs live only as long as
// the search.
func runSearch(ctx context.Context, cfg config, tr *features.Transform, rows *dataset.Table, out io.Writer) (*search.Outcome, error) {
	grid, err := searchGrid(cfg, rows.Len())
	if err != nil {
		return nil, fmt.Errorf("search: %w", err)
	}
	in, err := search.Inputs(tr, rows)
	if err != nil {
		return nil, fmt.Errorf("transform: %w", err)
	}
	opts := search.Options{
		Context: ctx,
		Folds:   cfg.Folds,
		Seed:    cfg.Seed,
		Progress: func(family string, n int, elapsed time.Duration) {
			fmt.Fprintf(out, "search: %-10s %3d candidates, %d-fold CV done at %.3fs\n", family, n, cfg.Folds, elapsed.Seconds())
		},
	}
	if cfg.progress != nil {
		// Live on a terminal, a line per tenth of the fits elsewhere.
		p := cli.NewProgress(cfg.progress, cli.IsTerminal(cfg.progress), "search", time.Now)
		opts.OnFit = p.Step
		defer p.Finish()
	}
	found, err := search.Run(in, grid, opts)
	if err != nil {
		return nil, err // search's errors say "search: " already
	}
	return found, nil
}

// buildModel wraps the search's refitted estimator in a model with the
// run's provenance and the training data's profile, which served inputs
// are compared with.
func buildModel(cfg config, d ingested, tr *features.Transform, found *search.Outcome) (*model.Model, error) {
	prov := model.Provenance{Seed: cfg.Seed, Data: d.info, TestData: d.testInfo, Folds: cfg.Folds}
	if d.testInfo == nil {
		prov.TestFraction = cfg.TestFraction
	}
	training, err := drift.Fit(d.train, tr)
	if err != nil {
		return nil, err
	}
	m, err := model.New(cfg.Model, d.schema, tr, found.Estimator, prov)
	if err != nil {
		return nil, err
	}
	m.Training = training
	return m, nil
}

// evaluate scores m on the held-out and the training rows and gathers
// the run's metrics: the scores, every candidate's cross-validation and
// the data's description. It returns the held-out predictions too, which
// the report plots.
func evaluate(cfg config, m *model.Model, d ingested, found *search.Outcome) (*model.Metrics, []float64, error) {
	testPred, err := m.PredictTable(d.test)
	if err != nil {
		return nil, nil, fmt.Errorf("evaluate: test data: %w", err)
	}
	testMetrics, err := metrics.EvaluateRegression(d.test.Target, testPred)
	if err != nil {
		return nil, nil, fmt.Errorf("evaluate: %w", err)
	}
	trainPred, err := m.PredictTable(d.train)
	if err != nil {
		return nil, nil, fmt.Errorf("evaluate: training data: %w", err)
	}
	trainMetrics, err := metrics.EvaluateRegression(d.train.Target, trainPred)
	if err != nil {
		return nil, nil, fmt.Errorf("evaluate: %w", err)
	}
	best := found.Results[found.Best]
	mt := &model.Metrics{
		Selected: best.Name, Test: testMetrics, Train: trainMetrics,
		CV:   model.CV{Folds: found.Folds, R2Mean: best.CVMean, R2Std: best.CVStd},
		Data: d.info, TestData: d.testInfo, Seed: cfg.Seed, Stats: d.stats,
	}
	for _, r := range found.Results {
		mt.Candidates = append(mt.Candidates, model.Candidate{Name: r.Name, Family: r.Family, Params: r.Params,
			CVR2Mean: r.CVMean, CVR2Std: r.CVStd, FoldR2: r.FoldR2, FitSeconds: r.FitSeconds, Skipped: r.Skipped})
	}
	return mt, testPred, nil
}

// push encodes the candidate's model, prepares its report page and
// offers both to the store under the run's policy at the time now gives,
// then says on out what became of it. A refused run (below MIN_R2, lost
// race) says where its report is before it fails.
func push(ctx context.Context, cfg config, store pusher.Store, out io.Writer, c pusher.Candidate, d ingested, testPred []float64, now func() time.Time) (pusher.Decision, error) {
	encoded, err := model.Encode(c.Model)
	if err != nil {
		return pusher.Decision{}, fmt.Errorf("encode: %w", err)
	}
	page, err := reportInput(cfg.Model, c.Model, d.all, d.test, testPred)
	if err != nil {
		return pusher.Decision{}, fmt.Errorf("report: %w", err)
	}
	c.Bytes = encoded
	c.Render = func(o pusher.Outcome) ([]byte, error) { return report.Render(page.with(o)) }
	c.Now = now()
	decision, err := pusher.Push(ctx, store, cfg.Model, c, pusher.Policy{MinR2: cfg.MinR2, Tolerance: pusher.DefaultTolerance})
	if err != nil {
		printReport(out, decision)
		return decision, fmt.Errorf("push: %w", err)
	}
	if decision.Pushed {
		fmt.Fprintf(out, "pushed: %s/%s/versions/%s (%s)\n", cfg.Store, cfg.Model, decision.Version, decision.Reason)
	} else {
		fmt.Fprintf(out, "not pushed: %s\n", decision.Reason)
	}
	printReport(out, decision)
	return decision, nil
}

// printReport says where the run's report went, or why it could not be
// written (which does not change the outcome of the run).
func printReport(out io.Writer, d pusher.Decision) {
	switch {
	case d.Report != "":
		fmt.Fprintf(out, "report: %s\n", d.Report)
	case d.ReportErr != nil:
		fmt.Fprintf(out, "report: not written: %v\n", d.ReportErr)
	}
}

// maxExplained bounds the held-out rows explained for the global feature
// importance, and importanceWork the work they may take, in steps of
// explain.Explainer.Cost (about a nanosecond each: 4 s of a core), so that
// a model costly to explain (kNN or AdaBoost on a wide table) explains
// fewer rows, and never fewer than minExplained.
const (
	maxExplained   = 2_000
	minExplained   = 50
	importanceWork = 4e9
)

// pageInput is the report's input without the push decision, which
// Push supplies.
type pageInput struct{ report.Input }

// with returns the input with the decision o.
func (p pageInput) with(o pusher.Outcome) report.Input {
	in := p.Input
	in.Metrics = o.Metrics
	d := o.Decision
	in.Decision = report.Decision{Pushed: d.Pushed, Version: d.Version, Run: d.Run, Reason: d.Reason}
	if pv := d.Previous; pv != nil {
		in.Decision.Previous = &report.Previous{Version: pv.Version, Test: pv.Test, Metrics: pv.Metrics, Note: pv.Note}
	}
	return in
}

// reportInput gathers what the report shows besides the decision: the
// training data's numeric columns, the held-out predictions, the error by slice
// and the global feature importance (the mean absolute contribution of
// each raw feature, from the model's explainer, over the held-out rows).
// A model that cannot explain a row leaves the importance out, with the
// reason, rather than fail the run.
func reportInput(name string, m *model.Model, data, test *dataset.Table, pred []float64) (pageInput, error) {
	sl, err := report.Slices(test, pred)
	if err != nil {
		return pageInput{}, err
	}
	in := report.Input{Model: name, Target: data.Schema.Target, Columns: m.Schema().Columns, Numeric: report.NumericSeries(data), Actual: test.Target, Predicted: pred, Slices: sl}
	in.Importance, in.ImportanceRows, err = importance(m, test)
	if err != nil {
		in.ImportanceNote = err.Error()
	}
	return pageInput{in}, nil
}

// importance builds the model's explainer, explains at most maxExplained
// held-out rows with it, evenly spaced, and returns the mean absolute
// contribution of each feature and the number of rows explained.
func importance(m *model.Model, test *dataset.Table) ([]report.Importance, int, error) {
	rows, err := m.Transform.Rows(test)
	if err != nil {
		return nil, 0, err
	}
	ex, err := explain.New(m)
	if err != nil {
		return nil, 0, err
	}
	n := maxExplained
	if c := ex.Cost(); c > 0 {
		n = max(minExplained, min(n, int(importanceWork/c)))
	}
	step := max(1, (len(rows)+n-1)/n)
	contrib := make([][]float64, 0, len(rows)/step+1)
	for i := 0; i < len(rows); i += step {
		e, err := ex.Explain(rows[i])
		if err != nil {
			return nil, 0, fmt.Errorf("held-out row %d: %w", i+1, err)
		}
		contrib = append(contrib, e.Contributions)
	}
	names := make([]string, len(m.Features))
	for i, f := range m.Features {
		names[i] = f.Name
	}
	imp, err := report.Importances(names, contrib)
	if err != nil {
		return nil, 0, err
	}
	return imp, len(contrib), nil
}

// leaders is how many of the best candidates the summary shows, besides
// each family's best and the selected one; skippedShown is how many
// skipped candidates it names.
const (
	leaders      = 5
	skippedShown = 5
)

// printCandidates writes the summary: a leaderboard of the best
// candidates, each family's best and the selected one (marked *), a count
// of the rest, the skipped candidates with their reasons, and the
// winner's held-out scores. metrics.json and the report list every
// candidate.
func printCandidates(out io.Writer, m *model.Metrics) {
	shown, skipped := leaderboard(m)
	w := 35 // the name column: the longest name shown
	for _, i := range shown {
		w = max(w, utf8.RuneCountInString(m.Candidates[i].Name))
	}
	fmt.Fprintf(out, "%-*s %-18s %s\n", w+1, "candidate", "CV R² mean ± std", "fit s")
	for _, i := range shown {
		c := m.Candidates[i]
		mark := " "
		if c.Name == m.Selected {
			mark = "*"
		}
		fmt.Fprintf(out, "%s%-*s %.4f ± %.4f    %.4f\n", mark, w, c.Name, c.CVR2Mean, c.CVR2Std, c.FitSeconds)
	}
	if rest := len(m.Candidates) - len(shown) - len(skipped); rest > 0 {
		fmt.Fprintf(out, "… %d more candidates: every one is in the version's metrics.json and report\n", rest)
	}
	for n, i := range skipped {
		if n == skippedShown {
			fmt.Fprintf(out, "skipped: %d more (metrics.json)\n", len(skipped)-n)
			break
		}
		fmt.Fprintf(out, "skipped: %s: %s\n", m.Candidates[i].Name, m.Candidates[i].Skipped)
	}
	fmt.Fprintf(out, "selected: %s (CV R² %.4f ± %.4f over %d folds)\n", m.Selected, m.CV.R2Mean, m.CV.R2Std, m.CV.Folds)
	fmt.Fprintf(out, "test: R² %.4f  RMSE %.3f  MAE %.3f  (%d rows); train R² %.4f\n", m.Test.R2, m.Test.RMSE, m.Test.MAE, m.Test.Rows, m.Train.R2)
}

// leaderboard returns the indices of the candidates the summary shows, by
// mean CV R² (best first, ties in search order): the best few, then each
// family's best and the selected one when not among them; and the indices
// of the skipped candidates, in search order.
func leaderboard(m *model.Metrics) (shown, skipped []int) {
	var scored []int
	for i, c := range m.Candidates {
		if c.Skipped != "" {
			skipped = append(skipped, i)
		} else {
			scored = append(scored, i)
		}
	}
	slices.SortStableFunc(scored, func(a, b int) int {
		return cmp.Compare(m.Candidates[b].CVR2Mean, m.Candidates[a].CVR2Mean)
	})
	families := map[string]bool{}
	for n, i := range scored {
		c := m.Candidates[i]
		if n < leaders || !families[c.Family] || c.Name == m.Selected {
			shown = append(shown, i)
		}
		families[c.Family] = true
	}
	return shown, skipped
}

// searchGrid is the grid of the run: the grid file, or the default grid
// for the training rows (search.DefaultGridFor), narrowed to -families.
func searchGrid(cfg config, rows int) (search.Grid, error) {
	grid := search.DefaultGridFor(rows)
	if cfg.GridFile != "" {
		b, err := os.ReadFile(cfg.GridFile)
		if err != nil {
			return nil, fmt.Errorf("grid file: %w", err)
		}
		if grid, err = search.ParseGrid(b); err != nil {
			return nil, fmt.Errorf("grid file %s: %w", cfg.GridFile, err)
		}
	}
	return grid.Only(cfg.Families)
}
