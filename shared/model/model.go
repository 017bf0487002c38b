package model

import (
	"errors"
	"fmt"
	"runtime"
	"runtime/debug"

	"github.com/studentperf/studentperf/shared/dataset"
	"github.com/studentperf/studentperf/shared/drift"
	"github.com/studentperf/studentperf/shared/ensemble"
	"github.com/studentperf/studentperf/shared/features"
	"github.com/studentperf/studentperf/shared/knn"
	"github.com/studentperf/studentperf/shared/linear"
)

// Format is the version of the model.json layout this package writes and
// reads.
const Format = 1

// Model is a trained predictor.
type Model struct {
	Format     int                 `json:"format"`
	Name       string              `json:"name"`
	Target     string              `json:"target"`
	Features   []Feature           `json:"features"`
	Transform  *features.Transform `json:"transform"`
	Estimator  Estimator           `json:"estimator"`
	Provenance Provenance          `json:"provenance"`
	// Training is the training data's distribution of every feature, which
	// served inputs are compared with; nil in models trained before it.
	Training *drift.Baseline `json:"training,omitempty"`

	pred linearPredictor // compiled by init
}

// Feature is one input field in the schema order of the training data.
type Feature struct {
	Name string `json:"name"`
	Kind string `json:"kind"` // "category" or "score"
}

// Estimator is the fitted regressor: exactly one of Linear, Trees and
// KNN. A linear model encodes as before the other members existed, so
// format 1 files still decode and a linear model's bytes are unchanged.
type Estimator struct {
	Name   string             `json:"name"`
	Family string             `json:"family"`
	Params map[string]float64 `json:"params"`
	Linear *linear.Linear     `json:"linear,omitempty"`
	// Trees read the TreeData layout: raw scores, then level indices.
	Trees *ensemble.Ensemble `json:"trees,omitempty"`
	// KNN reads the KNNRow layout: standardised scores, then 0/1
	// indicators per level (unscaled, so that a category counts as much
	// as about one standard deviation of a score).
	KNN *knn.Model `json:"knn,omitempty"`
}

// Provenance is what is needed to reproduce the model.
type Provenance struct {
	Seed         uint64            `json:"seed"`
	Data         DataInfo          `json:"data"`
	TestData     *DataInfo         `json:"test_data,omitempty"`
	TestFraction float64           `json:"test_fraction,omitempty"`
	Folds        int               `json:"folds"`
	Program      string            `json:"program"` // module version and VCS revision of the trainer
	Go           string            `json:"go"`
	Modules      map[string]string `json:"modules"` // numeric dependencies and their versions
}

// DataInfo identifies a data set by its bytes.
type DataInfo struct {
	URI    string `json:"uri"`
	Rows   int    `json:"rows"`
	SHA256 string `json:"sha256"`
}

// New assembles a model from its fitted parts and fills in the build
// provenance (program, Go and module versions).
func New(name string, s dataset.Schema, tr *features.Transform, est Estimator, prov Provenance) (*Model, error) {
	m := &Model{Format: Format, Name: name, Target: s.Target, Transform: tr, Estimator: est, Provenance: prov}
	for _, c := range s.Features {
		m.Features = append(m.Features, Feature{Name: c.Name, Kind: c.Kind.String()})
	}
	m.Provenance.Program, m.Provenance.Go, m.Provenance.Modules = buildVersions()
	if err := m.init(); err != nil {
		return nil, fmt.Errorf("new model: %w", err)
	}
	return m, nil
}

// buildVersions reads the trainer's own version and its numeric
// dependencies from the build information.
func buildVersions() (program, goVersion string, modules map[string]string) {
	modules = map[string]string{}
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return "unknown", runtime.Version(), modules
	}
	program = info.Main.Path + "@" + info.Main.Version
	for _, s := range info.Settings {
		if s.Key == "vcs.revision" {
			program += "+" + s.Value
		}
		if s.Key == "vcs.modified" && s.Value == "true" {
			program += "-dirty"
		}
	}
	for _, d := range info.Deps {
		if d.Path == "gonum.org/v1/gonum" {
			modules[d.Path] = d.Version
		}
	}
	return program, info.GoVersion, modules
}

// init checks that the parts fit together and compiles the predictor.
func (m *Model) init() error {
	if m.Format != Format {
		return fmt.Errorf("format %d is not supported (want %d)", m.Format, Format)
	}
	if m.Name == "" {
		return errors.New("model has no name")
	}
	if m.Transform == nil {
		return errors.New("model has no transform")
	}
	if err := m.Transform.Init(); err != nil {
		return fmt.Errorf("transform: %w", err)
	}
	var nCat, nNum int
	for _, f := range m.Features {
		switch f.Kind {
		case dataset.Category.String():
			if nCat >= len(m.Transform.Categorical) || m.Transform.Categorical[nCat].Name != f.Name {
				return fmt.Errorf("feature %q does not match the transform", f.Name)
			}
			nCat++
		case dataset.Score.String():
			if nNum >= len(m.Transform.Numeric) || m.Transform.Numeric[nNum].Name != f.Name {
				return fmt.Errorf("feature %q does not match the transform", f.Name)
			}
			nNum++
		default:
			return fmt.Errorf("feature %q has unknown kind %q", f.Name, f.Kind)
		}
	}
	if nCat != len(m.Transform.Categorical) || nNum != len(m.Transform.Numeric) {
		return errors.New("features and transform differ")
	}
	if m.Training != nil {
		if err := m.Training.Check(m.Schema(), m.Transform); err != nil {
			return fmt.Errorf("training baseline: %w", err)
		}
	}
	return m.compile()
}

// Schema returns the dataset schema the model reads.
func (m *Model) Schema() dataset.Schema {
	s := dataset.Schema{Target: m.Target}
	for _, f := range m.Features {
		k := dataset.Category
		if f.Kind == dataset.Score.String() {
			k = dataset.Score
		}
		s.Features = append(s.Features, dataset.Column{Name: f.Name, Kind: k})
	}
	return s
}
