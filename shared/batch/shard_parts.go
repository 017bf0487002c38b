package batch

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"

	"github.com/studentperf/studentperf/shared/model"
	"github.com/studentperf/studentperf/shared/s3io"
)

// ScorePart scores one manifest Range with m (of version version) into its
// part objects: the scored rows, the bad rows, then the PartDone record.
// A part whose record already matches r is not scored again (a re-run of
// a failed execution reuses its finished parts).
func ScorePart(ctx context.Context, c ShardClient, m *model.Model, version string, r Range) (PartResult, error) {
	run, err := prefixURI("run", r.Run)
	if err != nil {
		return PartResult{}, err
	}
	if r.ModelVersion != version {
		return PartResult{}, badRequest("the plan scores with model %s, but the store's current model is now %s: run the job again", r.ModelVersion, version)
	}
	if r.Part < 0 || r.File < 0 || r.HeaderEnd <= 0 || r.Start < r.HeaderEnd || r.End < r.Start || r.Line < 1 {
		return PartResult{}, badRequest("range %+v: not a range a plan writes", r)
	}
	doneKey := partKey(run, r.File, r.Part, ".json")
	var done PartDone
	if found, err := getJSON(ctx, c, doneKey, &done); err != nil {
		return PartResult{}, err
	} else if found && done.Range == r {
		return PartResult{Part: r.Part, Reused: true, Result: done.Result}, nil
	}
	header, err := getRange(ctx, c, r.Input, r.ETag, 0, r.HeaderEnd)
	if err != nil {
		return PartResult{}, err
	}
	data, err := openRange(ctx, c, r.Input, r.ETag, r.Start, r.End)
	if err != nil {
		return PartResult{}, err
	}
	defer data.Close()
	out, err := s3io.NewUpload(ctx, c, partKey(run, r.File, r.Part, ".csv").String(), "text/csv")
	if err != nil {
		return PartResult{}, err
	}
	defer out.Abort()
	errs, err := s3io.NewUpload(ctx, c, partKey(run, r.File, r.Part, ".errors.csv").String(), "text/csv")
	if err != nil {
		return PartResult{}, err
	}
	defer errs.Abort()
	ow, ew := &counter{w: out}, &counter{w: errs}
	res, err := ScoreRange(ctx, m, header, &readErr{r: data, uri: r.Input}, r.Span, r.Part == 0, ow, Options{Errors: ew})
	if err != nil {
		return PartResult{}, fmt.Errorf("%s part %d: %w", r.Input, r.Part, err)
	}
	if err := errs.Commit(); err != nil {
		return PartResult{}, err
	}
	if err := out.Commit(); err != nil {
		return PartResult{}, err
	}
	rec, err := marshal(PartDone{Range: r, Result: res, Bytes: ow.n, ErrorsBytes: ew.n})
	if err != nil {
		return PartResult{}, err
	}
	if err := put(ctx, c, doneKey, rec, "application/json"); err != nil {
		return PartResult{}, err
	}
	return PartResult{Part: r.Part, Result: res}, nil
}

// counter counts the bytes written through it.
type counter struct {
	w io.Writer
	n int64
}

func (c *counter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += int64(n)
	return n, err
}

// Summary is the assemble command's answer, and the execution's output.
type Summary struct {
	Rows         int      `json:"rows"`
	Scored       int      `json:"scored"`
	Bad          int      `json:"bad"`
	Files        int      `json:"files"`
	Parts        int      `json:"parts"`
	Seconds      float64  `json:"seconds"`
	ModelVersion string   `json:"model_version"`
	Outputs      []string `json:"outputs"`
	Errors       []string `json:"errors,omitempty"`
}

// Copy sizes: S3 takes parts of 5 MiB to 5 GiB in a multipart upload, the
// last one smaller.
const (
	MinPart = 5 << 20
	MaxPart = 5 << 30
)

// AssembleOptions sizes the pieces of the assembled objects; zero values
// are S3's limits. Tests against a server without them set smaller ones.
type AssembleOptions struct {
	MinPart, MaxPart int64
	Workers          int // parallel S3 requests (default 16)
}

// Assemble joins the parts of a run (run.json under run, an s3:// prefix)
// into each file's output and errors objects, in order, with multipart
// uploads that copy the parts inside S3 (UploadPartCopy); only parts too
// small for S3's 5 MiB minimum are read and sent again, joined to the
// bytes after them. A file without an errors object whose parts found bad
// rows fails as `predict batch` fails without -errors: naming the first.
func Assemble(ctx context.Context, c ShardClient, runURI string, now time.Time, o AssembleOptions) (Summary, error) {
	run, err := prefixURI("run", runURI)
	if err != nil {
		return Summary{}, err
	}
	if o.MinPart <= 0 {
		o.MinPart = MinPart
	}
	if o.MaxPart <= 0 {
		o.MaxPart = MaxPart
	}
	if o.Workers <= 0 {
		o.Workers = 16
	}
	var rec Run
	if found, err := getJSON(ctx, c, s3io.URI{Bucket: run.Bucket, Key: run.Key + "run.json"}, &rec); err != nil {
		return Summary{}, err
	} else if !found {
		return Summary{}, badRequest("run %s: no run.json: plan first", runURI)
	}
	sum := Summary{Files: len(rec.Files), ModelVersion: rec.ModelVersion}
	for i, f := range rec.Files {
		parts, err := readDone(ctx, c, run, i, f, rec.ModelVersion, o.Workers)
		if err != nil {
			return Summary{}, err
		}
		bad := 0
		for _, p := range parts {
			sum.Rows, sum.Scored, bad = sum.Rows+p.Rows, sum.Scored+p.Scored, bad+p.Bad
		}
		sum.Bad += bad
		sum.Parts += len(parts)
		if f.Errors == "" && bad > 0 {
			return Summary{}, firstBad(ctx, c, run, i, f, parts)
		}
		if f.Errors != "" {
			if err := join(ctx, c, run, i, parts, ".errors.csv", f.Errors, o); err != nil {
				return Summary{}, err
			}
			sum.Errors = append(sum.Errors, f.Errors)
		}
		if err := join(ctx, c, run, i, parts, ".csv", f.Output, o); err != nil {
			return Summary{}, err
		}
		sum.Outputs = append(sum.Outputs, f.Output)
	}
	sum.Seconds = now.Sub(rec.Started).Seconds()
	return sum, nil
}

// readDone reads the records of a file's finished parts, in parallel, and
// checks that each belongs to this run, file and model.
func readDone(ctx context.Context, c ShardClient, run s3io.URI, file int, f RunFile, version string, workers int) ([]PartDone, error) {
	parts := make([]PartDone, f.Parts)
	err := forEach(ctx, f.Parts, workers, func(ctx context.Context, p int) error {
		u := partKey(run, file, p, ".json")
		found, err := getJSON(ctx, c, u, &parts[p])
		if err != nil {
			return err
		}
		r := parts[p].Range
		if !found || r.Run != run.String() || r.File != file || r.Part != p || r.ETag != f.ETag || r.ModelVersion != version {
			return badRequest("%s: part %d of %d is not finished (%s): score every range first", f.Input, p, f.Parts, u)
		}
		return nil
	})
	return parts, err
}

// firstBad is the error `predict batch` gives without -errors: the first
// bad row's problem.
func firstBad(ctx context.Context, c ShardClient, run s3io.URI, file int, f RunFile, parts []PartDone) error {
	for p, d := range parts {
		if d.Bad == 0 {
			continue
		}
		b, err := getRange(ctx, c, partKey(run, file, p, ".errors.csv").String(), "", 0, d.ErrorsBytes)
		if err != nil {
			return err
		}
		cr := csv.NewReader(bytes.NewReader(b))
		cr.FieldsPerRecord = -1
		if p == 0 {
			_, _ = cr.Read() // the header
		}
		row, err := cr.Read()
		if err != nil || len(row) < 2 {
			return fmt.Errorf("%s: part %d: errors part unreadable: %v", f.Input, p, err)
		}
		return fmt.Errorf("%s: %w: %s", f.Input, ErrBadRow, row[1])
	}
	return nil
}

// piece is bytes [From, To) of one part.
type piece struct {
	Part     int
	From, To int64
}

// step is one part of an assembled object: a piece copied inside S3, or
// pieces read and sent.
type step struct {
	Copy   bool
	Pieces []piece
}

// compose lays parts of the given sizes out as the parts of one multipart
// upload: a part of at least minPart bytes is copied (in pieces of at
// most maxPart); smaller parts, and what is left of a copied one, are
// gathered with the bytes after them until minPart bytes are, and sent.
// Every step but the last holds at least minPart bytes.
func compose(sizes []int64, minPart, maxPart int64) []step {
	var steps []step
	var buf []piece
	var n int64
	for p, size := range sizes {
		for off := int64(0); off < size; {
			if n == 0 && size-off >= minPart {
				to := off + min(size-off, maxPart)
				steps = append(steps, step{Copy: true, Pieces: []piece{{p, off, to}}})
				off = to
				continue
			}
			k := min(size-off, minPart-n)
			buf = append(buf, piece{p, off, off + k})
			n, off = n+k, off+k
			if n >= minPart {
				steps = append(steps, step{Pieces: buf})
				buf, n = nil, 0
			}
		}
	}
	if n > 0 || len(steps) == 0 {
		steps = append(steps, step{Pieces: buf})
	}
	return steps
}

// join writes the parts' objects with extension ext, in order, as the
// object at uri.
func join(ctx context.Context, c ShardClient, run s3io.URI, file int, parts []PartDone, ext, uri string, o AssembleOptions) error {
	dst, err := objectURI("output", uri)
	if err != nil {
		return err
	}
	sizes := make([]int64, len(parts))
	for p, d := range parts {
		sizes[p] = d.Bytes
		if ext != ".csv" {
			sizes[p] = d.ErrorsBytes
		}
	}
	steps := compose(sizes, o.MinPart, o.MaxPart)
	if len(steps) > MaxShards {
		return badRequest("%s: %d parts to join, over S3's %d", uri, len(steps), MaxShards)
	}
	up, err := c.CreateMultipartUpload(ctx, &s3.CreateMultipartUploadInput{Bucket: &dst.Bucket, Key: &dst.Key, ContentType: aws.String("text/csv")})
	if err != nil {
		return s3io.Explain(err, uri)
	}
	id := up.UploadId
	done := make([]types.CompletedPart, len(steps))
	err = forEach(ctx, len(steps), o.Workers, func(ctx context.Context, i int) error {
		num := int32(i + 1)
		etag, err := sendStep(ctx, c, run, file, ext, dst, id, num, steps[i])
		done[i] = types.CompletedPart{ETag: etag, PartNumber: &num}
		return err
	})
	if err == nil {
		_, err = c.CompleteMultipartUpload(ctx, &s3.CompleteMultipartUploadInput{Bucket: &dst.Bucket, Key: &dst.Key, UploadId: id,
			MultipartUpload: &types.CompletedMultipartUpload{Parts: done}})
		err = s3io.Explain(err, uri)
	}
	if err != nil {
		_, _ = c.AbortMultipartUpload(context.WithoutCancel(ctx), &s3.AbortMultipartUploadInput{Bucket: &dst.Bucket, Key: &dst.Key, UploadId: id})
		return err
	}
	return nil
}

// sendStep sends one part of the upload id to dst.
func sendStep(ctx context.Context, c ShardClient, run s3io.URI, file int, ext string, dst s3io.URI, id *string, num int32, st step) (*string, error) {
	if st.Copy {
		pc := st.Pieces[0]
		src := partKey(run, file, pc.Part, ext)
		out, err := c.UploadPartCopy(ctx, &s3.UploadPartCopyInput{Bucket: &dst.Bucket, Key: &dst.Key, UploadId: id, PartNumber: &num,
			CopySource: aws.String(src.Bucket + "/" + src.Key), CopySourceRange: aws.String(fmt.Sprintf("bytes=%d-%d", pc.From, pc.To-1))})
		if err != nil {
			return nil, s3io.Explain(err, src.String())
		}
		if out.CopyPartResult == nil {
			return nil, fmt.Errorf("%s: UploadPartCopy answered no ETag", src)
		}
		return out.CopyPartResult.ETag, nil
	}
	var body bytes.Buffer
	for _, pc := range st.Pieces {
		b, err := getRange(ctx, c, partKey(run, file, pc.Part, ext).String(), "", pc.From, pc.To)
		if err != nil {
			return nil, err
		}
		body.Write(b)
	}
	out, err := c.UploadPart(ctx, &s3.UploadPartInput{Bucket: &dst.Bucket, Key: &dst.Key, UploadId: id, PartNumber: &num,
		Body: bytes.NewReader(body.Bytes()), ContentLength: aws.Int64(int64(body.Len()))})
	if err != nil {
		return nil, s3io.Explain(err, dst.String())
	}
	return out.ETag, nil
}

// forEach runs f(0..n-1) on up to workers goroutines; the first error
// cancels the rest and is returned.
func forEach(ctx context.Context, n, workers int, f func(ctx context.Context, i int) error) error {
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	next := make(chan int)
	var wg sync.WaitGroup
	for range min(workers, n) {
		wg.Go(func() {
			for i := range next {
				if err := f(ctx, i); err != nil {
					cancel(err)
				}
			}
		})
	}
feed:
	for i := range n {
		select {
		case next <- i:
		case <-ctx.Done():
			break feed
		}
	}
	close(next)
	wg.Wait()
	return context.Cause(ctx)
}

// marshal encodes v as JSON.
func marshal(v any) ([]byte, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return nil, fmt.Errorf("encode: %w", err)
	}
	return b, nil
}
