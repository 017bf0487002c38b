package batch_test

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/studentperf/studentperf/shared/batch"
	"github.com/studentperf/studentperf/shared/model"
	"github.com/studentperf/studentperf/shared/testkit/modeltest"
)

// whole is what Score writes for the whole file, errors going on.
func whole(t testing.TB, m *model.Model, data []byte) (out, errs string, res batch.Result, err error) {
	var o, e bytes.Buffer
	res, err = batch.Score(context.Background(), m, bytes.NewReader(data), &o, batch.Options{Errors: &e})
	return o.String(), e.String(), res, err
}

// sharded splits data into n spans, scores each after the header and
// concatenates the parts.
func sharded(t testing.TB, m *model.Model, data []byte, n int) (out, errs string, res batch.Result, l batch.Layout, err error) {
	l, err = batch.Split(bytes.NewReader(data), int64(len(data)), n)
	if err != nil {
		return "", "", res, l, err
	}
	if err := batch.CheckHeader(m, data[:l.HeaderEnd]); err != nil {
		return "", "", res, l, err
	}
	var o, e strings.Builder
	var prev int64 = l.HeaderEnd
	for i, sp := range l.Spans {
		if sp.Start != prev || sp.End < sp.Start {
			return "", "", res, l, fmt.Errorf("span %d is [%d, %d) after %d: spans must cover the data without gaps", i, sp.Start, sp.End, prev)
		}
		prev = sp.End
		var po, pe bytes.Buffer
		r, err := batch.ScoreRange(context.Background(), m, data[:l.HeaderEnd], bytes.NewReader(data[sp.Start:sp.End]), sp, i == 0, &po, batch.Options{Errors: &pe})
		if err != nil {
			return "", "", res, l, fmt.Errorf("span %d: %w", i, err)
		}
		o.Write(po.Bytes())
		e.Write(pe.Bytes())
		res.Rows, res.Scored, res.Bad = res.Rows+r.Rows, res.Scored+r.Scored, res.Bad+r.Bad
	}
	if prev != int64(len(data)) {
		return "", "", res, l, fmt.Errorf("spans end at %d of %d bytes", prev, len(data))
	}
	return o.String(), e.String(), res, l, nil
}

const noteHeader = "gender,race_ethnicity,parental_level_of_education,lunch,test_preparation_course,note,reading_score,writing_score"

// edgy builds a file whose records are short enough that every shard edge
// of a few shards falls near a quoted newline, a CRLF, an empty line or a
// bad row.
func edgy(eol string) string {
	rows := []string{
		`female,group B,bachelor's degree,standard,none,"two` + eol + `lines",72,74`,
		`male,group A,high school,free/reduced,completed,plain,40,38`,
		`female,"group` + eol + `C",some college,standard,none,bad category across a line,60,61`,
		``,
		`male,group D,master's degree,standard,none,"quote ""inside""` + eol + eol + `and an empty line",81,79`,
		`female,group E,associate's degree,standard,completed,x,abc,70`,
		`male,group B,some high school,free/reduced,none,"a,b",55,`,
		`female,group C,bachelor's degree,standard,none,"unterminated,1,2`,
	}
	return noteHeader + eol + strings.Join(rows, eol) + eol
}

// Every way of cutting gives the bytes of the whole file's output and
// errors file: quoted newlines on shard edges, CRLF, a BOM, empty lines,
// bad rows (some inside quoted fields spanning a line, a malformed one),
// tiny files, more shards than rows.
func TestShardsScoreLikeTheWholeFile(t *testing.T) {
	m, _ := modeltest.Fit(t, "m", "sample", 1)
	cases := map[string]string{
		"LF":                  edgy("\n"),
		"CRLF":                edgy("\r\n"),
		"BOM":                 "\uFEFF" + edgy("\n"),
		"no final newline":    strings.TrimSuffix(edgy("\n"), "\n"),
		"header only":         noteHeader + "\n",
		"header, no newline":  noteHeader,
		"one row":             noteHeader + "\nfemale,group B,bachelor's degree,standard,none,x,72,74\n",
		"blank lines first":   "\n\n" + edgy("\n"),
		"quoted header":       strings.Replace(edgy("\n"), "note", "\"no\nte\"", 1),
		"generated":           string(generated(t, 300, 3)),
		"generated, no final": strings.TrimSuffix(string(generated(t, 50, 4)), "\n"),
	}
	for name, data := range cases {
		wantOut, wantErrs, wantRes, err := whole(t, m, []byte(data))
		require.NoError(t, err, name)
		for _, n := range []int{1, 2, 3, 5, 8, 64, 1000} {
			out, errs, res, l, err := sharded(t, m, []byte(data), n)
			require.NoError(t, err, "%s, %d shards", name, n)
			assert.LessOrEqual(t, len(l.Spans), n, "%s: at most the shards asked for", name)
			assert.Equal(t, wantOut, out, "%s, %d shards: output (layout %+v)", name, n, l)
			assert.Equal(t, wantErrs, errs, "%s, %d shards: errors file (layout %+v)", name, n, l)
			assert.Equal(t, wantRes, res, "%s, %d shards", name, n)
		}
	}
}

// A shard edge that falls inside a quoted field moves to the record's end:
// no span starts inside the two-line record.
func TestSplitNeverCutsAQuotedNewline(t *testing.T) {
	data := noteHeader + "\n" + `female,group B,bachelor's degree,standard,none,"` + strings.Repeat("x\n", 50) + `",72,74` + "\nmale,group A,high school,free/reduced,completed,plain,40,38\n"
	l, err := batch.Split(strings.NewReader(data), int64(len(data)), 4)
	require.NoError(t, err)
	second := int64(strings.Index(data, "male,group A"))
	require.Len(t, l.Spans, 2, "%+v", l)
	assert.Equal(t, batch.Span{Start: int64(len(noteHeader) + 1), End: second, Line: 1}, l.Spans[0])
	assert.Equal(t, batch.Span{Start: second, End: int64(len(data)), Line: 52}, l.Spans[1])
}

func TestSplitRefusesNoShardsAndEmptyFiles(t *testing.T) {
	_, err := batch.Split(strings.NewReader("a\n"), 2, 0)
	assert.ErrorContains(t, err, "want at least 1")
	_, err = batch.Split(strings.NewReader("\n\n"), 2, 3)
	assert.ErrorIs(t, err, batch.ErrNoHeader)
}

// A header the model cannot use, or header lines that also hold a record,
// are refused before any shard is scored.
func TestCheckHeader(t *testing.T) {
	m, _ := modeltest.Fit(t, "m", "sample", 1)
	require.NoError(t, batch.CheckHeader(m, []byte(noteHeader+"\n")))
	err := batch.CheckHeader(m, []byte("gender,lunch\n"))
	assert.ErrorIs(t, err, batch.ErrBadRow)
	assert.ErrorContains(t, err, "missing required column")
	err = batch.CheckHeader(m, []byte(noteHeader+",\"x\n\"y\"\n"))
	assert.ErrorIs(t, err, batch.ErrBadRow)
}

// FuzzSplit: for any bytes and shard count, the shards' parts concatenated
// are the whole file's output and errors file.
func FuzzSplit(f *testing.F) {
	m, _ := modeltest.Fit(f, "m", "sample", 1)
	f.Add([]byte(edgy("\n")), uint8(3))
	f.Add([]byte(edgy("\r\n")), uint8(7))
	f.Add([]byte("\uFEFF"+edgy("\n")), uint8(2))
	f.Add([]byte(noteHeader+"\n\"a\n"), uint8(2))
	f.Add([]byte(noteHeader+"\n"+`"a""b",c`+"\n\"x\n"), uint8(5))
	f.Fuzz(func(t *testing.T, data []byte, n uint8) {
		shards := int(n%16) + 1
		wantOut, wantErrs, wantRes, werr := whole(t, m, data)
		out, errs, res, l, err := sharded(t, m, data, shards)
		if werr != nil || err != nil {
			if werr == nil && err != nil && !strings.Contains(err.Error(), "hold a record too") {
				t.Fatalf("the whole file scores, but the shards fail: %v", err)
			}
			return
		}
		if out != wantOut || errs != wantErrs || res != wantRes {
			t.Fatalf("%d shards (layout %+v):\noutput %q\nwant   %q\nerrors %q\nwant   %q", shards, l, out, wantOut, errs, wantErrs)
		}
	})
}
