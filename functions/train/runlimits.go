package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/studentperf/studentperf/shared/modelstore"
	"github.com/studentperf/studentperf/shared/pusher"
)

// Bounds of requested runs (train serve, the invoke route, Lambda).
const (
	// defaultDataWait bounds how long a run waits for its data to be read
	// (a FIFO that never delivers, a hung mount, a stalled server).
	defaultDataWait = 2 * time.Minute
	// defaultMaxQueue is how many requests may wait behind the running one.
	defaultMaxQueue = 2
	// retryAfter is what a refused request is told to wait, in seconds.
	retryAfter = "30"
)

var (
	// errBusy refuses a request when a run is going and the queue behind
	// it is full (429, with Retry-After).
	errBusy = errors.New("busy: a training run is in progress and the queue behind it is full")
	// errDataStalled ends a run whose data was not read in time (504).
	errDataStalled = errors.New("data source stalled")
	// errAbandoned is what an abandoned run's store writes fail with.
	errAbandoned = errors.New("run abandoned: its store writes are refused")
)

// runQueue lets one run at a time go, with at most max requests waiting;
// a waiting request gives up its place when its context ends (the client
// went away). The zero value, with max 0, queues nothing.
type runQueue struct {
	once    sync.Once
	slot    chan struct{}
	waiting atomic.Int64
	max     int
}

// acquire returns when the caller may run, with the function that ends
// its turn; errBusy when the queue is full; ctx's error when ctx ends
// first.
func (q *runQueue) acquire(ctx context.Context) (release func(), err error) {
	q.once.Do(func() { q.slot = make(chan struct{}, 1) })
	release = func() { <-q.slot }
	select {
	case q.slot <- struct{}{}:
		return release, nil
	default:
	}
	if q.waiting.Add(1) > int64(q.max) {
		q.waiting.Add(-1)
		return nil, errBusy
	}
	defer q.waiting.Add(-1)
	select {
	case q.slot <- struct{}{}:
		return release, nil
	case <-ctx.Done():
		return nil, context.Cause(ctx)
	}
}

// fencedStore passes everything to the store until it is fenced; then
// every write fails. A run that was given up on (its data stalled, its
// client left) may still be blocked in a read the runtime cannot
// interrupt; fenced, it can never push once the next run has the lock.
type fencedStore struct {
	pusher.Store
	fenced atomic.Bool
}

func (f *fencedStore) check() error {
	if f.fenced.Load() {
		return errAbandoned
	}
	return nil
}

func (f *fencedStore) WriteVersion(ctx context.Context, name, version string, files map[string][]byte) error {
	if err := f.check(); err != nil {
		return err
	}
	return f.Store.WriteVersion(ctx, name, version, files)
}

func (f *fencedStore) SetCurrent(ctx context.Context, name string, p modelstore.Pointer, prev string) error {
	if err := f.check(); err != nil {
		return err
	}
	return f.Store.SetCurrent(ctx, name, p, prev)
}

func (f *fencedStore) DeleteVersion(ctx context.Context, name, version string) error {
	if err := f.check(); err != nil {
		return err
	}
	return f.Store.DeleteVersion(ctx, name, version)
}

func (f *fencedStore) WriteRun(ctx context.Context, name, run string, files map[string][]byte) error {
	if err := f.check(); err != nil {
		return err
	}
	return f.Store.WriteRun(ctx, name, run, files)
}

// ingestSignal is the run's progress writer: it closes read once the
// pipeline reports its data read (the "data: " line train prints after
// ingest).
type ingestSignal struct {
	mu   sync.Mutex
	buf  bytes.Buffer
	read chan struct{}
	once sync.Once
}

func (s *ingestSignal) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	n, err := s.buf.Write(p)
	if bytes.HasPrefix(s.buf.Bytes(), []byte("data: ")) {
		s.once.Do(func() { close(s.read) })
	}
	return n, err
}

// trainBounded runs the pipeline in a goroutine and gives up on it when
// its data is not read within wait or when ctx ends (the client went
// away, Lambda's deadline): it cancels the run, fences its store so that
// it can push nothing, unblocks a FIFO it may be stuck opening, and
// returns, so that the caller releases the run lock. A run whose data was
// read is bounded by ctx alone.
func trainBounded(ctx context.Context, cfg config, store pusher.Store, wait time.Duration) (*outcome, error) {
	runCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	fenced := &fencedStore{Store: store}
	progress := &ingestSignal{read: make(chan struct{})}
	type answer struct {
		out *outcome
		err error
	}
	done := make(chan answer, 1)
	go func() {
		out, err := train(runCtx, cfg, fenced, progress, time.Now)
		done <- answer{out, err}
	}()
	timer := time.NewTimer(wait)
	defer timer.Stop()
	read := progress.read
	var cause error
	for cause == nil {
		select {
		case a := <-done:
			return a.out, a.err
		case <-read:
			read = nil
			timer.Stop()
		case <-timer.C:
			cause = fmt.Errorf("%w: no data read from %s within %s (TRAIN_DATA_WAIT)", errDataStalled, cfg.Data, wait)
		case <-ctx.Done():
			cause = fmt.Errorf("run given up: %w", context.Cause(ctx))
		}
	}
	fenced.fenced.Store(true)
	cancel()
	unblockOpen(cfg.Data)
	unblockOpen(cfg.TestData)
	select { // a cancelled run ends quickly; one stuck in a read ends when the read does
	case <-done:
	case <-time.After(2 * time.Second):
	}
	return nil, cause
}
