package request

import (
	"bytes"
	"errors"
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/studentperf/studentperf/shared/features"
)

// headerlessRef is the reference record as a headerless CSV line.
const headerlessRef = "female,group B,bachelor's degree,standard,none,72,74\n"

// checkCSVRows checks rows a CSV decoder accepted: each category missing
// ("", imputed) or a level of the model, each score missing (NaN) or in
// [0, 100].
func checkCSVRows(t *testing.T, rows []features.Row, fs *Fields) {
	t.Helper()
	for i, r := range rows {
		if len(r.Cat) != fs.nCat || len(r.Num) != fs.nNum {
			t.Fatalf("row %d: got %d categories and %d scores; want %d and %d", i, len(r.Cat), len(r.Num), fs.nCat, fs.nNum)
		}
		for j, c := range r.Cat {
			if _, ok := fs.tr.Categorical[j].Lookup(c); c != "" && !ok {
				t.Fatalf("row %d: unknown category %q accepted", i, c)
			}
		}
		for j, v := range r.Num {
			if !math.IsNaN(v) && (v < features.MinScore || v > features.MaxScore) {
				t.Fatalf("row %d: score %d = %v accepted", i, j, v)
			}
		}
	}
}

func FuzzCSVAnyHeader(f *testing.F) {
	for _, s := range []string{
		headerlessRef,
		headerlessRef + headerlessRef,
		strings.TrimSuffix(batchHeader, "\n") + "\r\n" + strings.ReplaceAll(headerlessRef, "\n", "\r\n"),
		"\uFEFF" + headerlessRef,
		"female,group B,bachelor's degree,standard,none,72\n",
		`"female","group B","bachelor's degree","standard","none","72","74"` + "\n",
		"female,\"group\nB\",x,standard,none,72,74\n",
		",,,,,,\n",
		"gender\nfemale\n",
		"\n\n",
		"female,group B,bachelor's degree,standard,none,1e400,74\n",
	} {
		f.Add([]byte(s))
	}
	fs := fuzzFields(f)
	s := fuzzModel(f).Schema()
	f.Fuzz(func(t *testing.T, body []byte) {
		rows, header, err := CSVAnyHeader(body, fs, s, fuzzMaxBatch)
		if !header {
			// The oracle: a headerless body reads as the schema's header
			// and the body would.
			want, werr := CSV(append([]byte(batchHeader), bytes.TrimPrefix(body, []byte("\uFEFF"))...), fs, s, fuzzMaxBatch)
			if (err == nil) != (werr == nil) || (err == nil && !rowsEqual(rows, want)) {
				t.Fatalf("headerless %q: got %v, %v; behind the header: %v, %v", body, rows, err, want, werr)
			}
		}
		if err != nil {
			checkDecodeError(t, err)
			var ps features.Problems
			if errors.As(err, &ps) {
				for _, p := range ps {
					if p.Line < 0 {
						t.Fatalf("problem %+v on a negative line", p)
					}
				}
			}
			return
		}
		if len(rows) == 0 || len(rows) > fuzzMaxBatch {
			t.Fatalf("got %d rows accepted; want 1 to %d", len(rows), fuzzMaxBatch)
		}
		checkCSVRows(t, rows, fs)
	})
}

// rowsEqual compares rows, NaN equal to NaN.
func rowsEqual(a, b []features.Row) bool {
	if len(a) != len(b) {
		return false
	}
	same := func(x, y float64) bool { return x == y || (math.IsNaN(x) && math.IsNaN(y)) }
	for i := range a {
		if !slices.Equal(a[i].Cat, b[i].Cat) || !slices.EqualFunc(a[i].Num, b[i].Num, same) {
			return false
		}
	}
	return true
}

func FuzzInstances(f *testing.F) {
	for _, s := range []string{
		`{"instances":[` + referenceJSON + `]}`,
		`{"instances":[["female","group B","bachelor's degree","standard","none",72,74]]}`,
		`{"instances":[["female","group B","bachelor's degree","standard","none",72,74],` + referenceJSON + `]}`,
		`{"instances":[["female",72]]}`,
		`{"instances":[[]]}`,
		`{"instances":[]}`,
		`{"instances":null}`,
		`{"instances":[null]}`,
		`{"instances":[[null,null,null,null,null,null,null]]}`,
		`{"instances":[["female","group B","bachelor's degree","standard","none",72,{"a":1}]]}`,
		`{"inputs":[]}`,
		referenceJSON,
	} {
		f.Add([]byte(s))
	}
	fs := fuzzFields(f)
	f.Fuzz(func(t *testing.T, body []byte) {
		rows, err := Instances(body, fs, fuzzMaxBatch)
		if err != nil {
			checkDecodeError(t, err)
			return
		}
		if len(rows) == 0 || len(rows) > fuzzMaxBatch {
			t.Fatalf("got %d rows accepted; want 1 to %d", len(rows), fuzzMaxBatch)
		}
		checkDecodedRows(t, rows, fs)
		// Records go through the general decoder unchanged.
		if req, err := decodePredict(body, fs, fuzzMaxBatch); err == nil && !rowsEqual(req.Rows, rows) {
			t.Fatalf("%q: Instances %v; decodePredict %v", body, rows, req.Rows)
		}
	})
}

func FuzzNumberValue(f *testing.F) {
	for _, s := range [][2]string{{"INT32", "72"}, {"INT8", "300"}, {"UINT8", "-0"}, {"UINT64", "18446744073709551616"}, {"FP16", "65504"},
		{"FP32", "3.5e38"}, {"FP64", "1e400"}, {"BOOL", "true"}, {"INT64", "72.0"}, {"FP32", "-0"}, {"INT16", "0x10"}} {
		f.Add(s[0], []byte(s[1]))
	}
	f.Fuzz(func(t *testing.T, dt string, raw []byte) {
		if _, ok := numberTypes[dt]; !ok && dt != "BOOL" {
			return
		}
		v, p := numberValue("x", dt, raw)
		if p != nil {
			if p.Reason == "" {
				t.Fatalf("%s %q: a problem without a reason", dt, raw)
			}
			return
		}
		if math.IsNaN(v) || v < features.MinScore || v > features.MaxScore {
			t.Fatalf("%s %q: accepted %v", dt, raw, v)
		}
		if nt := numberTypes[dt]; nt.integer && v != math.Trunc(v) {
			t.Fatalf("%s %q: a fraction %v accepted for an integer type", dt, raw, v)
		}
	})
}
