package predictor_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/studentperf/studentperf/shared/model"
	"github.com/studentperf/studentperf/shared/modelstore"
	"github.com/studentperf/studentperf/shared/modeltest"
	"github.com/studentperf/studentperf/shared/predictor"
)

// encoded fits OLS on generated rows and returns model.json.
func encoded(t *testing.T, seed uint64) []byte {
	t.Helper()
	return modeltest.Encoded(t, "m", "synthetic:300", seed)
}

func put(t *testing.T, d *modelstore.Dir, version string, data []byte, sha, prev string) {
	t.Helper()
	ctx := context.Background()
	if err := d.WriteVersion(ctx, "m", version, map[string][]byte{"model.json": data}); err != nil {
		t.Fatal(err)
	}
	if err := d.SetCurrent(ctx, "m", modelstore.Pointer{Version: version, SHA256: sha, Model: "m", Created: time.Now()}, prev); err != nil {
		t.Fatal(err)
	}
}

func TestReloadLifecycle(t *testing.T) {
	ctx := context.Background()
	d := modelstore.NewDir(t.TempDir())
	var outcomes []string
	p := predictor.New(d, "m", nil)
	p.OnReload = func(o string) { outcomes = append(outcomes, o) }

	if err := p.Reload(ctx); !errors.Is(err, predictor.ErrNoModel) || p.Current() != nil {
		t.Fatalf("empty store: got %v, %v; want ErrNoModel and no model", err, p.Current())
	}
	first := encoded(t, 1)
	put(t, d, "v1", first, model.Sum(first), "")
	if err := p.Reload(ctx); err != nil || p.Current().Version != "v1" {
		t.Fatalf("first model: got %v; want v1 loaded", err)
	}
	if err := p.Reload(ctx); err != nil {
		t.Fatal(err)
	}
	// A version whose bytes do not match its pointer is refused; v1 stays.
	second := encoded(t, 2)
	put(t, d, "v2", second, model.Sum(first), "v1")
	if err := p.Reload(ctx); err == nil || !strings.Contains(err.Error(), "refused") {
		t.Fatalf("corrupt model: got %v; want it refused", err)
	}
	if p.Current().Version != "v1" {
		t.Fatalf("after a refused model: serving %q; want v1", p.Current().Version)
	}
	put(t, d, "v3", second, model.Sum(second), "v2")
	if err := p.Reload(ctx); err != nil || p.Current().Version != "v3" {
		t.Fatalf("good new model: got %v; want v3 loaded", err)
	}
	want := "unchanged loaded unchanged refused loaded"
	if got := strings.Join(outcomes, " "); got != want {
		t.Fatalf("outcomes: got %q; want %q", got, want)
	}
}

func TestRunPicksUpANewModel(t *testing.T) {
	d := modelstore.NewDir(t.TempDir())
	p := predictor.New(d, "m", nil)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { p.Run(ctx, 20*time.Millisecond); close(done) }()
	b := encoded(t, 1)
	put(t, d, "v1", b, model.Sum(b), "")
	deadline := time.Now().Add(5 * time.Second)
	for p.Current() == nil && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	cancel()
	<-done
	if p.Current() == nil || p.Current().Version != "v1" {
		t.Fatal("Run did not load the model within 5s")
	}
}
