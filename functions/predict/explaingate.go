package main

import (
	"context"
	"fmt"
	"math"
	"sync/atomic"
	"time"

	"github.com/studentperf/studentperf/shared/explain"
	"github.com/studentperf/studentperf/shared/predictor"
)

// DefaultExplainWork is the default Limits.MaxExplainWork: 2e9 steps of
// explain.Explainer.Cost, about two seconds of one core. A ?explain=true
// request may ask for floor(MaxExplainWork / Cost) records: all of
// MAX_BATCH for a linear or tree model of the student data, about 1,000
// for its kNN (2^7 evaluations of 800 training rows each).
const DefaultExplainWork = 2e9

// explainWait is how long a request waits for an explanation slot before
// it gives up with a 503.
const explainWait = 10 * time.Second

// errBusy is a request that waited too long for an explanation slot: a 503
// with Retry-After.
var errBusy = fmt.Errorf("%w: busy", errUnavailable)

// explainGate bounds the explanation work of a server: the work of one
// request (its records times the explainer's cost per record, at most
// work) and the requests explaining at once (slots: as many as
// GOMAXPROCS, so that explanations, each on one core, never queue more
// work than the cores can do while the rest wait their turn or give up).
type explainGate struct {
	slots chan struct{}
	work  float64
	wait  time.Duration

	rows   atomic.Int64 // records explained since the server started
	active atomic.Int64 // requests holding a slot now
	peak   atomic.Int64 // most requests that held a slot at once

	// Test hooks, nil in service: onSlot runs when a request has taken a
	// slot, afterRow after each record it explains (done so far).
	onSlot   func()
	afterRow func(done int)
}

// newExplainGate makes a gate of n slots and a per-request budget of
// work (DefaultExplainWork when 0).
func newExplainGate(n int, work float64) *explainGate {
	if work <= 0 {
		work = DefaultExplainWork
	}
	return &explainGate{slots: make(chan struct{}, max(n, 1)), work: work, wait: explainWait}
}

// maxRows is how many records of ex one request may explain.
func (g *explainGate) maxRows(ex *explain.Explainer) int {
	return int(min(math.Floor(g.work/max(ex.Cost(), 1)), math.MaxInt32))
}

// allow refuses, as too large, a request for more records than maxRows.
func (g *explainGate) allow(l *predictor.Loaded, ex *explain.Explainer, n int) error {
	limit := g.maxRows(ex)
	if n <= limit {
		return nil
	}
	est := l.Model.Estimator
	return fmt.Errorf("%w: ?explain=true takes at most %d records a request for model version %s (family %s, method %s: about %.3g steps a record, %.3g a request); got %d: send at most %d, or ask without explain",
		errTooLarge, limit, l.Version, est.Family, ex.Method(), ex.Cost(), g.work, n, limit)
}

// acquire takes a slot, waiting at most g.wait for one, and returns its
// release. A request whose context ends while it waits gives up.
func (g *explainGate) acquire(ctx context.Context) (release func(), err error) {
	select {
	case g.slots <- struct{}{}:
	default:
		t := time.NewTimer(g.wait)
		defer t.Stop()
		select {
		case g.slots <- struct{}{}:
		case <-t.C:
			return nil, fmt.Errorf("%w: explain: all %d explanation slots stayed busy for %s; retry later", errBusy, cap(g.slots), g.wait)
		case <-ctx.Done():
			return nil, fmt.Errorf("%w: explain: the request ended while it waited for a slot: %w", errUnavailable, ctx.Err())
		}
	}
	n := g.active.Add(1)
	for p := g.peak.Load(); n > p && !g.peak.CompareAndSwap(p, n); p = g.peak.Load() {
	}
	if g.onSlot != nil {
		g.onSlot()
	}
	return func() {
		g.active.Add(-1)
		<-g.slots
	}, nil
}

// done counts one more record explained, done in this request so far.
func (g *explainGate) done(done int) {
	g.rows.Add(1)
	if g.afterRow != nil {
		g.afterRow(done)
	}
}
