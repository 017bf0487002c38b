package request

import (
	"bytes"
	"fmt"
	"regexp"
	"strings"
	"testing"

	"github.com/studentperf/studentperf/shared/testkit/modeltest"
)

// stringMember matches a string member's value as referenceJSON and
// BatchBodies write it (`":"female"`); scores are numbers and never match.
var stringMember = regexp.MustCompile(`":"[^"\\]*"`)

// upperCategories is body with every category in upper case ("FEMALE").
func upperCategories(body []byte) []byte {
	return stringMember.ReplaceAllFunc(body, bytes.ToUpper)
}

// escapedCategories is body with the first letter of every category
// written as a \u escape ("\u0066emale").
func escapedCategories(body []byte) []byte {
	const hex = "0123456789abcdef"
	return stringMember.ReplaceAllFunc(body, func(m []byte) []byte {
		c := m[3] // after `":"`
		out := append([]byte(`":"\u00`), hex[c>>4], hex[c&15])
		return append(out, m[4:]...)
	})
}

// BenchmarkJSON is JSON, the decoder of every POST /predict JSON body, on
// one record and on a 10,000-row batch: as written, with every category
// in upper case, and with every category's first letter escaped.
func BenchmarkJSON(b *testing.B) {
	fs := NewFields(fuzzModel(b))
	one := []byte(referenceJSON)
	batch, _ := modeltest.BatchBodies(b, 10000)
	for _, c := range []struct {
		name string
		body []byte
		rows int
	}{
		{"one", one, 1},
		{"one-upper", upperCategories(one), 1},
		{"one-escaped", escapedCategories(one), 1},
		{"10k", batch, 10000},
		{"10k-upper", upperCategories(batch), 10000},
		{"10k-escaped", escapedCategories(batch), 10000},
	} {
		if strings.HasSuffix(c.name, "upper") && bytes.Equal(c.body, bytes.ToLower(c.body)) {
			b.Fatalf("%s: no category changed", c.name)
		}
		b.Run(c.name, func(b *testing.B) {
			b.SetBytes(int64(len(c.body)))
			b.ReportAllocs()
			for b.Loop() {
				req, err := JSON(c.body, fs, 10000)
				if err != nil || len(req.Rows) != c.rows {
					b.Fatalf("got %d rows, %v; want %d", len(req.Rows), err, c.rows)
				}
			}
		})
	}
	// A model of another table: a zip code sent as a number, a date,
	// numbers in the thousands, a member the schema ignores.
	gfs := genericFields(b)
	gbatch := genericBatch(10000)
	b.Run("generic-10k", func(b *testing.B) {
		b.SetBytes(int64(len(gbatch)))
		b.ReportAllocs()
		if _, ok := decodeInstancesFast(gbatch, gfs, 10000); !ok {
			b.Fatal("the generic batch takes the general decoder")
		}
		for b.Loop() {
			req, err := JSON(gbatch, gfs, 10000)
			if err != nil || len(req.Rows) != 10000 {
				b.Fatalf("got %d rows, %v; want 10000", len(req.Rows), err)
			}
		}
	})
}

// genericBatch is {"instances": …} of n records of the generic model.
func genericBatch(n int) []byte {
	zips := []string{"95823", "10001", "60601", "73301"}
	grades := []string{"good", "fair", "excellent"}
	var b bytes.Buffer
	b.WriteString(`{"instances":[`)
	for i := range n {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, `{"zip":%s,"grade":%q,"sqft":%d.5,"balance":%d,"listed":"2024-%02d-%02d"}`,
			zips[i%4], grades[i%3], 500+i%4000, -2000+i%5000, 1+i%12, 1+i%28)
	}
	b.WriteString(`]}`)
	return b.Bytes()
}

// BenchmarkDecoders is each JSON decoder alone on the bodies it takes:
// the one-pass ones (decodeRecordFast, decodeInstancesFast) and the strict
// one (decodePredict), which JSON falls back to; the fast ones are kept
// while they beat it.
func BenchmarkDecoders(b *testing.B) {
	fs := NewFields(fuzzModel(b))
	one := []byte(referenceJSON)
	batch, _ := modeltest.BatchBodies(b, 10000)
	b.Run("fast/one", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, ok := decodeRecordFast(one, fs); !ok {
				b.Fatal("refused")
			}
		}
	})
	b.Run("fast/10k", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, ok := decodeInstancesFast(batch, fs, 10000); !ok {
				b.Fatal("refused")
			}
		}
	})
	for _, c := range []struct {
		name string
		body []byte
	}{{"strict/one", one}, {"strict/10k", batch}, {"strict/10k-upper", upperCategories(batch)}, {"strict/10k-escaped", escapedCategories(batch)}} {
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := decodePredict(c.body, fs, 10000); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
