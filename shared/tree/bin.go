package tree

import (
	"errors"
	"fmt"
	"math"
	"runtime"
	"slices"
	"sort"
	"sync"
)

// MaxBins is the largest number of bins of one feature; bin codes are bytes.
const MaxBins = 255

// MaxLevels is the most levels a categorical feature may have. A feature
// of up to 256 levels is coded a byte a row like a numeric one; a wider one
// two bytes (Binned.wide), and every feature's histogram slots must fit 16
// bits together.
const MaxLevels = 1 << 15

// byteLevels is the most levels whose codes fit a byte.
const byteLevels = 256

// Data is row-major input: Rows rows of len(Levels) features. Levels[j] is 0
// for a numeric feature and the number of levels of a categorical one,
// whose values are level indices.
type Data struct {
	X      []float64
	Rows   int
	Levels []int
}

// Cols is the number of features.
func (d *Data) Cols() int { return len(d.Levels) }

// Row returns row i.
func (d *Data) Row(i int) []float64 { p := len(d.Levels); return d.X[i*p : (i+1)*p] }

// Check reports inconsistent dimensions, infinite values, NaN in a
// categorical feature (in a numeric one NaN is a missing value) and level
// indices out of range.
func (d *Data) Check() error {
	p := len(d.Levels)
	switch {
	case p == 0:
		return errors.New("data has no features")
	case d.Rows <= 0:
		return errors.New("data has no rows")
	case len(d.X) != d.Rows*p:
		return fmt.Errorf("data has %d values for %d rows of %d features", len(d.X), d.Rows, p)
	}
	for j, l := range d.Levels {
		if l < 0 || l > MaxLevels {
			return fmt.Errorf("feature %d: %d levels; want 0 (numeric) to %d", j, l, MaxLevels)
		}
	}
	for i := range d.Rows {
		for j, v := range d.Row(i) {
			if math.IsInf(v, 0) || (v != v && d.Levels[j] > 0) {
				return fmt.Errorf("row %d feature %d: value %v is not a finite number", i+1, j, v)
			}
			if l := d.Levels[j]; l > 0 && (v < 0 || v >= float64(l) || v != math.Trunc(v)) {
				return fmt.Errorf("row %d feature %d: level %v is not in [0, %d)", i+1, j, v, l)
			}
		}
	}
	return nil
}

// Binner maps feature values to bin codes. Edges[j] are the upper edges of
// every bin of numeric feature j but the last: a value v is in bin b when
// Edges[j][b-1] < v ≤ Edges[j][b]. A categorical feature's bin is its level.
// A numeric feature that had missing values (NaN) where the binner was
// fitted (Missing[j]) has one more bin after those, for them; elsewhere
// NaN falls in the last bin, which every split sends right, as Predict
// sends NaN.
type Binner struct {
	Edges   [][]float64
	Levels  []int
	Missing []bool
}

// FitBinner fits bin edges on the given rows of d (all rows when rows is
// nil). With at most maxBins distinct values a numeric feature gets one bin
// per value and edges halfway between them, which makes split finding exact;
// otherwise edges are quantiles (midpoint interpolation), as scikit-learn's
// HistGradientBoosting does.
func FitBinner(d *Data, rows []int32, maxBins int) (*Binner, error) {
	if maxBins < 2 || maxBins > MaxBins {
		return nil, fmt.Errorf("fit bins: max bins %d must be in [2, %d]", maxBins, MaxBins)
	}
	if err := d.Check(); err != nil {
		return nil, fmt.Errorf("fit bins: %w", err)
	}
	n := d.Rows
	if rows != nil {
		n = len(rows)
	}
	if n == 0 {
		return nil, errors.New("fit bins: no rows")
	}
	p := d.Cols()
	b := &Binner{Edges: make([][]float64, p), Levels: slices.Clone(d.Levels), Missing: make([]bool, p)}
	var numeric []int
	for j := range p {
		if d.Levels[j] == 0 {
			numeric = append(numeric, j)
		}
	}
	// Each feature's edges are its own: large data sorts two at a time.
	workers := 1
	if n >= parallelRows {
		workers = min(2, runtime.GOMAXPROCS(0), len(numeric))
	}
	next := make(chan int, len(numeric))
	for _, j := range numeric {
		next <- j
	}
	close(next)
	work := func() {
		col := make([]float64, 0, n)
		for j := range next {
			b.fitFeature(d, rows, n, j, maxBins, col)
		}
	}
	var wg sync.WaitGroup
	for range workers - 1 {
		wg.Go(work)
	}
	work()
	wg.Wait()
	return b, nil
}

// parallelRows is the fewest rows that FitBinner and Bin spread over two
// goroutines.
const parallelRows = 1 << 17

// fitFeature fits numeric feature j's edges on the n given rows of d,
// with col as scratch.
func (b *Binner) fitFeature(d *Data, rows []int32, n, j, maxBins int, col []float64) {
	p := d.Cols()
	col = col[:0]
	for i := range n {
		r := i
		if rows != nil {
			r = int(rows[i])
		}
		if v := d.X[r*p+j]; v == v {
			col = append(col, v)
		}
	}
	b.Missing[j] = len(col) < n
	if len(col) == 0 {
		b.Edges[j] = []float64{}
		return
	}
	b.Edges[j] = edges(col, maxBins-btoi(b.Missing[j]))
}

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}

// edges sorts col in place and returns its bin edges.
func edges(col []float64, maxBins int) []float64 {
	slices.Sort(col)
	distinct := slices.Compact(slices.Clone(col))
	if len(distinct) <= maxBins {
		e := make([]float64, len(distinct)-1)
		for i := range e {
			e[i] = distinct[i] + (distinct[i+1]-distinct[i])/2
		}
		return e
	}
	var e []float64
	n := len(col)
	for q := 1; q < maxBins; q++ {
		// midpoint interpolation of the q/maxBins quantile
		pos := float64(q) / float64(maxBins) * float64(n-1)
		lo, hi := int(math.Floor(pos)), int(math.Ceil(pos))
		v := col[lo] + (col[hi]-col[lo])/2
		if len(e) == 0 || v > e[len(e)-1] {
			e = append(e, v)
		}
	}
	// A quantile equal to the largest value would leave the last bin empty.
	for len(e) > 0 && e[len(e)-1] >= col[n-1] {
		e = e[:len(e)-1]
	}
	return e
}

// slotCells is the most codes (rows × features) kept as histogram slots.
const slotCells = 1 << 18

// Binned is data mapped to bin codes, row-major, with the binner's
// thresholds. It keeps the codes feature-major too: histograms read a
// row's codes together, partitions one feature's codes of many rows.
type Binned struct {
	Codes  []uint8 // row-major; 0 for a feature of more than 256 levels (see wide)
	Rows   int
	NBins  []int // per feature
	Levels []int // per feature: 0 numeric, else levels
	Edges  [][]float64
	// missing[j]: numeric feature j's last bin holds its missing values
	missing []bool
	offset  []int    // first histogram slot of each feature
	total   int      // histogram slots
	cols    []uint8  // feature-major: feature j's codes are cols[j*Rows:(j+1)*Rows]
	slots   []uint16 // row-major histogram slots (offset + code); nil past 65,536 slots
	// wide[j] is the codes of feature j, feature-major, when it has more
	// than 256 levels; nil for the others. Data with a wide feature is
	// always counted through slots.
	wide [][]uint16

	// Features with few bins are also counted together: a group's rows
	// are counted by their joint code, one update a row for the whole
	// group, and the joint counts are added up into each member's bins
	// afterwards (marginalised). The students' five categories make 240
	// joint cells, so a row costs three updates instead of seven.
	groups  int      // gslots per row: the single features, then the joint groups
	gslots  []uint16 // row-major: a single feature's slot, or total + its joint cell; nil without a joint group
	members int      // features per joint cell
	marg    []uint16 // joint cell q's members' slots are marg[q*members:(q+1)*members]
	minRows int      // the fewest rows a grouped count is worth
}

// maxJoint is the most cells of one joint group.
const maxJoint = 256

// Cols is the number of features.
func (b *Binned) Cols() int { return len(b.NBins) }

// column returns feature j's code of every row (not for a wide feature).
func (b *Binned) column(j int) []uint8 { return b.cols[j*b.Rows : (j+1)*b.Rows] }

// code is row r's code of feature j, wide or not.
func (b *Binned) code(r, j int) int {
	if b.wide != nil && b.wide[j] != nil {
		return int(b.wide[j][r])
	}
	return int(b.Codes[r*len(b.NBins)+j])
}

// Bin maps the given rows of d (all when rows is nil) to bin codes.
func (b *Binner) Bin(d *Data, rows []int32) (*Binned, error) {
	if err := d.Check(); err != nil {
		return nil, fmt.Errorf("bin: %w", err)
	}
	p := d.Cols()
	if p != len(b.Levels) {
		return nil, fmt.Errorf("bin: data has %d features; the binner %d", p, len(b.Levels))
	}
	n := d.Rows
	if rows != nil {
		n = len(rows)
	}
	out := &Binned{Codes: make([]uint8, n*p), Rows: n, NBins: make([]int, p), Levels: b.Levels, Edges: b.Edges, offset: make([]int, p),
		missing: make([]bool, p)}
	for j := range p {
		if l := b.Levels[j]; l > 0 {
			if d.Levels[j] != l {
				return nil, fmt.Errorf("bin: feature %d has %d levels; the binner %d", j, d.Levels[j], l)
			}
			out.NBins[j] = l
		} else {
			if d.Levels[j] != 0 {
				return nil, fmt.Errorf("bin: feature %d is categorical; the binner's is numeric", j)
			}
			out.NBins[j] = len(b.Edges[j]) + 1
			if b.Missing != nil && b.Missing[j] {
				out.missing[j] = true
				out.NBins[j]++
			}
		}
		out.offset[j] = out.total
		out.total += out.NBins[j]
	}
	if err := out.fill(d, rows, b); err != nil {
		return nil, err
	}
	out.group()
	return out, nil
}

// fill sets the codes of out from the given rows of d.
func (out *Binned) fill(d *Data, rows []int32, b *Binner) error {
	n, p := out.Rows, out.Cols()
	for j, l := range b.Levels {
		if l > byteLevels {
			if out.wide == nil {
				out.wide = make([][]uint16, p)
			}
			out.wide[j] = make([]uint16, n)
		}
	}
	if out.wide != nil && out.total > 1<<16 {
		return fmt.Errorf("bin: %d bins in all; a feature of more than %d levels needs at most %d", out.total, byteLevels, 1<<16)
	}
	out.cols = make([]uint8, n*p)
	// Slots save an addition per code, but double the bytes a histogram
	// reads: worth it while the data stays in cache. Wide codes are only
	// counted through them.
	if out.wide != nil || (out.total <= 1<<16 && n*p <= slotCells) {
		out.slots = make([]uint16, n*p)
	}
	// Rows are coded on their own: large data codes two halves at once.
	if n < parallelRows || runtime.GOMAXPROCS(0) < 2 {
		out.fillRows(d, rows, b, 0, n)
		return nil
	}
	var wg sync.WaitGroup
	wg.Go(func() { out.fillRows(d, rows, b, n/2, n) })
	out.fillRows(d, rows, b, 0, n/2)
	wg.Wait()
	return nil
}

// fillRows sets the codes of binned rows [lo, hi), from the given rows of
// d.
func (out *Binned) fillRows(d *Data, rows []int32, b *Binner, lo, hi int) {
	n, p := out.Rows, out.Cols()
	for i := lo; i < hi; i++ {
		r := i
		if rows != nil {
			r = int(rows[i])
		}
		src, dst := d.X[r*p:(r+1)*p], out.Codes[i*p:(i+1)*p]
		for j, v := range src {
			switch l := b.Levels[j]; {
			case l > byteLevels:
				out.wide[j][i] = uint16(v)
			case l > 0:
				dst[j] = uint8(v)
			case v != v:
				dst[j] = uint8(out.NBins[j] - 1)
			default:
				dst[j] = uint8(sort.SearchFloat64s(b.Edges[j], v))
			}
		}
		for j, c := range dst {
			out.cols[j*n+i] = c
			if out.slots != nil {
				out.slots[i*p+j] = uint16(out.offset[j] + out.code(i, j))
			}
		}
	}
}

// group forms the one joint group of Binned: the features with the
// fewest bins (ties to the earlier) while their bins multiply to at most
// maxJoint cells; the others stay single. It codes every row's group
// slots, and leaves gslots nil when fewer than two features join (nothing
// to gain) or the slots would not fit 16 bits.
func (b *Binned) group() {
	p := b.Cols()
	byBins := make([]int, p)
	for j := range byBins {
		byBins[j] = j
	}
	slices.SortStableFunc(byBins, func(i, j int) int { return b.NBins[i] - b.NBins[j] })
	in := make([]bool, p)
	cells := 1
	for _, j := range byBins {
		if cells*b.NBins[j] > maxJoint {
			break
		}
		in[j] = true
		cells *= b.NBins[j]
	}
	var joint, single []int
	for j := range p {
		if in[j] {
			joint = append(joint, j)
		} else {
			single = append(single, j)
		}
	}
	if len(joint) < 2 || b.total+cells > 1<<16 {
		return
	}
	b.groups = len(single) + 1
	b.members = len(joint)
	b.marg = make([]uint16, cells*len(joint))
	for q := range cells {
		// cell q's digits, the first member's varying slowest
		r := q
		for m := len(joint) - 1; m >= 0; m-- {
			j := joint[m]
			b.marg[q*len(joint)+m] = uint16(b.offset[j] + r%b.NBins[j])
			r /= b.NBins[j]
		}
	}
	// A grouped count saves p − groups updates a row and costs a pass
	// over the joint cells (clear, merge and marginalise).
	b.minRows = cells * (len(joint) + 3) / (p - b.groups)
	b.gslots = make([]uint16, b.Rows*b.groups)
	for i := range b.Rows {
		codes := b.Codes[i*p : (i+1)*p]
		dst := b.gslots[i*b.groups : (i+1)*b.groups]
		for k, j := range single {
			dst[k] = uint16(b.offset[j] + b.code(i, j))
		}
		q := 0
		for _, j := range joint {
			q = q*b.NBins[j] + int(codes[j])
		}
		dst[len(single)] = uint16(b.total + q)
	}
}

// grouped reports whether a histogram of n rows is counted by group.
func (b *Binned) grouped(n int) bool { return b.gslots != nil && n >= b.minRows }

// extent is the size of a histogram counted by group: every bin, then the
// joint cells.
func (b *Binned) extent() int { return b.total + len(b.marg)/max(1, b.members) }
