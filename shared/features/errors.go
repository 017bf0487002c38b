package features

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// Problem is one invalid field of a record.
type Problem struct {
	Line    int      `json:"line,omitempty"` // the CSV line, for rows read from CSV
	Field   string   `json:"field"`
	Value   string   `json:"value,omitempty"`
	Reason  string   `json:"reason"`
	Allowed []string `json:"allowed,omitempty"` // the levels seen in training, for a category
}

func (p Problem) String() string {
	s := fmt.Sprintf("field %q, value %q: %s", p.Field, p.Value, p.Reason)
	if p.Value == "" {
		s = fmt.Sprintf("field %q: %s", p.Field, p.Reason)
	}
	if len(p.Allowed) > 0 {
		s += " (allowed: " + strings.Join(quoteAll(p.Allowed), ", ") + ")"
	}
	if p.Line > 0 {
		s = fmt.Sprintf("line %d, %s", p.Line, s)
	}
	return s
}

func quoteAll(ss []string) []string {
	q := make([]string, len(ss))
	for i, s := range ss {
		q[i] = fmt.Sprintf("%q", s)
	}
	return q
}

// Problems lists every invalid field of a record; it is the error Check and
// Encode return for bad input.
type Problems []Problem

func (ps Problems) Error() string {
	parts := make([]string, len(ps))
	for i, p := range ps {
		parts[i] = p.String()
	}
	return strings.Join(parts, "; ")
}

// Clip shortens a value echoed back in a problem (to 64 bytes and an
// ellipsis), so that a huge bad value is not returned in full.
func Clip(s string) string {
	const max = 64
	if len(s) <= max {
		return s
	}
	cut := max
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "…"
}
