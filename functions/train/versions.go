package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"text/tabwriter"
	"time"

	"github.com/studentperf/studentperf/shared/dataset"
	"github.com/studentperf/studentperf/shared/model"
	"github.com/studentperf/studentperf/shared/modelstore"
)

// versionStore is what train versions and train rollback need of a store.
type versionStore interface {
	Current(ctx context.Context, name string) (modelstore.Pointer, error)
	Versions(ctx context.Context, name string) ([]string, error)
	ReadFile(ctx context.Context, name, version, file string) ([]byte, error)
	SetCurrent(ctx context.Context, name string, p modelstore.Pointer, prev string) error
}

// versionInfo is one line of train versions.
type versionInfo struct {
	Version  string    `json:"version"`
	Created  time.Time `json:"created"`
	Selected string    `json:"selected,omitempty"`
	TestR2   *float64  `json:"test_r2,omitempty"`
	Current  bool      `json:"current"`
	// Target, Task, Features and SchemaSHA256 describe the version's
	// schema, from its model.json: what it predicts, how many features it
	// reads, and the sha256 of the schema's JSON.
	Target       string `json:"target,omitempty"`
	Task         string `json:"task,omitempty"`
	Features     int    `json:"features,omitempty"`
	SchemaSHA256 string `json:"schema_sha256,omitempty"`
}

// versionSchema is what train versions reads of a model.json.
type versionSchema struct {
	Target   string          `json:"target"`
	Features []model.Feature `json:"features"`
	Schema   *struct {
		Task string `json:"task"`
	} `json:"schema"`
	SchemaSHA256 string `json:"schema_sha256"`
}

// readVersionSchema fills in what v's model.json says of its schema. A model
// without a schema (format 1) was trained on the student data, in
// dataset.Students. A model.json that cannot be read leaves v as it was:
// the list shows what it can, and rollback verifies before it acts.
func readVersionSchema(ctx context.Context, s versionStore, name string, v *versionInfo) {
	b, err := s.ReadFile(ctx, name, v.Version, "model.json")
	if err != nil {
		return
	}
	var vs versionSchema
	if json.Unmarshal(b, &vs) != nil {
		return
	}
	v.Target, v.Features, v.SchemaSHA256, v.Task = vs.Target, len(vs.Features), vs.SchemaSHA256, dataset.Regression
	if vs.Schema != nil && vs.Schema.Task != "" {
		v.Task = vs.Schema.Task
	}
	if vs.Schema == nil && v.SchemaSHA256 == "" {
		if sb, err := json.Marshal(dataset.Students); err == nil {
			v.SchemaSHA256 = model.Sum(sb)
		}
	}
}

// listVersions returns the complete versions of name, newest first, with
// what each one's metrics.json says.
func listVersions(ctx context.Context, s versionStore, name string) ([]versionInfo, error) {
	vs, err := s.Versions(ctx, name)
	if err != nil {
		return nil, fmt.Errorf("versions: %w", err)
	}
	cur, err := s.Current(ctx, name)
	if err != nil && !errors.Is(err, modelstore.ErrNotFound) {
		return nil, fmt.Errorf("versions: %w", err)
	}
	out := make([]versionInfo, 0, len(vs))
	for _, v := range slices.Backward(vs) {
		info := versionInfo{Version: v, Created: versionTime(v), Current: v == cur.Version}
		if m, err := readMetrics(ctx, s, name, v); err == nil {
			r2 := m.Test.R2
			info.Selected, info.TestR2 = m.Selected, &r2
		}
		readVersionSchema(ctx, s, name, &info)
		out = append(out, info)
	}
	return out, nil
}

// versionTime is the creation time a version's name begins with (see
// modelstore.NewVersion); zero for a name of another form.
func versionTime(v string) time.Time {
	const layout = "20060102T150405.000000000Z"
	if len(v) < len(layout) {
		return time.Time{}
	}
	t, err := time.Parse(layout, v[:len(layout)])
	if err != nil {
		return time.Time{}
	}
	return t
}

func readMetrics(ctx context.Context, s versionStore, name, version string) (*model.Metrics, error) {
	b, err := s.ReadFile(ctx, name, version, "metrics.json")
	if err != nil {
		return nil, err
	}
	var m model.Metrics
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, fmt.Errorf("version %s: metrics.json: %w", version, err)
	}
	return &m, nil
}

// printVersions writes the table of train versions: `*` marks the
// current version.
func printVersions(out io.Writer, vs []versionInfo) error {
	tw := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "  VERSION\tCREATED\tSCHEMA\tSELECTED\tTEST R²")
	for _, v := range vs {
		mark, r2, created, schema := " ", "-", "-", "-"
		if v.Current {
			mark = "*"
		}
		if v.TestR2 != nil {
			r2 = fmt.Sprintf("%.4f", *v.TestR2)
		}
		if !v.Created.IsZero() {
			created = v.Created.Format(time.RFC3339)
		}
		if v.Target != "" {
			schema = fmt.Sprintf("%s (%d features)", v.Target, v.Features)
		}
		fmt.Fprintf(tw, "%s %s\t%s\t%s\t%s\t%s\n", mark, v.Version, created, schema, orDash(v.Selected), r2)
	}
	return tw.Flush()
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// rollbackResult is the answer of train rollback.
type rollbackResult struct {
	RolledBack bool   `json:"rolled_back"`
	From       string `json:"from"`
	To         string `json:"to"`
	SHA256     string `json:"sha256"`
}

// errRollback reports a rollback that cannot be done as asked.
var errRollback = errors.New("train: rollback")

// rollback points current.json of name at version to, or by default at
// the newest complete version older than the current one. The target's
// model.json is verified first: its sha256 against the one its push
// recorded, and a full request. The write is conditional on current.json
// being what was read, like a push.
func rollback(ctx context.Context, s versionStore, name, to string) (*rollbackResult, error) {
	cur, err := s.Current(ctx, name)
	if errors.Is(err, modelstore.ErrNotFound) {
		return nil, fmt.Errorf("%w: model %q has no current version to roll back from", errRollback, name)
	}
	if err != nil {
		return nil, fmt.Errorf("rollback: %w", err)
	}
	vs, err := s.Versions(ctx, name)
	if err != nil {
		return nil, fmt.Errorf("rollback: %w", err)
	}
	switch {
	case to == "":
		for _, v := range slices.Backward(vs) {
			if v < cur.Version {
				to = v
				break
			}
		}
		if to == "" {
			return nil, fmt.Errorf("%w: no complete version older than the current %s", errRollback, cur.Version)
		}
	case to == cur.Version:
		return nil, fmt.Errorf("%w: %s is already the current version", errRollback, to)
	case !slices.Contains(vs, to):
		return nil, fmt.Errorf("%w: no complete version %q of model %q (see train versions)", errRollback, to, name)
	}
	b, err := s.ReadFile(ctx, name, to, "model.json")
	if err != nil {
		return nil, fmt.Errorf("rollback: %w", err)
	}
	sha := model.Sum(b)
	m, merr := readMetrics(ctx, s, name, to)
	if merr == nil && m.Push != nil && m.Push.ModelSHA256 != "" && m.Push.ModelSHA256 != sha {
		return nil, fmt.Errorf("%w: version %s fails verification: model.json has sha256 %s, its push recorded %s", errRollback, to, sha, m.Push.ModelSHA256)
	}
	if _, err := model.Load(b, sha); err != nil {
		return nil, fmt.Errorf("%w: version %s fails verification: %v", errRollback, to, err)
	}
	p := modelstore.Pointer{Version: to, SHA256: sha, Model: name, Created: versionTime(to)}
	if merr == nil {
		r2 := m.Test.R2
		p.Selected, p.TestR2 = m.Selected, &r2
	}
	if err := s.SetCurrent(ctx, name, p, cur.Rev); err != nil {
		return nil, fmt.Errorf("rollback: %w", err)
	}
	return &rollbackResult{RolledBack: true, From: cur.Version, To: to, SHA256: sha}, nil
}
