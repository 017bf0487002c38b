package batch

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"path"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/studentperf/studentperf/shared/model"
	"github.com/studentperf/studentperf/shared/s3io"
)

// ShardClient is what sharded scoring needs of an S3 client.
type ShardClient interface {
	s3io.Uploader
	s3io.Getter
	HeadObject(ctx context.Context, in *s3.HeadObjectInput, opts ...func(*s3.Options)) (*s3.HeadObjectOutput, error)
	ListObjectsV2(ctx context.Context, in *s3.ListObjectsV2Input, opts ...func(*s3.Options)) (*s3.ListObjectsV2Output, error)
	UploadPartCopy(ctx context.Context, in *s3.UploadPartCopyInput, opts ...func(*s3.Options)) (*s3.UploadPartCopyOutput, error)
}

var _ ShardClient = (*s3.Client)(nil)

// MaxShards is the most shards one file may be cut into: S3's limit of
// parts in a multipart upload, which assembles them.
const MaxShards = 10000

// ErrShardRequest reports a plan, score-range or assemble request that
// cannot be carried out as asked (a bad URI, no shards, a model that
// changed since the plan): retrying it will not help.
var ErrShardRequest = errors.New("bad shard request")

// PlanRequest asks for a sharded scoring plan.
type PlanRequest struct {
	// Input is s3://BUCKET/KEY, or s3://BUCKET/PREFIX/ for every .csv
	// object under the prefix (but *.out.csv and *.errors.csv).
	Input string `json:"input"`
	// Output is the scored object, as `predict batch -out` takes it; for a
	// prefix input, a prefix under which each input's BASE.out.csv and
	// BASE.errors.csv are written.
	Output string `json:"output"`
	// Errors, for an object input, is where bad rows go, as `predict
	// batch -errors` takes it; empty, and the first bad row fails the job.
	Errors string `json:"errors,omitempty"`
	// Work is s3://BUCKET/PREFIX/ under which each run keeps its plan and
	// parts, by a name that the inputs, outputs, shards and model decide.
	Work   string `json:"work"`
	Shards int    `json:"shards"` // shards per file
}

// Plan is the plan command's answer: where the manifest is, for the Map
// state's ItemReader, and what the assemble command needs.
type Plan struct {
	Run            string    `json:"run"` // s3://BUCKET/WORK/RUN/
	ManifestBucket string    `json:"manifest_bucket"`
	ManifestKey    string    `json:"manifest_key"`
	ResultsPrefix  string    `json:"results_prefix"` // for the Map state's ResultWriter
	Files          int       `json:"files"`
	Ranges         int       `json:"ranges"`
	ModelVersion   string    `json:"model_version"`
	Started        time.Time `json:"started"`
}

// Run is a run's own record (run.json beside the manifest).
type Run struct {
	ModelVersion string    `json:"model_version"`
	Started      time.Time `json:"started"`
	Files        []RunFile `json:"files"`
}

// RunFile is one input of a run.
type RunFile struct {
	Input  string `json:"input"`
	ETag   string `json:"etag"`
	Size   int64  `json:"size"`
	Output string `json:"output"`
	Errors string `json:"errors,omitempty"`
	Parts  int    `json:"parts"`
}

// Range is one line of the manifest: a shard to score, with everything
// its part's name and the check of a finished part depend on.
type Range struct {
	Run          string `json:"run"`
	File         int    `json:"file"`
	Part         int    `json:"part"`
	Input        string `json:"input"`
	ETag         string `json:"etag"`
	HeaderEnd    int64  `json:"header_end"`
	ModelVersion string `json:"model_version"`
	Span
}

// PartDone is a finished part's record, written after its data and errors
// objects: a part whose record matches its Range is not scored again.
type PartDone struct {
	Range       Range `json:"range"`
	Result      `json:"result"`
	Bytes       int64 `json:"bytes"`
	ErrorsBytes int64 `json:"errors_bytes"`
}

// PartResult is the score-range command's answer.
type PartResult struct {
	Part   int  `json:"part"`
	Reused bool `json:"reused"`
	Result
}

// partKey is where part p of file f of a run is kept; ext is ".csv",
// ".errors.csv" or ".json".
func partKey(run s3io.URI, f, p int, ext string) s3io.URI {
	return s3io.URI{Bucket: run.Bucket, Key: run.Key + fmt.Sprintf("parts/%05d/%05d%s", f, p, ext)}
}

// badRequest wraps a problem with a request.
func badRequest(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrShardRequest, fmt.Sprintf(format, args...))
}

// prefixURI parses an s3://BUCKET/PREFIX/ URI.
func prefixURI(what, uri string) (s3io.URI, error) {
	u, err := s3io.ParseURI(uri)
	if err != nil || (u.Key != "" && !strings.HasSuffix(u.Key, "/")) {
		return u, badRequest("%s %q: want s3://BUCKET/PREFIX/", what, uri)
	}
	return u, nil
}

// objectURI parses an s3://BUCKET/KEY URI naming an object.
func objectURI(what, uri string) (s3io.URI, error) {
	u, err := s3io.ParseURI(uri)
	if err != nil || u.Key == "" || strings.HasSuffix(u.Key, "/") {
		return u, badRequest("%s %q: want s3://BUCKET/KEY", what, uri)
	}
	return u, nil
}

// inputs lists the files a plan request names, with their outputs.
func inputs(ctx context.Context, c ShardClient, req PlanRequest) ([]RunFile, error) {
	if !strings.HasSuffix(req.Input, "/") {
		if _, err := objectURI("input", req.Input); err != nil {
			return nil, err
		}
		if _, err := objectURI("output", req.Output); err != nil {
			return nil, err
		}
		if req.Errors != "" {
			if _, err := objectURI("errors", req.Errors); err != nil {
				return nil, err
			}
		}
		return []RunFile{{Input: req.Input, Output: req.Output, Errors: req.Errors}}, nil
	}
	in, err := prefixURI("input", req.Input)
	if err != nil {
		return nil, err
	}
	out, err := prefixURI("output", req.Output)
	if err != nil {
		return nil, err
	}
	if req.Errors != "" {
		return nil, badRequest("errors %q: for a prefix input, each file's errors go beside its output as BASE.errors.csv", req.Errors)
	}
	var files []RunFile
	p := s3.NewListObjectsV2Paginator(c, &s3.ListObjectsV2Input{Bucket: &in.Bucket, Prefix: &in.Key})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, s3io.Explain(err, req.Input)
		}
		for _, o := range page.Contents {
			key := aws.ToString(o.Key)
			lower := strings.ToLower(key)
			if !strings.HasSuffix(lower, ".csv") || strings.HasSuffix(lower, ".out.csv") || strings.HasSuffix(lower, ".errors.csv") {
				continue
			}
			stem := strings.TrimSuffix(path.Base(key), key[len(key)-4:])
			dir := "s3://" + out.Bucket + "/" + out.Key
			files = append(files, RunFile{Input: "s3://" + in.Bucket + "/" + key, Output: dir + stem + ".out.csv", Errors: dir + stem + ".errors.csv"})
		}
	}
	if len(files) == 0 {
		return nil, badRequest("input %q: no .csv object under the prefix", req.Input)
	}
	return files, nil
}

// runName is the name of a run: the same inputs (by ETag), outputs, shard
// count and model name the same run, so a re-run finds its parts.
func runName(files []RunFile, shards int, version string) string {
	h := sha256.New()
	for _, f := range files {
		fmt.Fprintf(h, "%q %q %d %q %q\n", f.Input, f.ETag, f.Size, f.Output, f.Errors)
	}
	fmt.Fprintf(h, "%d %q", shards, version)
	return hex.EncodeToString(h.Sum(nil))[:20]
}

// PlanJob lists the request's inputs, cuts each into shards on record
// boundaries (one streamed read of each), and writes the manifest (one
// Range a line, JSONL) and run.json under the run's prefix.
func PlanJob(ctx context.Context, c ShardClient, m *model.Model, version string, req PlanRequest, now time.Time) (Plan, error) {
	if req.Shards < 1 || req.Shards > MaxShards {
		return Plan{}, badRequest("shards %d: want 1 to %d", req.Shards, MaxShards)
	}
	work, err := prefixURI("work", req.Work)
	if err != nil {
		return Plan{}, err
	}
	files, err := inputs(ctx, c, req)
	if err != nil {
		return Plan{}, err
	}
	layouts := make([]Layout, len(files))
	for i := range files {
		f := &files[i]
		if layouts[i], err = planFile(ctx, c, m, f, req.Shards); err != nil {
			return Plan{}, err
		}
		f.Parts = len(layouts[i].Spans)
	}
	run := s3io.URI{Bucket: work.Bucket, Key: work.Key + runName(files, req.Shards, version) + "/"}
	var manifest bytes.Buffer
	enc := json.NewEncoder(&manifest)
	n := 0
	for i, f := range files {
		for p, sp := range layouts[i].Spans {
			r := Range{Run: run.String(), File: i, Part: p, Input: f.Input, ETag: f.ETag, HeaderEnd: layouts[i].HeaderEnd, ModelVersion: version, Span: sp}
			if err := enc.Encode(r); err != nil {
				return Plan{}, fmt.Errorf("manifest: %w", err)
			}
			n++
		}
	}
	plan := Plan{Run: run.String(), ManifestBucket: run.Bucket, ManifestKey: run.Key + "manifest.jsonl", ResultsPrefix: run.Key + "results", Files: len(files), Ranges: n, ModelVersion: version, Started: now.UTC()}
	if err := put(ctx, c, s3io.URI{Bucket: run.Bucket, Key: plan.ManifestKey}, manifest.Bytes(), "application/jsonl"); err != nil {
		return Plan{}, err
	}
	rec, err := json.Marshal(Run{ModelVersion: version, Started: plan.Started, Files: files})
	if err != nil {
		return Plan{}, fmt.Errorf("run.json: %w", err)
	}
	if err := put(ctx, c, s3io.URI{Bucket: run.Bucket, Key: run.Key + "run.json"}, rec, "application/json"); err != nil {
		return Plan{}, err
	}
	return plan, nil
}

// planFile reads one input to the end to find its shards, and checks its
// header against the model.
func planFile(ctx context.Context, c ShardClient, m *model.Model, f *RunFile, shards int) (Layout, error) {
	u, _ := s3io.ParseURI(f.Input) // checked by inputs
	out, err := c.GetObject(ctx, &s3.GetObjectInput{Bucket: &u.Bucket, Key: &u.Key})
	if err != nil {
		return Layout{}, s3io.Explain(err, f.Input)
	}
	defer out.Body.Close()
	f.ETag, f.Size = aws.ToString(out.ETag), aws.ToInt64(out.ContentLength)
	l, err := Split(&readErr{r: out.Body, uri: f.Input}, f.Size, shards)
	if err != nil {
		if errors.Is(err, ErrNoHeader) {
			return Layout{}, fmt.Errorf("%s: %w: %w", f.Input, ErrBadRow, err)
		}
		return Layout{}, fmt.Errorf("%s: %w", f.Input, err)
	}
	header, err := getRange(ctx, c, f.Input, f.ETag, 0, l.HeaderEnd)
	if err != nil {
		return Layout{}, err
	}
	if err := CheckHeader(m, header); err != nil {
		return Layout{}, fmt.Errorf("%s: %w", f.Input, err)
	}
	return l, nil
}

// readErr names the object in a failure part-way through its stream.
type readErr struct {
	r   io.Reader
	uri string
}

func (r *readErr) Read(p []byte) (int, error) {
	n, err := r.r.Read(p)
	if err != nil && err != io.EOF {
		err = fmt.Errorf("read %s: %w", r.uri, err)
	}
	return n, err
}

// openRange streams bytes [from, to) of the object at uri, which must
// still have the ETag etag (empty: any).
func openRange(ctx context.Context, c s3io.Getter, uri, etag string, from, to int64) (io.ReadCloser, error) {
	if to <= from {
		return io.NopCloser(strings.NewReader("")), nil
	}
	u, err := s3io.ParseURI(uri)
	if err != nil {
		return nil, err
	}
	in := &s3.GetObjectInput{Bucket: &u.Bucket, Key: &u.Key, Range: aws.String(fmt.Sprintf("bytes=%d-%d", from, to-1))}
	if etag != "" {
		in.IfMatch = aws.String(etag)
	}
	out, err := c.GetObject(ctx, in)
	if err != nil {
		return nil, s3io.Explain(err, uri)
	}
	return out.Body, nil
}

// getRange reads bytes [from, to) of the object at uri.
func getRange(ctx context.Context, c s3io.Getter, uri, etag string, from, to int64) ([]byte, error) {
	rc, err := openRange(ctx, c, uri, etag, from, to)
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	b, err := io.ReadAll(rc)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", uri, err)
	}
	if int64(len(b)) != to-from {
		return nil, fmt.Errorf("read %s: bytes %d to %d: got %d bytes; the object changed?", uri, from, to, len(b))
	}
	return b, nil
}

// put writes a small object whole.
func put(ctx context.Context, c s3io.Uploader, u s3io.URI, body []byte, contentType string) error {
	_, err := c.PutObject(ctx, &s3.PutObjectInput{Bucket: &u.Bucket, Key: &u.Key, Body: bytes.NewReader(body),
		ContentLength: aws.Int64(int64(len(body))), ContentType: aws.String(contentType)})
	return s3io.Explain(err, u.String())
}

// getJSON reads a small JSON object into v; found is false when there is
// no such object.
func getJSON(ctx context.Context, c s3io.Getter, u s3io.URI, v any) (found bool, err error) {
	rc, err := s3io.Open(ctx, c, u.String())
	if errors.Is(err, s3io.ErrNotFound) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	defer rc.Close()
	if err := json.NewDecoder(io.LimitReader(rc, 64<<20)).Decode(v); err != nil {
		return true, fmt.Errorf("%s: %w", u, err)
	}
	return true, nil
}
