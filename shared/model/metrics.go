package model

import (
	"github.com/studentperf/studentperf/shared/dataset"
	"github.com/studentperf/studentperf/shared/metrics"
)

// Metrics is metrics.json: how a version was chosen and how it scored.
type Metrics struct {
	Selected   string             `json:"selected"`
	Test       metrics.Regression `json:"test"`
	Train      metrics.Regression `json:"train"`
	CV         CV                 `json:"cv"`
	Candidates []Candidate        `json:"candidates"`
	Data       DataInfo           `json:"data"`
	TestData   *DataInfo          `json:"test_data,omitempty"`
	Seed       uint64             `json:"seed"`
	Stats      dataset.Stats      `json:"stats"`
	Push       *PushInfo          `json:"push,omitempty"`
}

// CV summarises the selected candidate's cross-validation.
type CV struct {
	Folds  int     `json:"folds"`
	R2Mean float64 `json:"r2_mean"`
	R2Std  float64 `json:"r2_std"`
}

// Candidate is one searched configuration.
type Candidate struct {
	Name       string             `json:"name"`
	Family     string             `json:"family"`
	Params     map[string]float64 `json:"params"`
	CVR2Mean   float64            `json:"cv_r2_mean"`
	CVR2Std    float64            `json:"cv_r2_std"`
	FoldR2     []float64          `json:"fold_r2"`
	FitSeconds float64            `json:"fit_seconds"`
	Skipped    string             `json:"skipped,omitempty"` // why the search could not score it (search.Result.Skipped)
}

// PushInfo records the comparison with the model that was current when
// this one was pushed.
type PushInfo struct {
	PreviousVersion string   `json:"previous_version,omitempty"`
	PreviousTestR2  *float64 `json:"previous_test_r2,omitempty"`
	Reason          string   `json:"reason"`
	// ModelSHA256 is the sha256 of the version's model.json, so that a
	// rollback can verify the bytes before pointing at them.
	ModelSHA256 string `json:"model_sha256,omitempty"`
}
