package dataset

import (
	"bytes"
	"io"
	"testing"
)

func BenchmarkRead(b *testing.B) {
	var buf bytes.Buffer
	if err := Generate(&buf, 100000, 1); err != nil {
		b.Fatal(err)
	}
	data := buf.Bytes()
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Read(bytes.NewReader(data), Students); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkGenerate(b *testing.B) {
	const rows = 100000
	var cw countWriter
	if err := Generate(&cw, rows, 1); err != nil {
		b.Fatal(err)
	}
	b.SetBytes(cw.n)
	b.ReportAllocs()
	for b.Loop() {
		if err := Generate(io.Discard, rows, 1); err != nil {
			b.Fatal(err)
		}
	}
}

type countWriter struct{ n int64 }

func (w *countWriter) Write(p []byte) (int, error) {
	w.n += int64(len(p))
	return len(p), nil
}
