package realdata_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/studentperf/studentperf/shared/realdata"
)

func TestPathFindsTheDataBesideTheCheckout(t *testing.T) {
	p := realdata.Path(t, "stud.csv")
	if filepath.Base(filepath.Dir(p)) != "students" {
		t.Fatalf("got %s; want a file in shared/data/students", p)
	}
	b, err := os.ReadFile(p)
	if err != nil || len(b) == 0 {
		t.Fatalf("read %s: %v (%d bytes)", p, err, len(b))
	}
}
