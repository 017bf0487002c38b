package request

import (
	"net/url"
	"strings"

	"github.com/studentperf/studentperf/shared/dataset"
	"github.com/studentperf/studentperf/shared/features"
)

// formNames maps the Python original's form field names onto model
// fields; the original called race_ethnicity "ethnicity".
var formNames = map[string]string{"ethnicity": "race_ethnicity"}

// FormName is the name the web form gives a field.
func FormName(field string) string {
	for form, f := range formNames {
		if f == field {
			return form
		}
	}
	return field
}

// Form maps form values onto a row by each field's rules, reporting
// every problem. A blank value is missing: refused for a required field
// ("required"), else imputed. A name that is no field's form name is an
// unknown field unless the schema accepts it (the target, an ignored
// column, anything under a schema that is not strict).
func Form(values url.Values, fs *Fields) (features.Row, error) {
	row := fs.newRow()
	var ps features.Problems
	known := map[string]bool{}
	for i := range fs.fields {
		f := &fs.fields[i]
		name := FormName(f.name)
		known[name] = true
		vs, ok := values[name]
		switch {
		case !ok || len(vs) == 0 || dataset.TrimCell(vs[0]) == "":
			if p := absent(f, name, row); p != nil {
				ps = append(ps, *p)
			}
			continue
		case len(vs) > 1:
			ps = append(ps, features.Problem{Field: name, Value: features.Clip(strings.Join(vs, ",")), Reason: "given more than once"})
			continue
		}
		if p := fs.set(f, name, vs[0], row); p != nil {
			ps = append(ps, *p)
		}
	}
	for name, vs := range values {
		if !known[name] && (fs.fieldIndex([]byte(name)) >= 0 || !fs.accepts(name)) {
			ps = append(ps, features.Problem{Field: features.Clip(name), Value: features.Clip(strings.Join(vs, ",")), Reason: "unknown field"})
		}
	}
	if len(ps) > 0 {
		return row, ps
	}
	return row, nil
}
