package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/csv"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io/fs"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/studentperf/studentperf/shared/cli"
	"github.com/studentperf/studentperf/shared/dataset"
	"github.com/studentperf/studentperf/shared/model"
	"github.com/studentperf/studentperf/shared/modelstore"
)

// houses writes n generated rows of a table that is not the student data:
// a price that depends on the area, the rooms and the district, beside
// columns of every kind inference tells apart. It returns the path.
func houses(t testing.TB, n int, seed uint64) string {
	t.Helper()
	r := rand.New(rand.NewPCG(seed, 18))
	var b bytes.Buffer
	w := csv.NewWriter(&b)
	require.NoError(t, w.Write([]string{"id", "area", "rooms", "district", "garden", "listed", "note", "unit", "k", "price"}))
	districts := []string{"north", "south", "east", "west", "centre"}
	day0 := time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := range n {
		area := 20 + r.Float64()*80
		rooms := 1 + r.IntN(6)
		d := r.IntN(len(districts))
		price := 0.5*area + 3*float64(rooms) + 5*float64(d) + r.NormFloat64()*3
		require.NoError(t, w.Write([]string{
			fmt.Sprintf("h%05d", i), strconv.FormatFloat(area, 'f', 1, 64), strconv.Itoa(rooms), districts[d],
			[]string{"yes", "no"}[r.IntN(2)], day0.AddDate(0, 0, r.IntN(1500)).Format("2006-01-02"),
			fmt.Sprintf("viewed %d times by %d people", r.IntN(100000), r.IntN(1000)), "m2", "7",
			strconv.FormatFloat(price, 'f', 2, 64),
		}))
	}
	w.Flush()
	require.NoError(t, w.Error())
	path := filepath.Join(t.TempDir(), "houses.csv")
	require.NoError(t, os.WriteFile(path, b.Bytes(), 0o644))
	return path
}

// tree maps every path under root, folders included, to the sha256 of its
// content: equal trees are byte for byte the same store.
func tree(t testing.TB, root string) map[string]string {
	t.Helper()
	out := map[string]string{}
	require.NoError(t, filepath.WalkDir(root, func(p string, e fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, p)
		if e.IsDir() {
			out[rel] = "dir"
			return nil
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		s := sha256.Sum256(b)
		out[rel] = hex.EncodeToString(s[:])
		return nil
	}))
	return out
}

// modelOf loads the current model called name from a directory store.
func modelOf(t testing.TB, store, name string) (*model.Model, []byte) {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(store, name, "current.json"))
	require.NoError(t, err)
	p, err := modelstore.DecodePointer(b)
	require.NoError(t, err)
	data, err := os.ReadFile(filepath.Join(store, name, "versions", p.Version, "model.json"))
	require.NoError(t, err)
	m, err := model.Load(data, p.SHA256)
	require.NoError(t, err)
	return m, data
}

func featureNames(s dataset.Schema) []string {
	var out []string
	for _, f := range s.Features {
		out = append(out, f.Name)
	}
	return out
}

func mustRead(t testing.TB, path string) *bytes.Reader {
	t.Helper()
	b, err := os.ReadFile(path)
	require.NoError(t, err)
	return bytes.NewReader(b)
}

// lineOf returns the line of out that starts with the column name.
func lineOf(t testing.TB, out, name string) string {
	t.Helper()
	for _, l := range strings.Split(out, "\n") {
		if strings.HasPrefix(l, name+" ") {
			return l
		}
	}
	t.Fatalf("no line for %q in:\n%s", name, out)
	return ""
}

// TestSchemaCommandRoundTrip: train schema prints one line a column with
// its kind, what was seen and the reason; -out writes JSON that train run
// -schema accepts, giving the model -target gives; an edited file is
// honoured.
func TestSchemaCommandRoundTrip(t *testing.T) {
	data := houses(t, 300, 1)
	file := filepath.Join(t.TempDir(), "schema.json")
	out, err := runTrain(t, env(), "schema", "-data", data, "-target", "price")
	require.NoError(t, err, out)
	s, err := dataset.Infer(mustRead(t, data), dataset.InferOptions{Target: "price"})
	require.NoError(t, err)

	kinds := map[string]string{"id": "ignored", "area": "numeric", "rooms": "numeric", "district": "category",
		"garden": "category", "listed": "date", "note": "ignored", "unit": "ignored", "k": "ignored"}
	require.Len(t, s.Columns, len(kinds))
	for _, c := range s.Columns {
		assert.Equal(t, kinds[c.Name], c.Kind.String(), c.Name)
		line := lineOf(t, out, c.Name)
		assert.Contains(t, line, " "+c.Kind.String()+" ", c.Name)
		assert.Contains(t, line, c.Reason, c.Name)
		assert.Contains(t, line, strconv.Itoa(c.Seen.Missing)+" missing", c.Name)
	}
	assert.Contains(t, lineOf(t, out, "area"), "every value is a number")
	assert.Contains(t, lineOf(t, out, "district"), "5 distinct")
	assert.Contains(t, lineOf(t, out, "listed"), "listed.year")
	assert.Contains(t, lineOf(t, out, "price"), "target (regression)")
	assert.Contains(t, out, "8 features") // area, rooms, district, garden, 4 date parts

	out, err = runTrain(t, env(), "schema", "-data", data, "-target", "price", "-out", file)
	require.NoError(t, err, out)
	b, err := os.ReadFile(file)
	require.NoError(t, err)
	require.NoError(t, json.Unmarshal(b, &s), "the -out file is a schema")
	assert.Equal(t, "price", s.Target)

	// The file trains the model -target trains, byte for byte; the model's
	// name is the file's target's, though no -target was given.
	inferred, fromFile := t.TempDir(), t.TempDir()
	out, err = runTrain(t, env(), "-store", inferred, "-data", data, "-target", "price", "-families", "linear")
	require.NoError(t, err, out)
	out, err = runTrain(t, env(), "-store", fromFile, "-data", data, "-schema", file, "-families", "linear")
	require.NoError(t, err, out)
	m, want := modelOf(t, inferred, "price")
	_, got := modelOf(t, fromFile, "price")
	assert.Equal(t, string(want), string(got), "the schema file round trip changed the model")
	assert.Equal(t, featureNames(s), featureNames(m.Schema()))

	// An edited file: district switched to ignored.
	var raw map[string]any
	require.NoError(t, json.Unmarshal(b, &raw))
	for _, c := range raw["columns"].([]any) {
		if c := c.(map[string]any); c["name"] == "district" {
			c["kind"] = "ignored"
		}
	}
	edited := filepath.Join(t.TempDir(), "edited.json")
	eb, err := json.Marshal(raw)
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(edited, eb, 0o644))
	store := t.TempDir()
	out, err = runTrain(t, env(), "-store", store, "-data", data, "-schema", edited, "-families", "linear")
	require.NoError(t, err, out)
	assert.Contains(t, lineOf(t, out, "district"), " ignored ")
	assert.Contains(t, out, "schema: "+edited+" (the kinds are the file's")
	m, _ = modelOf(t, store, "price")
	assert.NotContains(t, featureNames(m.Schema()), "district")
	assert.Len(t, m.Schema().Features, 7) // area, rooms, garden and the date's 4 parts
}

// TestAnyTableRefusals: each refusal is a one-line error, a non-zero exit
// and a store left byte for byte as it was.
func TestAnyTableRefusals(t *testing.T) {
	data := houses(t, 200, 2)
	store := t.TempDir()
	out, err := runTrain(t, env(), "-store", store, "-data", data, "-target", "price", "-families", "linear")
	require.NoError(t, err, "seed the store: %s", out)

	dir := t.TempDir()
	write := func(name, content string) string {
		p := filepath.Join(dir, name)
		require.NoError(t, os.WriteFile(p, []byte(content), 0o644))
		return p
	}
	noFeature := write("nofeature.csv", "id,unit,price\na1,m2,10.5\na2,m2,11\na3,m2,12.5\na4,m2,9\na5,m2,13\na6,m2,10\na7,m2,8\na8,m2,12\na9,m2,11.5\na10,m2,10\n")
	file := filepath.Join(dir, "schema.json")
	out, err = runTrain(t, env(), "schema", "-data", data, "-target", "price", "-out", file)
	require.NoError(t, err, out)
	b, err := os.ReadFile(file)
	require.NoError(t, err)
	edit := func(name string, f func(cols []any) []any) string {
		var raw map[string]any
		require.NoError(t, json.Unmarshal(b, &raw))
		raw["columns"] = f(raw["columns"].([]any))
		eb, err := json.Marshal(raw)
		require.NoError(t, err)
		return write(name, string(eb))
	}
	extraColumn := edit("extra.json", func(cols []any) []any {
		return append(cols, map[string]any{"name": "floor", "kind": "numeric"})
	})
	textAsNumber := edit("text.json", func(cols []any) []any {
		for _, c := range cols {
			if c := c.(map[string]any); c["name"] == "district" {
				c["kind"] = "numeric"
			}
		}
		return cols
	})

	cases := []struct {
		name string
		args []string
		want []string
	}{
		{"target not a column", []string{"-target", "cost"}, []string{`target "cost" is not a column`, "area"}},
		{"constant target", []string{"-target", "k"}, []string{`column "k"`, "constant"}},
		{"text target", []string{"-target", "district"}, []string{`target "district" holds text`, "classification target"}},
		{"no usable feature", []string{"-data", noFeature, "-target", "price"}, []string{"no usable feature", "id (an identifier", "unit (constant"}},
		{"schema lists a column the data lacks", []string{"-schema", extraColumn}, []string{`missing required column "floor"`}},
		{"schema declares text numeric", []string{"-schema", textAsNumber}, []string{`column "district"`, "not a number"}},
		{"schema for another target", []string{"-schema", file, "-target", "area"}, []string{`target "price", not -target "area"`}},
	}
	before := tree(t, store)
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			args := append([]string{"-store", store, "-data", data, "-families", "linear"}, c.args...)
			var stdout, stderr bytes.Buffer
			err := run(context.Background(), args, env(), strings.NewReader(""), &stdout, &stderr)
			require.Error(t, err, stdout.String())
			var report bytes.Buffer
			assert.Equal(t, 1, cli.Report(&report, "train", err), "exit code")
			require.Equal(t, 1, strings.Count(report.String(), "\n"), "one line: %q", report.String())
			for _, w := range c.want {
				assert.Contains(t, report.String(), w)
			}
			assert.Equal(t, before, tree(t, store), "the store must be byte for byte unchanged")
		})
	}
}

// TestStudentSchemaShowsWhatWasSeen: the student schema says nothing of
// the data, so the table shows what the data holds.
func TestStudentSchemaShowsWhatWasSeen(t *testing.T) {
	out, err := runTrain(t, env(), "schema")
	require.NoError(t, err, out)
	tab, err := dataset.Read(bytes.NewReader(dataset.Sample()), dataset.Students)
	require.NoError(t, err)
	st := dataset.Describe(tab)
	for _, c := range st.Columns {
		line := lineOf(t, out, c.Name)
		assert.Contains(t, line, fmt.Sprintf(" %d missing", c.Missing), c.Name)
		if c.Kind == dataset.Category {
			assert.Contains(t, line, fmt.Sprintf("%d distinct", len(c.Counts)), c.Name)
			assert.Contains(t, line, fmt.Sprintf("%s %d", c.Counts[0].Level, c.Counts[0].Count), c.Name)
		} else {
			assert.Contains(t, line, fmt.Sprintf("%g to %g", c.Min, c.Max), c.Name)
		}
	}
}

// TestSchemaFileAndInferenceFlagsConflict: -ignore and -categorical steer
// inference, which a schema file replaces.
func TestSchemaFileAndInferenceFlagsConflict(t *testing.T) {
	_, err := runTrain(t, env(), "-store", t.TempDir(), "-schema", "s.json", "-ignore", "a")
	require.Error(t, err)
	assert.Equal(t, 2, cli.ExitCode(err))
	assert.Contains(t, err.Error(), "edit the file")
}
