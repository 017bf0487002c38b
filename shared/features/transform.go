package features

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"

	"github.com/studentperf/studentperf/shared/dataset"
	"gonum.org/v1/gonum/mat"
)

// Transform is the fitted preprocessing of one model.
type Transform struct {
	Numeric     []Numeric     `json:"numeric"`
	Categorical []Categorical `json:"categorical"`
}

// Numeric is the fitted imputer and scaler of one score column.
type Numeric struct {
	Name   string  `json:"name"`
	Median float64 `json:"median"` // imputes a missing value
	Mean   float64 `json:"mean"`
	Scale  float64 `json:"scale"` // population standard deviation, 1 when it is 0

	col    dataset.Column // the schema's column, set by Bind: its bounds
	lo, hi float64        // the bounds, ±MaxFloat64 when none
}

// Categorical is the fitted imputer and one-hot encoder of one category
// column.
//
// Its levels are the training levels, sorted; then, when the column had
// missing cells in training, the missing level (Missing); then, when rare
// levels fold, the other level (OtherLevel), always last. The missing
// level is a level like any other to every model (the trees split on it,
// the one-hot layouts have its indicator) and is what a missing cell
// reads as, and an unseen level too where the schema reads unseen levels
// as missing. It is never matched by its name, so a real level called
// "(missing)" cannot collide with it (the missing level is then named
// "(missing)_"), and it is not offered as a choice (Choices). A column
// without missing cells in training has no missing level: a missing cell
// reads as the most frequent level, as before the missing level existed.
type Categorical struct {
	Name         string    `json:"name"`
	Levels       []string  `json:"levels"`        // sorted, as seen in training; then the missing and the other level, when there are
	MostFrequent int       `json:"most_frequent"` // index into Levels, never the missing level; imputes a missing value when there is no missing level
	Scale        []float64 `json:"scale"`         // per level: standard deviation of its indicator, 1 when it is 0
	// Folded lists the training levels seen in fewer than
	// dataset.RareLevel rows (or beyond the MaxLevels most frequent),
	// which read as the last level, OtherLevel.
	Folded []string `json:"folded,omitempty"`
	// Missing names the missing level, one of Levels: the level missing
	// cells had in training. Empty when they had none.
	Missing string `json:"missing,omitempty"`

	index          map[string]int // Levels (but the missing one) and Folded → position, built by Init
	fold           map[string]int // ASCII-lowercased Levels → position, for many levels
	missing        int            // the missing level's position, -1 when there is none
	choices        []string       // Levels but the missing one
	unknownMissing bool           // an unseen level is imputed (set by Bind)
}

// OtherLevel is the level rare levels fold into; MaxLevels bounds the
// levels a category keeps, the rest folding into OtherLevel too.
// MissingLevel is the name of the level missing cells read as, in a
// column that had missing cells in training.
const (
	OtherLevel   = "(other)"
	MaxLevels    = 1000
	MissingLevel = "(missing)"
)

// Row is one record's raw feature values.
type Row struct {
	Cat []string  // one per Transform.Categorical, in order; "" is missing
	Num []float64 // one per Transform.Numeric, in order; NaN is missing
}

// Fit fits the transforms on the feature columns of t (the training rows).
func Fit(t *dataset.Table) (*Transform, error) {
	if t.Len() == 0 {
		return nil, errors.New("fit transforms: no rows")
	}
	tr := &Transform{}
	for i, c := range t.Schema.Features {
		col := t.Cols[i]
		switch c.Kind {
		case dataset.Numeric:
			n, err := fitNumeric(c.Name, col.Values)
			if err != nil {
				return nil, fmt.Errorf("fit transforms: %w", err)
			}
			tr.Numeric = append(tr.Numeric, n)
		case dataset.Category:
			cat, err := fitCategorical(c.Name, col.Codes, col.Levels)
			if err != nil {
				return nil, fmt.Errorf("fit transforms: %w", err)
			}
			tr.Categorical = append(tr.Categorical, cat)
		default:
			return nil, fmt.Errorf("fit transforms: column %q has unknown kind %d", c.Name, c.Kind)
		}
	}
	if err := tr.Init(); err != nil {
		return nil, err
	}
	return tr, tr.Bind(t.Schema)
}

func fitNumeric(name string, values []float64) (Numeric, error) {
	present := make([]float64, 0, len(values))
	for _, v := range values {
		if !math.IsNaN(v) {
			present = append(present, v)
		}
	}
	if len(present) == 0 {
		return Numeric{}, fmt.Errorf("column %q has no values to fit", name)
	}
	slices.Sort(present)
	h := len(present) / 2
	median := present[h]
	if len(present)%2 == 0 {
		median = (present[h-1] + present[h]) / 2
	}
	// Mean and deviation after imputation, as the scaler sees the data.
	var sum float64
	for _, v := range values {
		sum += imputed(v, median)
	}
	mean := sum / float64(len(values))
	var ss float64
	for _, v := range values {
		d := imputed(v, median) - mean
		ss += d * d
	}
	return Numeric{Name: name, Median: median, Mean: mean, Scale: scale(math.Sqrt(ss / float64(len(values))))}, nil
}

func imputed(v, median float64) float64 {
	if math.IsNaN(v) {
		return median
	}
	return v
}

// lc is a level and its count.
type lc struct {
	level string
	count int
}

// foldRare splits levels into those kept and those folded into the other
// level: in a column of more than dataset.FoldAbove levels, the ones seen
// in fewer than dataset.RareLevel rows, and beyond the MaxLevels most
// frequent. A single rare level is kept: folding it alone would only
// rename it.
func foldRare(levels []lc) (kept, folded []lc) {
	if len(levels) <= dataset.FoldAbove {
		return levels, nil
	}
	byCount := slices.Clone(levels)
	slices.SortStableFunc(byCount, func(a, b lc) int {
		if a.count != b.count {
			return b.count - a.count
		}
		return strings.Compare(a.level, b.level)
	})
	for i, l := range byCount {
		if i < MaxLevels && l.count >= dataset.RareLevel {
			kept = append(kept, l)
		} else {
			folded = append(folded, l)
		}
	}
	if len(folded) == 1 && len(byCount) <= MaxLevels {
		return byCount, nil
	}
	if len(kept) == 0 { // every level rare: keep them, there is nothing to fold into
		return byCount, nil
	}
	return kept, folded
}

func fitCategorical(name string, codes []int32, levels []string) (Categorical, error) {
	counts := make([]int, len(levels))
	missing := 0
	for r, c := range codes {
		if c < 0 {
			missing++
			continue
		}
		if int(c) >= len(levels) {
			return Categorical{}, fmt.Errorf("column %q row %d: code %d has no level", name, r+1, c)
		}
		counts[c]++
	}
	var seen []lc
	for i, l := range levels {
		if counts[i] > 0 {
			seen = append(seen, lc{l, counts[i]})
		}
	}
	if len(seen) == 0 {
		return Categorical{}, fmt.Errorf("column %q has no values to fit", name)
	}
	seen, folded := foldRare(seen)
	slices.SortFunc(seen, func(a, b lc) int { return strings.Compare(a.level, b.level) })
	missingAt := -1 // the missing level's position
	taken := func(l string) bool {
		return slices.ContainsFunc(seen, func(s lc) bool { return s.level == l }) || slices.ContainsFunc(folded, func(s lc) bool { return s.level == l })
	}
	var other *lc
	if len(folded) > 0 {
		other = &lc{level: OtherLevel}
		for _, f := range folded {
			other.count += f.count
		}
		for taken(other.level) {
			other.level += "_"
		}
	}
	cat := Categorical{Name: name}
	if missing > 0 {
		miss := lc{level: MissingLevel, count: missing}
		for taken(miss.level) || (other != nil && other.level == miss.level) {
			miss.level += "_"
		}
		missingAt = len(seen)
		seen = append(seen, miss)
		cat.Missing = miss.level
	}
	if other != nil {
		seen = append(seen, *other)
	}
	cat.Levels, cat.Scale = make([]string, len(seen)), make([]float64, len(seen))
	for _, f := range folded {
		cat.Folded = append(cat.Folded, f.level)
	}
	slices.Sort(cat.Folded)
	// Most frequent level, never the missing one; ties go to the smallest
	// level, as scikit-learn's SimpleImputer does.
	for i, s := range seen {
		cat.Levels[i] = s.level
		if i != missingAt && s.count > seen[cat.MostFrequent].count {
			cat.MostFrequent = i
		}
	}
	n := float64(len(codes))
	for i, s := range seen {
		count := float64(s.count)
		if i == cat.MostFrequent && missingAt < 0 {
			count += float64(missing) // imputed: a missing cell reads as it
		}
		p := count / n
		cat.Scale[i] = scale(math.Sqrt(p * (1 - p)))
	}
	return cat, nil
}

// scale returns sd, or 1 where sd is 0 (a constant column), as
// scikit-learn's StandardScaler does.
func scale(sd float64) float64 {
	if sd == 0 {
		return 1
	}
	return sd
}

// Init validates a decoded or fitted transform and builds its lookup
// tables. It must be called before Lookup, Encode or Matrix.
func (t *Transform) Init() error {
	for _, n := range t.Numeric {
		if n.Name == "" {
			return errors.New("numeric feature with no name")
		}
		if !finite(n.Median) || !finite(n.Mean) || !finite(n.Scale) || n.Scale <= 0 {
			return fmt.Errorf("numeric feature %q: median, mean and scale must be finite and scale positive", n.Name)
		}
	}
	for i := range t.Numeric {
		n := &t.Numeric[i]
		n.col, n.lo, n.hi = dataset.Column{Name: n.Name, Kind: dataset.Numeric}, -math.MaxFloat64, math.MaxFloat64
	}
	for i := range t.Categorical {
		c := &t.Categorical[i]
		if c.Name == "" {
			return errors.New("categorical feature with no name")
		}
		if len(c.Levels) == 0 {
			return fmt.Errorf("categorical feature %q has no levels", c.Name)
		}
		if len(c.Scale) != len(c.Levels) {
			return fmt.Errorf("categorical feature %q: %d scales for %d levels", c.Name, len(c.Scale), len(c.Levels))
		}
		if c.MostFrequent < 0 || c.MostFrequent >= len(c.Levels) {
			return fmt.Errorf("categorical feature %q: most frequent level %d out of range", c.Name, c.MostFrequent)
		}
		if err := c.init(); err != nil {
			return err
		}
	}
	return nil
}

// init builds the lookup tables of a category: every level but the
// missing one, and the folded levels, by name.
func (c *Categorical) init() error {
	c.missing, c.choices = -1, c.Levels
	c.index = make(map[string]int, len(c.Levels))
	for j, l := range c.Levels {
		if _, dup := c.index[l]; dup || (c.missing >= 0 && l == c.Missing) {
			return fmt.Errorf("categorical feature %q: duplicate level %q", c.Name, l)
		}
		if !finite(c.Scale[j]) || c.Scale[j] <= 0 {
			return fmt.Errorf("categorical feature %q: scale of level %q must be finite and positive", c.Name, l)
		}
		if c.Missing != "" && l == c.Missing {
			c.missing = j // read for missing cells only, never by its name
			continue
		}
		c.index[l] = j
	}
	switch {
	case c.Missing != "" && c.missing < 0:
		return fmt.Errorf("categorical feature %q: missing level %q is not one of its levels", c.Name, c.Missing)
	case c.missing >= 0 && c.missing == c.MostFrequent:
		return fmt.Errorf("categorical feature %q: the missing level %q cannot be the most frequent, which a record's typical value is", c.Name, c.Missing)
	case c.missing >= 0 && len(c.Folded) > 0 && c.missing == len(c.Levels)-1:
		return fmt.Errorf("categorical feature %q: the missing level %q is where the folded levels' other level must be, the last", c.Name, c.Missing)
	case c.missing >= 0:
		c.choices = slices.Delete(slices.Clone(c.Levels), c.missing, c.missing+1)
	}
	other := len(c.Levels) - 1
	for _, f := range c.Folded {
		if _, dup := c.index[f]; dup || f == c.Missing {
			return fmt.Errorf("categorical feature %q: folded level %q is also a level", c.Name, f)
		}
		c.index[f] = other
	}
	c.fold = nil
	if len(c.Levels) > 8 {
		c.fold = make(map[string]int, len(c.Levels))
		for j, l := range c.Levels {
			if _, dup := c.fold[lowerASCII(l)]; !dup && j != c.missing {
				c.fold[lowerASCII(l)] = j
			}
		}
	}
	c.unknownMissing = false
	return nil
}

// Bind takes each column's serving rules from the schema the transform
// reads: the bounds of a numeric column, the unknown-level policy of a
// category. Call it after Init. A column the schema does not name keeps
// no bounds and refuses unseen levels.
func (t *Transform) Bind(s dataset.Schema) error {
	for i := range t.Numeric {
		n := &t.Numeric[i]
		j := s.Index(n.Name)
		if j < 0 {
			return fmt.Errorf("bind: numeric feature %q is not in the schema", n.Name)
		}
		n.col = s.Features[j]
		n.lo, n.hi = -math.MaxFloat64, math.MaxFloat64
		if n.col.Min != nil {
			n.lo = *n.col.Min
		}
		if n.col.Max != nil {
			n.hi = *n.col.Max
		}
	}
	for i := range t.Categorical {
		c := &t.Categorical[i]
		j := s.Index(c.Name)
		if j < 0 {
			return fmt.Errorf("bind: categorical feature %q is not in the schema", c.Name)
		}
		c.unknownMissing = !s.Features[j].UnknownIsError()
	}
	return nil
}

// lowerASCII folds ASCII letters to lower case, nothing else.
func lowerASCII(s string) string {
	for i := 0; i < len(s); i++ {
		if 'A' <= s[i] && s[i] <= 'Z' {
			b := []byte(s)
			for j := i; j < len(b); j++ {
				if 'A' <= b[j] && b[j] <= 'Z' {
					b[j] += 'a' - 'A'
				}
			}
			return string(b)
		}
	}
	return s
}

// InRange reports whether v, not missing, is a finite number within the
// column's declared bounds.
func (n *Numeric) InRange(v float64) bool { return v >= n.lo && v <= n.hi }

// Standard is v standardised, as the design matrix holds it: a missing
// value (NaN) imputed with the training median, then centred on the mean
// and divided by the scale.
func (n *Numeric) Standard(v float64) float64 { return (imputed(v, n.Median) - n.Mean) / n.Scale }

// Column is the schema column the transform was bound to.
func (n *Numeric) Column() dataset.Column { return n.col }

// UnknownMissing reports whether an unseen level reads as missing.
func (c *Categorical) UnknownMissing() bool { return c.unknownMissing }

// MissingLevel returns the position of the missing level in Levels, and
// whether there is one.
func (c *Categorical) MissingLevel() (int, bool) { return c.missing, c.missing >= 0 }

// Choices lists the levels a record may name: Levels without the missing
// level (the same slice when there is none, or before Init). Forms, the
// allowed values of an error and the model's schema show these; do not
// modify it.
func (c *Categorical) Choices() []string {
	if c.choices == nil {
		return c.Levels
	}
	return c.choices
}

// imputed is the level a missing value reads as: the missing level, or
// the most frequent where there is none.
func (c *Categorical) imputed() int {
	if c.missing >= 0 {
		return c.missing
	}
	return c.MostFrequent
}

func finite(f float64) bool { return !math.IsNaN(f) && !math.IsInf(f, 0) }

// Width is the number of output columns.
func (t *Transform) Width() int {
	w := len(t.Numeric)
	for _, c := range t.Categorical {
		w += len(c.Levels)
	}
	return w
}

// Names lists the output columns: score names, then "column=level".
func (t *Transform) Names() []string {
	names := make([]string, 0, t.Width())
	for _, n := range t.Numeric {
		names = append(names, n.Name)
	}
	for _, c := range t.Categorical {
		for _, l := range c.Levels {
			names = append(names, c.Name+"="+l)
		}
	}
	return names
}

// Known returns the level index value names: the level itself (a folded
// level names the other level), else after trimming ASCII space, else with
// ASCII case folded (dataset.EqualFoldASCII). A missing value (empty or a
// marker such as NA), a level not seen in training and the missing
// level's name are not known.
func (c *Categorical) Known(value string) (int, bool) {
	// A few levels are found faster by comparing than by hashing.
	if len(c.Levels) <= 8 && len(c.Folded) == 0 {
		for i, l := range c.Levels {
			if l == value && i != c.missing {
				return i, true
			}
		}
	} else if i, ok := c.index[value]; ok {
		return i, true
	}
	v := dataset.TrimCell(value)
	if i, ok := c.index[v]; ok {
		return i, true // exact after trimming beats a case-folded match
	}
	if c.fold != nil {
		i, ok := c.fold[lowerASCII(v)]
		return i, ok
	}
	for i, l := range c.Levels {
		if i != c.missing && dataset.EqualFoldASCII(l, v) {
			return i, true
		}
	}
	return -1, false
}

// Lookup returns the level index a value reads as: the level Known finds;
// for a missing value, the missing level, or the most frequent level (the
// imputation) where the column has none; for an unseen level, the same
// when the schema reads unseen levels as missing, else not ok.
func (c *Categorical) Lookup(value string) (int, bool) {
	if i, ok := c.Known(value); ok {
		return i, true
	}
	if c.unknownMissing || dataset.IsMissing(dataset.TrimCell(value)) {
		return c.imputed(), true
	}
	return -1, false
}

// Check returns every problem of r at once, or nil.
func (t *Transform) Check(r Row) error {
	if len(r.Cat) != len(t.Categorical) || len(r.Num) != len(t.Numeric) {
		return fmt.Errorf("row has %d categories and %d scores; want %d and %d",
			len(r.Cat), len(r.Num), len(t.Categorical), len(t.Numeric))
	}
	var ps Problems
	for i := range t.Categorical {
		c := &t.Categorical[i]
		if _, ok := c.Lookup(r.Cat[i]); !ok {
			ps = append(ps, Problem{Field: c.Name, Value: Clip(r.Cat[i]), Reason: "unknown category", Allowed: c.Choices()})
		}
	}
	for i := range t.Numeric {
		n := &t.Numeric[i]
		if reason := n.check(r.Num[i]); reason != "" {
			ps = append(ps, Problem{Field: n.Name, Value: fmt.Sprint(r.Num[i]), Reason: reason})
		}
	}
	if len(ps) > 0 {
		return ps
	}
	return nil
}

// check says what is wrong with a number, or "". NaN is missing and
// allowed (it is imputed).
func (n *Numeric) check(v float64) string {
	switch {
	case math.IsNaN(v):
		return ""
	case math.IsInf(v, 0):
		return "must be a finite number"
	case !n.InRange(v):
		return "must be " + n.col.BoundsText()
	}
	return ""
}

// Encode writes the transformed row into dst, which must have Width
// elements. It allocates nothing unless r is invalid.
func (t *Transform) Encode(r Row, dst []float64) error {
	if len(dst) != t.Width() {
		return fmt.Errorf("encode: destination has %d columns; want %d", len(dst), t.Width())
	}
	if err := t.Check(r); err != nil {
		return err
	}
	for i := range t.Numeric {
		dst[i] = t.Numeric[i].Standard(r.Num[i])
	}
	k := len(t.Numeric)
	for i := range t.Categorical {
		c := &t.Categorical[i]
		j, _ := c.Lookup(r.Cat[i])
		for l := range c.Levels {
			dst[k+l] = 0
		}
		dst[k+j] = 1 / c.Scale[j]
		k += len(c.Levels)
	}
	return nil
}

// Codes maps the category codes of a table (whose levels are the table's
// own) onto level indices of t, imputing missing cells: one slice per
// categorical feature, in t's order. A value t has not seen is a Problems
// error naming the column, the value and the row. It is the one place a
// table's codes become t's levels; the linear design matrix (Matrix) and
// the tree families' input (model.TreeData) both start from it.
func (t *Transform) Codes(tab *dataset.Table) ([][]int, error) {
	out := make([][]int, len(t.Categorical))
	for i := range t.Categorical {
		c := &t.Categorical[i]
		ci := tab.Schema.Index(c.Name)
		if ci < 0 {
			return nil, fmt.Errorf("table has no column %q", c.Name)
		}
		idx, err := c.Indices(&tab.Cols[ci])
		if err != nil {
			return nil, err
		}
		out[i] = idx
	}
	return out, nil
}

// Remap maps a table column's levels (in the table's own order) onto level
// indices of c: the j-th of the result is the index of levels[j] (by
// Lookup), or -1 where c has not seen the level. Indices starts from it,
// and so does the drift baseline, which counts missing cells instead of
// imputing them.
func (c *Categorical) Remap(levels []string) []int {
	remap := make([]int, len(levels))
	for j, l := range levels {
		k, ok := c.Lookup(l)
		if !ok {
			k = -1
		}
		remap[j] = k
	}
	return remap
}

// Indices maps the codes of a table column onto level indices of c, a
// missing cell (code < 0) taking the missing level, or the most frequent
// where c has none. A level c has not seen is a Problems error naming the
// row.
func (c *Categorical) Indices(col *dataset.Col) ([]int, error) {
	remap := c.Remap(col.Levels)
	idx := make([]int, len(col.Codes))
	for r, code := range col.Codes {
		if code < 0 {
			idx[r] = c.imputed()
			continue
		}
		if int(code) >= len(remap) {
			return nil, fmt.Errorf("column %q row %d: code %d has no level", c.Name, r+1, code)
		}
		if remap[code] < 0 {
			return nil, Problems{{Field: c.Name, Value: Clip(col.Levels[code]), Reason: fmt.Sprintf("unknown category (row %d)", r+1), Allowed: c.Choices()}}
		}
		idx[r] = remap[code]
	}
	return idx, nil
}

// Matrix transforms every row of tab into a dense design matrix.
func (t *Transform) Matrix(tab *dataset.Table) (*mat.Dense, error) {
	n, w := tab.Len(), t.Width()
	if n == 0 {
		return nil, errors.New("matrix: no rows")
	}
	codes, err := t.Codes(tab)
	if err != nil {
		return nil, fmt.Errorf("matrix: %w", err)
	}
	data := make([]float64, n*w)
	for i := range t.Numeric {
		num := &t.Numeric[i]
		ci := tab.Schema.Index(num.Name)
		if ci < 0 {
			return nil, fmt.Errorf("matrix: table has no column %q", num.Name)
		}
		for r, v := range tab.Cols[ci].Values {
			if reason := num.check(v); reason != "" {
				return nil, fmt.Errorf("matrix: row %d: %w", r+1, Problems{{Field: num.Name, Value: fmt.Sprint(v), Reason: reason}})
			}
			data[r*w+i] = num.Standard(v)
		}
	}
	k := len(t.Numeric)
	for i, c := range t.Categorical {
		for r, j := range codes[i] {
			data[r*w+k+j] = 1 / c.Scale[j]
		}
		k += len(c.Levels)
	}
	return mat.NewDense(n, w, data), nil
}

// Rows converts a table into rows of raw values in t's order.
func (t *Transform) Rows(tab *dataset.Table) ([]Row, error) { return t.RowsIn(tab, 0, tab.Len()) }

// RowsIn converts rows [lo, hi) of a table into rows of raw values in t's
// order, so that a table of many rows can be read a block at a time.
func (t *Transform) RowsIn(tab *dataset.Table, lo, hi int) ([]Row, error) {
	if lo < 0 || hi < lo || hi > tab.Len() {
		return nil, fmt.Errorf("rows: [%d, %d) is not within the table's %d rows", lo, hi, tab.Len())
	}
	rows := make([]Row, hi-lo)
	cats := make([]string, len(rows)*len(t.Categorical))
	nums := make([]float64, len(rows)*len(t.Numeric))
	for r := range rows {
		rows[r] = Row{
			Cat: cats[r*len(t.Categorical) : (r+1)*len(t.Categorical)],
			Num: nums[r*len(t.Numeric) : (r+1)*len(t.Numeric)],
		}
	}
	for i, c := range t.Categorical {
		ci := tab.Schema.Index(c.Name)
		if ci < 0 {
			return nil, fmt.Errorf("rows: table has no column %q", c.Name)
		}
		col := tab.Cols[ci]
		for r, code := range col.Codes[lo:hi] {
			if int(code) >= len(col.Levels) {
				return nil, fmt.Errorf("rows: column %q row %d: code %d has no level", c.Name, lo+r+1, code)
			}
			if code >= 0 {
				rows[r].Cat[i] = col.Levels[code]
			}
		}
	}
	for i, n := range t.Numeric {
		ci := tab.Schema.Index(n.Name)
		if ci < 0 {
			return nil, fmt.Errorf("rows: table has no column %q", n.Name)
		}
		for r, v := range tab.Cols[ci].Values[lo:hi] {
			rows[r].Num[i] = v
		}
	}
	return rows, nil
}
