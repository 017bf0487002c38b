// Package predictor keeps the current model of a model store loaded: it
// loads and verifies the model current.json points at, checks the store
// for a new one (a conditional read of current.json: nothing is
// downloaded while it is unchanged), and swaps a verified new model in
// atomically so requests in flight finish on the model they started with.
//
// A model that fails verification is refused and the last good one keeps
// serving. A store that cannot be reached is retried: quickly, with capped
// exponential backoff, while no model is loaded; at the reload interval
// once one serves, and Status says the store is failing.
package predictor

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/studentperf/studentperf/shared/model"
	"github.com/studentperf/studentperf/shared/modelstore"
)

// Store is what the predictor reads of a model store.
type Store interface {
	CurrentIfChanged(ctx context.Context, name, rev string) (modelstore.Pointer, bool, error)
	ReadFile(ctx context.Context, name, version, file string) ([]byte, error)
}

var (
	_ Store = (*modelstore.Dir)(nil)
	_ Store = (*modelstore.S3)(nil)
)

// ErrNoModel reports a store with no current model yet.
var ErrNoModel = errors.New("predictor: no model in the store yet: run train to push one")

// Backoff bounds of Run while no model is loaded: a store that comes back
// is seen within MaxBackoff.
const (
	MinBackoff = 50 * time.Millisecond
	MaxBackoff = time.Second
)

// Loaded is one verified model and the version it came from.
type Loaded struct {
	Model   *model.Model
	Version string
	SHA256  string
	Created time.Time // when the version was pushed, as current.json says
	Loaded  time.Time
}

// Status is the outcome of the last store check.
type Status struct {
	Checked  time.Time // when the store was last asked; zero before the first check
	StoreErr string    // why the last check failed to read the store; "" when it answered
	Failures int       // store failures in a row
	Refused  string    // the version last refused, if the pointer still names it
}

// Predictor serves the current model of one name in a store.
type Predictor struct {
	store  Store
	name   string
	log    *slog.Logger
	cur    atomic.Pointer[Loaded]
	status atomic.Pointer[Status]

	mu      sync.Mutex // one check at a time; guards the fields below
	seenRev string     // revision of current.json last handled (loaded or refused)
	refused string     // version refused at seenRev, logged once

	// OnReload, when set, is called after every check with its outcome:
	// "loaded", "unchanged", "refused" or "error".
	OnReload func(outcome string)
}

// New returns a predictor with no model loaded; call Reload or Run.
func New(store Store, name string, log *slog.Logger) *Predictor {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	p := &Predictor{store: store, name: name, log: log}
	p.status.Store(&Status{})
	return p
}

// Name is the model name served.
func (p *Predictor) Name() string { return p.name }

// ReadFile reads one file of a version of the model served (such as
// metrics.json or report.html); modelstore.ErrNotFound when the version
// has no such file.
func (p *Predictor) ReadFile(ctx context.Context, version, file string) ([]byte, error) {
	b, err := p.store.ReadFile(ctx, p.name, version, file)
	if err != nil {
		return nil, fmt.Errorf("read %s of model %s version %s: %w", file, p.name, version, err)
	}
	return b, nil
}

// Current returns the loaded model, or nil before the first successful
// load.
func (p *Predictor) Current() *Loaded { return p.cur.Load() }

// Status returns the outcome of the last check.
func (p *Predictor) Status() Status { return *p.status.Load() }

// Reload checks the store once and swaps in a new current model if there
// is one and it verifies. It returns ErrNoModel when the store has none,
// and an error (keeping the old model) when the store cannot be read or
// the new model is refused.
func (p *Predictor) Reload(ctx context.Context) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	outcome := "error"
	defer func() {
		if p.OnReload != nil {
			p.OnReload(outcome)
		}
	}()
	ptr, changed, err := p.store.CurrentIfChanged(ctx, p.name, p.seenRev)
	switch {
	case errors.Is(err, modelstore.ErrNotFound):
		p.record("", "")
		outcome = "unchanged"
		return ErrNoModel
	case err != nil && ptr.Rev == "":
		// The store did not answer (a pointer that answered but does not
		// decode has a revision, and is handled below).
		p.record(err.Error(), p.refused)
		return fmt.Errorf("read current model pointer: %w", err)
	case !changed:
		p.record("", p.refused)
		outcome = "unchanged"
		return nil
	}
	if err != nil {
		return p.refuse(ptr, "current.json", err, &outcome)
	}
	if cur := p.cur.Load(); cur != nil && cur.Version == ptr.Version && cur.SHA256 == ptr.SHA256 {
		p.seenRev, p.refused = ptr.Rev, ""
		p.record("", "")
		outcome = "unchanged"
		return nil
	}
	data, err := p.store.ReadFile(ctx, p.name, ptr.Version, "model.json")
	if errors.Is(err, modelstore.ErrNotFound) {
		return p.refuse(ptr, ptr.Version, err, &outcome)
	}
	if err != nil {
		p.record(err.Error(), p.refused)
		return fmt.Errorf("read model version %s: %w", ptr.Version, err)
	}
	m, err := model.Load(data, ptr.SHA256)
	if err != nil {
		return p.refuse(ptr, ptr.Version, err, &outcome)
	}
	prev := p.cur.Swap(&Loaded{Model: m, Version: ptr.Version, SHA256: ptr.SHA256, Created: ptr.Created, Loaded: time.Now()})
	p.seenRev, p.refused = ptr.Rev, ""
	p.record("", "")
	outcome = "loaded"
	from := ""
	if prev != nil {
		from = prev.Version
	}
	p.log.Info("model loaded", "version", ptr.Version, "previous", from, "selected", m.Estimator.Name)
	return nil
}

// refuse records a pointer or model that fails verification: it is logged
// once and not downloaded again until current.json changes.
func (p *Predictor) refuse(ptr modelstore.Pointer, what string, err error, outcome *string) error {
	*outcome = "refused"
	if p.seenRev != ptr.Rev || p.refused == "" {
		p.log.Error("model refused; keeping the last good one", "version", what, "err", err.Error())
	}
	p.seenRev, p.refused = ptr.Rev, what
	p.record("", what)
	return fmt.Errorf("model version %s refused: %w", what, err)
}

func (p *Predictor) record(storeErr, refused string) {
	s := &Status{Checked: time.Now(), StoreErr: storeErr, Refused: refused}
	if storeErr != "" {
		s.Failures = p.status.Load().Failures + 1
	}
	p.status.Store(s)
}

// ReloadIfStale checks the store when the last check is older than
// interval, or no model is loaded yet. Under Lambda, where a process is
// frozen between invocations and no background loop runs, it is called at
// the start of each invocation.
func (p *Predictor) ReloadIfStale(ctx context.Context, interval time.Duration) error {
	if p.cur.Load() != nil && time.Since(p.status.Load().Checked) < interval {
		return nil
	}
	return p.Reload(ctx)
}

// Run checks the store until ctx ends: every interval while a model
// serves, and with exponential backoff from MinBackoff up to MaxBackoff
// while none is loaded. Errors are logged; the last good model keeps
// serving.
func (p *Predictor) Run(ctx context.Context, interval time.Duration) {
	backoff := MinBackoff
	t := time.NewTimer(interval)
	defer t.Stop()
	for {
		wait := interval
		if p.cur.Load() == nil {
			wait, backoff = backoff, min(2*backoff, MaxBackoff)
		} else {
			backoff = MinBackoff
		}
		t.Reset(wait)
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		if err := p.Reload(ctx); err != nil && !errors.Is(err, ErrNoModel) && ctx.Err() == nil {
			p.log.Warn("model reload failed", "err", err.Error())
		}
	}
}
