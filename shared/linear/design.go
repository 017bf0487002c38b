package linear

import (
	"errors"
	"fmt"

	"gonum.org/v1/gonum/mat"
)

// Design is a design matrix held in its compact form and read a row at a
// time, so that the one-hot design of a wide table of many rows is never
// built: each row has Dense leading numbers, then, for each group of
// one-hot columns (a category), exactly one column set, to the value its
// level has in Levels, the group's other columns being 0. Its columns are
// in that order: the Dense numbers, then each group's levels.
type Design struct {
	Rows  int
	Dense int
	// Levels holds, per group, the value of each level's column in the
	// rows where that level is set.
	Levels [][]float64
	// Row writes row i: its Dense numbers into num and, for each group,
	// its level into lvl (an index into that group's Levels).
	Row func(i int, num []float64, lvl []int)
}

// DenseRows is the most rows whose moments are summed over the expanded
// rows, every column of every row, as the package always did: up to it a
// fit's bits are those of a fit on the design matrix itself (the student
// figures among them). Above, a Design with groups is summed in its
// compact form, in time and memory that grow with the rows times the
// square of the dense columns and groups instead of the square of the
// width, and the same fits up to rounding.
const DenseRows = 2_000

// DenseDesign is X as a Design of dense columns only.
func DenseDesign(X *mat.Dense) Design {
	n, p := X.Dims()
	return Design{Rows: n, Dense: p, Row: func(i int, num []float64, _ []int) { copy(num, X.RawRowView(i)) }}
}

// Width is the number of columns of the expanded design.
func (d Design) Width() int {
	w := d.Dense
	for _, l := range d.Levels {
		w += len(l)
	}
	return w
}

// check reports a design whose shape cannot be read.
func (d Design) check() error {
	switch {
	case d.Rows < 0 || d.Dense < 0:
		return fmt.Errorf("linear: design of %d rows and %d dense columns", d.Rows, d.Dense)
	case d.Row == nil:
		return errors.New("linear: design has no rows to read")
	case d.Width() == 0:
		return errors.New("linear: design has no columns")
	}
	for g, l := range d.Levels {
		if len(l) == 0 {
			return fmt.Errorf("linear: design group %d has no levels", g+1)
		}
	}
	return nil
}

// reader reads a design's rows, compact and expanded, into buffers of its
// own (one reader a goroutine).
type reader struct {
	d   Design
	off []int // per group, its first column
	num []float64
	lvl []int
	row []float64 // the expanded row
}

func newReader(d Design) *reader {
	r := &reader{d: d, off: make([]int, len(d.Levels)), num: make([]float64, d.Dense), lvl: make([]int, len(d.Levels)), row: make([]float64, d.Width())}
	k := d.Dense
	for g, l := range d.Levels {
		r.off[g] = k
		k += len(l)
	}
	return r
}

// read reads row i in its compact form, checking its levels.
func (r *reader) read(i int) error {
	r.d.Row(i, r.num, r.lvl)
	for g, l := range r.lvl {
		if l < 0 || l >= len(r.d.Levels[g]) {
			return fmt.Errorf("linear: design row %d: level %d of group %d is not one of its %d", i+1, l, g+1, len(r.d.Levels[g]))
		}
	}
	return nil
}

// expand reads row i expanded: the dense numbers, then every group's
// columns, one set.
func (r *reader) expand(i int) ([]float64, error) {
	if err := r.read(i); err != nil {
		return nil, err
	}
	copy(r.row, r.num)
	clear(r.row[r.d.Dense:])
	for g, l := range r.lvl {
		r.row[r.off[g]+l] = r.d.Levels[g][l]
	}
	return r.row, nil
}

// foldMoments returns each fold's moments and the shift they were
// summed at (the overall means): over the expanded rows up to DenseRows
// rows or without groups, else over the compact ones.
func foldMoments(d Design, y []float64, folds [][2]int) ([]*moments, []float64, float64, error) {
	if d.Rows <= DenseRows || len(d.Levels) == 0 {
		return denseMoments(d, y, folds)
	}
	return compactMoments(d, y, folds)
}

// denseMoments sums the moments over the expanded rows, exactly as on the
// design matrix: the means in one pass, then each fold's moments.
func denseMoments(d Design, y []float64, folds [][2]int) ([]*moments, []float64, float64, error) {
	r := newReader(d)
	p := d.Width()
	shiftX := make([]float64, p)
	var shiftY float64
	for i := range d.Rows {
		row, err := r.expand(i)
		if err != nil {
			return nil, nil, 0, err
		}
		for j := range p {
			shiftX[j] += row[j]
		}
		shiftY += y[i]
	}
	for j := range p {
		shiftX[j] /= float64(d.Rows)
	}
	shiftY /= float64(d.Rows)
	fm := make([]*moments, len(folds))
	for f, b := range folds {
		fm[f] = newMoments(p)
		var err error
		fm[f].accumulate(func(i int) []float64 {
			row, e := r.expand(i)
			if e != nil {
				err = e
				return r.row // the read failed: any row will do, the error wins
			}
			return row
		}, y, b[0], b[1], shiftX, shiftY)
		if err != nil {
			return nil, nil, 0, err
		}
		fm[f].mirror()
	}
	return fm, shiftX, shiftY, nil
}

// compactMoments sums the moments from the compact rows. With z the row
// whose dense columns are shifted by their means and whose one-hot
// columns are 0/1 (unscaled, unshifted), a row adds to the Gram matrix of
// z only the products of its dense numbers and its few set columns; the
// moments of the design's shifted columns x̃ = a·z + b (a a level's value,
// b minus its column's mean) follow from z's in O(width²) a fold.
func compactMoments(d Design, y []float64, folds [][2]int) ([]*moments, []float64, float64, error) {
	r := newReader(d)
	p, q := d.Width(), d.Dense
	n := float64(d.Rows)
	// The means: the dense numbers' sums, each level's count.
	shiftX := make([]float64, p)
	var shiftY float64
	for i := range d.Rows {
		if err := r.read(i); err != nil {
			return nil, nil, 0, err
		}
		for j, v := range r.num {
			shiftX[j] += v
		}
		for g, l := range r.lvl {
			shiftX[r.off[g]+l]++
		}
		shiftY += y[i]
	}
	a := make([]float64, p) // x̃ = a·z − shiftX on the one-hot columns
	for j := range q {
		shiftX[j] /= n
		a[j] = 1
	}
	for g, vals := range d.Levels {
		for l, v := range vals {
			c := r.off[g] + l
			shiftX[c] = v * shiftX[c] / n
			a[c] = v
		}
	}
	shiftY /= n
	fm := make([]*moments, len(folds))
	xt := make([]float64, q)
	cols := make([]int, len(d.Levels))
	for f, b := range folds {
		z := newMoments(p)
		for i := b[0]; i < b[1]; i++ {
			if err := r.read(i); err != nil {
				return nil, nil, 0, err
			}
			for j := range q {
				xt[j] = r.num[j] - shiftX[j]
			}
			for g, l := range r.lvl {
				cols[g] = r.off[g] + l
			}
			z.addCompact(xt, cols, y[i]-shiftY)
		}
		fm[f] = z.unscale(a, shiftX, q)
		fm[f].mirror()
	}
	return fm, shiftX, shiftY, nil
}

// addCompact adds one row of z to m's upper triangle: the shifted dense
// numbers xt (the first len(xt) columns) and the set one-hot columns cols
// (increasing, after the dense ones), with target yt.
func (m *moments) addCompact(xt []float64, cols []int, yt float64) {
	p := len(m.sx)
	m.n++
	m.sy += yt
	m.syy += yt * yt
	for j, v := range xt {
		m.sx[j] += v
		m.sxy[j] += v * yt
		r := m.sxx[j*p : (j+1)*p]
		for k := j; k < len(xt); k++ {
			r[k] += v * xt[k]
		}
		for _, c := range cols {
			r[c] += v
		}
	}
	for g, c := range cols {
		m.sx[c]++
		m.sxy[c] += yt
		r := m.sxx[c*p : (c+1)*p]
		r[c]++
		for _, e := range cols[g+1:] {
			r[e]++
		}
	}
}

// unscale turns the moments of z (upper triangle) into those of the
// design's columns shifted by shift: x̃ = a·z on the first q (dense)
// columns, x̃ = a·z − shift on the one-hot ones.
func (m *moments) unscale(a, shift []float64, q int) *moments {
	p := len(m.sx)
	b := make([]float64, p)
	for c := q; c < p; c++ {
		b[c] = -shift[c]
	}
	o := newMoments(p)
	o.n, o.sy, o.syy = m.n, m.sy, m.syy
	for j := range p {
		o.sx[j] = a[j]*m.sx[j] + m.n*b[j]
		o.sxy[j] = a[j]*m.sxy[j] + b[j]*m.sy
		for k := j; k < p; k++ {
			o.sxx[j*p+k] = a[j]*a[k]*m.sxx[j*p+k] + a[j]*b[k]*m.sx[j] + b[j]*a[k]*m.sx[k] + m.n*b[j]*b[k]
		}
	}
	return o
}
