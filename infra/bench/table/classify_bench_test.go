package table_test

import (
	"math"
	"slices"
	"syscall"
	"testing"

	"github.com/studentperf/studentperf/infra/bench/table"
	"github.com/studentperf/studentperf/shared/ensemble"
	"github.com/studentperf/studentperf/shared/tree"
)

// wideClasses is the wide table's k-class target (table.Classes over all
// 1M rows), split as wide splits the rows.
func wideClasses(k int) (train, test []float64) {
	all := &table.Table{Rows: len(wide.y) + len(wide.yTest), Y: append(slices.Clone(wide.y), wide.yTest...)}
	c := all.Classes(k)
	return c[:len(wide.y)], c[len(wide.y):]
}

// wideClassify is HistGradientBoostingClassifier's settings of the
// wide case: 100 rounds, 31 leaves, learning rate 0.1, 20 rows a leaf,
// every row, 2 goroutines.
var wideClassify = ensemble.Classify{Rounds: 100, LearningRate: 0.1,
	Tree: tree.Params{MaxLeaves: 31, MinSamplesLeaf: 20, Workers: 2}}

// BenchmarkWideClassifierFit is issue 19's speed case: binary boosting of
// the log loss (y above its median) on the first 800,000 rows of the
// generated 1M-row table, binning included. It reports the held-out ROC
// AUC, log loss and accuracy on the last 200,000 rows, the CPU time of a
// fit and the peak RSS; infra/bench/reference.py wide-classify gives
// scikit-learn's HistGradientBoostingClassifier and XGBoost on the same
// rows.
func BenchmarkWideClassifierFit(b *testing.B) {
	wideData(b)
	y, yTest := wideClasses(2)
	var cl *ensemble.Classifier
	b.ResetTimer()
	cpu := cpuTime()
	for b.Loop() {
		binner, err := tree.FitBinner(wide.train, nil, 255)
		if err != nil {
			b.Fatal(err)
		}
		bd, err := binner.Bin(wide.train, nil)
		if err != nil {
			b.Fatal(err)
		}
		if cl, err = ensemble.FitBoostClassifier(bd, y, 2, wideClassify, 42); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	b.ReportMetric((cpuTime()-cpu).Seconds()/float64(b.N), "cpu-s/op")
	proba := make([]float64, 2*wide.test.Rows)
	cl.PredictProbaBatch(wide.test.X, wide.test.Cols(), proba)
	p1 := make([]float64, wide.test.Rows)
	var ll, acc float64
	for i, c := range yTest {
		p1[i] = proba[2*i+1]
		ll -= math.Log(max(proba[2*i+int(c)], 1e-15))
		if (p1[i] > 0.5) == (c == 1) {
			acc++
		}
	}
	n := float64(len(yTest))
	b.ReportMetric(auc(p1, yTest), "test-AUC")
	b.ReportMetric(ll/n, "test-logloss")
	b.ReportMetric(acc/n, "test-accuracy")
	b.Logf("held-out AUC %.6f, log loss %.6f, accuracy %.6f", auc(p1, yTest), ll/n, acc/n)
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err == nil {
		b.ReportMetric(float64(ru.Maxrss)/1024, "peak-RSS-MB")
	}
}

// BenchmarkWideClassifierPredict is issue 19's prediction case: the
// probabilities of 5 classes (y's quintiles) for 10,000 held-out rows of
// the wide table, from 100 rounds (500 trees of 31 leaves) fitted once,
// outside the timing, on the first 100,000 rows.
func BenchmarkWideClassifierPredict(b *testing.B) {
	wideData(b)
	y, yTest := wideClasses(5)
	const fitRows, rows = 100_000, 10_000
	p := wide.train.Cols()
	sub := &tree.Data{Rows: fitRows, Levels: wide.train.Levels, X: wide.train.X[:fitRows*p]}
	binner, err := tree.FitBinner(sub, nil, 255)
	if err != nil {
		b.Fatal(err)
	}
	bd, err := binner.Bin(sub, nil)
	if err != nil {
		b.Fatal(err)
	}
	cl, err := ensemble.FitBoostClassifier(bd, y[:fitRows], 5, wideClassify, 42)
	if err != nil {
		b.Fatal(err)
	}
	cl.Prepare()
	x := wide.test.X[:rows*p]
	proba := make([]float64, 5*rows)
	b.ResetTimer()
	cpu := cpuTime()
	for b.Loop() {
		cl.PredictProbaBatch(x, p, proba)
	}
	b.StopTimer()
	// On a shared machine the CPU time shows the work apart from the
	// waiting (both goroutines' time: the wall time on two free cores is
	// about half of it).
	b.ReportMetric(float64((cpuTime()-cpu).Milliseconds())/float64(b.N), "cpu-ms/op")
	var acc float64
	for i := range rows {
		if argmax(proba[5*i:5*i+5]) == int(yTest[i]) {
			acc++
		}
	}
	b.ReportMetric(acc/rows, "test-accuracy")
}

func argmax(p []float64) int {
	best := 0
	for j, v := range p {
		if v > p[best] {
			best = j
		}
	}
	return best
}

// auc is the ROC AUC of scores for labels 0 and 1: the Mann–Whitney
// statistic, tied scores sharing their ranks.
func auc(score, label []float64) float64 {
	idx := make([]int, len(score))
	for i := range idx {
		idx[i] = i
	}
	slices.SortFunc(idx, func(a, b int) int {
		switch {
		case score[a] < score[b]:
			return -1
		case score[a] > score[b]:
			return 1
		}
		return 0
	})
	var rankSum, pos float64
	for i := 0; i < len(idx); {
		j := i
		for j < len(idx) && score[idx[j]] == score[idx[i]] {
			j++
		}
		mid := float64(i+j+1) / 2 // the mean of ranks i+1..j
		for _, r := range idx[i:j] {
			if label[r] == 1 {
				rankSum += mid
				pos++
			}
		}
		i = j
	}
	neg := float64(len(idx)) - pos
	return (rankSum - pos*(pos+1)/2) / (pos * neg)
}

// TestAUC checks auc on a hand-worked case: positives scored 0.8 and 0.4,
// negatives 0.6, 0.4 and 0.1: of the 6 pairs, 4 ordered right, 1 tied
// (a half), 1 wrong: 4.5/6.
func TestAUC(t *testing.T) {
	got := auc([]float64{0.8, 0.4, 0.6, 0.4, 0.1}, []float64{1, 1, 0, 0, 0})
	if math.Abs(got-0.75) > 1e-15 {
		t.Fatalf("auc = %v; want 0.75", got)
	}
}
