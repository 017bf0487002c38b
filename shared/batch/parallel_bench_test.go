package batch_test

import (
	"bytes"
	"context"
	"io"
	"math/rand/v2"
	"strconv"
	"strings"
	"testing"

	"github.com/studentperf/studentperf/shared/batch"
	"github.com/studentperf/studentperf/shared/dataset"
	"github.com/studentperf/studentperf/shared/model"
	"github.com/studentperf/studentperf/shared/testkit/modeltest"
)

// wideCSV writes rows in the schema of a model of modeltest.WideTable
// (numbers n0…, categories c0… of the model's levels) with 5% of the cells missing, the shape of the
// issue's 1M-row table.
func wideCSV(m *model.Model, rows int, seed uint64) []byte {
	rng := rand.New(rand.NewPCG(seed, 5))
	s := m.Schema()
	var b bytes.Buffer
	b.WriteString(strings.Join(s.Inputs(), ",") + "\n")
	levels := map[string][]string{}
	for _, c := range m.Transform.Categorical {
		levels[c.Name] = c.Levels
	}
	for range rows {
		for i, c := range s.Features {
			if i > 0 {
				b.WriteByte(',')
			}
			switch {
			case rng.IntN(20) == 0:
			case c.Kind == dataset.Category:
				b.WriteString(levels[c.Name][rng.IntN(len(levels[c.Name]))])
			default:
				b.WriteString(strconv.FormatFloat(float64(rng.IntN(100001))/1000, 'f', -1, 64))
			}
		}
		b.WriteByte('\n')
	}
	return b.Bytes()
}

// BenchmarkScoreParallel is Score beside ScoreParallel (every core) on
// 100,000 rows in memory: the student model (linear, 7 columns) and a
// boosted model (30 trees of 31 leaves) of a 20-number, 10-category table.
func BenchmarkScoreParallel(b *testing.B) {
	student, _ := modeltest.Fit(b, "m", "sample", 1)
	tab := modeltest.WideTable(b, 3000, 20, []int{3, 5, 8, 12, 20, 40, 60, 100, 150, 200}, 3)
	wide := modeltest.FitWide(b, "boost", tab)
	cases := []struct {
		name string
		m    *model.Model
		data []byte
	}{
		{"students", student, generatedB(b, 100000, 7)},
		{"wide", wide, wideCSV(wide, 100000, 9)},
	}
	for _, c := range cases {
		for _, mode := range []string{"Score", "Parallel"} {
			b.Run(c.name+"/"+mode, func(b *testing.B) {
				b.SetBytes(int64(len(c.data)))
				b.ReportAllocs()
				for b.Loop() {
					var err error
					if mode == "Score" {
						_, err = batch.Score(context.Background(), c.m, bytes.NewReader(c.data), io.Discard, batch.Options{})
					} else {
						_, err = batch.ScoreParallel(context.Background(), c.m, bytes.NewReader(c.data), io.Discard, batch.Options{})
					}
					if err != nil {
						b.Fatal(err)
					}
				}
				b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/100000, "ns/row")
			})
		}
	}
}
