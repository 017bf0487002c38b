package model

import (
	"encoding/json"
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

// Format is the version of the model.json layout this package writes. It
// reads format 1 too: a student model from before schemas travelled in the
// model, whose schema is then dataset.Students.
const Format = 2

// Model is a trained predictor.
type Model struct {
	Format   int       `json:"format"`
	Name     string    `json:"name"`
	Target   string    `json:"target"`
	Features []Feature `json:"features"`
	// Input is the schema the model reads and enforces (format 2), and
	// SchemaSHA256 the hex sha256 of its JSON encoding.
	Input        *dataset.Schema     `json:"schema,omitempty"`
	SchemaSHA256 string              `json:"schema_sha256,omitempty"`
	Transform    *features.Transform `json:"transform"`
	Estimator    Estimator           `json:"estimator"`
	Provenance   Provenance          `json:"provenance"`
	// Training is the training data's distribution of every feature, which
	// served inputs are compared with; nil in models trained before it.
	Training *drift.Baseline `json:"training,omitempty"`

	pred linearPredictor // compiled by init
}

// Feature is one input field in the schema order of the training data.
type Feature struct {
	Name string `json:"name"`
	Kind string `json:"kind"` // "category" or "numeric" ("score" in format 1)
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
	// Dropped counts the rows left out for having no target value.
	Dropped int `json:"dropped,omitempty"`
}

// New assembles a model from its fitted parts and fills in the build
// provenance (program, Go and module versions).
func New(name string, s dataset.Schema, tr *features.Transform, est Estimator, prov Provenance) (*Model, error) {
	m := &Model{Format: Format, Name: name, Target: s.Target, Transform: tr, Estimator: est, Provenance: prov}
	for _, c := range s.Features {
		m.Features = append(m.Features, Feature{Name: c.Name, Kind: c.Kind.String()})
	}
	if len(s.Columns) == 0 {
		s.Columns = s.Features
	}
	if s.Task == "" {
		s.Task = dataset.Regression
	}
	m.Input = &s
	sum, err := schemaSum(s)
	if err != nil {
		return nil, fmt.Errorf("new model: %w", err)
	}
	m.SchemaSHA256 = sum
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

// schemaSum is the hex sha256 of a schema's JSON encoding.
func schemaSum(s dataset.Schema) (string, error) {
	b, err := json.Marshal(s)
	if err != nil {
		return "", fmt.Errorf("schema: %w", err)
	}
	return Sum(b), nil
}

// init checks that the parts fit together and compiles the predictor.
func (m *Model) init() error {
	switch {
	case m.Format == 1 && m.Input == nil:
		s := dataset.Students // the only schema format 1 models were trained in
		m.Input = &s
	case m.Format != Format:
		return fmt.Errorf("format %d is not supported (want %d)", m.Format, Format)
	case m.Input == nil:
		return errors.New("model has no schema")
	default:
		sum, err := schemaSum(*m.Input)
		if err != nil {
			return err
		}
		if sum != m.SchemaSHA256 {
			return fmt.Errorf("schema: sha256 %s does not match schema_sha256 %s", sum, m.SchemaSHA256)
		}
	}
	if m.Name == "" {
		return errors.New("model has no name")
	}
	if m.Input.Target != m.Target {
		return fmt.Errorf("schema target %q is not the model's target %q", m.Input.Target, m.Target)
	}
	if m.Transform == nil {
		return errors.New("model has no transform")
	}
	if err := m.Transform.Init(); err != nil {
		return fmt.Errorf("transform: %w", err)
	}
	if err := m.checkFeatures(); err != nil {
		return err
	}
	if err := m.Transform.Bind(*m.Input); err != nil {
		return fmt.Errorf("transform: %w", err)
	}
	if m.Training != nil {
		if err := m.Training.Check(m.Schema(), m.Transform); err != nil {
			return fmt.Errorf("training baseline: %w", err)
		}
	}
	return m.compile()
}

// checkFeatures checks that the feature list, the schema's features and
// the transform's columns agree, in order within each kind.
func (m *Model) checkFeatures() error {
	if len(m.Features) != len(m.Input.Features) {
		return fmt.Errorf("%d features, the schema has %d", len(m.Features), len(m.Input.Features))
	}
	var nCat, nNum int
	for i, f := range m.Features {
		c := m.Input.Features[i]
		if c.Name != f.Name {
			return fmt.Errorf("feature %q is %q in the schema", f.Name, c.Name)
		}
		switch {
		case f.Kind == dataset.Category.String() && c.Kind == dataset.Category:
			if nCat >= len(m.Transform.Categorical) || m.Transform.Categorical[nCat].Name != f.Name {
				return fmt.Errorf("feature %q does not match the transform", f.Name)
			}
			nCat++
		case (f.Kind == dataset.Numeric.String() || f.Kind == "score") && c.Kind == dataset.Numeric:
			if nNum >= len(m.Transform.Numeric) || m.Transform.Numeric[nNum].Name != f.Name {
				return fmt.Errorf("feature %q does not match the transform", f.Name)
			}
			nNum++
		default:
			return fmt.Errorf("feature %q has kind %q, the schema %v", f.Name, f.Kind, c.Kind)
		}
	}
	if nCat != len(m.Transform.Categorical) || nNum != len(m.Transform.Numeric) {
		return errors.New("features and transform differ")
	}
	for i := range m.Features {
		m.Features[i].Kind = m.Input.Features[i].Kind.String() // format 1's "score" reads as "numeric"
	}
	return nil
}

// Schema returns the schema the model reads and enforces.
func (m *Model) Schema() dataset.Schema { return *m.Input }
