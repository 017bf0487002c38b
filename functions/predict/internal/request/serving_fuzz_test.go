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

// checkCSVRows checks rows a CSV decoder accepted (see checkRows): a
// missing value is imputed whatever the schema.
func checkCSVRows(t *testing.T, rows []features.Row, fs *Fields) {
	t.Helper()
	checkRows(t, rows, fs, true)
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
		"95823,fair,1500.5,-250,2024-03-01\n",
		"99999,FAIR,NA,,2024-02-30\n",
		"id,zip,grade,sqft,balance,listed,price\nA1,95823,fair,1,2,2024-03-01,9\n",
	} {
		f.Add([]byte(s))
	}
	both := bothFields(f)
	f.Fuzz(func(t *testing.T, body []byte) {
		for _, fs := range both {
			fuzzCSVAnyHeader(t, body, fs)
		}
	})
}

func fuzzCSVAnyHeader(t *testing.T, body []byte, fs *Fields) {
	s := fs.schema
	rows, header, err := CSVAnyHeader(body, fs, s, fuzzMaxBatch)
	if !header {
		// The oracle: a headerless body reads as the schema's header
		// and the body would.
		hdr := strings.Join(fs.names, ",") + "\n"
		want, werr := CSV(append([]byte(hdr), bytes.TrimPrefix(body, []byte("\uFEFF"))...), fs, s, fuzzMaxBatch)
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
		`{"instances":[["95823","fair",1500.5,-250,"2024-03-01"],` + genericJSON + `]}`,
		`{"instances":[[95823,null,"1e3",null,null]]}`,
	} {
		f.Add([]byte(s))
	}
	both := bothFields(f)
	f.Fuzz(func(t *testing.T, body []byte) {
		for _, fs := range both {
			fuzzInstances(t, body, fs)
		}
	})
}

func fuzzInstances(t *testing.T, body []byte, fs *Fields) {
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
		lo, hi := 0.0, 1.0 // BOOL
		if nt, ok := numberTypes[dt]; ok {
			lo, hi = nt.lo, nt.hi
		}
		if math.IsNaN(v) || v < lo || v > hi {
			t.Fatalf("%s %q: accepted %v outside %s's range", dt, raw, v, dt)
		}
		if nt := numberTypes[dt]; nt.integer && v != math.Trunc(v) {
			t.Fatalf("%s %q: a fraction %v accepted for an integer type", dt, raw, v)
		}
	})
}
