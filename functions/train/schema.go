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
)

// maxSchemaBytes bounds a schema file.
const maxSchemaBytes = 8 << 20

// schemaChoice is how the run's table gets its schema: the -schema file,
// or inference steered by -target, -task, -ignore and -categorical.
func schemaChoice(ctx context.Context, cfg config) (dataset.SchemaChoice, error) {
	c := dataset.SchemaChoice{Infer: dataset.InferOptions{Target: cfg.Target, Task: cfg.Task, Ignore: cfg.Ignore, Categorical: cfg.Categorical}}
	if cfg.SchemaURI == "" {
		return c, nil
	}
	s, err := readSchema(ctx, cfg)
	if err != nil {
		return c, err
	}
	c.Schema = &s
	return c, nil
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
	choice, err := schemaChoice(ctx, cfg)
	if err != nil {
		return err
	}
	tab, s, info, err := dataset.LoadInferred(ctx, cfg.Data, choice, dataset.SourceOptions{Seed: cfg.Seed, Openers: cfg.openers})
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "data: %s (%d rows)\n", info.URI, info.Rows+tab.Dropped)
	printSchema(out, s, tab.Dropped)
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

// printSchema writes the schema as a table, one line a column: its name,
// kind, what was seen (distinct values, missing cells, range or most
// frequent levels) and the reason for the kind; then the target.
func printSchema(w io.Writer, s dataset.Schema, dropped int) {
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
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", c.Name, kind, seenText(c.Seen, c.Kind), reason)
	}
	reason := s.TargetReason
	if reason == "" {
		reason = "declared by the schema"
	}
	task := s.Task
	if task == "" {
		task = dataset.Regression
	}
	fmt.Fprintf(tw, "%s\ttarget (%s)\t%s\t%s\n", s.Target, task, seenText(s.TargetSeen, dataset.Numeric), reason)
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
	if s == nil {
		return "-"
	}
	parts := []string{strconv.Itoa(s.Distinct) + " distinct", strconv.Itoa(s.Missing) + " missing"}
	switch {
	case len(s.Levels) > 0:
		var ls []string
		for _, l := range s.Levels[:min(3, len(s.Levels))] {
			ls = append(ls, fmt.Sprintf("%s %d", clip(l.Level), l.Count))
		}
		if len(s.Levels) > 3 || s.Distinct > 3 {
			ls = append(ls, "…")
		}
		parts = append(parts, strings.Join(ls, ", "))
	case k == dataset.Numeric && s.Min != s.Max:
		parts = append(parts, strconv.FormatFloat(s.Min, 'g', 6, 64)+" to "+strconv.FormatFloat(s.Max, 'g', 6, 64))
	}
	return strings.Join(parts, ", ")
}

// clip shortens a level shown in the table.
func clip(s string) string {
	if r := []rune(s); len(r) > 20 {
		return string(r[:19]) + "…"
	}
	return s
}
