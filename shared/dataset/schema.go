// Package dataset reads, validates, describes and splits the tabular training data.
package dataset

import (
	"errors"
	"fmt"
	"strconv"
)

// Kind is the kind of values a feature column holds.
type Kind uint8

const (
	// Category is a column of strings drawn from a small set of levels.
	Category Kind = iota + 1
	// Score is a column of numbers in [0, 100].
	Score
)

// String returns "category" or "score".
func (k Kind) String() string {
	switch k {
	case Category:
		return "category"
	case Score:
		return "score"
	}
	return "Kind(" + strconv.Itoa(int(k)) + ")"
}

// MarshalText writes the kind by name, so reports and metrics.json read
// "category" or "score".
func (k Kind) MarshalText() ([]byte, error) {
	if k != Category && k != Score {
		return nil, fmt.Errorf("unknown kind %d", k)
	}
	return []byte(k.String()), nil
}

// UnmarshalText reads a kind by name.
func (k *Kind) UnmarshalText(b []byte) error {
	switch string(b) {
	case "category":
		*k = Category
	case "score":
		*k = Score
	default:
		return fmt.Errorf("unknown kind %q (want category or score)", b)
	}
	return nil
}

// Column names one feature column and its kind.
type Column struct {
	Name string
	Kind Kind
}

// Schema lists the feature columns a table must have and the name of its
// target column. Target "" means no target column is required, as when
// reading records to predict.
type Schema struct {
	Features []Column
	Target   string
}

// Students is the product's schema: the five categorical and two score
// features of the student performance data, and the math score as target.
var Students = Schema{
	Features: []Column{
		{Name: "gender", Kind: Category},
		{Name: "race_ethnicity", Kind: Category},
		{Name: "parental_level_of_education", Kind: Category},
		{Name: "lunch", Kind: Category},
		{Name: "test_preparation_course", Kind: Category},
		{Name: "reading_score", Kind: Score},
		{Name: "writing_score", Kind: Score},
	},
	Target: "math_score",
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

// check reports a schema that no data could satisfy: a programming error,
// so it does not wrap ErrInvalid.
func (s Schema) check() error {
	if len(s.Features) == 0 && s.Target == "" {
		return errors.New("schema has no columns")
	}
	seen := make(map[string]bool, len(s.Features)+1)
	for _, c := range s.Features {
		if c.Name == "" {
			return errors.New("schema has a feature with an empty name")
		}
		if c.Kind != Category && c.Kind != Score {
			return fmt.Errorf("schema feature %q has unknown kind %v", c.Name, c.Kind)
		}
		if seen[c.Name] {
			return fmt.Errorf("schema names feature %q twice", c.Name)
		}
		seen[c.Name] = true
	}
	if seen[s.Target] {
		return fmt.Errorf("schema target %q is also a feature", s.Target)
	}
	return nil
}
