package main

import (
	"bytes"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/studentperf/studentperf/shared/features"
	"github.com/studentperf/studentperf/shared/testkit/modeltest"
)

// TestMissingLevelIsNoChoice: a model whose category had missing cells in
// training has a missing level, which the form's list, GET /model's
// allowed values and an error's allowed values do not offer; a record
// with the category missing is answered.
func TestMissingLevelIsNoChoice(t *testing.T) {
	data := modeltest.GenericCSV(200, 3, false)
	lines := bytes.Split(data, []byte("\n"))
	for i := 1; i < len(lines); i += 7 { // every 7th row: no grade
		lines[i] = bytes.Replace(lines[i], []byte(",good,"), []byte(",,"), 1)
		lines[i] = bytes.Replace(lines[i], []byte(",fair,"), []byte(",,"), 1)
		lines[i] = bytes.Replace(lines[i], []byte(",excellent,"), []byte(",,"), 1)
	}
	m, _ := modeltest.FitInferred(t, "price", bytes.Join(lines, []byte("\n")), modeltest.GenericTarget, "zip")
	var grade *features.Categorical
	for i := range m.Transform.Categorical {
		if m.Transform.Categorical[i].Name == "grade" {
			grade = &m.Transform.Categorical[i]
		}
	}
	require.NotNil(t, grade)
	require.Equal(t, []string{"excellent", "fair", "good", "(missing)"}, grade.Levels)

	assert.Equal(t, []string{"excellent", "fair", "good"}, formLevels(m.Transform, "grade"))
	for _, f := range schemaFields(m) {
		if f.Name == "grade" {
			assert.Equal(t, []string{"excellent", "fair", "good"}, f.Allowed)
		}
	}
	row := features.Row{Cat: make([]string, len(m.Transform.Categorical)), Num: []float64{5, 40}}
	for i, c := range m.Transform.Categorical {
		row.Cat[i] = c.Levels[0]
	}
	for i, c := range m.Transform.Categorical {
		if c.Name == "grade" {
			row.Cat[i] = ""
		}
	}
	_, err := m.Predict(row)
	assert.NoError(t, err, "a missing grade reads as the missing level")
}
