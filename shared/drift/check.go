package drift

import (
	"errors"
	"fmt"
	"math"
	"slices"

	"github.com/studentperf/studentperf/shared/dataset"
	"github.com/studentperf/studentperf/shared/features"
)

// Check validates a decoded baseline against the schema and transform of
// its model: one feature per schema column in order, counts per level or
// bin that add up to Rows, kept levels the transform knows, and edges
// ascending within the feature's range.
func (b *Baseline) Check(s dataset.Schema, tr *features.Transform) error {
	if len(b.Features) != len(s.Features) {
		return fmt.Errorf("baseline has %d features; the schema has %d", len(b.Features), len(s.Features))
	}
	for i, c := range s.Features {
		if f := b.Features[i]; f.Name != c.Name || f.Kind != c.Kind {
			return fmt.Errorf("baseline feature %d is %q (%s); the schema has %q (%s)", i+1, f.Name, f.Kind, c.Name, c.Kind)
		}
	}
	_, err := b.check(tr, s.Features)
	return err
}

// span is the range [lo, hi] of a numeric feature; unused for a category.
type span struct{ lo, hi float64 }

// check validates b against tr, which the monitor needs: the categories
// and numeric features in the transform's order, with the right number of
// counts. It returns each feature's range: the recorded one, or the
// bounds cols (one per feature, or nil for the columns tr was bound to)
// declare.
func (b *Baseline) check(tr *features.Transform, cols []dataset.Column) ([]span, error) {
	if tr == nil {
		return nil, errors.New("no transform")
	}
	if b.Rows <= 0 {
		return nil, fmt.Errorf("baseline has %d rows", b.Rows)
	}
	spans := make([]span, len(b.Features))
	var nCat, nNum int
	for i := range b.Features {
		f := &b.Features[i]
		switch {
		case f.Kind == dataset.Category:
			if nCat >= len(tr.Categorical) || tr.Categorical[nCat].Name != f.Name {
				return nil, fmt.Errorf("baseline feature %q does not match the transform", f.Name)
			}
			if err := f.checkCategory(&tr.Categorical[nCat]); err != nil {
				return nil, err
			}
			nCat++
		case isNumeric(f.Kind):
			if nNum >= len(tr.Numeric) || tr.Numeric[nNum].Name != f.Name {
				return nil, fmt.Errorf("baseline feature %q does not match the transform", f.Name)
			}
			c := tr.Numeric[nNum].Column()
			if cols != nil {
				c = cols[i]
			}
			sp, err := f.checkNumeric(c)
			if err != nil {
				return nil, err
			}
			spans[i] = sp
			nNum++
		default:
			return nil, fmt.Errorf("baseline feature %q has unknown kind %d", f.Name, f.Kind)
		}
		if f.Missing < 0 || f.Other < 0 || slices.ContainsFunc(f.Counts, func(c int) bool { return c < 0 }) {
			return nil, fmt.Errorf("baseline feature %q has a negative count", f.Name)
		}
		if total := sum(f.Counts) + f.Other + f.Missing; total != b.Rows {
			return nil, fmt.Errorf("baseline feature %q counts %d rows; want %d", f.Name, total, b.Rows)
		}
	}
	if nCat != len(tr.Categorical) || nNum != len(tr.Numeric) {
		return nil, errors.New("baseline features and transform differ")
	}
	return spans, nil
}

func (f *Feature) checkCategory(c *features.Categorical) error {
	if len(f.Edges) != 0 || f.Min != nil || f.Max != nil {
		return fmt.Errorf("baseline feature %q is a category with bin edges or a range", f.Name)
	}
	if f.Levels == nil {
		if f.Other != 0 {
			return fmt.Errorf("baseline feature %q counts other levels without naming its own", f.Name)
		}
		if want := len(c.Levels); len(f.Counts) != want {
			return fmt.Errorf("baseline feature %q has %d counts for %d levels", f.Name, len(f.Counts), want)
		}
		return nil
	}
	if len(f.Levels) == 0 || len(f.Levels) > MaxLevels || len(f.Levels) >= len(c.Levels) {
		return fmt.Errorf("baseline feature %q keeps %d of %d levels; want 1 to %d, fewer than all", f.Name, len(f.Levels), len(c.Levels), MaxLevels)
	}
	if len(f.Counts) != len(f.Levels) {
		return fmt.Errorf("baseline feature %q has %d counts for %d levels", f.Name, len(f.Counts), len(f.Levels))
	}
	seen := make(map[string]bool, len(f.Levels))
	for _, l := range f.Levels {
		if j, ok := c.Known(l); !ok || c.Levels[j] != l || seen[l] {
			return fmt.Errorf("baseline feature %q: level %q is not a level of the transform, or twice", f.Name, features.Clip(l))
		}
		seen[l] = true
	}
	return nil
}

// checkNumeric validates a numeric feature's bins and returns its range:
// the recorded one, else the bounds its schema column c declares.
func (f *Feature) checkNumeric(c dataset.Column) (span, error) {
	if f.Levels != nil || f.Other != 0 {
		return span{}, fmt.Errorf("baseline feature %q is numeric with levels", f.Name)
	}
	var sp span
	switch {
	case (f.Min == nil) != (f.Max == nil):
		return span{}, fmt.Errorf("baseline feature %q has only one end of its range", f.Name)
	case f.Min != nil:
		sp = span{*f.Min, *f.Max}
	default:
		lo, hi, ok := declaredBounds(c)
		if !ok {
			return span{}, fmt.Errorf("baseline feature %q records no range, and its schema declares no bounds", f.Name)
		}
		sp = span{lo, hi}
	}
	if !finite(sp.lo) || !finite(sp.hi) || sp.lo > sp.hi {
		return span{}, fmt.Errorf("baseline feature %q: range [%v, %v] must be finite and ascending", f.Name, sp.lo, sp.hi)
	}
	if len(f.Edges) >= Bins {
		return span{}, fmt.Errorf("baseline feature %q has %d bin edges; want fewer than %d", f.Name, len(f.Edges), Bins)
	}
	for j, e := range f.Edges {
		if !(e >= sp.lo && e <= sp.hi) || j > 0 && e <= f.Edges[j-1] {
			return span{}, fmt.Errorf("baseline feature %q: bin edges must be ascending within [%v, %v]", f.Name, sp.lo, sp.hi)
		}
	}
	if len(f.Counts) != len(f.Edges)+1 {
		return span{}, fmt.Errorf("baseline feature %q has %d counts for %d bins", f.Name, len(f.Counts), len(f.Edges)+1)
	}
	return sp, nil
}

func finite(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }
