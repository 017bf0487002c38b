package tree

import (
	"fmt"
	"math/rand/v2"
	"testing"
)

// wideLike draws n rows shaped as infra/bench/table's: ten categorical
// features of 4 to 201 levels (the missing level included) with skewed
// frequencies, and twenty numeric ones, some of few distinct values, 5%
// of them missing.
func wideLike(n int, seed uint64) (*Data, []float64) {
	rng := rand.New(rand.NewPCG(seed, 9))
	levels := []int{4, 6, 9, 13, 21, 36, 61, 101, 151, 201}
	d := &Data{Rows: n, Levels: make([]int, 30)}
	copy(d.Levels, levels)
	d.X = make([]float64, 0, 30*n)
	y := make([]float64, n)
	for i := range n {
		for _, l := range levels {
			u := rng.Float64()
			d.X = append(d.X, float64(min(l-1, int(u*u*float64(l)))))
		}
		for j := range 20 {
			v := rng.NormFloat64()
			if j%4 == 3 {
				v = float64(rng.IntN(51))
			}
			if rng.Float64() < 0.05 {
				v = nan
			}
			d.X = append(d.X, v)
		}
		y[i] = rng.NormFloat64()
	}
	return d, y
}

var nan = func() float64 { var z float64; return z / z }()

// BenchmarkWideHistogram counts the histogram of 800,000 rows shaped as
// the wide benchmark table's (every row, and every third row as a child
// node would have them), on one and two goroutines.
func BenchmarkWideHistogram(b *testing.B) {
	d, y := wideLike(800_000, 5)
	bd := binned(b, d)
	all := allRows(bd.Rows)
	var third []int32
	for r := int32(0); r < int32(bd.Rows); r += 3 {
		third = append(third, r)
	}
	for _, rows := range [][]int32{all, third} {
		for _, workers := range []int{1, 2} {
			b.Run(fmt.Sprintf("rows=%d/workers=%d", len(rows), workers), func(b *testing.B) {
				pool, ext := &histPool{size: bd.total}, &histPool{size: bd.extent()}
				for b.Loop() {
					h := pool.get()
					h.build(bd, y, rows, workers, pool, ext)
					pool.put(h)
				}
				b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(rows)), "ns/row")
			})
		}
	}
}
