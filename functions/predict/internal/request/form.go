package request

import (
	"math"
	"net/url"
	"strconv"
	"strings"

	"github.com/studentperf/studentperf/shared/features"
)

// formNames maps the Python original's form field names onto model
// fields; the original called race_ethnicity "ethnicity".
var formNames = map[string]string{"ethnicity": "race_ethnicity"}

func FormName(field string) string {
	for form, f := range formNames {
		if f == field {
			return form
		}
	}
	return field
}

// Form maps form values onto a row, reporting every problem.
func Form(values url.Values, fs *Fields) (features.Row, error) {
	row := fs.newRow()
	var ps features.Problems
	known := map[string]bool{}
	for _, name := range fs.names {
		known[FormName(name)] = true
		vs, ok := values[FormName(name)]
		switch {
		case !ok || len(vs) == 0 || strings.TrimSpace(vs[0]) == "":
			ps = append(ps, features.Problem{Field: FormName(name), Reason: "required"})
			continue
		case len(vs) > 1:
			ps = append(ps, features.Problem{Field: FormName(name), Value: features.Clip(strings.Join(vs, ",")), Reason: "given more than once"})
			continue
		}
		v := vs[0]
		slot := fs.slot[name]
		if slot >= 0 {
			row.Cat[slot] = v
			if p := fs.category(FormName(name), slot, v); p != nil {
				ps = append(ps, *p)
			}
			continue
		}
		t := strings.TrimSpace(v)
		f, err := strconv.ParseFloat(t, 64)
		switch {
		case err != nil || !decimal(t) || math.IsNaN(f) || math.IsInf(f, 0):
			ps = append(ps, features.Problem{Field: FormName(name), Value: features.Clip(v), Reason: "must be a finite decimal number"})
		default:
			if p := score(FormName(name), v, f); p != nil {
				ps = append(ps, *p)
				continue
			}
			row.Num[-slot-1] = f
		}
	}
	for name, vs := range values {
		if !known[name] {
			ps = append(ps, features.Problem{Field: features.Clip(name), Value: features.Clip(strings.Join(vs, ",")), Reason: "unknown field"})
		}
	}
	if len(ps) > 0 {
		return row, ps
	}
	return row, nil
}

// decimal reports a plain decimal number ("72", "72.5", "7e1"): what a
// number input sends, and what the JSON routes accept. It rules out the
// hexadecimal and underscore forms strconv also parses.
func decimal(s string) bool {
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c >= '0' && c <= '9', c == '.', c == 'e', c == 'E', c == '+', c == '-':
		default:
			return false
		}
	}
	return s != ""
}
