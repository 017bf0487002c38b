package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/studentperf/studentperf/shared/dataset"
	"github.com/studentperf/studentperf/shared/modelstore"
)

// maxSchemaBytes bounds a schema file.
const maxSchemaBytes = 8 << 20

// schemaChoice is how the run's table gets its schema: the -schema file
// (read by withSchemaFile), or inference steered by -target, -task,
// -ignore and -categorical.
func schemaChoice(cfg config) dataset.SchemaChoice {
	return dataset.SchemaChoice{Schema: cfg.schema, Infer: dataset.InferOptions{Target: cfg.Target, Task: cfg.Task, Ignore: cfg.Ignore, Categorical: cfg.Categorical}}
}

// withSchemaFile reads the -schema file, when there is one, into cfg;
// without -target the file's target is the run's, and names the model
// unless -model did (the same default as -target gives).
func withSchemaFile(ctx context.Context, cfg config) (config, error) {
	if cfg.SchemaURI == "" || cfg.schema != nil {
		return cfg, nil
	}
	s, err := readSchema(ctx, cfg)
	if err != nil {
		return cfg, err
	}
	cfg.schema = &s
	if cfg.Target == "" {
		cfg.Target = s.Target
		if !cfg.modelSet {
			cfg.Model = defaultModelName(s.Target)
			if err := modelstore.CheckName("model", cfg.Model); err != nil {
				return cfg, fmt.Errorf("%w: schema %s: target %q: %w (name the model with -model)", dataset.ErrInvalid, cfg.SchemaURI, s.Target, err)
			}
		}
	}
	return cfg, nil
}

// readSchema reads and checks the -schema file.
func readSchema(ctx context.Context, cfg config) (dataset.Schema, error) {
	rc, err := dataset.Open(ctx, cfg.SchemaURI, dataset.SourceOptions{Openers: cfg.openers})
	if err != nil {
		return dataset.Schema{}, fmt.Errorf("schema %s: %w", cfg.SchemaURI, err)
	}
	defer rc.Close()
	b, err := io.ReadAll(io.LimitReader(rc, maxSchemaBytes+1))
	if err != nil {
		return dataset.Schema{}, fmt.Errorf("schema %s: %w", cfg.SchemaURI, err)
	}
	if len(b) > maxSchemaBytes {
		return dataset.Schema{}, fmt.Errorf("%w: schema %s is larger than %d bytes", dataset.ErrInvalid, cfg.SchemaURI, maxSchemaBytes)
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	var s dataset.Schema
	if err := dec.Decode(&s); err != nil {
		return dataset.Schema{}, fmt.Errorf("%w: schema %s: %w", dataset.ErrInvalid, cfg.SchemaURI, err)
	}
	switch {
	case s.Target == "":
		return dataset.Schema{}, fmt.Errorf("%w: schema %s names no target", dataset.ErrInvalid, cfg.SchemaURI)
	case cfg.Target != "" && cfg.Target != s.Target:
		return dataset.Schema{}, fmt.Errorf("%w: schema %s is for target %q, not -target %q", dataset.ErrInvalid, cfg.SchemaURI, s.Target, cfg.Target)
	case len(s.Features) == 0:
		return dataset.Schema{}, fmt.Errorf("%w: schema %s has no feature column", dataset.ErrInvalid, cfg.SchemaURI)
	case s.Task == dataset.Classification:
		return dataset.Schema{}, fmt.Errorf("%w: schema %s: classification is not supported by this version yet", dataset.ErrTask, cfg.SchemaURI)
	}
	return s, nil
}

// schemaCommand is train schema: it settles the data's schema as a run
// would, prints it and, with -out, writes it as JSON.
func schemaCommand(ctx context.Context, cfg config, out io.Writer) error {
	cfg, err := withSchemaFile(ctx, cfg)
	if err != nil {
		return err
	}
	tab, s, info, err := dataset.LoadInferred(ctx, cfg.Data, schemaChoice(cfg), dataset.SourceOptions{Seed: cfg.Seed, Openers: cfg.openers})
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "data: %s (%d rows)\n", info.URI, info.Rows+tab.Dropped)
	printSchema(out, s, cfg.SchemaURI, dataset.Describe(tab), tab.Dropped)
	if cfg.SchemaOut == "" {
		return nil
	}
	b, err := json.MarshalIndent(s, "", "  ")
	if err != nil {
		return fmt.Errorf("schema: %w", err)
	}
	if err := writeFileAtomic(cfg.SchemaOut, append(b, '\n')); err != nil {
		return fmt.Errorf("schema: %w", err)
	}
	fmt.Fprintf(out, "wrote %s: edit it and pass it back with train run -schema %s\n", cfg.SchemaOut, cfg.SchemaOut)
	return nil
}

// writeFileAtomic writes data to path through a temporary file in the
// same directory, so path is either the old file or the whole new one.
func writeFileAtomic(path string, data []byte) error {
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*")
	if err != nil {
		return err
	}
	defer os.Remove(f.Name())
	if _, err := f.Write(data); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	return os.Rename(f.Name(), path)
}

// printSchema writes the schema as a table (after the schema file's
// name, when the schema came from one), one line a column: its name,
// kind, what was seen (distinct values, missing cells, range or most
// frequent levels) and the reason for the kind; then the target. A
// column the schema does not say what was seen of (the student schema, a
// schema file without it) shows what st, the table's description, saw.
func printSchema(w io.Writer, s dataset.Schema, file string, st dataset.Stats, dropped int) {
	if file != "" {
		fmt.Fprintf(w, "schema: %s (the kinds are the file's; a reason is what inference said when the file was written)\n", file)
	}
	described := make(map[string]dataset.ColumnStats, len(st.Columns))
	for _, c := range st.Columns {
		described[c.Name] = c
	}
	seen := func(name string, sn *dataset.Seen, k dataset.Kind) string {
		if sn != nil {
			return seenText(sn, k)
		}
		if c, ok := described[name]; ok {
			return statsText(c)
		}
		return "-"
	}
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "column\tkind\tseen\treason")
	cols := s.Columns
	if len(cols) == 0 {
		cols = s.Features
	}
	for _, c := range cols {
		reason := c.Reason
		if reason == "" {
			reason = "declared by the schema"
		}
		kind := c.Kind.String()
		if c.Kind == dataset.Numeric && c.BoundsText() != "" {
			kind += " [" + c.BoundsText() + "]"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", c.Name, kind, seen(c.Name, c.Seen, c.Kind), reason)
	}
	reason := s.TargetReason
	if reason == "" {
		reason = "declared by the schema"
	}
	task := s.Task
	if task == "" {
		task = dataset.Regression
	}
	fmt.Fprintf(tw, "%s\ttarget (%s)\t%s\t%s\n", s.Target, task, seen(s.Target, s.TargetSeen, dataset.Numeric), reason)
	tw.Flush()
	n := len(s.Features)
	fmt.Fprintf(w, "%d features", n)
	if dropped > 0 {
		fmt.Fprintf(w, "; %d rows without a %s value dropped", dropped, s.Target)
	}
	fmt.Fprintln(w)
}

// seenText is the "seen" cell of a schema line.
func seenText(s *dataset.Seen, k dataset.Kind) string {
	parts := []string{strconv.Itoa(s.Distinct) + " distinct", strconv.Itoa(s.Missing) + " missing"}
	switch {
	case len(s.Levels) > 0:
		parts = append(parts, levelsText(s.Levels, s.Distinct))
	case k == dataset.Numeric && s.Min != s.Max:
		parts = append(parts, rangeText(s.Min, s.Max))
	}
	return strings.Join(parts, ", ")
}

// statsText is the "seen" cell of a column from the table's description:
// a category's levels, a number's range (a date part's, as read).
func statsText(c dataset.ColumnStats) string {
	if c.Kind == dataset.Category {
		return strings.Join([]string{strconv.Itoa(len(c.Counts)) + " distinct", strconv.Itoa(c.Missing) + " missing", levelsText(c.Counts, len(c.Counts))}, ", ")
	}
	parts := []string{strconv.Itoa(c.Missing) + " missing"}
	if c.Min == c.Min && c.Min != c.Max { // not NaN: some value present
		parts = append(parts, rangeText(c.Min, c.Max))
	}
	return strings.Join(parts, ", ")
}

// levelsText shows the three most frequent of distinct levels.
func levelsText(levels []dataset.LevelCount, distinct int) string {
	var ls []string
	for _, l := range levels[:min(3, len(levels))] {
		ls = append(ls, fmt.Sprintf("%s %d", clip(l.Level), l.Count))
	}
	if len(levels) > 3 || distinct > 3 {
		ls = append(ls, "…")
	}
	return strings.Join(ls, ", ")
}

func rangeText(lo, hi float64) string {
	return strconv.FormatFloat(lo, 'g', 6, 64) + " to " + strconv.FormatFloat(hi, 'g', 6, 64)
}

// clip shortens a level shown in the table.
func clip(s string) string {
	if r := []rune(s); len(r) > 16 {
		return string(r[:15]) + "…"
	}
	return s
}
