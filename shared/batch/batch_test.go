package batch_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/studentperf/studentperf/shared/batch"
	"github.com/studentperf/studentperf/shared/dataset"
	"github.com/studentperf/studentperf/shared/s3io"
	"github.com/studentperf/studentperf/shared/testkit/modeltest"
	"github.com/studentperf/studentperf/shared/testkit/s3test"
)

const header = "gender,race_ethnicity,parental_level_of_education,lunch,test_preparation_course,reading_score,writing_score"

func generated(t *testing.T, n int, seed uint64) []byte { return generatedB(t, n, seed) }

func generatedB(t testing.TB, n int, seed uint64) []byte {
	t.Helper()
	var b bytes.Buffer
	require.NoError(t, dataset.Generate(&b, n, seed))
	return b.Bytes()
}

func readCSV(t *testing.T, b []byte) [][]string {
	t.Helper()
	recs, err := csv.NewReader(bytes.NewReader(b)).ReadAll()
	require.NoError(t, err)
	return recs
}

// Every row comes out with its own fields and the score the model gives
// it, bit for bit.
func TestScoreKeepsTheRowsAndAddsTheModelsScore(t *testing.T) {
	m, _ := modeltest.Fit(t, "m", "sample", 1)
	in := generated(t, 500, 9)
	var out bytes.Buffer
	res, err := batch.Score(context.Background(), m, bytes.NewReader(in), &out, batch.Options{})
	require.NoError(t, err)
	assert.Equal(t, batch.Result{Rows: 500, Scored: 500}, res)

	inRecs, outRecs := readCSV(t, in), readCSV(t, out.Bytes())
	require.Len(t, outRecs, len(inRecs))
	assert.Equal(t, append(inRecs[0], "predicted_math_score"), outRecs[0], "a labelled input keeps its math_score; the prediction gets its own column")
	tab, err := dataset.Read(bytes.NewReader(in), m.Schema())
	require.NoError(t, err)
	want, err := m.PredictTable(tab)
	require.NoError(t, err)
	for i, rec := range outRecs[1:] {
		assert.Equal(t, inRecs[i+1], rec[:len(rec)-1], "row %d", i+1)
		got, err := strconv.ParseFloat(rec[len(rec)-1], 64)
		require.NoError(t, err)
		require.Equal(t, want[i], got, "row %d: the score", i+1)
	}
}

const badInput = header + "\n" +
	"female,group B,bachelor's degree,standard,none,72,74\n" +
	"male,group Z,some college,standard,none,60,70\n" + // line 3: unknown category
	"female,group C,some college,standard,none,abc,101\n" + // line 4: two bad cells
	"male,group A,high school,free/reduced,completed,50,55\n"

func TestBadRowStopsTheJob(t *testing.T) {
	m, _ := modeltest.Fit(t, "m", "sample", 1)
	dir := t.TempDir()
	in := filepath.Join(dir, "in.csv")
	require.NoError(t, os.WriteFile(in, []byte(badInput), 0o644))
	out := filepath.Join(dir, "out.csv")
	_, err := batch.IO{}.Run(context.Background(), m, batch.Job{In: in, Out: out}, batch.Options{})
	require.ErrorIs(t, err, batch.ErrBadRow)
	assert.Contains(t, err.Error(), `line 3, column "race_ethnicity", value "group Z": unknown category`)
	assert.NoFileExists(t, out, "no output from a failed job")
	entries, err := os.ReadDir(dir)
	require.NoError(t, err)
	assert.Len(t, entries, 1, "no temporary file left behind")
}

func TestBadRowsGoToTheErrorsFile(t *testing.T) {
	m, _ := modeltest.Fit(t, "m", "sample", 1)
	dir := t.TempDir()
	in, out, errs := filepath.Join(dir, "in.csv"), filepath.Join(dir, "out.csv"), filepath.Join(dir, "errors.csv")
	require.NoError(t, os.WriteFile(in, []byte(badInput), 0o644))
	res, err := batch.IO{}.Run(context.Background(), m, batch.Job{In: in, Out: out, Errors: errs}, batch.Options{})
	require.NoError(t, err)
	assert.Equal(t, batch.Result{Rows: 4, Scored: 2, Bad: 2}, res)
	b, err := os.ReadFile(errs)
	require.NoError(t, err)
	recs := readCSV(t, b)
	require.Len(t, recs, 3, "the header and exactly the bad rows")
	assert.Equal(t, append([]string{"line", "error"}, strings.Split(header, ",")...), recs[0])
	assert.Equal(t, "3", recs[1][0])
	assert.Contains(t, recs[1][1], "unknown category")
	assert.Contains(t, recs[1][1], "allowed:")
	assert.Equal(t, "4", recs[2][0])
	assert.Contains(t, recs[2][1], `column "reading_score", value "abc": not a number`)
	assert.Contains(t, recs[2][1], `column "writing_score", value "101": out of range`)
	assert.Equal(t, "abc", recs[2][7], "the bad row's own fields follow")
	b, err = os.ReadFile(out)
	require.NoError(t, err)
	outRecs := readCSV(t, b)
	require.Len(t, outRecs, 3)
	assert.Equal(t, "math_score", outRecs[0][7])
	assert.Equal(t, "female", outRecs[1][0])
	assert.Equal(t, "male", outRecs[2][0])
}

func TestHeaderProblemIsABadRow(t *testing.T) {
	m, _ := modeltest.Fit(t, "m", "sample", 1)
	_, err := batch.Score(context.Background(), m, strings.NewReader("gender,lunch\nfemale,standard\n"), &bytes.Buffer{}, batch.Options{})
	require.ErrorIs(t, err, batch.ErrBadRow)
	assert.Contains(t, err.Error(), `missing required column "race_ethnicity"`)
}

// The same job from and to S3: the object appears only when the job
// succeeded.
func TestS3InAndOut(t *testing.T) {
	srv := s3test.Start(t)
	srv.Setenv(t)
	srv.Bucket(t, "data")
	m, _ := modeltest.Fit(t, "m", "sample", 1)
	srv.Put(t, "data", "in/good.csv", generated(t, 300, 2))
	srv.Put(t, "data", "in/bad.csv", []byte(badInput))
	o := batch.IO{
		S3: func(ctx context.Context) (s3io.Uploader, error) { return srv.Client(), nil },
		Source: dataset.SourceOptions{Openers: map[string]dataset.Opener{
			"s3": s3io.Opener(s3io.Options{Endpoint: srv.Endpoint()}),
		}},
	}
	ctx := context.Background()
	res, err := o.Run(ctx, m, batch.Job{In: "s3://data/in/good.csv", Out: "s3://data/out/good.out.csv"}, batch.Options{})
	require.NoError(t, err)
	assert.Equal(t, 300, res.Scored)
	got, err := srv.Client().GetObject(ctx, &s3.GetObjectInput{Bucket: ptr("data"), Key: ptr("out/good.out.csv")})
	require.NoError(t, err)
	got.Body.Close()

	_, err = o.Run(ctx, m, batch.Job{In: "s3://data/in/bad.csv", Out: "s3://data/out/bad.out.csv"}, batch.Options{})
	require.ErrorIs(t, err, batch.ErrBadRow)
	_, err = srv.Client().HeadObject(ctx, &s3.HeadObjectInput{Bucket: ptr("data"), Key: ptr("out/bad.out.csv")})
	require.Error(t, err, "no object from a failed job")

	_, err = o.Run(ctx, m, batch.Job{In: "s3://data/in/missing.csv", Out: "s3://data/out/x.csv"}, batch.Options{})
	require.ErrorIs(t, err, s3io.ErrNotFound)
	assert.Contains(t, err.Error(), "s3://data/in/missing.csv")
}

func ptr(s string) *string { return &s }
