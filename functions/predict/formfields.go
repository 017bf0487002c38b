package main

import (
	"net/url"
	"slices"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/studentperf/studentperf/functions/predict/internal/request"
	"github.com/studentperf/studentperf/shared/dataset"
	"github.com/studentperf/studentperf/shared/features"
	"github.com/studentperf/studentperf/shared/model"
)

// The kinds of input the form shows.
const (
	inputSelect = "select" // a category with few levels: a drop-down
	inputList   = "list"   // a category with many levels: a text box with suggestions
	inputNumber = "number"
	inputDate   = "date"
)

// maxSelectOptions is the most levels a category shows as a drop-down;
// one with more is a text box whose levels the browser suggests as the
// person types (an <input list> with a <datalist>).
const maxSelectOptions = 50

// studentShort are the words the student page's result sentences use for
// the three inputs whose label does not read well inside a sentence.
var studentShort = map[string]string{
	"race_ethnicity":              "ethnicity",
	"parental_level_of_education": "parental education",
	"test_preparation_course":     "test preparation",
}

// formField is one input of the page.
type formField struct {
	Name     string // form name, as POST /predictdata reads it
	ID       string // the element id: Name where that is a plain identifier
	Label    string // as a heading: "Reading score"
	Short    string // inside a sentence: "reading score"
	Help     string // the line under the label; "" for none
	Input    string // inputSelect, inputList, inputNumber or inputDate
	Options  []string
	Required bool
	Min, Max string // a number's declared bounds; "" where there is none
	Value    string // what was submitted, as an option of Options for a category
	Error    string // what is wrong with Value, for a person; "" when nothing is
}

// HelpID, ErrorID and ListID are the ids of the field's help and error
// lines, which the input names in aria-describedby, and of its datalist.
func (f formField) HelpID() string  { return f.ID + "-help" }
func (f formField) ErrorID() string { return f.ID + "-error" }
func (f formField) ListID() string  { return f.ID + "-levels" }

// formInputs lists the columns a record of schema s carries, as the form
// asks for them: each feature, and each date column once for its parts
// (s.Inputs order).
func formInputs(s dataset.Schema) []dataset.Column {
	var out []dataset.Column
	for _, name := range s.Inputs() {
		if i := s.Index(name); i >= 0 && s.Features[i].Source == "" {
			out = append(out, s.Features[i])
			continue
		}
		c := dataset.Column{Name: name, Kind: dataset.Date}
		for _, col := range s.Columns {
			if col.Name == name {
				c = col
			}
		}
		out = append(out, c)
	}
	return out
}

// formFieldOf builds the field of one input column c of model m, the
// index-th input: its words from the schema, its options from the
// transform's levels.
func formFieldOf(m *model.Model, students bool, index int, c dataset.Column) formField {
	name := request.FormName(c.Name)
	f := formField{Name: name, ID: formID(name, index), Label: c.FormLabel(), Short: shortOf(c, students),
		Help: c.Help, Required: c.Required}
	switch c.Kind {
	case dataset.Category:
		f.Options = formLevels(m.Transform, c.Name)
		f.Input = inputSelect
		if len(f.Options) > maxSelectOptions {
			f.Input = inputList
		}
	case dataset.Date:
		f.Input = inputDate
		if f.Help == "" {
			f.Help = "A date."
		}
	default:
		f.Input = inputNumber
		if c.Min != nil {
			f.Min = formNumber(*c.Min)
		}
		if c.Max != nil {
			f.Max = formNumber(*c.Max)
		}
		if f.Help == "" {
			f.Help = numberHint(c)
		}
	}
	return f
}

// numberHint says what numbers a column takes: its declared bounds, else
// the range training saw; "" when neither is known.
func numberHint(c dataset.Column) string {
	if b := c.BoundsText(); b != "" {
		return formSentence(b)
	}
	if c.Seen != nil && c.Seen.Rows > c.Seen.Missing {
		return "From " + formNumber(c.Seen.Min) + " to " + formNumber(c.Seen.Max) + " in the training data."
	}
	return ""
}

// formLevels returns the levels a category accepts: the transform's own
// and the rare ones it folds into one, sorted, without the fold's name
// (the last level, when levels fold) or the missing level (a choice of
// none: the form leaves the field empty for it).
func formLevels(tr *features.Transform, name string) []string {
	for _, c := range tr.Categorical {
		if c.Name != name {
			continue
		}
		out := make([]string, 0, len(c.Levels)+len(c.Folded))
		choices := c.Choices()
		if len(c.Folded) > 0 {
			choices = choices[:len(choices)-1]
		}
		out = append(out, choices...)
		if len(c.Folded) > 0 {
			out = append(out, c.Folded...)
			slices.Sort(out)
		}
		return out
	}
	return nil
}

// formID is the element id of the index-th field called name: the name
// itself when it is a plain identifier (so the student form keeps its
// ids), else one made from the index.
func formID(name string, index int) string {
	for i, r := range name {
		if !(r == '_' || r == '-' || r < utf8.RuneSelf && (unicode.IsLetter(r) || i > 0 && unicode.IsDigit(r))) {
			return "field-" + strconv.Itoa(index+1)
		}
	}
	if name == "" {
		return "field-" + strconv.Itoa(index+1)
	}
	return name
}

// shortOf is how a result sentence names column c: the student page's
// own words, else the label (or the name) in lower case, or a date
// part's column and part ("sold year").
func shortOf(c dataset.Column, students bool) string {
	if s, ok := studentShort[c.Name]; ok && students {
		return s
	}
	if c.Source != "" {
		src := dataset.Column{Name: c.Source, Label: c.Label}
		return shortOf(src, students) + " " + strings.ReplaceAll(c.Part, "_", " ")
	}
	if c.Label == "" {
		return strings.ReplaceAll(c.Name, "_", " ")
	}
	return formLower(c.Label)
}

// formLower lower-cases the first letter of s unless it starts an
// acronym ("Reading score" → "reading score", "GDP" stays).
func formLower(s string) string {
	r, n := utf8.DecodeRuneInString(s)
	if n == 0 || r == utf8.RuneError {
		return s
	}
	if next, _ := utf8.DecodeRuneInString(s[n:]); unicode.IsUpper(next) {
		return s
	}
	return string(unicode.ToLower(r)) + s[n:]
}

// fieldsOf lists the model's inputs as form fields, keeping the
// submitted values and placing each problem next to its field.
func fieldsOf(m *model.Model, values url.Values, ps features.Problems) ([]formField, []pageError) {
	s := m.Schema()
	students := s.IsStudents()
	var out []formField
	byName := map[string]int{}
	for i, c := range formInputs(s) {
		f := formFieldOf(m, students, i, c)
		f.Value = values.Get(f.Name)
		if f.Options != nil {
			f.Value = formOption(f.Options, f.Value)
		}
		byName[f.Name], byName[c.Name] = len(out), len(out)
		out = append(out, f)
	}
	for _, c := range s.Features {
		if i, ok := byName[c.Source]; ok && c.Source != "" {
			byName[c.Name] = i // a problem with a date's part is the date's
		}
	}
	var summary []pageError
	for _, p := range ps {
		i, ok := byName[p.Field]
		if !ok {
			// p.Field is what the client sent: capitalised rune by rune.
			label := formCapitalize(strings.ReplaceAll(p.Field, "_", " "))
			summary = append(summary, pageError{Text: label + ": " + problemText(p, nil)})
			continue
		}
		f := &out[i]
		msg := problemText(p, f)
		if f.Error != "" {
			f.Error += " "
		}
		f.Error += formSentence(msg)
		summary = append(summary, pageError{Field: f.ID, Text: f.Label + ": " + msg})
	}
	return out, summary
}

// formOption returns the option v names (the decoder takes categories
// regardless of ASCII case and surrounding space), or v itself.
func formOption(options []string, v string) string {
	t := dataset.TrimCell(v)
	for _, o := range options {
		if dataset.EqualFoldASCII(o, t) {
			return o
		}
	}
	return v
}

// problemText says what is wrong with a field f (nil for a field the form
// does not have), as the end of a formSentence that starts with the
// field's label.
func problemText(p features.Problem, f *formField) string {
	if p.Reason == "required" && p.Value == "" && f != nil {
		switch {
		case f.Options != nil:
			return "choose one."
		case f.Input == inputDate:
			return "enter a date."
		case f.Min != "" && f.Max != "":
			return "enter a number from " + f.Min + " to " + f.Max + "."
		}
		return "enter a number."
	}
	s := p.Reason
	if p.Value != "" {
		s = "“" + p.Value + "” " + s
	}
	if len(p.Allowed) > 0 {
		s += " (choose one of: " + strings.Join(p.Allowed, ", ") + ")"
	}
	return s + "."
}
