package runner_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/studentperf/studentperf/shared/runner"
)

func TestReadEvent(t *testing.T) {
	path := filepath.Join(t.TempDir(), "e.json")
	os.WriteFile(path, []byte(`{"a":1}`), 0o644)
	if b, err := runner.ReadEvent(path, nil); err != nil || string(b) != `{"a":1}` {
		t.Fatalf("file: got %q, %v", b, err)
	}
	if b, err := runner.ReadEvent("-", strings.NewReader(`{"b":2}`)); err != nil || string(b) != `{"b":2}` {
		t.Fatalf("stdin: got %q, %v", b, err)
	}
	if _, err := runner.ReadEvent(filepath.Join(t.TempDir(), "missing.json"), nil); err == nil || !strings.Contains(err.Error(), "missing.json") {
		t.Fatalf("missing file: got %v; want an error naming it", err)
	}
	if _, err := runner.ReadEvent("-", nil); err == nil {
		t.Fatal("no stdin: got nil; want an error")
	}
	big := strings.NewReader(strings.Repeat(" ", int(runner.DefaultMaxInvokeBody)+1))
	if _, err := runner.ReadEvent("-", big); err == nil || !strings.Contains(err.Error(), "over") {
		t.Fatalf("oversize event: got %v; want an error", err)
	}
}
