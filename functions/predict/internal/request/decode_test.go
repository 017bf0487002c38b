package request

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/studentperf/studentperf/shared/dataset"
	"github.com/studentperf/studentperf/shared/features"
	"github.com/studentperf/studentperf/shared/model"
	"github.com/studentperf/studentperf/shared/testkit/modeltest"
)

// fuzzMaxBatch bounds batches in the fuzz targets.
const fuzzMaxBatch = 16

// referenceJSON is the Python original's example record.
const referenceJSON = `{"gender":"female","race_ethnicity":"group B","parental_level_of_education":"bachelor's degree","lunch":"standard","test_preparation_course":"none","reading_score":72,"writing_score":74}`

const batchHeader = "gender,race_ethnicity,parental_level_of_education,lunch,test_preparation_course,reading_score,writing_score\n"

var referenceRecord = map[string]any{
	"gender": "female", "race_ethnicity": "group B", "parental_level_of_education": "bachelor's degree",
	"lunch": "standard", "test_preparation_course": "none", "reading_score": 72.0, "writing_score": 74.0,
}

var otherRecords = []map[string]any{
	{"gender": "male", "race_ethnicity": "group E", "parental_level_of_education": "master's degree",
		"lunch": "free/reduced", "test_preparation_course": "completed", "reading_score": 55.0, "writing_score": 61.5},
}

// fuzzModel is OLS fitted on the embedded sample.
func fuzzModel(tb testing.TB) *model.Model {
	tb.Helper()
	m, _ := modeltest.Fit(tb, "student-math-score", "sample", 42)
	return m
}

// formValues encodes a record as the web form sends it.
func formValues(record map[string]any) url.Values {
	v := url.Values{}
	for k, x := range record {
		switch x := x.(type) {
		case string:
			v.Set(FormName(k), x)
		case float64:
			v.Set(FormName(k), fmt.Sprint(x))
		}
	}
	return v
}

// fuzzFields is the field mapping of a model fitted on the embedded sample.
func fuzzFields(f *testing.F) *Fields {
	f.Helper()
	return NewFields(fuzzModel(f))
}

// genericFields is the field mapping of a model whose schema was inferred
// from a generated table (modeltest.GenericCSV: a zip code category, a
// text category, numbers in the thousands and negative, a date, an
// ignored ID, the target price).
func genericFields(tb testing.TB) *Fields {
	tb.Helper()
	m, _ := modeltest.GenericModel(tb, "price", true)
	return NewFields(m)
}

// bothFields are the student and the generic model's field mappings: the
// fuzz targets decode every input with each.
func bothFields(f *testing.F) []*Fields {
	f.Helper()
	return []*Fields{fuzzFields(f), genericFields(f)}
}

// genericJSON is a whole row of the generic table as a record.
const genericJSON = `{"id":"A00001","zip":95823,"grade":"fair","sqft":1500.5,"balance":-250,"listed":"2024-03-01","price":5000}`

// checkDecodedRows checks what a decoder accepted, by the schema's rules:
// a category is a level (or, where the schema reads unseen levels as
// missing, any text that is not a missing marker), or missing where the
// field is not required (csv: missing is imputed whatever the schema);
// a number is missing likewise, else finite and within the column's
// bounds; a date's parts are all missing or all numbers.
func checkDecodedRows(t *testing.T, rows []features.Row, fs *Fields) {
	t.Helper()
	checkRows(t, rows, fs, false)
}

func checkRows(t *testing.T, rows []features.Row, fs *Fields, csv bool) {
	t.Helper()
	for i, r := range rows {
		if len(r.Cat) != fs.nCat || len(r.Num) != fs.nNum {
			t.Fatalf("row %d: got %d categories and %d numbers; want %d and %d", i, len(r.Cat), len(r.Num), fs.nCat, fs.nNum)
		}
		for _, f := range fs.fields {
			switch f.kind {
			case dataset.Category:
				c := r.Cat[f.slot]
				if c == "" {
					if f.required && !csv {
						t.Fatalf("row %d: required %s missing", i, f.name)
					}
					continue
				}
				if _, ok := f.cat.Known(c); !ok && (!f.cat.UnknownMissing() || dataset.IsMissing(dataset.TrimCell(c))) {
					t.Fatalf("row %d: %s = %q accepted", i, f.name, c)
				}
			case dataset.Numeric:
				v := r.Num[f.slot]
				if math.IsNaN(v) {
					if f.required && !csv {
						t.Fatalf("row %d: required %s missing", i, f.name)
					}
					continue
				}
				if math.IsInf(v, 0) || !f.num.InRange(v) {
					t.Fatalf("row %d: %s = %v accepted; want a finite number %s", i, f.name, v, f.num.Column().BoundsText())
				}
			case dataset.Date:
				nan := 0
				for _, s := range f.partSlot {
					if math.IsNaN(r.Num[s]) {
						nan++
					}
				}
				if nan != 0 && nan != len(f.partSlot) {
					t.Fatalf("row %d: date %s partly missing: %v", i, f.name, r.Num)
				}
			}
		}
	}
}

// checkDecodeError checks a decoder's error is one the HTTP layer answers
// with a 4xx.
func checkDecodeError(t *testing.T, err error) {
	t.Helper()
	var ps features.Problems
	if !errors.As(err, &ps) && !errors.Is(err, ErrBadRequest) && !errors.Is(err, ErrTooLarge) {
		t.Fatalf("error %v is neither field problems nor ErrBadRequest nor ErrTooLarge (the HTTP layer's 4xx)", err)
	}
}

func FuzzDecodePredict(f *testing.F) {
	for _, s := range []string{
		referenceJSON,
		`{"instances":[` + referenceJSON + `,` + referenceJSON + `]}`,
		`{"instances":[]}`,
		`{"gender":"female","gender":"male"}`,
		strings.Replace(referenceJSON, "72", "1e400", 1),
		strings.Replace(referenceJSON, "72", "-0", 1),
		strings.Replace(referenceJSON, `"female"`, `""`, 1),
		referenceJSON + `{}`,
		`{"instances":[` + referenceJSON + `],"lunch":"standard"}`,
		`[` + referenceJSON + `]`,
		``,
		`{"reading_score":[[[[[[[]]]]]]]}`,
		genericJSON,
		`{"instances":[` + genericJSON + `,{}]}`,
		strings.Replace(genericJSON, `95823`, `"95823"`, 1),
		strings.Replace(genericJSON, `1500.5`, `"heavy"`, 1),
		strings.Replace(genericJSON, `2024-03-01`, `2024-02-30`, 1),
		strings.Replace(genericJSON, `"fair"`, `null`, 1),
		strings.Replace(genericJSON, `"fair"`, `"NA"`, 1),
		strings.Replace(genericJSON, `-250`, `"-2.5e2"`, 1),
	} {
		f.Add([]byte(s))
	}
	both := bothFields(f)
	f.Fuzz(func(t *testing.T, body []byte) {
		for _, fs := range both {
			fuzzDecodePredict(t, body, fs)
		}
	})
}

func fuzzDecodePredict(t *testing.T, body []byte, fs *Fields) {
	fast, fastOK := decodeRecordFast(body, fs)
	req, err := decodePredict(body, fs, fuzzMaxBatch)
	if fastOK {
		// The fast path may only accept what the full decoder accepts,
		// and must decode it the same.
		if err != nil || req.Batch || len(req.Rows) != 1 || !rowsEqual([]features.Row{fast}, req.Rows) {
			t.Fatalf("fast path accepted %q as %+v; full decoder: %+v, %v", body, fast, req.Rows, err)
		}
	}
	if err != nil {
		checkDecodeError(t, err)
		return
	}
	if len(req.Rows) == 0 || len(req.Rows) > fuzzMaxBatch || (!req.Batch && len(req.Rows) != 1) {
		t.Fatalf("got %d rows (batch %v) accepted; want 1, or 1 to %d in a batch", len(req.Rows), req.Batch, fuzzMaxBatch)
	}
	checkDecodedRows(t, req.Rows, fs)
	if !json.Valid(body) {
		t.Fatalf("accepted %q, which is not valid JSON", body)
	}
}

func FuzzDecodeForm(f *testing.F) {
	ref := formValues(referenceRecord).Encode()
	for _, s := range []string{
		ref,
		ref + "&gender=male",
		ref + "&shoe_size=9",
		strings.Replace(ref, "reading_score=72", "reading_score=NaN", 1),
		strings.Replace(ref, "reading_score=72", "reading_score=0x1p6", 1),
		strings.Replace(ref, "writing_score=74", "writing_score=+Inf", 1),
		"gender=&ethnicity=%20",
		"",
		"%zz=1",
		"zip=95823&grade=fair&sqft=1500.5&balance=-250&listed=2024-03-01&id=A1",
		"zip=99999&sqft=heavy&listed=soon",
	} {
		f.Add([]byte(s))
	}
	both := bothFields(f)
	f.Fuzz(func(t *testing.T, body []byte) {
		values, err := url.ParseQuery(string(body))
		if err != nil {
			return
		}
		for _, fs := range both {
			fuzzForm(t, values, fs)
		}
	})
}

func fuzzForm(t *testing.T, values url.Values, fs *Fields) {
	row, err := Form(values, fs)
	if err != nil {
		var ps features.Problems
		if !errors.As(err, &ps) || len(ps) == 0 {
			t.Fatalf("got error %v; want field problems", err)
		}
		checkDecodeError(t, err)
		return
	}
	checkDecodedRows(t, []features.Row{row}, fs)
}

func FuzzDecodeInfer(f *testing.F) {
	for _, s := range []string{
		oipRequestFor(f, false, referenceRecord),
		oipRequestFor(f, true, referenceRecord, otherRecords[0]),
		`{"inputs":[]}`,
		`{"inputs":[{"name":"gender","datatype":"BYTES","shape":[1],"data":["female"]}]}`,
		`{"inputs":[{"name":"gender","datatype":"BYTES","shape":[2,1],"data":[["female"],"male"]}]}`,
		`{"inputs":[{"name":"reading_score","datatype":"FP64","shape":[1],"data":[1e400]}],"outputs":[{"name":"math_score"}]}`,
		`{"inputs":[{"name":"reading_score","datatype":"FP64","shape":[9223372036854775807],"data":null}]}`,
		`{"id":"x","inputs":null,"parameters":{"a":1}}`,
		`{"inputs":[{"name":"zip","datatype":"INT64","shape":[2],"data":[95823,null]},{"name":"listed","datatype":"BYTES","shape":[2,1],"data":[["2024-03-01"],["x"]]},{"name":"sqft","datatype":"BYTES","shape":[2],"data":["1.5","NA"]}],"outputs":[{"name":"price"}]}`,
		`{"inputs":[{"name":"id","datatype":"BYTES","shape":[1],"data":["A1"]}]}`,
	} {
		f.Add([]byte(s))
	}
	both := bothFields(f)
	f.Fuzz(func(t *testing.T, body []byte) {
		for _, fs := range both {
			fuzzInfer(t, body, fs)
		}
	})
}

func fuzzInfer(t *testing.T, body []byte, fs *Fields) {
	req, rows, err := Infer(body, fs, fuzzMaxBatch)
	if err != nil {
		checkDecodeError(t, err)
		return
	}
	if len(rows) == 0 || len(rows) > fuzzMaxBatch {
		t.Fatalf("got %d rows accepted; want 1 to %d", len(rows), fuzzMaxBatch)
	}
	if fs.strict && len(req.Inputs) != len(fs.names) {
		t.Fatalf("got %d inputs accepted; want %d", len(req.Inputs), len(fs.names))
	}
	for _, in := range req.Inputs {
		if fs.fieldIndex([]byte(in.Name)) < 0 {
			continue // an input the schema accepts and ignores
		}
		if len(in.Shape) == 0 || in.Shape[0] != int64(len(rows)) {
			t.Fatalf("input %q has shape %v; want [%d] or [%d, 1] like the %d rows", in.Name, in.Shape, len(rows), len(rows), len(rows))
		}
	}
	checkDecodedRows(t, rows, fs)
}

// oipRequestFor is oipRequest for a fuzz seed.
func oipRequestFor(f *testing.F, nested bool, records ...map[string]any) string {
	f.Helper()
	return modeltest.OIPRequest(f, records, nested)
}

func FuzzCheckJSON(f *testing.F) {
	for _, s := range []string{
		referenceJSON,
		`{"a":1,"a":2}`,
		`{"a":{"b":1,"b":2}}`,
		`[1,2,{"x":[true,false,null]}]`,
		strings.Repeat("[", 40) + strings.Repeat("]", 40),
		`{} {}`,
		`"\ud800"`,
		`  `,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		err := checkJSON(body)
		if err != nil {
			checkDecodeError(t, err)
			return
		}
		if !json.Valid(body) {
			t.Fatalf("checkJSON accepted %q, which is not valid JSON", body)
		}
	})
}

// The fast batch decoder answers exactly as the general one for a batch
// it takes, and leaves everything else to it.
func TestDecodeInstancesFast(t *testing.T) {
	fs := NewFields(fuzzModel(t))
	folded := strings.NewReplacer(`"female"`, `" FEMALE"`, `"group B"`, `"GROUP b "`).Replace(referenceJSON)
	batch := `{"instances":[` + referenceJSON + `, ` + strings.Replace(referenceJSON, "72", "55.5", 1) + `,` + folded + `]}`
	rows, ok := decodeInstancesFast([]byte(batch), fs, 16)
	require.True(t, ok)
	req, err := decodePredict([]byte(batch), fs, 16)
	require.NoError(t, err)
	require.Len(t, rows, 3)
	for i := range rows {
		assert.Equal(t, req.Rows[i], rows[i])
	}
	assert.Equal(t, rows[0], rows[2], "categories in other case and with spaces decode as their levels")
	for _, s := range []string{
		`{"instances":[]}`,
		`{"instances":[` + referenceJSON + `],"x":1}`,
		`{"instances":[` + strings.Replace(referenceJSON, `"female"`, `"f\u0065male"`, 1) + `]}`, // escapes: the slow path
		`{"instances":[` + strings.Replace(referenceJSON, `"female"`, `"   "`, 1) + `]}`,         // blank
		`{"instances":[` + strings.Repeat(referenceJSON+",", 16) + referenceJSON + `]}`,          // over the batch limit
		`{"instances":[` + referenceJSON + `,]}`,
		`{"instances":[` + referenceJSON + `]} x`,
	} {
		_, ok := decodeInstancesFast([]byte(s), fs, 16)
		assert.False(t, ok, "%s", s)
	}
}

func FuzzDecodeInstancesFast(f *testing.F) {
	for _, s := range []string{
		`{"instances":[` + referenceJSON + `]}`,
		`{"instances":[` + referenceJSON + `,` + referenceJSON + `]}`,
		` { "instances" : [ ` + referenceJSON + ` ] } `,
		`{"instances":[{"gender":"female"}]}`,
		`{"instances":[` + strings.Replace(referenceJSON, "72", "1e2", 1) + `]}`,
	} {
		f.Add([]byte(s))
	}
	fs := fuzzFields(f)
	f.Fuzz(func(t *testing.T, body []byte) {
		rows, ok := decodeInstancesFast(body, fs, fuzzMaxBatch)
		if !ok {
			return
		}
		req, err := decodePredict(body, fs, fuzzMaxBatch)
		if err != nil || !req.Batch || len(req.Rows) != len(rows) {
			t.Fatalf("fast path accepted %q as %d rows; full decoder: %+v, %v", body, len(rows), req, err)
		}
		for i := range rows {
			if !slices.Equal(rows[i].Cat, req.Rows[i].Cat) || !slices.Equal(rows[i].Num, req.Rows[i].Num) {
				t.Fatalf("row %d: fast %+v; full %+v", i, rows[i], req.Rows[i])
			}
		}
	})
}

func FuzzDecodeCSV(f *testing.F) {
	for _, s := range []string{
		batchHeader + "female,group B,bachelor's degree,standard,none,72,74\n",
		batchHeader + "female,group Q,bachelor's degree,standard,none,7x2,74\n",
		"\uFEFF" + strings.ReplaceAll(batchHeader, "\n", "\r\n") + "\"female\",group B,bachelor's degree,standard,none,72,74\r\n",
		batchHeader + "female,\"group\nB\",x,standard,none,72,74\n",
		batchHeader,
		"",
	} {
		f.Add([]byte(s))
	}
	m := fuzzModel(f)
	fs := NewFields(m)
	f.Fuzz(func(t *testing.T, body []byte) {
		rows, err := CSV(body, fs, m.Schema(), fuzzMaxBatch)
		if err != nil {
			checkDecodeError(t, err)
			return
		}
		if len(rows) == 0 || len(rows) > fuzzMaxBatch {
			t.Fatalf("%d rows accepted", len(rows))
		}
		out := make([]float64, len(rows))
		if err := m.PredictBatch(rows, out); err != nil {
			t.Fatalf("CSV accepted rows the model refuses: %v", err)
		}
	})
}

// BenchmarkDecodeScore10k is decoding and scoring 10,000 rows in process,
// the part of a batch request that is ours (target ≤ 5 ms).
func BenchmarkDecodeScore10k(b *testing.B) {
	m := fuzzModel(b)
	fs := NewFields(m)
	jb, cb := modeltest.BatchBodies(b, 10000)
	out := make([]float64, 10000)
	b.Run("json", func(b *testing.B) {
		b.SetBytes(int64(len(jb)))
		b.ReportAllocs()
		for b.Loop() {
			rows, ok := decodeInstancesFast(jb, fs, 10000)
			if !ok {
				b.Fatal("fast path refused the batch")
			}
			if err := m.PredictBatch(rows, out); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/10000, "ns/row")
	})
	b.Run("csv", func(b *testing.B) {
		b.SetBytes(int64(len(cb)))
		b.ReportAllocs()
		for b.Loop() {
			rows, err := CSV(cb, fs, m.Schema(), 10000)
			if err != nil {
				b.Fatal(err)
			}
			if err := m.PredictBatch(rows, out); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/10000, "ns/row")
	})
}
