package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io/fs"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/studentperf/studentperf/shared/features"
	"github.com/studentperf/studentperf/shared/model"
	"github.com/studentperf/studentperf/shared/modelstore"
	"github.com/studentperf/studentperf/shared/realdata"
)

// realData returns the path of a file of the real data set, which lives
// outside the repository.
func realData(t testing.TB, name string) string {
	t.Helper()
	return realdata.Path(t, name)
}

// env is a fake getenv.
func env(kv ...string) func(string) string {
	m := map[string]string{}
	for i := 0; i+1 < len(kv); i += 2 {
		m[kv[i]] = kv[i+1]
	}
	return func(k string) string { return m[k] }
}

func runTrain(t testing.TB, getenv func(string) string, args ...string) (string, error) {
	t.Helper()
	var out, errOut bytes.Buffer
	err := run(context.Background(), args, getenv, strings.NewReader(""), &out, &errOut)
	return out.String() + errOut.String(), err
}

// snapshot maps every path under root to the sha256 of its content ("dir"
// for folders), so two snapshots are equal only for identical trees.
func snapshot(t testing.TB, root string) map[string]string {
	t.Helper()
	snap := map[string]string{}
	err := filepath.WalkDir(root, func(p string, e fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, p)
		if e.IsDir() {
			snap[rel] = "dir"
			return nil
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		s := sha256.Sum256(b)
		snap[rel] = hex.EncodeToString(s[:])
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return snap
}

func sameTree(t testing.TB, before, after map[string]string) {
	t.Helper()
	for p, h := range before {
		if after[p] != h {
			t.Errorf("store changed at %s", p)
		}
	}
	for p := range after {
		if _, ok := before[p]; !ok {
			t.Errorf("store gained %s", p)
		}
	}
}

func currentModel(t testing.TB, store string) (modelstore.Pointer, []byte) {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(store, "student-math-score", "current.json"))
	if err != nil {
		t.Fatal(err)
	}
	p, err := modelstore.DecodePointer(b)
	if err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(filepath.Join(store, "student-math-score", "versions", p.Version, "model.json"))
	if err != nil {
		t.Fatal(err)
	}
	return p, data
}

func TestRunOnSamplePushesAVerifiedModel(t *testing.T) {
	store := t.TempDir()
	out, err := runTrain(t, env("MODEL_STORE", store))
	if err != nil {
		t.Fatalf("train on the sample: %v\n%s", err, out)
	}
	p, data := currentModel(t, store)
	if got := model.Sum(data); got != p.SHA256 {
		t.Fatalf("current.json sha256 %s; model.json hashes to %s", p.SHA256, got)
	}
	if _, err := model.Load(data, p.SHA256); err != nil {
		t.Fatalf("load pushed model: %v", err)
	}
	for _, f := range []string{"metrics.json", "report.html"} {
		if _, err := os.Stat(filepath.Join(store, "student-math-score", "versions", p.Version, f)); err != nil {
			t.Errorf("version lacks %s: %v", f, err)
		}
	}
	var m struct {
		Selected string
		Test     struct {
			R2, RMSE, MAE float64
			Rows          int
		}
		CV struct {
			Folds  int
			R2Mean float64 `json:"r2_mean"`
			R2Std  float64 `json:"r2_std"`
		}
		Candidates []map[string]any
		Data       struct {
			URI    string
			Rows   int
			SHA256 string
		}
		Seed int
	}
	b, _ := os.ReadFile(filepath.Join(store, "student-math-score", "versions", p.Version, "metrics.json"))
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	if m.Selected == "" || m.Test.Rows != 200 || m.CV.Folds != 5 || len(m.Candidates) < 4 || m.Data.Rows != 1000 || m.Data.SHA256 == "" || m.Seed != 42 || m.CV.R2Mean < 0.8 || m.CV.R2Std <= 0 {
		t.Fatalf("metrics.json lacks contract members: %s", b)
	}
	for _, want := range []string{"selected:", "test: R²", "pushed:", "search: ols"} {
		if !strings.Contains(out, want) {
			t.Errorf("summary lacks %q:\n%s", want, out)
		}
	}
}

func TestSameDataAndSeedGiveIdenticalModelBytes(t *testing.T) {
	var models [][]byte
	for range 2 {
		store := t.TempDir()
		if out, err := runTrain(t, env(), "-store", store, "-data", "synthetic:3000", "-seed", "7"); err != nil {
			t.Fatalf("%v\n%s", err, out)
		}
		_, data := currentModel(t, store)
		models = append(models, data)
	}
	if !bytes.Equal(models[0], models[1]) {
		t.Fatal("two runs with the same data and seed wrote different model.json")
	}
	store := t.TempDir()
	if out, err := runTrain(t, env(), "-store", store, "-data", "synthetic:3000", "-seed", "8"); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	if _, other := currentModel(t, store); bytes.Equal(other, models[0]) {
		t.Fatal("another seed wrote the same model.json: the seed is not used")
	}
}

func TestOriginalSplitMatchesThePythonOriginal(t *testing.T) {
	store := t.TempDir()
	out, err := runTrain(t, env(), "-store", store, "-data", realData(t, "train.csv"), "-test-data", realData(t, "test.csv"))
	if err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	p, data := currentModel(t, store)
	m, err := model.Load(data, p.SHA256)
	if err != nil {
		t.Fatal(err)
	}
	var metrics model.Metrics
	b, _ := os.ReadFile(filepath.Join(store, "student-math-score", "versions", p.Version, "metrics.json"))
	if err := json.Unmarshal(b, &metrics); err != nil {
		t.Fatal(err)
	}
	// The original's best (LinearRegression): 0.8804 / 5.394 / 4.215.
	if metrics.Test.R2 < 0.880 || metrics.Test.RMSE > 5.40 || metrics.Test.MAE > 4.22 {
		t.Fatalf("test metrics %+v; want R² ≥ 0.880, RMSE ≤ 5.40, MAE ≤ 4.22", metrics.Test)
	}
	// sklearn's LinearRegression predicts 66.1095 for the reference record.
	got, err := m.Predict(features.Row{
		Cat: []string{"female", "group B", "bachelor's degree", "standard", "none"},
		Num: []float64{72, 74},
	})
	if err != nil || math.Abs(got-66.1095) > 0.01 {
		t.Fatalf("reference record: got %v, %v; want 66.11 ± 0.01", got, err)
	}
}

func TestBadDataFailsAndLeavesTheStoreAlone(t *testing.T) {
	const header = "gender,race_ethnicity,parental_level_of_education,lunch,test_preparation_course,math_score,reading_score,writing_score\n"
	const good = "female,group B,bachelor's degree,standard,none,72,72,74\n"
	cases := []struct {
		name, csv string
		want      []string // in the one-line error
	}{
		{"missing column", "gender,race_ethnicity,parental_level_of_education,lunch,math_score,reading_score,writing_score\nfemale,group B,x,standard,72,72,74\n", []string{"test_preparation_course"}},
		{"duplicate header", strings.TrimSuffix(header, "\n") + ",gender\n" + strings.TrimSuffix(good, "\n") + ",male\n", []string{"line 1", "gender", "duplicate"}},
		{"non-numeric score", header + good + "male,group C,some college,standard,none,60,abc,70\n", []string{"line 3", "reading_score", `"abc"`}},
		{"NaN score", header + good + "male,group C,some college,standard,none,60,NaN,70\n", []string{"line 3", "reading_score", "NaN"}},
		{"Inf score", header + good + "male,group C,some college,standard,none,60,70,+Inf\n", []string{"line 3", "writing_score", "Inf"}},
		{"score above 100", header + good + "male,group C,some college,standard,none,60,70,101\n", []string{"line 3", "writing_score", "101"}},
		{"negative target", header + good + "male,group C,some college,standard,none,-1,70,70\n", []string{"line 3", "math_score", "-1"}},
		{"missing target", header + good + "male,group C,some college,standard,none,,70,70\n", []string{"line 3", "math_score"}},
		{"ragged row", header + good + "male,group C,some college,standard,none,60,70\n", []string{"line 3"}},
		{"empty file", "", []string{"empty"}},
		{"header only", header, []string{"no"}},
	}
	store := t.TempDir()
	if out, err := runTrain(t, env(), "-store", store, "-data", "synthetic:2000"); err != nil {
		t.Fatalf("seed the store: %v\n%s", err, out)
	}
	before := snapshot(t, store)
	dir := t.TempDir()
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			path := filepath.Join(dir, strings.ReplaceAll(c.name, " ", "_")+".csv")
			if err := os.WriteFile(path, []byte(c.csv), 0o644); err != nil {
				t.Fatal(err)
			}
			_, err := runTrain(t, env(), "-store", store, "-data", path)
			if err == nil {
				t.Fatal("got success; want an error")
			}
			if exitCode(err) == 0 {
				t.Fatalf("exit code 0 for %v", err)
			}
			msg := oneLine(err.Error())
			for _, w := range c.want {
				if !strings.Contains(msg, w) {
					t.Errorf("error %q lacks %q", msg, w)
				}
			}
			sameTree(t, before, snapshot(t, store))
		})
	}
}

func TestBelowMinR2IsAFailureAndPushesNothing(t *testing.T) {
	store := t.TempDir()
	before := snapshot(t, store)
	out, err := runTrain(t, env("MIN_R2", "0.99"), "-store", store)
	if err == nil || !strings.Contains(err.Error(), "MIN_R2") {
		t.Fatalf("got %v; want a MIN_R2 failure\n%s", err, out)
	}
	sameTree(t, before, snapshot(t, store))
}

func TestWorseOrIdenticalModelIsNotPushed(t *testing.T) {
	train, test := realData(t, "train.csv"), realData(t, "test.csv")
	store := t.TempDir()
	if out, err := runTrain(t, env(), "-store", store, "-data", train, "-test-data", test); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	before := snapshot(t, store)

	// The same run again: the current model is this very model.
	out, err := runTrain(t, env(), "-store", store, "-data", train, "-test-data", test)
	if err != nil || !strings.Contains(out, "not pushed") {
		t.Fatalf("identical retrain: %v; want 'not pushed'\n%s", err, out)
	}
	sameTree(t, before, snapshot(t, store))

	// A model fitted on 40 rows scores worse on the same held-out rows.
	b, _ := os.ReadFile(train)
	lines := strings.SplitAfter(string(b), "\n")
	small := filepath.Join(t.TempDir(), "small.csv")
	os.WriteFile(small, []byte(strings.Join(lines[:41], "")), 0o644)
	out, err = runTrain(t, env("MIN_R2", "0"), "-store", store, "-data", small, "-test-data", test)
	if err != nil || !strings.Contains(out, "not pushed: current version") {
		t.Fatalf("worse model: %v; want 'not pushed: current version …'\n%s", err, out)
	}
	sameTree(t, before, snapshot(t, store))
}

func TestBetterModelReplacesCurrent(t *testing.T) {
	train, test := realData(t, "train.csv"), realData(t, "test.csv")
	b, _ := os.ReadFile(train)
	lines := strings.SplitAfter(string(b), "\n")
	small := filepath.Join(t.TempDir(), "small.csv")
	os.WriteFile(small, []byte(strings.Join(lines[:41], "")), 0o644)
	store := t.TempDir()
	if out, err := runTrain(t, env("MIN_R2", "0"), "-store", store, "-data", small, "-test-data", test); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	first, _ := currentModel(t, store)
	out, err := runTrain(t, env(), "-store", store, "-data", train, "-test-data", test)
	if err != nil || !strings.Contains(out, "pushed: ") || strings.Contains(out, "not pushed") {
		t.Fatalf("better model: %v; want it pushed\n%s", err, out)
	}
	second, _ := currentModel(t, store)
	if second.Version <= first.Version {
		t.Fatalf("new version %q does not sort after %q", second.Version, first.Version)
	}
}

func TestConfigErrorsNameEveryBadValue(t *testing.T) {
	_, err := runTrain(t, env("TEST_FRACTION", "1.5", "SEED", "-3", "MIN_R2", "x"), "-store", t.TempDir())
	if err == nil || exitCode(err) != 2 {
		t.Fatalf("got %v; want a usage error", err)
	}
	for _, w := range []string{"TEST_FRACTION", "SEED", "MIN_R2"} {
		if !strings.Contains(err.Error(), w) {
			t.Errorf("error %q does not name %s", err, w)
		}
	}
	if _, err := runTrain(t, env(), "-store", "s3://bucket/prefix"); err == nil {
		t.Error("s3 store: got nil; want an error until the S3 store exists")
	}
	if _, err := runTrain(t, env(), "bogus"); err == nil || exitCode(err) != 2 {
		t.Errorf("unknown command: got %v; want a usage error", err)
	}
}

// TestBinaryExitCodeAndOneLineError runs the real binary once, as a user
// would.
func TestBinaryExitCodeAndOneLineError(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	bin := filepath.Join(t.TempDir(), "train")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	bad := filepath.Join(t.TempDir(), "bad.csv")
	os.WriteFile(bad, []byte("gender,race_ethnicity,parental_level_of_education,lunch,test_preparation_course,math_score,reading_score,writing_score\nfemale,group B,x,standard,none,72,7x2,74\n"), 0o644)
	cmd := exec.Command(bin, "run", "-store", t.TempDir(), "-data", bad)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	err := cmd.Run()
	ee, ok := err.(*exec.ExitError)
	if !ok || ee.ExitCode() == 0 {
		t.Fatalf("exit: got %v; want a non-zero exit", err)
	}
	lines := strings.Split(strings.TrimSpace(stderr.String()), "\n")
	if len(lines) != 1 || !strings.Contains(lines[0], "line 2") || !strings.Contains(lines[0], "reading_score") || !strings.Contains(lines[0], "7x2") {
		t.Fatalf("stderr: got %q; want one line naming line 2, reading_score and 7x2", stderr.String())
	}
}
