package dataset

import (
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"strconv"
)

// The synthetic data model. Each student has a latent ability a ~ N(0, 1)
// shared by the three scores, and each score is
//
//	mean + sum of category effects + loading*a + noise*N(0, 1)
//
// rounded to an integer and clamped to [0, 100]. Frequencies and effects were
// read off the real data (stud.csv, 1000 rows): the effects are the
// differences of group means there, which the generator reproduces because
// it draws the categories independently. Loadings and noise were then tuned
// by hand so that the standard deviations (≈15), the correlations (reading
// and writing ≈0.95, math and reading ≈0.82) and the R² of a linear model of
// math from the other seven fields (≈0.87) match the real data; see
// TestGenerateResemblesRealData.

// level is one value of a categorical field, with its frequency and its
// effect on the math, reading and writing scores.
type level struct {
	name   string
	p      float64
	effect [3]float64
}

// field is one generated categorical field.
type field struct {
	levels []level
	cum    []float64 // cumulative frequencies, for sampling
}

var genFields = []field{
	{levels: []level{ // gender
		{"female", 0.518, [3]float64{0, 0, 0}},
		{"male", 0.482, [3]float64{5.1, -7.1, -9.2}},
	}},
	{levels: []level{ // race_ethnicity
		{"group A", 0.089, [3]float64{0, 0, 0}},
		{"group B", 0.190, [3]float64{1.8, 2.7, 2.9}},
		{"group C", 0.319, [3]float64{2.8, 4.4, 5.2}},
		{"group D", 0.262, [3]float64{5.7, 5.4, 7.5}},
		{"group E", 0.140, [3]float64{12.2, 8.4, 8.7}},
	}},
	{levels: []level{ // parental_level_of_education
		{"some high school", 0.179, [3]float64{0, 0, 0}},
		{"high school", 0.196, [3]float64{-1.4, -2.2, -2.4}},
		{"some college", 0.226, [3]float64{3.6, 2.5, 4.0}},
		{"associate's degree", 0.222, [3]float64{4.4, 4.0, 5.0}},
		{"bachelor's degree", 0.118, [3]float64{5.9, 6.1, 8.5}},
		{"master's degree", 0.059, [3]float64{6.3, 8.4, 10.8}},
	}},
	{levels: []level{ // lunch
		{"standard", 0.645, [3]float64{11.1, 7.0, 7.8}},
		{"free/reduced", 0.355, [3]float64{0, 0, 0}},
	}},
	{levels: []level{ // test_preparation_course
		{"none", 0.642, [3]float64{0, 0, 0}},
		{"completed", 0.358, [3]float64{5.6, 7.4, 9.9}},
	}},
}

var (
	genMean    = [3]float64{66.1, 69.2, 68.1} // math, reading, writing in the real data
	genLoading = [3]float64{12.2, 12.6, 12.2} // weight of the latent ability
	genNoise   = [3]float64{5.0, 2.8, 2.9}    // sd of each score's own noise
	genBase    [3]float64                     // intercepts that give genMean
)

func init() {
	for f := range genFields {
		fd := &genFields[f]
		sum := 0.0
		for _, l := range fd.levels {
			sum += l.p
			fd.cum = append(fd.cum, sum)
			for k := range genBase {
				genBase[k] -= float64(l.p * l.effect[k]) // float64(): no FMA, see below
			}
		}
		fd.cum[len(fd.cum)-1] = 1 // guard against rounding in the sum
	}
	for k := range genBase {
		genBase[k] += genMean[k]
	}
}

// genHeader is the header Generate writes, in the column order of stud.csv.
const genHeader = "gender,race_ethnicity,parental_level_of_education,lunch,test_preparation_course,math_score,reading_score,writing_score\n"

// Generate writes a header and n rows of synthetic student data in the
// Students schema to w. The output depends only on n and seed. Categories
// have the real data's values and frequencies, and the scores (integers in
// [0, 100]) depend on them and on each other much as in the real data.
func Generate(w io.Writer, n int, seed uint64) error {
	if n < 0 {
		return fmt.Errorf("generate: negative row count %d", n)
	}
	rng := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	const flushAt = 60 << 10
	buf := make([]byte, 0, flushAt+512)
	buf = append(buf, genHeader...)
	for range n {
		score := genBase
		for f := range genFields {
			fd := &genFields[f]
			u := rng.Float64()
			i := 0
			for i < len(fd.cum)-1 && u >= fd.cum[i] {
				i++
			}
			l := &fd.levels[i]
			buf = append(buf, l.name...)
			buf = append(buf, ',')
			for k := range score {
				score[k] += l.effect[k]
			}
		}
		ability := rng.NormFloat64()
		for k := range score {
			// The float64 conversions forbid fused multiply-adds, which some
			// CPUs (arm64) would otherwise use, so that the output is the
			// same on every platform.
			v := math.Round(score[k] + float64(genLoading[k]*ability) + float64(genNoise[k]*rng.NormFloat64()))
			v = min(max(v, 0), 100)
			buf = strconv.AppendInt(buf, int64(v), 10)
			if k < len(score)-1 {
				buf = append(buf, ',')
			}
		}
		buf = append(buf, '\n')
		if len(buf) >= flushAt {
			if _, err := w.Write(buf); err != nil {
				return fmt.Errorf("generate: %w", err)
			}
			buf = buf[:0]
		}
	}
	if _, err := w.Write(buf); err != nil {
		return fmt.Errorf("generate: %w", err)
	}
	return nil
}
