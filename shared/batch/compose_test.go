package batch

import (
	"math/rand/v2"
	"testing"
)

// compose covers every byte of every part once, in order; every step but
// the last holds at least the minimum; copies are one piece within the
// maximum.
func TestCompose(t *testing.T) {
	const lo, hi = 10, 25
	rng := rand.New(rand.NewPCG(1, 2))
	for trial := range 2000 {
		sizes := make([]int64, 1+rng.IntN(8))
		for i := range sizes {
			sizes[i] = int64(rng.IntN(60))
		}
		steps := compose(sizes, lo, hi)
		p, off := 0, int64(0)
		for i, st := range steps {
			var n int64
			for _, pc := range st.Pieces {
				for p < len(sizes) && off == sizes[p] {
					p, off = p+1, 0
				}
				if pc.Part != p || pc.From != off || pc.To <= pc.From {
					t.Fatalf("trial %d, sizes %v: step %d piece %+v; want part %d from %d", trial, sizes, i, pc, p, off)
				}
				off = pc.To
				n += pc.To - pc.From
			}
			if i < len(steps)-1 && n < lo {
				t.Fatalf("sizes %v: step %d holds %d bytes, under %d", sizes, i, n, lo)
			}
			if st.Copy && (len(st.Pieces) != 1 || n > hi) {
				t.Fatalf("sizes %v: copy step %d: %+v", sizes, i, st)
			}
		}
		for p < len(sizes) && off == sizes[p] {
			p, off = p+1, 0
		}
		if p != len(sizes) {
			t.Fatalf("sizes %v: steps %+v stop at part %d, byte %d", sizes, steps, p, off)
		}
	}
}
