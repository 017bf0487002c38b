package dataset

import (
	"bytes"
	_ "embed" // for go:embed
)

//go:generate go run ./internal/gensample -o sample.csv

// sampleCSV is Generate(w, 1000, 1); TestSampleIsGenerated keeps it so.
//
//go:embed sample.csv
var sampleCSV []byte

// Sample returns a copy of the embedded sample data: 1000 synthetic rows in
// the Students schema, the output of Generate with n 1000 and seed 1. It is
// what the data URI "sample" opens.
func Sample() []byte { return bytes.Clone(sampleCSV) }
