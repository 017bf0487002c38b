package request

import (
	"fmt"
	"strings"

	"github.com/studentperf/studentperf/shared/features"
	"github.com/studentperf/studentperf/shared/model"
)

// Fields maps each input field of a model to its place in a
// features.Row.
type Fields struct {
	names []string            // schema order
	slot  map[string]int      // ≥0: category index; <0: -(score index)-1
	slots []int               // slot of each name, schema order
	exact []map[string]string // per category slot: each level to itself, for the fast decoders
	nCat  int
	nNum  int
	tr    *features.Transform // the levels categories are checked against
}

func NewFields(m *model.Model) *Fields {
	fs := &Fields{slot: map[string]int{}, tr: m.Transform}
	for _, f := range m.Features {
		fs.names = append(fs.names, f.Name)
		if f.Kind == "category" {
			fs.slot[f.Name] = fs.nCat
			fs.nCat++
		} else {
			fs.slot[f.Name] = -fs.nNum - 1
			fs.nNum++
		}
		fs.slots = append(fs.slots, fs.slot[f.Name])
	}
	for _, c := range m.Transform.Categorical {
		ex := make(map[string]string, len(c.Levels))
		for _, l := range c.Levels {
			ex[l] = l
		}
		fs.exact = append(fs.exact, ex)
	}
	return fs
}

func (fs *Fields) newRow() features.Row {
	return features.Row{Cat: make([]string, fs.nCat), Num: make([]float64, fs.nNum)}
}

// category checks a category value against the model's levels, so that
// decoders report it together with every other problem.
func (fs *Fields) category(field string, slot int, v string) *features.Problem {
	if strings.TrimSpace(v) == "" {
		return &features.Problem{Field: field, Value: features.Clip(v), Reason: "must not be empty"}
	}
	c := &fs.tr.Categorical[slot]
	if _, ok := c.Lookup(v); !ok {
		return &features.Problem{Field: field, Value: features.Clip(v), Reason: "unknown category", Allowed: c.Levels}
	}
	return nil
}

// score checks a score value.
func score(field, raw string, v float64) *features.Problem {
	if v < features.MinScore || v > features.MaxScore {
		return &features.Problem{Field: field, Value: features.Clip(raw), Reason: fmt.Sprintf("must be between %d and %d", features.MinScore, features.MaxScore)}
	}
	return nil
}
