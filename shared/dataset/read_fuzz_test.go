package dataset

import (
	"bytes"
	"errors"
	"math"
	"testing"
)

// FuzzRead checks that Read never panics and that a table it returns keeps
// its promises: columns of equal length, codes in range, scores in [0, 100].
// The seed corpus is in testdata/fuzz/FuzzRead.
func FuzzRead(f *testing.F) {
	f.Add([]byte(header + row1 + row2))
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, s := range []Schema{Students, {Features: Students.Features}} {
			tab, err := Read(bytes.NewReader(data), s)
			if err != nil {
				var e *Error
				if !errors.As(err, &e) || !errors.Is(err, ErrInvalid) {
					t.Fatalf("got %T %v; want an *Error wrapping ErrInvalid", err, err)
				}
				continue
			}
			n := tab.Len()
			if n < 1 {
				t.Fatalf("got a table with %d rows and no error", n)
			}
			if (s.Target == "") != (tab.Target == nil) {
				t.Fatalf("target %q: got target slice %v", s.Target, tab.Target)
			}
			for _, v := range tab.Target {
				if !(v >= 0 && v <= 100) {
					t.Fatalf("target %v outside [0, 100]", v)
				}
			}
			for j, c := range s.Features {
				col := tab.Cols[j]
				if c.Kind == Category {
					if len(col.Codes) != n {
						t.Fatalf("column %s: got %d codes; want %d", c.Name, len(col.Codes), n)
					}
					for _, code := range col.Codes {
						if code < -1 || int(code) >= len(col.Levels) {
							t.Fatalf("column %s: code %d out of range for %d levels", c.Name, code, len(col.Levels))
						}
					}
					for _, l := range col.Levels {
						if l == "" {
							t.Fatalf("column %s: empty level", c.Name)
						}
					}
					continue
				}
				if len(col.Values) != n {
					t.Fatalf("column %s: got %d values; want %d", c.Name, len(col.Values), n)
				}
				for _, v := range col.Values {
					if !math.IsNaN(v) && !(v >= 0 && v <= 100) {
						t.Fatalf("column %s: value %v outside [0, 100]", c.Name, v)
					}
				}
			}
		}
	})
}
