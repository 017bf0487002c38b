package drift_test

import (
	"fmt"
	"strings"

	"github.com/studentperf/studentperf/shared/dataset"
	"github.com/studentperf/studentperf/shared/drift"
	"github.com/studentperf/studentperf/shared/features"
)

func Example() {
	// Training data: 60% of the students took lunch "standard".
	var csv strings.Builder
	csv.WriteString("lunch,score\n")
	for i := range 100 {
		lunch := "standard"
		if i%5 >= 3 {
			lunch = "free/reduced"
		}
		fmt.Fprintf(&csv, "%s,%d\n", lunch, i)
	}
	s := dataset.Schema{Features: []dataset.Column{{Name: "lunch", Kind: dataset.Category}, {Name: "score", Kind: dataset.Numeric}}}
	tab, err := dataset.Read(strings.NewReader(csv.String()), s)
	if err != nil {
		fmt.Println(err)
		return
	}
	tr, err := features.Fit(tab)
	if err != nil {
		fmt.Println(err)
		return
	}
	base, err := drift.Fit(tab, tr) // stored in model.json as Training
	if err != nil {
		fmt.Println(err)
		return
	}
	mon, err := drift.NewMonitor(base, tr)
	if err != nil {
		fmt.Println(err)
		return
	}

	// Served: 20% standard, and the same scores. The PSI of lunch is
	// (0.8-0.4)·ln(0.8/0.4) + (0.2-0.6)·ln(0.2/0.6) = 0.717.
	for i := range 200 {
		lunch := "free/reduced"
		if i%5 == 0 {
			lunch = "standard"
		}
		mon.Observe(features.Row{Cat: []string{lunch}, Num: []float64{float64(i % 100)}})
	}
	rep := mon.Snapshot()
	for _, f := range rep.Features {
		fmt.Printf("%s: psi %.3f", f.Name, *f.PSI)
		if f.Warning != "" {
			fmt.Print(", ", f.Warning)
		}
		fmt.Println()
	}
	fmt.Println("drifting:", rep.Warnings)
	// Output:
	// lunch: psi 0.717, psi_above_0.2
	// score: psi 0.000
	// drifting: [lunch]
}
