// Package pusher decides whether a trained model replaces the current one
// and, if so, writes it into the model store: new version files first, the
// current pointer last, only after the model was reloaded from its own
// bytes and found to predict identically.
package pusher

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"path"
	"strings"
	"time"

	"github.com/studentperf/studentperf/shared/dataset"
	"github.com/studentperf/studentperf/shared/metrics"
	"github.com/studentperf/studentperf/shared/model"
	"github.com/studentperf/studentperf/shared/modelstore"
)

// Store is what the pusher needs of a model store.
type Store interface {
	Current(ctx context.Context, name string) (modelstore.Pointer, error)
	ReadFile(ctx context.Context, name, version, file string) ([]byte, error)
	WriteVersion(ctx context.Context, name, version string, files map[string][]byte) error
	SetCurrent(ctx context.Context, name string, p modelstore.Pointer, prev string) error
	DeleteVersion(ctx context.Context, name, version string) error
	WriteRun(ctx context.Context, name, run string, files map[string][]byte) error
	String() string
}

var (
	_ Store = (*modelstore.Dir)(nil)
	_ Store = (*modelstore.S3)(nil)
)

// ErrBelowMinR2 reports a model whose held-out R² misses the minimum.
var ErrBelowMinR2 = errors.New("pusher: model below the minimum R²")

// ErrLostRace reports a push that lost to another run: current.json
// changed between the moment this run read it (before training) and its
// own conditional write. The loser's version is deleted; the winner stays
// current.
var ErrLostRace = errors.New("pusher: lost the race to update current.json")

// Base is the store's current pointer as a run found it before training:
// the model the run must beat, and the revision its conditional write
// replaces.
type Base struct {
	Current *modelstore.Pointer // nil: the store has no current model
}

// ReadBase reads the current pointer of name. A missing pointer is an
// empty Base; an unreadable one is an error (a reader cannot use it
// either, and replacing it blindly could hide a fault).
func ReadBase(ctx context.Context, s interface {
	Current(ctx context.Context, name string) (modelstore.Pointer, error)
}, name string) (Base, error) {
	cur, err := s.Current(ctx, name)
	switch {
	case errors.Is(err, modelstore.ErrNotFound):
		return Base{}, nil
	case err != nil:
		return Base{}, fmt.Errorf("read current model: %w", err)
	}
	return Base{Current: &cur}, nil
}

// DefaultTolerance is how much lower than the current model's held-out R²
// a new model may score and still count as "not worse": rounding-level
// differences, far below the sampling noise of R² on a few hundred rows.
const DefaultTolerance = 1e-6

// Policy holds the gates.
type Policy struct {
	MinR2     float64
	Tolerance float64
}

// Candidate is a trained model ready to push.
type Candidate struct {
	Base    Base // what was current before training (ReadBase)
	Model   *model.Model
	Bytes   []byte         // model.json as encoded
	Test    *dataset.Table // the held-out rows
	Metrics *model.Metrics // written to metrics.json (its Push member is filled in)
	// Render renders report.html once the decision is known: into the
	// new version when pushed, beside the run's summary under runs/ when
	// not. When nil, Report renders it from the metrics alone.
	Render func(Outcome) ([]byte, error)
	Report func(*model.Metrics) ([]byte, error)
	Now    time.Time
}

// Outcome is what a report is rendered from.
type Outcome struct {
	Metrics  *model.Metrics // Push filled in
	Decision Decision
}

// Decision says what Push did and why.
type Decision struct {
	Pushed          bool
	Version         string // the new version when pushed
	Run             string // the run's id when not pushed: its summary is under runs/{Run}/
	PreviousVersion string
	PreviousR2      *float64
	Reason          string
	// Previous is the version that was current before training, as
	// compared with the candidate; nil when there was none.
	Previous *Previous
	// Report is where report.html went: the new version's, or the
	// run's; "" when it was not written.
	Report string
	// ReportErr says why a refused run's summary could not be written.
	// It does not change the decision: the refusal stands and the store
	// is as it was.
	ReportErr error
}

// Previous is the version that was current when the run started, as
// compared with the candidate.
type Previous struct {
	Version string
	// Test is its score on the candidate's held-out rows; nil when it
	// could not be scored (Note says why).
	Test *metrics.Regression
	// Metrics is its metrics.json; nil when unreadable (Note says why).
	Metrics *model.Metrics
	Note    string
}

// Push applies the gates and, when they pass, writes the candidate as the
// new current version of name: the version's files first, then
// current.json, conditional on it still being c.Base. It returns
// ErrBelowMinR2 when the model is not good enough, and ErrLostRace when
// another run changed current.json since c.Base was read. A model rightly
// not pushed is not an error: the current one scores better on the
// candidate's held-out rows (beyond Tolerance), or it is the very same
// model (same sha256).
//
// A run that is refused (below MIN_R2, not better, the same model, or
// beaten in the race) writes its summary, metrics.json with the decision
// and report.html, under runs/{run}/ and says where in the Decision, which
// is returned with ErrBelowMinR2 and ErrLostRace too; failing to write it
// is recorded in Decision.ReportErr and changes nothing else. On any
// error versions/ and current.json are as they were.
func Push(ctx context.Context, s Store, name string, c Candidate, p Policy) (Decision, error) {
	r2 := c.Metrics.Test.R2
	sha := model.Sum(c.Bytes)
	id := modelstore.NewVersion(c.Now, sha)
	var d Decision
	prevRev := ""
	if cur := c.Base.Current; cur != nil {
		d.PreviousVersion, prevRev = cur.Version, cur.Rev
		d.Previous = compare(ctx, s, name, *cur, sha, c)
		if t := d.Previous.Test; t != nil {
			d.PreviousR2 = &t.R2
		}
	}
	c.Metrics.Push = &model.PushInfo{PreviousVersion: d.PreviousVersion, PreviousTestR2: d.PreviousR2, ModelSHA256: sha}

	if !(r2 >= p.MinR2) {
		err := fmt.Errorf("%w: test R² %.4f < MIN_R2 %.4f", ErrBelowMinR2, r2, p.MinR2)
		d.Reason = fmt.Sprintf("held-out R² %.4f is below MIN_R2 %.4f", r2, p.MinR2)
		return refuse(ctx, s, name, id, c, d), err
	}
	switch cur, prev := c.Base.Current, d.Previous; {
	case cur == nil:
		d.Reason = "no current model"
	case cur.SHA256 == sha:
		d.Reason = fmt.Sprintf("current version %s is this very model (same sha256)", cur.Version)
		return refuse(ctx, s, name, id, c, d), nil
	case prev.Test == nil:
		d.Reason = prev.Note
	case r2 < prev.Test.R2-p.Tolerance:
		d.Reason = fmt.Sprintf("current version %s is better on the same held-out rows: R² %.4f vs %.4f", cur.Version, prev.Test.R2, r2)
		return refuse(ctx, s, name, id, c, d), nil
	default:
		d.Reason = fmt.Sprintf("not worse than current version %s on the same held-out rows: R² %.4f vs %.4f", cur.Version, r2, prev.Test.R2)
	}

	if err := reloadCheck(c); err != nil {
		return Decision{}, fmt.Errorf("reload check: %w", err)
	}
	c.Metrics.Push.Reason = d.Reason
	metrics, err := encodeMetrics(c.Metrics)
	if err != nil {
		return Decision{}, err
	}
	pushed := d
	pushed.Pushed, pushed.Version, pushed.Report = true, id, location(s, name, "versions", id, "report.html")
	report, err := c.render(pushed)
	if err != nil {
		return Decision{}, fmt.Errorf("report: %w", err)
	}
	files := map[string][]byte{"model.json": c.Bytes, "metrics.json": metrics, "report.html": report}
	if err := s.WriteVersion(ctx, name, id, files); err != nil {
		return Decision{}, fmt.Errorf("write version: %w", err)
	}
	ptr := modelstore.Pointer{Version: id, SHA256: sha, Model: name, Created: c.Now.UTC(), Selected: c.Metrics.Selected, TestR2: &r2}
	if err := s.SetCurrent(ctx, name, ptr, prevRev); err != nil {
		// Leave the store as it was: the version never became current.
		bg := context.WithoutCancel(ctx)
		derr := s.DeleteVersion(bg, name, id)
		if derr != nil {
			derr = fmt.Errorf("clean up version %s: %w", id, derr)
		}
		if errors.Is(err, modelstore.ErrConflict) {
			lost := lostRace(bg, s, name, d.PreviousVersion, id, derr == nil, err)
			d.Reason = lost.Error()
			return refuse(bg, s, name, id, c, d), errors.Join(lost, derr)
		}
		return Decision{}, fmt.Errorf("set current: %w", errors.Join(err, derr))
	}
	return pushed, nil
}

// render renders report.html for the decision d.
func (c Candidate) render(d Decision) ([]byte, error) {
	switch {
	case c.Render != nil:
		return c.Render(Outcome{Metrics: c.Metrics, Decision: d})
	case c.Report != nil:
		return c.Report(c.Metrics)
	}
	return nil, errors.New("the candidate has no report renderer")
}

// runSummary is a refused run's metrics.json: the metrics, with the
// decision spelled out.
type runSummary struct {
	*model.Metrics
	Pushed bool   `json:"pushed"`
	Run    string `json:"run"`
}

// refuse writes the summary of a run that pushed nothing, metrics.json
// and report.html, under runs/{run}/ and returns d saying where. A
// failure to write it is recorded in d.ReportErr, not returned: the
// refusal is right either way, and versions/ and current.json are not
// touched.
func refuse(ctx context.Context, s Store, name, run string, c Candidate, d Decision) Decision {
	d.Pushed, d.Version, d.Run = false, "", run
	if c.Metrics.Push != nil {
		c.Metrics.Push.Reason = d.Reason
	}
	metrics, err := json.MarshalIndent(runSummary{Metrics: c.Metrics, Run: run}, "", "  ")
	if err != nil {
		d.ReportErr = fmt.Errorf("run summary: %w", err)
		return d
	}
	d.Report = location(s, name, "runs", run, "report.html")
	report, err := c.render(d)
	if err != nil {
		d.Report, d.ReportErr = "", fmt.Errorf("run report: %w", err)
		return d
	}
	files := map[string][]byte{"metrics.json": append(metrics, '\n'), "report.html": report}
	if err := s.WriteRun(ctx, name, run, files); err != nil {
		d.Report, d.ReportErr = "", fmt.Errorf("write run %s: %w", run, err)
	}
	return d
}

// location names a file of the store for messages: a path for a
// directory store, an s3:// URI for S3.
func location(s Store, name string, elems ...string) string {
	return strings.TrimSuffix(s.String(), "/") + "/" + path.Join(append([]string{name}, elems...)...)
}

// lostRace explains a lost conditional write: what this run started from,
// what is current now, and what became of this run's version.
func lostRace(ctx context.Context, s Store, name, from, version string, deleted bool, err error) error {
	if from == "" {
		from = "no current model"
	} else {
		from = "version " + from
	}
	now := "unknown"
	if cur, cerr := s.Current(ctx, name); cerr == nil {
		now = "version " + cur.Version
	}
	fate := "deleted"
	if !deleted {
		fate = "could not be deleted"
	}
	return fmt.Errorf("%w: another run replaced %s while this one trained (now %s); this run's version %s was %s and the winner stays current (%v)",
		ErrLostRace, from, now, version, fate, err)
}

// compare scores the current model on the candidate's held-out rows and
// reads its metrics.json. What cannot be read or scored is noted, not an
// error: the candidate then replaces it.
func compare(ctx context.Context, s Store, name string, cur modelstore.Pointer, sha string, c Candidate) *Previous {
	prev := &Previous{Version: cur.Version}
	var notes []string
	if b, err := s.ReadFile(ctx, name, cur.Version, "metrics.json"); err != nil {
		notes = append(notes, fmt.Sprintf("its metrics.json is unreadable (%v)", err))
	} else {
		var m model.Metrics
		if err := json.Unmarshal(b, &m); err != nil {
			notes = append(notes, fmt.Sprintf("its metrics.json does not decode (%v)", err))
		} else {
			prev.Metrics = &m
		}
	}
	if cur.SHA256 == sha {
		// The very same model: its scores are the candidate's.
		t := c.Metrics.Test
		prev.Test = &t
	} else if t, why := scoreCurrent(ctx, s, name, cur, c.Test); why != "" {
		notes = append([]string{why}, notes...)
	} else {
		prev.Test = &t
	}
	prev.Note = strings.Join(notes, "; ")
	return prev
}

// scoreCurrent scores the current model on the candidate's held-out rows.
// A reason is returned instead when it cannot be scored.
func scoreCurrent(ctx context.Context, s Store, name string, cur modelstore.Pointer, test *dataset.Table) (metrics.Regression, string) {
	b, err := s.ReadFile(ctx, name, cur.Version, "model.json")
	if err != nil {
		return metrics.Regression{}, fmt.Sprintf("current version %s is unreadable (%v)", cur.Version, err)
	}
	m, err := model.Load(b, cur.SHA256)
	if err != nil {
		return metrics.Regression{}, fmt.Sprintf("current version %s fails verification (%v)", cur.Version, err)
	}
	pred, err := m.PredictTable(test)
	if err != nil {
		return metrics.Regression{}, fmt.Sprintf("current version %s cannot score the held-out rows (%v)", cur.Version, err)
	}
	met, err := metrics.EvaluateRegression(test.Target, pred)
	if err != nil {
		return metrics.Regression{}, fmt.Sprintf("current version %s cannot be evaluated (%v)", cur.Version, err)
	}
	return met, ""
}

// reloadCheck decodes the candidate from its own bytes and requires
// bit-identical predictions on the held-out rows.
func reloadCheck(c Candidate) error {
	re, err := model.Load(c.Bytes, model.Sum(c.Bytes))
	if err != nil {
		return err
	}
	want, err := c.Model.PredictTable(c.Test)
	if err != nil {
		return err
	}
	got, err := re.PredictTable(c.Test)
	if err != nil {
		return err
	}
	for i := range want {
		if math.Float64bits(got[i]) != math.Float64bits(want[i]) {
			return fmt.Errorf("row %d: reloaded model predicts %v; in memory %v", i+1, got[i], want[i])
		}
	}
	return nil
}
