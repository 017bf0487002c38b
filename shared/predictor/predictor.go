// Package predictor keeps the current model of a model store loaded: it
// loads and verifies the model current.json points at, checks the store
// for a new one on an interval, and swaps a verified new model in
// atomically so requests in flight finish on the model they started with.
// A model that fails verification is refused and the last good one keeps
// serving.
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
	Current(ctx context.Context, name string) (modelstore.Pointer, error)
	ReadFile(ctx context.Context, name, version, file string) ([]byte, error)
}

var _ Store = (*modelstore.Dir)(nil)

// ErrNoModel reports a store with no current model yet.
var ErrNoModel = errors.New("no model in the store yet: run train to push one")

// Loaded is one verified model and the version it came from.
type Loaded struct {
	Model   *model.Model
	Version string
	SHA256  string
	Loaded  time.Time
}

// Predictor serves the current model of one name in a store.
type Predictor struct {
	store  Store
	name   string
	log    *slog.Logger
	cur    atomic.Pointer[Loaded]
	mu     sync.Mutex // one reload at a time
	failed string     // sha256 of the last refused model, so it is logged once
	// OnReload, when set, is called after every check with its outcome:
	// "loaded", "unchanged", "refused" or "error".
	OnReload func(outcome string)
}

// New returns a predictor with no model loaded; call Reload or Run.
func New(store Store, name string, log *slog.Logger) *Predictor {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Predictor{store: store, name: name, log: log}
}

// Name is the model name served.
func (p *Predictor) Name() string { return p.name }

// Current returns the loaded model, or nil before the first successful
// load.
func (p *Predictor) Current() *Loaded { return p.cur.Load() }

// Reload checks the store once and swaps in a new current model if there
// is one and it verifies. It returns ErrNoModel when the store has none,
// and an error (keeping the old model) when the new one is refused.
func (p *Predictor) Reload(ctx context.Context) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	outcome := "error"
	defer func() {
		if p.OnReload != nil {
			p.OnReload(outcome)
		}
	}()
	ptr, err := p.store.Current(ctx, p.name)
	if errors.Is(err, modelstore.ErrNotFound) {
		outcome = "unchanged"
		return ErrNoModel
	}
	if err != nil {
		return fmt.Errorf("read current model pointer: %w", err)
	}
	if cur := p.cur.Load(); cur != nil && cur.Version == ptr.Version && cur.SHA256 == ptr.SHA256 {
		outcome = "unchanged"
		return nil
	}
	data, err := p.store.ReadFile(ctx, p.name, ptr.Version, "model.json")
	if err != nil {
		return fmt.Errorf("read model version %s: %w", ptr.Version, err)
	}
	m, err := model.Load(data, ptr.SHA256)
	if err != nil {
		outcome = "refused"
		if p.failed != ptr.SHA256 { // log a refused version once, not every interval
			p.failed = ptr.SHA256
			p.log.Error("model refused; keeping the last good one", "version", ptr.Version, "err", err)
		}
		return fmt.Errorf("model version %s refused: %w", ptr.Version, err)
	}
	prev := p.cur.Swap(&Loaded{Model: m, Version: ptr.Version, SHA256: ptr.SHA256, Loaded: time.Now()})
	outcome = "loaded"
	from := ""
	if prev != nil {
		from = prev.Version
	}
	p.log.Info("model loaded", "version", ptr.Version, "previous", from, "selected", m.Estimator.Name)
	return nil
}

// Run reloads every interval until ctx ends. Errors are logged; the last
// good model keeps serving.
func (p *Predictor) Run(ctx context.Context, interval time.Duration) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if err := p.Reload(ctx); err != nil && !errors.Is(err, ErrNoModel) && ctx.Err() == nil {
				p.log.Warn("model reload failed", "err", err)
			}
		}
	}
}
