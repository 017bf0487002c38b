package batch

import (
	"bytes"
	"context"
	"encoding/csv"
	"fmt"
	"io"
	"math"

	"github.com/studentperf/studentperf/shared/dataset"
	"github.com/studentperf/studentperf/shared/features"
	"github.com/studentperf/studentperf/shared/model"
)

// blockRows is how many rows the fast path lays out before the model
// predicts them together.
const blockRows = 4096

// spanResult is what scoring one span gave: its output lines, its errors
// file lines, its counts, and the error that stopped it.
type spanResult struct {
	out, errs []byte
	res       Result
	err       error
}

// spanScorer scores spans of one file (whole records after its header,
// see dataset.Cuts) for one worker, exactly as Score scores the same
// records in the whole file. A span without a quote is split into lines
// here: a line whose cells are all plain (see fastRow) is decoded straight
// from its bytes into the model's input layout, predicted a block at a
// time, and copied to the output as read; any other line is decoded by
// the reader (RowReader.DecodeLine) and scored as Score scores it. A span
// with a quote goes through Score itself.
type spanScorer struct {
	m       *model.Model
	tr      *features.Transform
	header  []byte
	cells   []cellPlan  // how to read each schema feature
	fields  []fieldPlan // what to do with each field of a line
	absent  []int       // the cells of features the file leaves out
	nfields int
	p       int // model.InputWidth
	rr      *dataset.RowReader
	errors  bool         // bad rows go to an errors file
	levels  []levelTable // per category, in the transform's order

	blk block
}

// cellPlan is how the fast path reads one schema feature.
type cellPlan struct {
	at     int  // the feature's field, -1 when the file leaves it out
	cat    int  // its index among the transform's categories, -1 for a number
	num    int  // its index among the transform's numbers
	date   bool // a part of a date column
	lo, hi float64
}

// fieldPlan is what the fast path does with one field of a line: skip it
// (no feature reads it) or read it into its features' cells.
type fieldPlan struct {
	kind  fieldKind
	cell  int   // the cell a number or category fills
	cells []int // every cell it fills (a date's parts)
}

type fieldKind uint8

const (
	fieldSkip fieldKind = iota
	fieldNumber
	fieldCategory
	fieldDate
)

// planFields lays out, per field of the header, the cells it fills, and
// lists the cells no field fills (left-out optional columns).
func planFields(cells []cellPlan, nfields int) (fields []fieldPlan, absent []int) {
	fields = make([]fieldPlan, nfields)
	for i, c := range cells {
		if c.at < 0 {
			absent = append(absent, i)
			continue
		}
		f := &fields[c.at]
		switch {
		case c.date:
			f.kind = fieldDate
		case c.cat >= 0:
			f.kind = fieldCategory
		default:
			f.kind = fieldNumber
		}
		f.cell = i
		f.cells = append(f.cells, i)
	}
	return fields, absent
}

// planCells lays out the reading of s's features from fields at pos.
func planCells(s dataset.Schema, pos []int) []cellPlan {
	cells := make([]cellPlan, len(s.Features))
	ni, ci := 0, 0
	for i, c := range s.Features {
		p := cellPlan{at: pos[i], cat: -1, date: c.Source != "", lo: math.Inf(-1), hi: math.Inf(1)}
		if c.Min != nil {
			p.lo = *c.Min
		}
		if c.Max != nil {
			p.hi = *c.Max
		}
		if c.Kind == dataset.Category {
			p.cat, ci = ci, ci+1
		} else {
			p.num, ni = ni, ni+1
		}
		cells[i] = p
	}
	return cells
}

// block is the rows read since the last prediction, in order.
type block struct {
	x    []float64  // fast rows' inputs
	y    []float64  // their predictions
	rows []blockRow // every row, fast or not
	pre  []byte     // the output fields of rows that are not fast
}

// blockRow is one row waiting for its prediction: a fast row keeps its
// line (its output fields, as read); another row its fields in pre[a:b]
// and the prediction Score made.
type blockRow struct {
	line []byte
	a, b int
	fast bool
	y    float64
}

// newSpanScorer prepares a worker for a file whose header (its bytes, as
// Score would read them) the model accepts.
func newSpanScorer(m *model.Model, header []byte, errors bool) (*spanScorer, error) {
	s := m.Schema()
	s.Target = ""
	rr, err := dataset.NewRowReader(bytes.NewReader(header), s)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrBadRow, err)
	}
	p := m.InputWidth()
	sc := &spanScorer{
		m: m, tr: m.Transform, header: header, cells: planCells(s, rr.Positions()),
		nfields: len(rr.Header()), p: p, rr: rr, errors: errors,
		blk: block{x: make([]float64, 0, blockRows*p), y: make([]float64, blockRows)},
	}
	for i := range m.Transform.Categorical {
		sc.levels = append(sc.levels, newLevelTable(&m.Transform.Categorical[i]))
	}
	sc.fields, sc.absent = planFields(sc.cells, sc.nfields)
	return sc, nil
}

// score scores one span: data holds whole records, and line lines of the
// file come before it. The output goes into out's room when it fits.
func (sc *spanScorer) score(ctx context.Context, data []byte, line int, out []byte) spanResult {
	var r spanResult
	var eb bytes.Buffer
	var errs *csv.Writer
	if sc.errors {
		errs = csv.NewWriter(&eb)
	}
	if bytes.IndexByte(data, '"') >= 0 {
		var ob bytes.Buffer
		o := Options{Lines: line, NoHeader: true}
		if errs != nil {
			o.Errors = &eb
		}
		r.res, r.err = Score(ctx, sc.m, multiBytes(sc.header, data), &ob, o)
		r.out, r.errs = ob.Bytes(), eb.Bytes()
		return r
	}
	r.out, r.res, r.err = sc.scoreLines(ctx, data, line, out[:0], errs)
	if errs != nil {
		errs.Flush()
		if err := errs.Error(); err != nil && r.err == nil {
			r.err = fmt.Errorf("write errors: %w", err)
		}
	}
	r.errs = eb.Bytes()
	return r
}

// scoreLines scores the lines of a span without quotes into out.
func (sc *spanScorer) scoreLines(ctx context.Context, data []byte, line int, out []byte, errs *csv.Writer) ([]byte, Result, error) {
	var res Result
	sc.blk.reset()
	for len(data) > 0 {
		l := data
		if i := bytes.IndexByte(data, '\n'); i >= 0 {
			l, data = data[:i], data[i+1:]
		} else {
			data = nil
		}
		l = bytes.TrimSuffix(l, []byte{'\r'}) // as the reader drops a line end
		line++
		if len(l) == 0 {
			continue // the reader skips empty lines
		}
		res.Rows++
		if res.Rows&4095 == 0 {
			if err := ctx.Err(); err != nil {
				return out, res, err
			}
		}
		if sc.fastRow(l) {
			sc.blk.rows = append(sc.blk.rows, blockRow{line: l, fast: true})
		} else if err := sc.slowRow(l, line, errs, &res); err != nil {
			var ferr error
			if out, ferr = sc.flush(out, &res); ferr != nil {
				return out, res, ferr
			}
			return out, res, err
		}
		if len(sc.blk.rows) == blockRows {
			var err error
			if out, err = sc.flush(out, &res); err != nil {
				return out, res, err
			}
		}
	}
	out, err := sc.flush(out, &res)
	return out, res, err
}

// slowRow scores a line the fast path does not take, as Score does: a bad
// row goes to the errors file (or stops the span), a good one into the
// block with its prediction.
func (sc *spanScorer) slowRow(l []byte, line int, errs *csv.Writer, res *Result) error {
	rec, ok := sc.rr.DecodeLine(l, line)
	if !ok {
		return fmt.Errorf("line %d: cannot be decoded on its own", line) // not reached: the line has no quote and is not empty
	}
	y, problem := predictRecord(sc.m, rec)
	if problem != "" {
		if err := badRow(errs, rec, problem); err != nil {
			return err
		}
		res.Bad++
		return nil
	}
	a := len(sc.blk.pre)
	sc.blk.pre = appendFields(sc.blk.pre, rec.Fields)
	sc.blk.rows = append(sc.blk.rows, blockRow{a: a, b: len(sc.blk.pre), y: y})
	return nil
}

// flush predicts the block's fast rows and appends every row of it to out.
func (sc *spanScorer) flush(out []byte, res *Result) ([]byte, error) {
	b := &sc.blk
	if len(b.x) > 0 {
		n := len(b.x) / sc.p
		if err := sc.m.PredictInputs(b.x, b.y[:n]); err != nil {
			return out, err
		}
	}
	k := 0
	for _, r := range b.rows {
		y := r.y
		if r.fast {
			out = append(append(out, r.line...), ',')
			y, k = b.y[k], k+1
		} else {
			out = append(out, b.pre[r.a:r.b]...)
		}
		out = appendScored(out, y)
	}
	res.Scored += len(b.rows)
	b.reset()
	return out, nil
}

func (b *block) reset() {
	b.x, b.rows, b.pre = b.x[:0], b.rows[:0], b.pre[:0]
}

// fastRow decodes a plain line straight into the block's next input row
// and reports whether it could. A line is plain when the reader would
// read it field by field as its bytes stand and Score would write those
// fields back unchanged: no CR in it, no field starting with white space
// (or a byte beyond ASCII, which might be Unicode space) and none equal
// to `\.`, as many fields as the header; and when its cells need no more
// than the common rules: a missing marker, a number within its bounds
// (dataset.NumberField, else ParseNumberBytes), a category level the table
// or Lookup finds, no date. On false the block is unchanged and the line
// goes the reader's way, which says what is wrong with it, if anything.
func (sc *spanScorer) fastRow(l []byte) bool {
	if bytes.IndexByte(l, '\r') >= 0 {
		return false
	}
	n := len(sc.blk.x)
	grown := append(sc.blk.x, make([]float64, sc.p)...)
	x := grown[n:]
	for _, c := range sc.absent {
		if !sc.missingCell(c, x) {
			return false
		}
	}
	i, field := 0, 0
	for {
		if field == sc.nfields {
			return false // more fields than the header
		}
		var ok bool
		if i, ok = sc.readField(l, i, field, x); !ok {
			return false
		}
		field++
		if i == len(l) {
			break
		}
		i++ // the comma
	}
	if field != sc.nfields {
		return false
	}
	sc.blk.x = grown
	return true
}

// readField reads the field that starts at l[i] into x, if a feature
// reads it, and returns where it ends (at a comma or the line's end).
func (sc *spanScorer) readField(l []byte, i, field int, x []float64) (int, bool) {
	fp := &sc.fields[field]
	if fp.kind == fieldNumber {
		if v, k, ok := dataset.NumberField(l[i:]); ok {
			return i + k, sc.number(fp.cell, v, x)
		}
	}
	end := len(l)
	if e := bytes.IndexByte(l[i:], ','); e >= 0 {
		end = i + e
	}
	f := l[i:end]
	if !plainField(f) {
		return end, false
	}
	if fp.kind == fieldSkip {
		return end, true
	}
	cell := dataset.TrimCellBytes(f)
	if dataset.IsMissingBytes(cell) {
		for _, c := range fp.cells {
			if !sc.missingCell(c, x) {
				return end, false
			}
		}
		return end, true
	}
	switch fp.kind {
	case fieldCategory:
		c := &sc.cells[fp.cell]
		lvl, ok := sc.level(c.cat, cell)
		x[len(sc.tr.Numeric)+c.cat] = float64(lvl)
		return end, ok
	case fieldNumber:
		v, err := dataset.ParseNumberBytes(cell)
		return end, err == nil && sc.number(fp.cell, v, x)
	}
	return end, false // a date
}

// number writes a number of cell c into x, within the reader's bounds
// (the schema's), then the model's.
func (sc *spanScorer) number(c int, v float64, x []float64) bool {
	p := &sc.cells[c]
	if v < p.lo || v > p.hi || !sc.tr.Numeric[p.num].InRange(v) {
		return false
	}
	x[p.num] = v
	return true
}

// missingCell writes cell c's missing value into x: NaN for a number, the
// imputed level for a category.
func (sc *spanScorer) missingCell(c int, x []float64) bool {
	p := &sc.cells[c]
	if p.cat < 0 {
		x[p.num] = math.NaN()
		return true
	}
	t := &sc.levels[p.cat]
	x[len(sc.tr.Numeric)+p.cat] = float64(t.missing)
	return t.missingOK
}

// plainField reports whether the reader keeps a field of a line without
// quotes as it stands and Score writes it back so.
func plainField(f []byte) bool {
	if len(f) == 0 {
		return true
	}
	switch c := f[0]; {
	case c == ' ' || c == '\t' || c == '\v' || c == '\f' || c >= 0x80:
		return false
	case c == '\\' && len(f) == 2 && f[1] == '.':
		return false
	}
	return true
}

// level is Categorical.Lookup of a trimmed cell, not missing: an exact
// level from the table, anything else from Lookup.
func (sc *spanScorer) level(i int, cell []byte) (int, bool) {
	t := &sc.levels[i]
	if lvl, ok := t.find(cell); ok {
		return lvl, true
	}
	return sc.tr.Categorical[i].Lookup(string(cell))
}

// multiBytes reads a then b.
func multiBytes(a, b []byte) io.Reader {
	return io.MultiReader(bytes.NewReader(a), bytes.NewReader(b))
}
