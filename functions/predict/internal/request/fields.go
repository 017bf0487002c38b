package request

import (
	"bytes"
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

	unknown string // the reason given for a member that is no field
}

// NewFields maps the input fields of m.
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
	fs.unknown = "unknown field (fields: " + strings.Join(fs.names, ", ") + ")"
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

// levelOf returns the level v names, as features.Categorical.Lookup
// matches it (exactly, else without surrounding space, else with case
// folded), as the level's own string, so a decoded row holds no copy of
// the request. A blank v names no level (Lookup would impute it).
func (fs *Fields) levelOf(slot int, v []byte) (string, bool) {
	if l, ok := fs.level(slot, v); ok {
		return l, true
	}
	if len(bytes.TrimSpace(v)) == 0 {
		return "", false
	}
	c := &fs.tr.Categorical[slot]
	i, ok := c.Lookup(string(v))
	if !ok {
		return "", false
	}
	return c.Levels[i], true
}

// rowArena hands out rows whose categories and scores share a few large
// backing arrays, rather than two small allocations a row.
type rowArena struct {
	cats       []string
	nums       []float64
	nCat, nNum int
	size       int // rows the current arrays hold
}

// init sizes the arena for rows rows of fs.
func (a *rowArena) init(fs *Fields, rows int) {
	*a = rowArena{nCat: fs.nCat, nNum: fs.nNum, size: max(rows, 1)}
	a.cats = make([]string, 0, a.size*a.nCat)
	a.nums = make([]float64, 0, a.size*a.nNum)
}

// next returns a new zero row. When the arrays are full it starts larger
// ones; rows handed out keep the old arrays.
func (a *rowArena) next() features.Row {
	if len(a.cats)+a.nCat > cap(a.cats) || len(a.nums)+a.nNum > cap(a.nums) {
		a.size *= 2
		a.cats = make([]string, 0, a.size*a.nCat)
		a.nums = make([]float64, 0, a.size*a.nNum)
	}
	c, n := len(a.cats), len(a.nums)
	a.cats, a.nums = a.cats[:c+a.nCat], a.nums[:n+a.nNum]
	return features.Row{Cat: a.cats[c:len(a.cats):len(a.cats)], Num: a.nums[n:len(a.nums):len(a.nums)]}
}
