package dataset

import (
	"bytes"
	"cmp"
	"errors"
	"fmt"
	"io"
	"math"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"
)

// InferOptions steer Infer.
type InferOptions struct {
	// Target is the column to predict; required.
	Target string
	// Task is "", "auto", Regression or Classification: Regression makes
	// an integer target with few values a regression target.
	Task string
	// Ignore and Categorical name columns to leave out, or to read as
	// categories whatever they hold.
	Ignore, Categorical []string
}

// The inference rules' numbers, stated in the reasons they give.
const (
	// distinctCap bounds the distinct values counted per column; a text
	// column with more is ignored as an identifier or free text.
	distinctCap = 65536
	// classMaxLevels: an integer target with at most this many distinct
	// values is a classification target.
	classMaxLevels = 10
	// idMinRows: a column unique on every row is an identifier only in a
	// table of at least this many rows.
	idMinRows = 10
	// maxSeenLevels bounds the levels a schema lists for a category.
	maxSeenLevels = 20
	// RareLevel: in a category of more than FoldAbove levels, a level
	// seen in fewer training rows than this is folded into one "other"
	// level (features.Fit applies it).
	RareLevel = 5
	FoldAbove = 32
	// KeepLevels: a category keeps at most this many levels; the less
	// frequent fold into the other level.
	KeepLevels = 1000
	// OtherLevel names the level rare levels fold into.
	OtherLevel = "(other)"
)

// ErrTask is wrapped by the refusal of a task this version cannot train.
var ErrTask = errors.New("dataset: unsupported task")

// colSeen accumulates what inference sees in one column.
type colSeen struct {
	rows, missing    int
	numeric, integer bool
	date, boolean    bool
	min, max         float64
	distinct         map[string]int
	overflow         bool
	multiword        int
	h1, h2           uint64 // two hashes of every trimmed cell, in order
	badValue         string // a first cell that is not a number, and its line
	badLine          int
}

func newColSeen() *colSeen {
	return &colSeen{numeric: true, integer: true, date: true, boolean: true,
		min: math.Inf(1), max: math.Inf(-1), distinct: map[string]int{}, h1: 14695981039346656037, h2: 1099511628211}
}

func (c *colSeen) add(cell string, line int) {
	c.rows++
	// FNV-1a of the cell and a separator, under two offsets.
	for i := 0; i <= len(cell); i++ {
		b := byte(0xff)
		if i < len(cell) {
			b = cell[i]
		}
		c.h1 = (c.h1 ^ uint64(b)) * 1099511628211
		c.h2 = (c.h2 ^ uint64(b)) * 14029467366897019727
	}
	if IsMissing(cell) {
		c.missing++
		return
	}
	if c.numeric {
		if v, err := ParseNumber(cell); err == nil {
			c.min, c.max = min(c.min, v), max(c.max, v)
			c.integer = c.integer && IsInteger(v)
		} else {
			c.numeric, c.badValue, c.badLine = false, cell, line
		}
	}
	if c.date {
		_, c.date = ParseDate(cell)
	}
	if c.boolean {
		c.boolean = isBoolean(cell)
	}
	if strings.Count(cell, " ") >= 2 {
		c.multiword++
	}
	if n, ok := c.distinct[cell]; ok {
		c.distinct[cell] = n + 1
	} else if len(c.distinct) < distinctCap {
		c.distinct[strings.Clone(cell)] = 1
	} else {
		c.overflow = true
	}
}

func isBoolean(s string) bool {
	for _, b := range []string{"true", "false", "yes", "no"} {
		if EqualFoldASCII(s, b) {
			return true
		}
	}
	return false
}

// present is the number of non-missing cells.
func (c *colSeen) present() int { return c.rows - c.missing }

// seen summarises c for the schema.
func (c *colSeen) seen(category bool) *Seen {
	s := &Seen{Rows: c.rows, Missing: c.missing, Distinct: len(c.distinct)}
	if c.numeric && c.present() > 0 {
		s.Min, s.Max = c.min, c.max
	}
	if category {
		s.Levels = topLevels(c.distinct, maxSeenLevels)
	}
	return s
}

// topLevels returns the n most frequent levels, ties by name.
func topLevels(m map[string]int, n int) []LevelCount {
	out := make([]LevelCount, 0, len(m))
	for l, k := range m {
		// Shown and stored as JSON: a level that is not UTF-8 is shown
		// with U+FFFD in place of its bad bytes.
		out = append(out, LevelCount{Level: strings.ToValidUTF8(l, "\uFFFD"), Count: k})
	}
	slices.SortFunc(out, func(a, b LevelCount) int { return cmp.Or(cmp.Compare(b.Count, a.Count), cmp.Compare(a.Level, b.Level)) })
	return out[:min(n, len(out))]
}

// Infer reads CSV data with a header row and returns the schema it
// infers: the kind of every column with the reason, what was seen, and the
// task from the target column. Every feature is optional and an unseen
// level is read as missing; no bounds are enforced. It refuses, with an
// error naming the column, a target that is not a column, is empty or
// constant, a classification target (not yet trainable; the reason names
// the rule), and a table with no usable feature.
func Infer(r io.Reader, opts InferOptions) (Schema, error) {
	if opts.Target == "" {
		return Schema{}, fmt.Errorf("%w: infer schema: no target column given", ErrInvalid)
	}
	header, cols, err := scanColumns(r)
	if err != nil {
		return Schema{}, err
	}
	ti := slices.Index(header, opts.Target)
	if ti < 0 {
		return Schema{}, &Error{Line: 1, Reason: fmt.Sprintf("target %q is not a column (columns: %s)", opts.Target, strings.Join(header, ", "))}
	}
	for _, names := range [][]string{opts.Ignore, opts.Categorical} {
		for _, n := range names {
			if !slices.Contains(header, n) {
				return Schema{}, &Error{Line: 1, Reason: fmt.Sprintf("column %q (in -ignore or -categorical) is not in the header (columns: %s)", n, strings.Join(header, ", "))}
			}
		}
	}
	s := Schema{Target: opts.Target}
	if err := inferTarget(&s, cols[ti], opts.Task); err != nil {
		return Schema{}, err
	}
	kept := map[[2]uint64]string{}
	for i, name := range header {
		if i == ti {
			continue
		}
		c := inferColumn(name, cols[i], opts, kept)
		s.Columns = append(s.Columns, c)
	}
	if err := s.Expand(); err != nil {
		return Schema{}, err
	}
	if len(s.Features) == 0 {
		var why []string
		for _, c := range s.Columns {
			why = append(why, fmt.Sprintf("%s (%s)", c.Name, c.Reason))
		}
		return Schema{}, &Error{Line: 1, Reason: "no usable feature: every column but the target is ignored: " + strings.Join(why, "; ")}
	}
	return s, nil
}

// scanColumns reads the header and every record, gathering what each
// column holds.
func scanColumns(r io.Reader) ([]string, []*colSeen, error) {
	sc, header, line, err := openCSV(r)
	if err != nil {
		return nil, nil, err
	}
	for i := range header {
		if header[i] == "" {
			return nil, nil, &Error{Line: line, Reason: fmt.Sprintf("column %d has an empty name", i+1)}
		}
		if !utf8.ValidString(header[i]) {
			// The schema is JSON, where such a name cannot survive.
			return nil, nil, &Error{Line: line, Reason: fmt.Sprintf("column %d's name %q is not valid UTF-8", i+1, header[i])}
		}
		if slices.Contains(header[:i], header[i]) {
			return nil, nil, &Error{Line: line, Reason: fmt.Sprintf("duplicate column %q", header[i])}
		}
	}
	cols := make([]*colSeen, len(header))
	for i := range cols {
		cols[i] = newColSeen()
	}
	rows := 0
	for {
		fields, line, err := sc.next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, nil, csvError(err)
		}
		if len(fields) != len(header) {
			return nil, nil, &Error{Line: line, Reason: fmt.Sprintf("has %d fields, header has %d", len(fields), len(header))}
		}
		for i, f := range fields {
			cols[i].add(TrimCell(f), line)
		}
		rows++
	}
	if rows == 0 {
		return nil, nil, &Error{Line: line, Reason: "header has no data rows"}
	}
	return header, cols, nil
}

// inferTarget sets s's task from the target column, or refuses it.
func inferTarget(s *Schema, c *colSeen, task string) error {
	name := s.Target
	s.Dropped = c.missing
	s.TargetSeen = c.seen(!c.numeric)
	switch {
	case c.present() == 0:
		return &Error{Column: name, Reason: "the target column is empty on every row"}
	case len(c.distinct) == 1:
		return &Error{Column: name, Reason: fmt.Sprintf("the target is constant (every row has %s): there is nothing to learn", quoteOne(c.distinct))}
	}
	classRule := "a text or boolean target, or an integer target with at most " + strconv.Itoa(classMaxLevels) + " distinct values, is a classification target"
	switch task {
	case "", "auto":
		if c.numeric && !(c.integer && !c.overflow && len(c.distinct) <= classMaxLevels) {
			s.Task, s.TargetReason = Regression, fmt.Sprintf("numeric target (%s to %s, %s distinct values): regression", num(c.min), num(c.max), distinctText(c))
			return nil
		}
		why := "text"
		switch {
		case c.numeric:
			why = fmt.Sprintf("an integer column with %d distinct values", len(c.distinct))
		case c.boolean:
			why = "booleans"
		}
		return fmt.Errorf("%w: target %q holds %s: %s, which this version cannot train yet (only regression; -task regression forces it for an integer target)", ErrTask, name, why, classRule)
	case Regression:
		if !c.numeric {
			return &Error{Line: c.badLine, Column: name, Value: c.badValue, Reason: "-task regression needs a numeric target, and this is not a number"}
		}
		s.Task, s.TargetReason = Regression, "numeric target, regression as -task says"
		return nil
	case Classification:
		return fmt.Errorf("%w: target %q: classification (-task classification) is not supported by this version yet (only regression)", ErrTask, name)
	}
	return fmt.Errorf("%w: task %q (want auto, regression or classification)", ErrInvalid, task)
}

// inferColumn decides one feature column's kind, with the reason. kept
// maps the hashes of the columns kept so far to their names, to find a
// column that duplicates one.
func inferColumn(name string, c *colSeen, opts InferOptions, kept map[[2]uint64]string) Column {
	col := Column{Name: name, Unknown: UnknownMissing}
	ignore := func(reason string) Column {
		col.Kind, col.Reason, col.Seen, col.Unknown = Ignored, reason, c.seen(false), ""
		return col
	}
	key := [2]uint64{c.h1, c.h2}
	switch {
	case slices.Contains(opts.Ignore, name):
		return ignore("left out by -ignore")
	case c.present() == 0:
		return ignore("entirely empty")
	case len(c.distinct) == 1 && !c.overflow:
		return ignore(fmt.Sprintf("constant: every value is %s", quoteOne(c.distinct)))
	case kept[key] != "":
		return ignore(fmt.Sprintf("duplicates column %q", kept[key]))
	}
	kept[key] = name
	unique := !c.overflow && len(c.distinct) == c.rows && c.rows >= idMinRows
	switch {
	case slices.Contains(opts.Categorical, name):
		col.Kind, col.Reason = Category, fmt.Sprintf("marked categorical by -categorical (%s levels)", distinctText(c))
	case c.numeric && c.integer && unique:
		return ignore("an identifier: an integer unique on every row")
	case c.numeric:
		col.Kind, col.Unknown = Numeric, ""
		col.Reason = fmt.Sprintf("every value is a number (%s to %s, %s distinct)", num(c.min), num(c.max), distinctText(c))
	case c.date:
		col.Kind, col.Unknown = Date, ""
		col.Reason = "every value is an ISO 8601 date or timestamp: becomes " + name + ".year, .month, .day and .day_of_week"
	case c.boolean:
		col.Kind, col.Reason = Category, "booleans (true/false, yes/no)"
	case c.multiword*2 > c.present() && (c.overflow || len(c.distinct)*2 > c.present()):
		return ignore("free text: most values unique, several words each")
	case unique:
		return ignore("an identifier: unique on every row")
	case c.overflow:
		return ignore(fmt.Sprintf("more than %d distinct values: an identifier or free text", distinctCap))
	default:
		col.Kind = Category
		col.Reason = fmt.Sprintf("text with %d levels", len(c.distinct))
		if n := foldedLevels(c.distinct); n > 0 {
			col.Reason += fmt.Sprintf(" (%d seen in fewer than %d rows or beyond the %d most frequent fold into one %s level)", n, RareLevel, KeepLevels, OtherLevel)
		}
	}
	col.Seen = c.seen(col.Kind == Category)
	return col
}

// foldedLevels counts the levels of a category that features.Fit folds
// into one "(other)" level, by its rule: in a column of more than
// FoldAbove levels, those seen in fewer than RareLevel rows and those
// beyond the KeepLevels most frequent; never a single level (that would
// only rename it), nor every level. Fit applies it to the training rows,
// so its count may differ a little from this one over the whole table.
func foldedLevels(m map[string]int) int {
	if len(m) <= FoldAbove {
		return 0
	}
	counts := make([]int, 0, len(m))
	for _, k := range m {
		counts = append(counts, k)
	}
	slices.Sort(counts)
	slices.Reverse(counts)
	folded := 0
	for i, k := range counts {
		if i >= KeepLevels || k < RareLevel {
			folded++
		}
	}
	if (folded == 1 && len(counts) <= KeepLevels) || folded == len(counts) {
		return 0
	}
	return folded
}

func distinctText(c *colSeen) string {
	if c.overflow {
		return "more than " + strconv.Itoa(distinctCap)
	}
	return strconv.Itoa(len(c.distinct))
}

func num(v float64) string { return strconv.FormatFloat(v, 'g', 6, 64) }

// quoteOne returns the only key of m, quoted.
func quoteOne(m map[string]int) string {
	for k := range m {
		return strconv.Quote(k)
	}
	return `""`
}

// Header reads just the header row of CSV data: its trimmed column names.
func Header(data []byte) ([]string, error) {
	_, header, _, err := openCSV(bytes.NewReader(data))
	return header, err
}
