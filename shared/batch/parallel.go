package batch

import (
	"context"
	"fmt"
	"io"
	"runtime"
	"sync"
	"time"

	"github.com/studentperf/studentperf/shared/dataset"
	"github.com/studentperf/studentperf/shared/model"
)

// DefaultSpanBytes is the size of the pieces ScoreParallel cuts its input
// into, unless Options.SpanBytes says otherwise.
const DefaultSpanBytes = 1 << 20

// ScoreParallel is Score on Options.Workers cores: it reads r once, cuts
// the data after the header into spans of about Options.SpanBytes at
// record boundaries (dataset.Cuts, which follows the reader's quotes),
// scores the spans concurrently and writes their outputs in order, so w
// and the errors file receive exactly the bytes Score writes, and a job
// without an errors file stops at the first bad row in file order, with
// Score's error. At most a window of spans (about 2 per worker) is held
// at once, so memory stays bounded whatever the input's size. A shard
// (Options.Lines or NoHeader set) and an input whose header the model
// refuses go to Score as they are.
func ScoreParallel(ctx context.Context, m *model.Model, r io.Reader, w io.Writer, o Options) (Result, error) {
	if o.Lines > 0 || o.NoHeader {
		return Score(ctx, m, r, w, o)
	}
	workers := o.Workers
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	spanBytes := o.SpanBytes
	if spanBytes <= 0 {
		spanBytes = DefaultSpanBytes
	}
	ctx, cancel := context.WithCancel(ctx)
	var wg sync.WaitGroup
	defer wg.Wait()
	defer cancel()
	p := &producer{
		rec: &recorder{r: r}, spanBytes: int64(spanBytes),
		header: make(chan []byte), proceed: make(chan bool),
		order: make(chan *spanJob, 2*workers), jobs: make(chan *spanJob),
		free: make(chan []byte, 2*workers+2), outFree: make(chan []byte, 2*workers+2),
	}
	wg.Go(func() { p.run(ctx) })
	header, ok := <-p.header
	var sc *spanScorer
	if ok && CheckHeader(m, header) == nil {
		sc, _ = newSpanScorer(m, header, o.Errors != nil) // cannot fail: CheckHeader read the same header
	}
	if sc == nil {
		// Score says what is wrong, from the bytes read so far and the rest.
		if ok {
			p.proceed <- false
		}
		wg.Wait()
		return Score(ctx, m, io.MultiReader(p.rec.consumed(), r), w, o)
	}
	p.proceed <- true
	for i := range workers {
		s := sc
		if i > 0 {
			s, _ = newSpanScorer(m, header, o.Errors != nil)
		}
		wg.Go(func() {
			for job := range p.jobs {
				job.done <- s.score(ctx, job.data, job.line, p.outBuf(len(job.data)))
			}
		})
	}
	return writeSpans(ctx, p, sc.rr.Header(), OutputColumn(m.Target, sc.rr.Header()), w, o)
}

// writeSpans writes the outputs' headers, then each span's lines as they
// come, in order, and sums the spans' counts; the first span that failed
// ends the job with its error.
func writeSpans(ctx context.Context, p *producer, header []string, col string, w io.Writer, o Options) (Result, error) {
	var res Result
	buf, errs, err := startOutputs(nil, header, col, o)
	if err != nil {
		return res, err
	}
	if errs != nil {
		if errs.Flush(); errs.Error() != nil {
			return res, fmt.Errorf("write errors: %w", errs.Error())
		}
	}
	if _, err := w.Write(buf); err != nil {
		return res, fmt.Errorf("write: %w", err)
	}
	start, last := time.Now(), time.Now()
	every := o.ProgressEvery
	if every <= 0 {
		every = 5 * time.Second
	}
	for job := range p.order {
		if job.err != nil {
			return res, job.err
		}
		var r spanResult
		select {
		case r = <-job.done:
		case <-ctx.Done():
			return res, ctx.Err()
		}
		res.Rows, res.Scored, res.Bad = res.Rows+r.res.Rows, res.Scored+r.res.Scored, res.Bad+r.res.Bad
		if err := writeSpan(r, w, o.Errors); err != nil {
			return res, err
		}
		if r.err != nil {
			return res, r.err
		}
		p.recycle(p.free, job.buf)
		p.recycle(p.outFree, r.out)
		if o.Progress != nil && time.Since(last) >= every {
			last = time.Now()
			o.Progress(res.Rows, last.Sub(start))
		}
	}
	if err := ctx.Err(); err != nil {
		return res, err
	}
	if o.Progress != nil {
		o.Progress(res.Rows, time.Since(start))
	}
	return res, nil
}

// writeSpan writes one span's lines.
func writeSpan(r spanResult, w, errs io.Writer) error {
	if _, err := w.Write(r.out); err != nil {
		return fmt.Errorf("write: %w", err)
	}
	if errs != nil && len(r.errs) > 0 {
		if _, err := errs.Write(r.errs); err != nil {
			return fmt.Errorf("write errors: %w", err)
		}
	}
	return nil
}

// spanJob is one span on its way to a worker and to the writer.
type spanJob struct {
	data []byte // the span's records
	buf  []byte // the buffer data lies in, for reuse once written
	line int    // lines of the file before data
	err  error  // a failure reading the input, in place of a span
	done chan spanResult
}

// producer reads the input once, through dataset.Cuts, and hands out its
// header, then spans of whole records in order.
type producer struct {
	rec       *recorder
	spanBytes int64
	header    chan []byte // the header's bytes; closed without one for an input with no record
	proceed   chan bool   // whether to go on after the header
	order     chan *spanJob
	jobs      chan *spanJob
	free      chan []byte // buffers of written spans
	outFree   chan []byte // buffers of written outputs
}

// run cuts the input until its end, a read failure or ctx's end.
func (p *producer) run(ctx context.Context) {
	defer close(p.order)
	defer close(p.jobs)
	var from dataset.Cut // the start of the span being gathered
	first := true
	for c, err := range dataset.Cuts(p.rec) {
		if err != nil && first {
			close(p.header) // Score reads the input again and fails as it must
			return
		}
		if err != nil {
			p.send(ctx, &spanJob{err: fmt.Errorf("read: %w", err)})
			return
		}
		if first {
			first = false
			p.header <- append([]byte(nil), p.rec.buf[:c.Offset]...)
			if !<-p.proceed {
				return
			}
			from = c
			p.rec.restart(c.Offset, p.newBuf())
			continue
		}
		if c.Offset-from.Offset < p.spanBytes {
			continue
		}
		if !p.emit(ctx, from, c.Offset) {
			return
		}
		from = c
	}
	if first {
		close(p.header)
		return
	}
	if end := p.rec.base + int64(len(p.rec.buf)); end > from.Offset {
		p.emit(ctx, from, end)
	}
}

// emit sends the span [from, end) and starts gathering the next in a
// fresh buffer.
func (p *producer) emit(ctx context.Context, from dataset.Cut, end int64) bool {
	buf := p.rec.buf
	job := &spanJob{data: buf[from.Offset-p.rec.base : end-p.rec.base], buf: buf, line: from.Line, done: make(chan spanResult, 1)}
	p.rec.restart(end, p.newBuf())
	return p.send(ctx, job)
}

// send queues a job for the writer and, unless it is a failure, for a
// worker.
func (p *producer) send(ctx context.Context, job *spanJob) bool {
	select {
	case p.order <- job:
	case <-ctx.Done():
		return false
	}
	if job.err != nil {
		return false
	}
	select {
	case p.jobs <- job:
		return true
	case <-ctx.Done():
		return false
	}
}

// newBuf returns an empty buffer for a span, a written one when there is.
func (p *producer) newBuf() []byte {
	select {
	case b := <-p.free:
		return b[:0]
	default:
		return make([]byte, 0, p.spanBytes+p.spanBytes/8)
	}
}

// outBuf returns an empty buffer for the output of a span of n bytes.
func (p *producer) outBuf(n int) []byte {
	select {
	case b := <-p.outFree:
		return b[:0]
	default:
		return make([]byte, 0, n+n/4)
	}
}

// recycle offers a written span's buffer for reuse.
func (p *producer) recycle(free chan []byte, b []byte) {
	select {
	case free <- b:
	default:
	}
}

// recorder keeps the bytes read through it from base on.
type recorder struct {
	r    io.Reader
	buf  []byte
	base int64 // the offset of buf[0] in the stream
}

func (t *recorder) Read(b []byte) (int, error) {
	n, err := t.r.Read(b)
	t.buf = append(t.buf, b[:n]...)
	return n, err
}

// restart keeps the bytes from offset off on, moved into buf.
func (t *recorder) restart(off int64, buf []byte) {
	t.buf = append(buf, t.buf[off-t.base:]...)
	t.base = off
}

// consumed reads the bytes read so far (from base on, which is 0 until a
// span was cut).
func (t *recorder) consumed() io.Reader {
	return &sliceReader{b: t.buf}
}

// sliceReader reads a byte slice.
type sliceReader struct{ b []byte }

func (s *sliceReader) Read(p []byte) (int, error) {
	if len(s.b) == 0 {
		return 0, io.EOF
	}
	n := copy(p, s.b)
	s.b = s.b[n:]
	return n, nil
}
