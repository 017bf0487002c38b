// Package dataset reads, validates, describes and splits tabular training
// data, and infers the schema of a table it has not seen before.
package dataset

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// Kind is the kind of values a column holds.
type Kind uint8

const (
	// Category is a column of strings drawn from a set of levels.
	Category Kind = iota + 1
	// Numeric is a column of finite numbers, bounded only where the schema
	// declares Min or Max.
	Numeric
	// Date is an input column of ISO 8601 dates or timestamps. It is never
	// a feature itself: Schema.Features holds its numeric parts.
	Date
	// Ignored is a column the schema leaves out, with the reason.
	Ignored
)

var kindNames = [...]string{Category: "category", Numeric: "numeric", Date: "date", Ignored: "ignored"}

// String returns the kind's name: "category", "numeric", "date" or
// "ignored".
func (k Kind) String() string {
	if int(k) < len(kindNames) && kindNames[k] != "" {
		return kindNames[k]
	}
	return "Kind(" + strconv.Itoa(int(k)) + ")"
}

// MarshalText writes the kind by name.
func (k Kind) MarshalText() ([]byte, error) {
	if k < Category || k > Ignored {
		return nil, fmt.Errorf("unknown kind %d", k)
	}
	return []byte(k.String()), nil
}

// UnmarshalText reads a kind by name. "score", the name models trained
// before the numeric kind wrote, reads as Numeric.
func (k *Kind) UnmarshalText(b []byte) error {
	switch string(b) {
	case "category":
		*k = Category
	case "numeric", "score":
		*k = Numeric
	case "date":
		*k = Date
	case "ignored":
		*k = Ignored
	default:
		return fmt.Errorf("unknown kind %q (want category, numeric, date or ignored)", b)
	}
	return nil
}

// The policies for a category value a model has not seen.
const (
	// UnknownMissing treats an unseen level as a missing value: it is
	// imputed, and drift counts it as unseen.
	UnknownMissing = "missing"
	// UnknownError refuses a record with an unseen level.
	UnknownError = "error"
)

// The numeric parts a date column becomes, named "column.part".
var DateParts = []string{"year", "month", "day", "day_of_week"}

// Column describes one column: its kind and, for serving, whether a
// record must carry it, what an unseen category means, and hard bounds.
type Column struct {
	Name string `json:"name"`
	Kind Kind   `json:"kind"`
	// Required: a record without a value for the column is refused.
	// Otherwise a missing value is imputed.
	Required bool `json:"required,omitempty"`
	// Unknown is the policy for an unseen category level: UnknownMissing
	// (the default) or UnknownError.
	Unknown string `json:"unknown,omitempty"`
	// Min and Max bound a numeric column where set; a value outside is
	// refused, in training and in serving.
	Min *float64 `json:"min,omitempty"`
	Max *float64 `json:"max,omitempty"`
	// Label and Help are the words a form shows for the column.
	Label string `json:"label,omitempty"`
	Help  string `json:"help,omitempty"`
	// Source and Part name the date column and the part a date feature is
	// made of ("year", "month", "day", "day_of_week").
	Source string `json:"source,omitempty"`
	Part   string `json:"part,omitempty"`
	// Reason says why inference chose the kind; Seen is what it saw.
	Reason string `json:"reason,omitempty"`
	Seen   *Seen  `json:"seen,omitempty"`
}

// Bounded reports whether v is within the column's declared bounds.
func (c Column) Bounded(v float64) bool {
	return (c.Min == nil || v >= *c.Min) && (c.Max == nil || v <= *c.Max)
}

// BoundsText says what the bounds allow: "between 0 and 100", "at least
// 0", or "" when there are none.
func (c Column) BoundsText() string {
	f := func(p *float64) string { return strconv.FormatFloat(*p, 'g', -1, 64) }
	switch {
	case c.Min != nil && c.Max != nil:
		return "between " + f(c.Min) + " and " + f(c.Max)
	case c.Min != nil:
		return "at least " + f(c.Min)
	case c.Max != nil:
		return "at most " + f(c.Max)
	}
	return ""
}

// UnknownIsError reports whether an unseen level is refused.
func (c Column) UnknownIsError() bool { return c.Unknown == UnknownError }

// Seen is what schema inference saw in a column.
type Seen struct {
	Rows     int     `json:"rows"`
	Missing  int     `json:"missing"`
	Distinct int     `json:"distinct"` // at most distinctCap: more reads as "more than"
	Min      float64 `json:"min,omitempty"`
	Max      float64 `json:"max,omitempty"`
	// Levels are a category's levels with their counts, most frequent
	// first (at most maxSeenLevels of them).
	Levels []LevelCount `json:"levels,omitempty"`
}

// Task names what a model predicts.
const (
	Regression     = "regression"
	Classification = "classification"
)

// Schema lists the feature columns a table must have and the name of its
// target column. Target "" means no target column is required, as when
// reading records to predict.
//
// Features is what readers, transforms and models use: numeric and
// category columns, a date column's parts in its place. Columns, when set,
// is the schema as inference or a schema file gives it: every column of
// the table but the target, in the table's order, dates and ignored ones
// included; Expand derives Features from it.
type Schema struct {
	Features []Column `json:"-"`
	Columns  []Column `json:"columns"`
	Target   string   `json:"target"`
	// Task is Regression or Classification; "" reads as Regression.
	Task string `json:"task,omitempty"`
	// TargetMin and TargetMax bound the target where set.
	TargetMin *float64 `json:"target_min,omitempty"`
	TargetMax *float64 `json:"target_max,omitempty"`
	// TargetReason says why inference chose the task; TargetSeen is what
	// it saw in the target column.
	TargetReason string `json:"target_reason,omitempty"`
	TargetSeen   *Seen  `json:"target_seen,omitempty"`
	// Strict refuses a record's fields the schema does not name.
	Strict bool `json:"strict,omitempty"`
	// Dropped counts the rows inference saw without a target value.
	Dropped int `json:"dropped,omitempty"`
}

func bound(v float64) *float64 { return &v }

// Students is the product's schema: the five categorical and two score
// features of the student performance data, and the math score as target.
// Every field is required, an unknown category or field is an error, and
// the scores are in [0, 100].
var Students = studentSchema()

func studentSchema() Schema {
	cat := func(name, label, help string) Column {
		return Column{Name: name, Kind: Category, Required: true, Unknown: UnknownError, Label: label, Help: help}
	}
	score := func(name, label, help string) Column {
		return Column{Name: name, Kind: Numeric, Required: true, Min: bound(0), Max: bound(100), Label: label, Help: help}
	}
	s := Schema{
		Columns: []Column{
			cat("gender", "Gender", "As recorded in the school's records."),
			cat("race_ethnicity", "Race or ethnicity group", "The data set anonymises these as groups A to E."),
			cat("parental_level_of_education", "Parents' education", "The highest level either parent reached."),
			cat("lunch", "Lunch", "Free or reduced-price lunch is a sign of lower family income."),
			cat("test_preparation_course", "Test preparation course", "Whether the student completed a preparation course before the exams."),
			score("reading_score", "Reading score", "The reading exam score, from 0 to 100."),
			score("writing_score", "Writing score", "The writing exam score, from 0 to 100."),
		},
		Target:    "math_score",
		Task:      Regression,
		TargetMin: bound(0),
		TargetMax: bound(100),
		Strict:    true,
	}
	if err := s.Expand(); err != nil {
		panic(err) // the literal above is wrong
	}
	return s
}

// IsStudents reports whether s reads the student data's columns with its
// target: the schema whose model keeps every figure of the original.
func (s Schema) IsStudents() bool {
	if s.Target != Students.Target || len(s.Features) != len(Students.Features) {
		return false
	}
	for i, c := range s.Features {
		if c.Name != Students.Features[i].Name || c.Kind != Students.Features[i].Kind {
			return false
		}
	}
	return true
}

// Expand derives Features from Columns: numeric and category columns as
// they are, each date column as its parts ("d.year", …, numeric), ignored
// columns left out. A part's name that another column already has gets
// a "_" until it is free, so a table with a column named like a date part
// still reads. Expand checks the result (see check).
func (s *Schema) Expand() error {
	if len(s.Columns) == 0 {
		return s.check()
	}
	taken := make(map[string]bool, len(s.Columns)+1)
	for _, c := range s.Columns {
		taken[c.Name] = true
	}
	taken[s.Target] = true
	s.Features = s.Features[:0:0]
	for _, c := range s.Columns {
		switch c.Kind {
		case Category, Numeric:
			c.Source, c.Part = "", ""
			s.Features = append(s.Features, c)
		case Date:
			for _, part := range DateParts {
				name := c.Name + "." + part
				for taken[name] {
					name += "_"
				}
				taken[name] = true
				s.Features = append(s.Features, Column{Name: name, Kind: Numeric, Source: c.Name, Part: part,
					Label: c.Label, Reason: "part of date column " + strconv.Quote(c.Name)})
			}
		case Ignored:
		default:
			return fmt.Errorf("%w: schema column %q has unknown kind %v", ErrInvalid, c.Name, c.Kind)
		}
	}
	if err := s.check(); err != nil {
		return fmt.Errorf("%w: %w", ErrInvalid, err)
	}
	return nil
}

// Index returns the index of the feature called name, or -1 if there is
// none. The target is not a feature.
func (s Schema) Index(name string) int {
	for i, c := range s.Features {
		if c.Name == name {
			return i
		}
	}
	return -1
}

// Inputs lists the fields a record carries for s's features, in feature
// order: a feature's own name, or its date column's name once for all of
// that column's parts.
func (s Schema) Inputs() []string {
	var out []string
	seen := map[string]bool{}
	for _, c := range s.Features {
		name := c.Name
		if c.Source != "" {
			name = c.Source
		}
		if !seen[name] {
			seen[name] = true
			out = append(out, name)
		}
	}
	return out
}

// Accepts reports whether a record may carry a field called name without
// it being an error: one of the inputs, the target, or an ignored column;
// any name at all unless the schema is Strict.
func (s Schema) Accepts(name string) bool {
	if !s.Strict || name == s.Target {
		return true
	}
	for _, c := range s.Columns {
		if c.Name == name {
			return true
		}
	}
	for _, c := range s.Features {
		if c.Name == name || c.Source == name {
			return true
		}
	}
	return false
}

// check reports a schema that no data could satisfy: a programming or
// schema-file error.
func (s Schema) check() error {
	if len(s.Features) == 0 && s.Target == "" {
		return errors.New("schema has no columns")
	}
	seen := make(map[string]bool, len(s.Features)+1)
	for _, c := range s.Features {
		if c.Name == "" {
			return errors.New("schema has a feature with an empty name")
		}
		if c.Kind != Category && c.Kind != Numeric {
			return fmt.Errorf("schema feature %q has kind %v (want category or numeric)", c.Name, c.Kind)
		}
		if seen[c.Name] {
			return fmt.Errorf("schema names feature %q twice", c.Name)
		}
		if c.Unknown != "" && c.Unknown != UnknownMissing && c.Unknown != UnknownError {
			return fmt.Errorf("schema feature %q: unknown %q (want %q or %q)", c.Name, c.Unknown, UnknownMissing, UnknownError)
		}
		if c.Min != nil && c.Max != nil && *c.Min > *c.Max {
			return fmt.Errorf("schema feature %q: min %v is above max %v", c.Name, *c.Min, *c.Max)
		}
		seen[c.Name] = true
	}
	if s.Target != "" && seen[s.Target] {
		return fmt.Errorf("schema target %q is also a feature", s.Target)
	}
	if s.Task != "" && s.Task != Regression && s.Task != Classification {
		return fmt.Errorf("schema task %q (want %s or %s)", s.Task, Regression, Classification)
	}
	return nil
}

// FormLabel returns the column's label, or one made from its name
// ("parental_level" → "Parental level").
func (c Column) FormLabel() string {
	if c.Label != "" {
		if c.Source != "" {
			return c.Label + " (" + c.Part + ")"
		}
		return c.Label
	}
	s := strings.ReplaceAll(c.Name, "_", " ")
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}
