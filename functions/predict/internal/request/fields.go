package request

import (
	"math"
	"strconv"
	"strings"

	"github.com/studentperf/studentperf/shared/dataset"
	"github.com/studentperf/studentperf/shared/features"
	"github.com/studentperf/studentperf/shared/model"
)

// Fields maps each input field of a model's schema to its place in a
// features.Row, and holds the per-field rules every decoder applies (one
// function per kind: category, number, date; missing for an absent or
// null value).
type Fields struct {
	names  []string       // the schema's inputs (Schema.Inputs), in order
	fields []field        // one per name
	index  map[string]int // name → field, for wide schemas
	nCat   int
	nNum   int
	tr     *features.Transform // the levels categories are checked against
	schema dataset.Schema
	// strict is the schema's Strict: unknown members are refused, and
	// JSON types too (a category must be a string, a number a number).
	strict bool

	unknown string // the reason given for a member that is no field
}

// field is one input field: a category, a number or a date (whose parts
// are numeric features).
type field struct {
	name     string
	kind     dataset.Kind // Category, Numeric or Date
	slot     int          // Category: index in Row.Cat; Numeric: in Row.Num
	parts    []string     // Date: the parts, in Row.Num at partSlot
	partSlot []int
	required bool
	cat      *features.Categorical // Category
	num      *features.Numeric     // Numeric
	exact    map[string]string     // Category: each level (and folded level) to its level's string
}

// NewFields maps the input fields of m's schema.
func NewFields(m *model.Model) *Fields {
	s := m.Schema()
	fs := &Fields{tr: m.Transform, schema: s, strict: s.Strict, names: s.Inputs()}
	fs.index = make(map[string]int, len(fs.names))
	for i, n := range fs.names {
		fs.index[n] = i
	}
	fs.fields = make([]field, len(fs.names))
	for _, c := range s.Features {
		name := c.Name
		if c.Source != "" {
			name = c.Source
		}
		f := &fs.fields[fs.index[name]]
		f.name = name
		f.required = f.required || c.Required
		switch {
		case c.Kind == dataset.Category:
			f.kind, f.slot = dataset.Category, fs.nCat
			f.cat = &m.Transform.Categorical[fs.nCat]
			f.exact = exactLevels(f.cat)
			fs.nCat++
		case c.Source != "":
			f.kind = dataset.Date
			f.parts = append(f.parts, c.Part)
			f.partSlot = append(f.partSlot, fs.nNum)
			fs.nNum++
		default:
			f.kind, f.slot = dataset.Numeric, fs.nNum
			f.num = &m.Transform.Numeric[fs.nNum]
			fs.nNum++
		}
	}
	fs.unknown = "unknown field (fields: " + strings.Join(fs.names, ", ") + ")"
	return fs
}

// exactLevels maps each level of c a record may name (not the missing
// level), and each level folded into its other level, to the level's own
// string.
func exactLevels(c *features.Categorical) map[string]string {
	ex := make(map[string]string, len(c.Levels)+len(c.Folded))
	for _, l := range c.Choices() {
		ex[l] = l
	}
	for _, l := range c.Folded {
		ex[l] = c.Levels[len(c.Levels)-1]
	}
	return ex
}

// Names are the input fields, in the schema's order.
func (fs *Fields) Names() []string { return fs.names }

// Target is the name of what the model predicts: the key of a JSON
// answer, the header of a CSV one, the Open Inference Protocol's output.
func (fs *Fields) Target() string { return fs.schema.Target }

// newRow returns a row with every value missing.
func (fs *Fields) newRow() features.Row {
	r := features.Row{Cat: make([]string, fs.nCat), Num: make([]float64, fs.nNum)}
	for i := range r.Num {
		r.Num[i] = math.NaN()
	}
	return r
}

// fieldIndex returns the field called key, or -1.
func (fs *Fields) fieldIndex(key []byte) int {
	if len(fs.names) <= 16 {
		for i, n := range fs.names {
			if n == string(key) {
				return i
			}
		}
		return -1
	}
	if i, ok := fs.index[string(key)]; ok {
		return i
	}
	return -1
}

// accepts reports whether a member that is no input field may be given:
// the target, an ignored column, anything unless the schema is strict.
func (fs *Fields) accepts(name string) bool { return fs.schema.Accepts(name) }

// set reads a present value's text into row by f's kind, or says what is
// wrong with it. path names the field in the problem.
func (fs *Fields) set(f *field, path, text string, row features.Row) *features.Problem {
	switch f.kind {
	case dataset.Category:
		return fs.category(f, path, text, row)
	case dataset.Date:
		return date(f, path, text, row)
	}
	return number(f, path, text, row)
}

// absent notes an absent or null value: a problem for a required field,
// else the value is missing in row (imputed by the model).
func absent(f *field, path string, row features.Row) *features.Problem {
	if f.required {
		return &features.Problem{Field: path, Reason: "required"}
	}
	setMissing(f, row)
	return nil
}

func setMissing(f *field, row features.Row) {
	switch f.kind {
	case dataset.Category:
		row.Cat[f.slot] = ""
	case dataset.Date:
		for _, s := range f.partSlot {
			row.Num[s] = math.NaN()
		}
	default:
		row.Num[f.slot] = math.NaN()
	}
}

// category reads a category's text (a JSON string, a number's literal, a
// CSV cell, a form value): a missing marker or blank is missing (refused
// when the field is required); a level (matched by Categorical.Known:
// exact, trimmed, ASCII case folded) is stored as the level's own string;
// an unseen level is refused with the allowed levels when the schema
// says so, else kept as given, which the model imputes and drift counts
// as unseen.
func (fs *Fields) category(f *field, path, text string, row features.Row) *features.Problem {
	if l, ok := exactLevel(f, text); ok {
		row.Cat[f.slot] = l
		return nil
	}
	t := dataset.TrimCell(text)
	if dataset.IsMissing(t) {
		if f.required {
			reason := "must not be empty"
			if t != "" {
				reason = "required (" + strconv.Quote(t) + " means a missing value)"
			}
			return &features.Problem{Field: path, Value: features.Clip(text), Reason: reason}
		}
		row.Cat[f.slot] = ""
		return nil
	}
	if i, ok := f.cat.Known(text); ok {
		row.Cat[f.slot] = f.cat.Levels[i]
		return nil
	}
	if !f.cat.UnknownMissing() {
		return &features.Problem{Field: path, Value: features.Clip(text), Reason: "unknown category", Allowed: f.cat.Choices()}
	}
	row.Cat[f.slot] = strings.Clone(t)
	return nil
}

// exactLevel is level for a string: a few levels are found faster by
// comparing than by hashing.
func exactLevel(f *field, v string) (string, bool) {
	if levels := f.cat.Choices(); len(levels) <= 8 && len(f.cat.Folded) == 0 {
		for _, l := range levels {
			if l == v {
				return l, true
			}
		}
		return "", false
	}
	l, ok := f.exact[v]
	return l, ok
}

// categoryBytes is category for text still in a request's bytes: a level
// it names is stored as the level's own string, without copying the
// request.
func (fs *Fields) categoryBytes(f *field, path string, text []byte, row features.Row) *features.Problem {
	if l, ok := fs.levelOf(f, text); ok {
		row.Cat[f.slot] = l
		return nil
	}
	return fs.category(f, path, string(text), row)
}

// number reads a number's text (a JSON number's literal, a numeric
// string, a form value) by dataset.ParseNumber's plain decimal grammar
// after dataset.TrimCell: a missing marker is missing (refused when the
// field is required); a number outside the column's declared bounds is
// refused.
func number(f *field, path, text string, row features.Row) *features.Problem {
	t := dataset.TrimCell(text)
	if dataset.IsMissing(t) {
		return absent(f, path, row)
	}
	v, err := dataset.ParseNumber(t)
	switch {
	case err == dataset.ErrNumberRange:
		return &features.Problem{Field: path, Value: features.Clip(text), Reason: "must be a finite number"}
	case err != nil:
		return &features.Problem{Field: path, Value: features.Clip(text), Reason: "must be a finite decimal number"}
	}
	if p := inBounds(f, path, text, v); p != nil {
		return p
	}
	row.Num[f.slot] = v
	return nil
}

// numberBytes is number for text still in a request's bytes: a plain
// number within the bounds is read without copying the request.
func numberBytes(f *field, path string, text []byte, row features.Row) *features.Problem {
	if v, err := dataset.ParseNumber(string(text)); err == nil && f.num.InRange(v) {
		row.Num[f.slot] = v
		return nil
	}
	return number(f, path, string(text), row)
}

// inBounds checks a number against the column's declared bounds.
func inBounds(f *field, path, text string, v float64) *features.Problem {
	if !f.num.InRange(v) {
		return &features.Problem{Field: path, Value: features.Clip(text), Reason: "must be " + f.num.Column().BoundsText()}
	}
	return nil
}

// dateFormats says what a date field takes.
const dateFormats = "must be an ISO 8601 date (2006-01-02 or 2006-01-02T15:04:05)"

// date reads a date's text (ISO 8601, dataset.ParseDate) into its numeric
// parts; a missing marker is missing (refused when the field is
// required).
func date(f *field, path, text string, row features.Row) *features.Problem {
	t := dataset.TrimCell(text)
	if dataset.IsMissing(t) {
		return absent(f, path, row)
	}
	d, ok := dataset.ParseDate(t)
	if !ok {
		return &features.Problem{Field: path, Value: features.Clip(text), Reason: dateFormats}
	}
	for i, part := range f.parts {
		row.Num[f.partSlot[i]] = dataset.DatePart(d, part)
	}
	return nil
}

// level returns the level v is exactly (a folded level: its other level),
// as the level's own string, so a decoded row holds no copy of the
// request.
func (fs *Fields) level(f *field, v []byte) (string, bool) {
	if levels := f.cat.Choices(); len(levels) <= 8 && len(f.cat.Folded) == 0 {
		for _, l := range levels {
			if l == string(v) {
				return l, true
			}
		}
		return "", false
	}
	l, ok := f.exact[string(v)]
	return l, ok
}

// levelOf returns the level v names, as features.Categorical.Known
// matches it (exactly, else without surrounding space, else with ASCII
// case folded), as the level's own string. A missing or unseen v names
// no level.
func (fs *Fields) levelOf(f *field, v []byte) (string, bool) {
	if l, ok := fs.level(f, v); ok {
		return l, true
	}
	i, ok := f.cat.Known(string(v))
	if !ok {
		return "", false
	}
	return f.cat.Levels[i], true
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

// next returns a new row, its categories "" and its numbers 0 (the
// decoders set every value, or mark it missing). When the arrays are full
// it starts larger ones; rows handed out keep the old arrays.
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

// Input is one input field of a record: its name and kind (category,
// numeric or date).
type Input struct {
	Name string
	Kind dataset.Kind
}

// Inputs lists the input fields in the schema's order.
func (fs *Fields) Inputs() []Input {
	out := make([]Input, len(fs.fields))
	for i, f := range fs.fields {
		out[i] = Input{Name: f.name, Kind: f.kind}
	}
	return out
}
