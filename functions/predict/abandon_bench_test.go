//go:build linux

package main

import (
	"bytes"
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"github.com/studentperf/studentperf/shared/model"
	"github.com/studentperf/studentperf/shared/predictor"
	"github.com/studentperf/studentperf/shared/testkit/modeltest"
)

// processCPU is the CPU time of the whole process.
func processCPU(b *testing.B) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkExplainAbandoned is the abandoned ?explain=true: each
// op sends clients concurrent 600-record batches to a kNN model over real
// connections, and every client leaves 50 ms after the server has taken
// all of them. after-leave-ms is the wall time from the clients leaving to
// the last handler's return, cpu-after-leave-ms the process's CPU time in
// that interval: the work done for nobody.
func BenchmarkExplainAbandoned(b *testing.B) {
	m := studentKNN(b)
	enc, err := model.Encode(m)
	require.NoError(b, err)
	d := twoVersions(b, m)
	point(b, d, "v0", model.Sum(enc))
	log := slog.New(slog.DiscardHandler)
	p := predictor.New(d, modelName, log)
	require.NoError(b, p.Reload(context.Background()))
	inner := newAPI(p, Limits{MaxBody: 6 << 20, MaxBatch: 10000}, log).handler()
	var active atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		active.Add(1)
		defer active.Add(-1)
		inner.ServeHTTP(w, r)
	}))
	defer srv.Close()
	body, _ := modeltest.BatchBodies(b, 600)
	for _, clients := range []int{1, 6} {
		b.Run(map[int]string{1: "one", 6: "six"}[clients], func(b *testing.B) {
			var wall, cpu []time.Duration
			for b.Loop() {
				ctx, cancel := context.WithCancel(context.Background())
				var wg sync.WaitGroup
				for range clients {
					wg.Go(func() {
						req, _ := http.NewRequestWithContext(ctx, http.MethodPost, srv.URL+"/predict?explain=true", bytes.NewReader(body))
						req.Header.Set("Content-Type", "application/json")
						if resp, err := http.DefaultClient.Do(req); err == nil {
							resp.Body.Close()
						}
					})
				}
				for active.Load() < int64(clients) {
					time.Sleep(time.Millisecond)
				}
				time.Sleep(50 * time.Millisecond)
				cancel()
				t0, c0 := time.Now(), processCPU(b)
				for active.Load() > 0 {
					time.Sleep(time.Millisecond)
				}
				wall = append(wall, time.Since(t0))
				cpu = append(cpu, processCPU(b)-c0)
				wg.Wait()
			}
			b.ReportMetric(medianMS(wall), "after-leave-ms")
			b.ReportMetric(medianMS(cpu), "cpu-after-leave-ms")
		})
	}
}
