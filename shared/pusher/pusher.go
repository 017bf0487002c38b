// Package pusher decides whether a trained model replaces the current one
// and, if so, writes it into the model store: new version files first, the
// current pointer last, only after the model was reloaded from its own
// bytes and found to predict identically.
package pusher

import (
	"context"
	"errors"
	"fmt"
	"math"
	"time"

	"github.com/studentperf/studentperf/shared/dataset"
	"github.com/studentperf/studentperf/shared/model"
	"github.com/studentperf/studentperf/shared/modelstore"
	"github.com/studentperf/studentperf/shared/regress"
)

// Store is what the pusher needs of a model store.
type Store interface {
	Current(ctx context.Context, name string) (modelstore.Pointer, error)
	ReadFile(ctx context.Context, name, version, file string) ([]byte, error)
	WriteVersion(ctx context.Context, name, version string, files map[string][]byte) error
	SetCurrent(ctx context.Context, name string, p modelstore.Pointer, prev string) error
	DeleteVersion(ctx context.Context, name, version string) error
}

var (
	_ Store = (*modelstore.Dir)(nil)
	_ Store = (*modelstore.S3)(nil)
)

// ErrBelowMinR2 reports a model whose held-out R² misses the minimum.
var ErrBelowMinR2 = errors.New("model below the minimum R²")

// ErrLostRace reports a push that lost to another run: current.json
// changed between the moment this run read it (before training) and its
// own conditional write. The loser's version is deleted; the winner stays
// current.
var ErrLostRace = errors.New("lost the race to update current.json")

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
	Bytes   []byte                               // model.json as encoded
	Test    *dataset.Table                       // the held-out rows
	Metrics *model.Metrics                       // written to metrics.json (its Push member is filled in)
	Report  func(*model.Metrics) ([]byte, error) // renders report.html once the decision is known
	Now     time.Time
}

// Decision says what Push did and why.
type Decision struct {
	Pushed          bool
	Version         string // the new version when pushed
	PreviousVersion string
	PreviousR2      *float64
	Reason          string
}

// Push applies the gates and, when they pass, writes the candidate as the
// new current version of name: the version's files first, then
// current.json, conditional on it still being c.Base. It returns
// ErrBelowMinR2 when the model is not good enough, and ErrLostRace when
// another run changed current.json since c.Base was read. A model rightly
// not pushed is not an error: the current one scores better on the
// candidate's held-out rows (beyond Tolerance), or it is the very same
// model (same sha256). On any error the store is as it was.
func Push(ctx context.Context, s Store, name string, c Candidate, p Policy) (Decision, error) {
	r2 := c.Metrics.Test.R2
	if !(r2 >= p.MinR2) {
		return Decision{}, fmt.Errorf("%w: test R² %.4f < MIN_R2 %.4f", ErrBelowMinR2, r2, p.MinR2)
	}
	var d Decision
	prevRev := ""
	switch cur := c.Base.Current; {
	case cur == nil:
		d.Reason = "no current model"
	case cur.SHA256 == model.Sum(c.Bytes):
		d.PreviousVersion = cur.Version
		d.Reason = fmt.Sprintf("current version %s is this very model (same sha256)", cur.Version)
		return d, nil
	default:
		d.PreviousVersion, prevRev = cur.Version, cur.Rev
		curR2, why := scoreCurrent(ctx, s, name, *cur, c.Test)
		if why != "" {
			d.Reason = why
			break
		}
		d.PreviousR2 = &curR2
		if r2 < curR2-p.Tolerance {
			d.Reason = fmt.Sprintf("current version %s is better on the same held-out rows: R² %.4f vs %.4f", cur.Version, curR2, r2)
			return d, nil
		}
		d.Reason = fmt.Sprintf("not worse than current version %s on the same held-out rows: R² %.4f vs %.4f", cur.Version, r2, curR2)
	}

	if err := reloadCheck(c); err != nil {
		return Decision{}, fmt.Errorf("reload check: %w", err)
	}
	sha := model.Sum(c.Bytes)
	version := modelstore.NewVersion(c.Now, sha)
	c.Metrics.Push = &model.PushInfo{PreviousVersion: d.PreviousVersion, PreviousTestR2: d.PreviousR2, Reason: d.Reason, ModelSHA256: sha}
	metrics, err := encodeMetrics(c.Metrics)
	if err != nil {
		return Decision{}, err
	}
	report, err := c.Report(c.Metrics)
	if err != nil {
		return Decision{}, fmt.Errorf("report: %w", err)
	}
	files := map[string][]byte{"model.json": c.Bytes, "metrics.json": metrics, "report.html": report}
	if err := s.WriteVersion(ctx, name, version, files); err != nil {
		return Decision{}, fmt.Errorf("write version: %w", err)
	}
	ptr := modelstore.Pointer{Version: version, SHA256: sha, Model: name, Created: c.Now.UTC(), Selected: c.Metrics.Selected, TestR2: &r2}
	if err := s.SetCurrent(ctx, name, ptr, prevRev); err != nil {
		// Leave the store as it was: the version never became current.
		bg := context.WithoutCancel(ctx)
		derr := s.DeleteVersion(bg, name, version)
		if derr != nil {
			derr = fmt.Errorf("clean up version %s: %w", version, derr)
		}
		if errors.Is(err, modelstore.ErrConflict) {
			return Decision{}, errors.Join(lostRace(bg, s, name, d.PreviousVersion, version, derr == nil, err), derr)
		}
		return Decision{}, fmt.Errorf("set current: %w", errors.Join(err, derr))
	}
	d.Pushed, d.Version = true, version
	return d, nil
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

// scoreCurrent scores the current model on the candidate's held-out rows.
// A reason is returned instead when it cannot be scored, and the candidate
// then replaces it.
func scoreCurrent(ctx context.Context, s Store, name string, cur modelstore.Pointer, test *dataset.Table) (float64, string) {
	b, err := s.ReadFile(ctx, name, cur.Version, "model.json")
	if err != nil {
		return 0, fmt.Sprintf("current version %s is unreadable (%v)", cur.Version, err)
	}
	m, err := model.Load(b, cur.SHA256)
	if err != nil {
		return 0, fmt.Sprintf("current version %s fails verification (%v)", cur.Version, err)
	}
	pred, err := m.PredictTable(test)
	if err != nil {
		return 0, fmt.Sprintf("current version %s cannot score the held-out rows (%v)", cur.Version, err)
	}
	met, err := regress.Evaluate(test.Target, pred)
	if err != nil {
		return 0, fmt.Sprintf("current version %s cannot be evaluated (%v)", cur.Version, err)
	}
	return met.R2, ""
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
