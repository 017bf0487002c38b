package main

import (
	"context"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/studentperf/studentperf/shared/modelstore"
	"github.com/studentperf/studentperf/shared/testkit/s3test"
)

// BenchmarkColdStart measures process start to the first successful
// POST /predict, for a model on S3 (versitygw on loopback) and in a
// directory, in one run. Each iteration starts the real binary; the
// reported figure is the median over the iterations (-benchtime 5x for a
// median of five). Target on S3: ≤ 60 ms.
func BenchmarkColdStart(b *testing.B) {
	srv := s3test.Start(b)
	srv.Setenv(b)
	srv.Bucket(b, "models")
	dir := b.TempDir()
	m, tab := fitModel(b, "sample", 1)
	pushModel(b, dir, m, tab, time.Now())
	s3store := srv.Store("models", "prod")
	pushToStore(b, s3store, dir)

	bin := filepath.Join(b.TempDir(), "predict")
	if out, err := exec.Command("go", "build", "-trimpath", "-o", bin, ".").CombinedOutput(); err != nil {
		b.Fatalf("build: %v\n%s", err, out)
	}
	for _, c := range []struct{ name, store string }{{"s3", "s3://models/prod"}, {"dir", dir}} {
		b.Run(c.name, func(b *testing.B) {
			var times []time.Duration
			for b.Loop() {
				times = append(times, coldStart(b, bin, append(srv.Env(), "MODEL_STORE="+c.store)))
			}
			slices.Sort(times)
			b.ReportMetric(float64(times[len(times)/2].Microseconds())/1000, "median-ms")
			b.ReportMetric(0, "ns/op")
		})
	}
}

// pushToStore copies the current version of a directory store into s.
func pushToStore(b *testing.B, s modelstore.Store, dir string) {
	ctx := context.Background()
	d := modelstore.NewDir(dir)
	cur, err := d.Current(ctx, "student-math-score")
	if err != nil {
		b.Fatal(err)
	}
	files := map[string][]byte{}
	for _, f := range []string{"model.json", "metrics.json", "report.html"} {
		if files[f], err = d.ReadFile(ctx, "student-math-score", cur.Version, f); err != nil {
			b.Fatal(err)
		}
	}
	if err := s.WriteVersion(ctx, "student-math-score", cur.Version, files); err != nil {
		b.Fatal(err)
	}
	cur.Rev = ""
	if err := s.SetCurrent(ctx, "student-math-score", cur, ""); err != nil {
		b.Fatal(err)
	}
}

// coldStart starts predict serve and polls POST /predict until it answers
// 200; it returns the time from exec to that answer.
func coldStart(b *testing.B, bin string, env []string) time.Duration {
	addr := freeAddr(b)
	cmd := exec.Command(bin, "serve", "-addr", addr)
	cmd.Env = append(append(os.Environ(), env...), "LOG_LEVEL=error")
	client := &http.Client{Timeout: time.Second, Transport: &http.Transport{DisableKeepAlives: true}}
	start := time.Now()
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	defer func() {
		cmd.Process.Kill()
		cmd.Wait()
	}()
	for {
		resp, err := client.Post("http://"+addr+"/predict", "application/json", strings.NewReader(referenceJSON))
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return time.Since(start)
			}
		}
		if time.Since(start) > 10*time.Second {
			b.Fatalf("no prediction within 10s: %v", err)
		}
		time.Sleep(500 * time.Microsecond)
	}
}
