package dataset

import (
	"bytes"
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"testing"
)

// FuzzInfer checks Infer on arbitrary CSV bytes, a target name and a
// comma-separated list of columns marked categorical: it never panics;
// it either refuses (an error wrapping ErrInvalid or ErrTask) or returns
// a schema that reads the same bytes, with the rows it saw, and survives
// the JSON round trip of train schema -out and train run -schema; and two
// runs agree. The seed corpus is in testdata/fuzz/FuzzInfer.
func FuzzInfer(f *testing.F) {
	f.Add([]byte("x,y\n1,2.5\n2,3.5\n"), "y", "")
	f.Add([]byte("d,d.year,c,y\n2024-01-02,1,a,1.5\n2024-02-03T04:05:06Z,2,b,2.5\n"), "y", "d.year")
	f.Fuzz(func(t *testing.T, data []byte, target, categorical string) {
		opts := InferOptions{Target: target}
		if categorical != "" {
			opts.Categorical = strings.Split(categorical, ",")
		}
		s, err := Infer(bytes.NewReader(data), opts)
		s2, err2 := Infer(bytes.NewReader(data), opts)
		if (err == nil) != (err2 == nil) || (err != nil && err.Error() != err2.Error()) {
			t.Fatalf("two runs disagree: %v, then %v", err, err2)
		}
		if err != nil {
			if !errors.Is(err, ErrInvalid) && !errors.Is(err, ErrTask) {
				t.Fatalf("got %T %v; want an error wrapping ErrInvalid or ErrTask", err, err)
			}
			return
		}
		if !reflect.DeepEqual(s, s2) {
			t.Fatalf("two runs gave different schemas:\n%+v\n%+v", s, s2)
		}
		if len(s.Features) == 0 || s.Task != Regression || s.TargetSeen == nil {
			t.Fatalf("a schema with %d features, task %q, target seen %v", len(s.Features), s.Task, s.TargetSeen)
		}
		for _, c := range s.Columns {
			if c.Name == s.Target || c.Reason == "" || c.Seen == nil {
				t.Fatalf("column %+v: the target, or without a reason or what was seen", c)
			}
		}
		tab, err := Read(bytes.NewReader(data), s)
		if err != nil {
			// Inference saw every cell: the table must read in its schema.
			t.Fatalf("the inferred schema does not read its own table: %v", err)
		}
		if tab.Dropped != s.Dropped || tab.Len()+tab.Dropped != s.TargetSeen.Rows {
			t.Fatalf("read %d rows and dropped %d; inference saw %d rows, %d without a target", tab.Len(), tab.Dropped, s.TargetSeen.Rows, s.Dropped)
		}
		b, err := json.Marshal(s)
		if err != nil {
			t.Fatalf("marshal: %v", err)
		}
		var back Schema
		if err := json.Unmarshal(b, &back); err != nil {
			t.Fatalf("the schema's JSON does not read back: %v\n%s", err, b)
		}
		if !reflect.DeepEqual(back.Features, s.Features) {
			t.Fatalf("the JSON round trip changed the features:\n%+v\n%+v", s.Features, back.Features)
		}
		if _, err := Read(bytes.NewReader(data), back); err != nil {
			t.Fatalf("the schema read back from JSON does not read the table: %v", err)
		}
	})
}
