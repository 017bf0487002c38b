//go:build linux

package explain_test

import (
	"fmt"
	"runtime"
	"syscall"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/studentperf/studentperf/shared/dataset"
	"github.com/studentperf/studentperf/shared/ensemble"
	"github.com/studentperf/studentperf/shared/explain"
	"github.com/studentperf/studentperf/shared/features"
	"github.com/studentperf/studentperf/shared/model"
	"github.com/studentperf/studentperf/shared/testkit/modeltest"
	"github.com/studentperf/studentperf/shared/tree"
)

// boosted31 fits 256 trees of 31 leaves as shared/ensemble's benchmarks
// grow them (learning rate 0.1, 20 rows per leaf) on 5,000 generated rows.
func boosted31(tb testing.TB) (*model.Model, []features.Row) {
	tb.Helper()
	lin, tab := modeltest.Fit(tb, "m", "synthetic:5000", 3)
	d, err := model.TreeData(lin.Transform, tab)
	require.NoError(tb, err)
	b, err := tree.FitBinner(d, nil, tree.MaxBins)
	require.NoError(tb, err)
	bd, err := b.Bin(d, nil)
	require.NoError(tb, err)
	e, err := ensemble.FitBoost(bd, tab.Target, ensemble.Boost{Trees: 256, LearningRate: 0.1, Subsample: 1,
		Tree: tree.Params{MaxLeaves: 31, MinSamplesLeaf: 20}}, 1)
	require.NoError(tb, err)
	m, err := model.New("m", dataset.Students, lin.Transform, model.Estimator{Name: "boost", Family: "boost", Trees: e}, lin.Provenance)
	require.NoError(tb, err)
	rows, err := m.Transform.Rows(tab)
	require.NoError(tb, err)
	return m, rows[:1024]
}

// threadCPU is the CPU time of the calling thread (Linux RUSAGE_THREAD).
// The machine these run on is shared, so wall time per op swings with
// the load; the thread's own CPU time does much less.
func threadCPU(b *testing.B) int64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(1, &ru); err != nil { // 1: RUSAGE_THREAD
		b.Fatal(err)
	}
	return ru.Utime.Nano() + ru.Stime.Nano()
}

// cpuLoop runs f b.N times on one locked thread and reports its CPU time
// per op as cpu-ns/op beside ns/op.
func cpuLoop(b *testing.B, f func(i int)) {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	b.ReportAllocs()
	t0 := threadCPU(b)
	i := 0
	for b.Loop() {
		f(i)
		i++
	}
	b.ReportMetric(float64(threadCPU(b)-t0)/float64(b.N), "cpu-ns/op")
}

// benchExplain runs predict, Explain and ExplainInto side by side over
// the same 1,024 distinct records (the reference itself would be one path
// per tree), so that explain − predict is the added cost.
func benchExplain(b *testing.B, m *model.Model, rows []features.Row) {
	ex := newExplainer(b, m) // built once per model, as a server does at load
	b.Run("predict", func(b *testing.B) {
		cpuLoop(b, func(i int) {
			if _, err := m.Predict(rows[i&1023]); err != nil {
				b.Fatal(err)
			}
		})
	})
	b.Run("explain", func(b *testing.B) {
		cpuLoop(b, func(i int) {
			if _, err := ex.Explain(rows[i&1023]); err != nil {
				b.Fatal(err)
			}
		})
	})
	b.Run("explain-into", func(b *testing.B) {
		contrib := make([]float64, len(m.Features))
		cpuLoop(b, func(i int) {
			if _, _, err := ex.ExplainInto(rows[i&1023], contrib); err != nil {
				b.Fatal(err)
			}
		})
	})
}

// BenchmarkExplain is one explained prediction beside one plain
// prediction. Targets: explain adds ≤ 20 µs to a 256-tree, 31-leaf boosted
// model and ≤ 2 µs to a linear one, with 0 allocations in ExplainInto.
func BenchmarkExplain(b *testing.B) {
	b.Run("boost256", func(b *testing.B) {
		m, rows := boosted31(b)
		benchExplain(b, m, rows)
	})
	b.Run("linear", func(b *testing.B) {
		m, tab := modeltest.Fit(b, "m", "synthetic:1024", 3)
		rows, err := m.Transform.Rows(tab)
		require.NoError(b, err)
		benchExplain(b, m, rows)
	})
}

// BenchmarkExplainOthers is the enumerated families for scale: 2^7 = 128
// predictions per explanation (no target; a served model may want them
// only on request).
func BenchmarkExplainOthers(b *testing.B) {
	ms, rows := explainModels(b, 1024)
	for _, c := range ms {
		if c.name == "adaboost" || c.name == "knn/distance=true" {
			b.Run(c.name, func(b *testing.B) { benchExplain(b, c.m, rows) })
		}
	}
}

// BenchmarkExplainFirst is a tree model's first explanation: a new model
// (as a load decodes one), its explainer, which compiles the tables, and
// one explanation. The explainer is what a server builds once per model
// version it loads, before any request sees the version.
func BenchmarkExplainFirst(b *testing.B) {
	m, rows := boosted31(b)
	cpuLoop(b, func(int) {
		fresh, err := model.New("fresh", dataset.Students, m.Transform, m.Estimator, m.Provenance)
		if err != nil {
			b.Fatal(err)
		}
		ex, err := explain.New(fresh)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := ex.Explain(rows[0]); err != nil {
			b.Fatal(err)
		}
	})
}

// BenchmarkExplainCost calibrates Explainer.Cost: one explanation of each
// family and method, on the student data's seven features and on wider
// tables, with its cost estimate beside its CPU time. ns/step (CPU time
// over Cost) should be about 1 and of the same order for every family, so
// that a server's budget in steps is a budget in time.
func BenchmarkExplainCost(b *testing.B) {
	type bench struct {
		name string
		m    *model.Model
		rows []features.Row
	}
	var all []bench
	ms, rows := explainModels(b, 1024)
	for _, c := range ms {
		switch c.name {
		case "linear", "forest", "boost", "adaboost", "knn/distance=false":
			all = append(all, bench{"students/" + c.name, c.m, rows})
		}
	}
	for _, c := range []struct {
		family  string
		numeric int
		levels  []int
	}{{"linear", 100, []int{300, 3}}, {"boost", 70, []int{5, 40}}, {"knn", 16, []int{3, 4}}, {"adaboost", 16, []int{3, 4}}} {
		m := modeltest.FitWide(b, c.family, modeltest.WideTable(b, 1024, c.numeric, c.levels, 5))
		all = append(all, bench{fmt.Sprintf("wide%d/%s", len(m.Features), c.family), m, wideRows(m, 1024, 9)})
	}
	for _, c := range all {
		ex := newExplainer(b, c.m)
		b.Run(c.name+"/"+ex.Method(), func(b *testing.B) {
			runtime.LockOSThread()
			defer runtime.UnlockOSThread()
			t0 := threadCPU(b)
			i := 0
			for b.Loop() {
				if _, err := ex.Explain(c.rows[i&1023]); err != nil {
					b.Fatal(err)
				}
				i++
			}
			cpu := float64(threadCPU(b)-t0) / float64(b.N)
			b.ReportMetric(cpu, "cpu-ns/op")
			b.ReportMetric(ex.Cost(), "steps/op")
			b.ReportMetric(cpu/ex.Cost(), "ns/step")
		})
	}
}
