package search

import (
	"fmt"
	"slices"

	"github.com/studentperf/studentperf/shared/dataset"
	"github.com/studentperf/studentperf/shared/features"
	"github.com/studentperf/studentperf/shared/linear"
	"github.com/studentperf/studentperf/shared/model"
	"github.com/studentperf/studentperf/shared/tree"
)

// Input is the training rows. Only the tree families' layout of them is
// held whole (model.TreeData: raw numbers, NaN where missing, and level
// indices, a few columns a row); the one-hot layouts, as wide as a
// category has levels, are derived from it a row at a time, where and when
// a family reads them: the linear family's design (standardised numbers,
// indicators scaled by their deviation) streams through package linear's
// moments, and kNN's rows (standardised numbers, 0/1 indicators) are built
// for the training rows a kNN candidate keeps and for one validation row at
// a time. A search on a wide table of many rows thus holds a few columns a
// row, not a float64 for every level of every category.
type Input struct {
	Trees *tree.Data
	Y     []float64
	tr    *features.Transform
}

// Inputs lays out tab's rows under the fitted transform.
func Inputs(tr *features.Transform, tab *dataset.Table) (*Input, error) {
	td, err := model.TreeData(tr, tab)
	if err != nil {
		return nil, fmt.Errorf("inputs: %w", err)
	}
	return NewInput(tr, td, tab.Target)
}

// NewInput is the input of rows already in the tree layout of tr
// (model.TreeLevels) with targets y.
func NewInput(tr *features.Transform, td *tree.Data, y []float64) (*Input, error) {
	if want := model.TreeLevels(tr); !slices.Equal(td.Levels, want) {
		return nil, fmt.Errorf("inputs: the rows' layout %v is not the transform's %v", td.Levels, want)
	}
	if td.Rows != len(y) || len(td.X) != td.Rows*len(td.Levels) {
		return nil, fmt.Errorf("inputs: %d targets for %d rows of %d values", len(y), td.Rows, len(td.X))
	}
	return &Input{Trees: td, Y: y, tr: tr}, nil
}

// design is the linear family's design of the rows, read from the tree
// layout: each number standardised (a missing one imputed), each level's
// indicator 1 over its deviation, exactly as features.Transform.Matrix
// writes them.
func (in *Input) design() linear.Design {
	tr, td := in.tr, in.Trees
	nNum, p := len(tr.Numeric), td.Cols()
	d := linear.Design{Rows: len(in.Y), Dense: nNum, Levels: make([][]float64, len(tr.Categorical))}
	for g, c := range tr.Categorical {
		d.Levels[g] = make([]float64, len(c.Levels))
		for l, s := range c.Scale {
			d.Levels[g][l] = 1 / s
		}
	}
	d.Row = func(i int, num []float64, lvl []int) {
		x := td.X[i*p : (i+1)*p]
		for j := range num {
			num[j] = tr.Numeric[j].Standard(x[j])
		}
		for g := range lvl {
			lvl[g] = int(x[nNum+g])
		}
	}
	return d
}

// knnWidth is the width of a kNN row: the numbers and every level.
func (in *Input) knnWidth() int { return in.tr.Width() }

// knnRow writes row i in the kNN layout (model.KNNRow's) into dst,
// knnWidth wide: the standardised numbers, then a 0/1 indicator per level.
func (in *Input) knnRow(i int, dst []float64) {
	tr, p := in.tr, in.Trees.Cols()
	x := in.Trees.X[i*p : (i+1)*p]
	nNum := len(tr.Numeric)
	for j := range nNum {
		dst[j] = tr.Numeric[j].Standard(x[j])
	}
	clear(dst[nNum:])
	k := nNum
	for g, c := range tr.Categorical {
		dst[k+int(x[nNum+g])] = 1
		k += len(c.Levels)
	}
}

// knnRows lays out the given rows for kNN, row-major.
func (in *Input) knnRows(rows []int32) []float64 {
	w := in.knnWidth()
	out := make([]float64, len(rows)*w)
	for i, r := range rows {
		in.knnRow(int(r), out[i*w:(i+1)*w])
	}
	return out
}
