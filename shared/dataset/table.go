package dataset

import "slices"

// Table is columnar data in a Schema: row i of every column belongs together.
type Table struct {
	Schema Schema
	Cols   []Col     // one per Schema.Features, in the same order
	Target []float64 // nil when Schema.Target == ""
	// Dropped counts the rows read without a target value, left out.
	Dropped int
}

// Col is one feature column. A Category column uses Codes and Levels, a
// Score column uses Values.
type Col struct {
	Codes  []int32   // Category: index into Levels, -1 = missing (empty cell)
	Levels []string  // Category: distinct values, in order of first appearance
	Values []float64 // Score: NaN = missing (empty cell)
}

// len returns the number of rows in c, whichever kind it is.
func (c *Col) len() int { return max(len(c.Codes), len(c.Values)) }

// Len returns the number of rows.
func (t *Table) Len() int {
	if t.Target != nil {
		return len(t.Target)
	}
	if len(t.Cols) > 0 {
		return t.Cols[0].len()
	}
	return 0
}

// Subset returns a new table with the given rows of t, in the given order; a
// row may appear more than once. Codes, Values and Target are copied, so the
// new table can be changed without touching t; Levels are copied too.
// Like a slice index, an index outside [0, t.Len()) panics: rows come from
// the program, not from the data.
func (t *Table) Subset(rows []int) *Table {
	out := &Table{Schema: t.Schema, Cols: make([]Col, len(t.Cols))}
	for j := range t.Cols {
		src, dst := &t.Cols[j], &out.Cols[j]
		if src.Codes != nil {
			dst.Codes = make([]int32, len(rows))
			for i, r := range rows {
				dst.Codes[i] = src.Codes[r]
			}
		}
		if src.Levels != nil {
			dst.Levels = slices.Clone(src.Levels)
		}
		if src.Values != nil {
			dst.Values = make([]float64, len(rows))
			for i, r := range rows {
				dst.Values[i] = src.Values[r]
			}
		}
	}
	if t.Target != nil {
		out.Target = make([]float64, len(rows))
		for i, r := range rows {
			out.Target[i] = t.Target[r]
		}
	}
	return out
}
