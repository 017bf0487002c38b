package main

import (
	"bytes"
	"io"
	"net/http"
	"regexp"
	"testing"

	"github.com/studentperf/studentperf/shared/testkit/modeltest"
)

// categoryValue matches a string member's value in a batch body as
// BatchBodies writes it (`":"female"`); scores are numbers and never match.
var categoryValue = regexp.MustCompile(`":"[^"\\]*"`)

// upperCategories is body with every category in upper case ("FEMALE"),
// which the API accepts as the level it folds to.
func upperCategories(body []byte) []byte {
	return categoryValue.ReplaceAllFunc(body, bytes.ToUpper)
}

// escapedCategories is body with the first letter of every category
// written as a \u escape ("\u0066emale"), as some JSON encoders do.
func escapedCategories(body []byte) []byte {
	const hex = "0123456789abcdef"
	return categoryValue.ReplaceAllFunc(body, func(m []byte) []byte {
		c := m[3] // after `":"`
		out := append([]byte(`":"\u00`), hex[c>>4], hex[c&15])
		return append(out, m[4:]...)
	})
}

// BenchmarkServerBatch10k posts one 10,000-row JSON batch to POST /predict
// of the real server (the serve command on a loopback port): the batch as
// written, with every category in upper case, and with every category's
// first letter escaped. Issue 17 asks upper case to cost at most twice
// the batch as written.
func BenchmarkServerBatch10k(b *testing.B) {
	root, _ := sampleStore(b)
	base, _ := startServer(b, map[string]string{"MODEL_STORE": root, "MAX_BATCH": "10000", "MAX_BODY_BYTES": "8388608"})
	jb, _ := modeltest.BatchBodies(b, 10000)
	client := &http.Client{}
	post := func(b *testing.B, body []byte) []byte {
		resp, err := client.Post(base+"/predict", "application/json", bytes.NewReader(body))
		if err != nil {
			b.Fatal(err)
		}
		answer, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if err != nil || resp.StatusCode != http.StatusOK {
			b.Fatalf("%d %v %s", resp.StatusCode, err, answer[:min(200, len(answer))])
		}
		return answer
	}
	want := post(b, jb)
	for _, c := range []struct {
		name string
		body []byte
	}{{"as-written", jb}, {"upper", upperCategories(jb)}, {"escaped", escapedCategories(jb)}} {
		b.Run(c.name, func(b *testing.B) {
			if got := post(b, c.body); !bytes.Equal(got, want) {
				b.Fatalf("the answer differs from the batch as written: %.200s", got)
			}
			b.SetBytes(int64(len(c.body)))
			for b.Loop() {
				post(b, c.body)
			}
		})
	}
}
