package runner

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"reflect"
	"runtime"

	"github.com/aws/aws-lambda-go/lambda/messages"
	"github.com/aws/aws-lambda-go/lambdacontext"
)

// InvokePath is the route of the Lambda Invoke API as the Runtime Interface Emulator serves it.
const InvokePath = "/2015-03-31/functions/function/invocations"

// DefaultMaxInvokeBody is the largest invoke payload InvokeHandler accepts when given no limit: 6 MiB,
// Lambda's limit for a synchronous invocation.
const DefaultMaxInvokeBody int64 = 6 << 20

// functionError is Lambda's function error payload, as aws-lambda-go reports it to the runtime API and
// the Invoke API and the emulator return it: {"errorMessage": "...", "errorType": "..."}, with a
// stackTrace after a panic.
type functionError struct {
	Message    string       `json:"errorMessage"`
	Type       string       `json:"errorType"`
	StackTrace []stackFrame `json:"stackTrace,omitempty"`

	err error // what Invoke returns
}

// stackFrame is one frame of a panic's stackTrace.
type stackFrame struct {
	Path  string `json:"path"`
	Line  int32  `json:"line"`
	Label string `json:"label"`
}

// payload returns the JSON body of the error.
func (fe *functionError) payload() []byte {
	b, err := json.Marshal(fe)
	if err != nil {
		// Only strings and ints: cannot happen; keep the shape all the same.
		return []byte(`{"errorMessage":"cannot encode the function error","errorType":"Runtime.SerializationError"}`)
	}
	return b
}

// typeName names a value's type as aws-lambda-go's errorType does: the type's name, without the pointer.
func typeName(v any) string {
	t := reflect.TypeOf(v)
	if t == nil {
		return ""
	}
	if t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	return t.Name()
}

// errorFrom builds the function error Lambda reports for an error returned by the handler or the runtime.
func errorFrom(err error, stage string) *functionError {
	if ive, ok := err.(messages.InvokeResponse_Error); ok {
		fe := &functionError{Message: ive.Message, Type: ive.Type, err: fmt.Errorf("%s: %s: %s", stage, ive.Type, ive.Message)}
		for _, f := range ive.StackTrace {
			if f != nil {
				fe.StackTrace = append(fe.StackTrace, stackFrame{Path: f.Path, Line: f.Line, Label: f.Label})
			}
		}
		return fe
	}
	return &functionError{Message: err.Error(), Type: typeName(err), err: fmt.Errorf("%s: %w", stage, err)}
}

// errorFromPanic builds the function error Lambda reports when the handler panics with v.
func errorFromPanic(v any) *functionError {
	pcs := make([]uintptr, 32)
	n := runtime.Callers(3, pcs) // skip runtime.Callers, errorFromPanic and the deferred func
	frames := runtime.CallersFrames(pcs[:n])
	var stack []stackFrame
	for {
		f, more := frames.Next()
		stack = append(stack, stackFrame{Path: f.File, Line: int32(f.Line), Label: f.Function})
		if !more {
			break
		}
	}
	msg := fmt.Sprintf("%v", v)
	return &functionError{Message: msg, Type: typeName(v), StackTrace: stack, err: fmt.Errorf("handler panicked: %s", msg)}
}

// call runs h on payload the way aws-lambda-go's runtime loop does: the payload is decoded as one JSON
// value (an empty or malformed payload is a function error), a panic is recovered into a function error,
// and the result is JSON-encoded without HTML escaping or a trailing newline.
func call(ctx context.Context, h EventHandler, payload []byte) (out []byte, fe *functionError) {
	if h == nil {
		return nil, errorFrom(errors.New("handler is nil"), "handler")
	}
	var event json.RawMessage
	if err := json.NewDecoder(bytes.NewReader(payload)).Decode(&event); err != nil {
		return nil, errorFrom(err, "decode event")
	}
	defer func() {
		if v := recover(); v != nil {
			out, fe = nil, errorFromPanic(v)
		}
	}()
	resp, err := h(ctx, event)
	if err != nil {
		return nil, errorFrom(err, "handler")
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(resp); err != nil {
		return nil, errorFrom(err, "encode response")
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}

// Invoke runs h once on event and returns the marshalled response (what `FUNCTION invoke -event FILE`
// prints). The event is decoded and the response encoded as under Lambda; an empty or malformed event,
// an error from h and a panic in h are returned as errors that say which.
func Invoke(ctx context.Context, h EventHandler, event []byte) ([]byte, error) {
	out, fe := call(ctx, h, event)
	if fe != nil {
		return nil, fe.err
	}
	return out, nil
}

// InvokeHandler answers POST InvokePath with what h returns (JSON), like the Lambda Runtime Interface
// Emulator and the Lambda Invoke API: a handler error or panic gives status 200, the body
// {"errorMessage": "...", "errorType": "..."} that aws-lambda-go reports, and the header
// X-Amz-Function-Error: Unhandled (which AWS sends and the emulator drops). The payload is limited to
// maxBody bytes (DefaultMaxInvokeBody when maxBody <= 0); a larger one gets 413 and a JSON body
// {"error": "..."}, as does any other method than POST (405). The handler's context carries a
// lambdacontext.LambdaContext whose AwsRequestID is the X-Amzn-RequestId request header or a new UUID,
// echoed in the X-Amzn-RequestId response header.
func InvokeHandler(h EventHandler, maxBody int64) http.Handler {
	return &invoker{h: h, maxBody: maxBody}
}

// invoker is the http.Handler behind InvokeHandler; Server gives it a logger.
type invoker struct {
	h       EventHandler
	maxBody int64
	log     *slog.Logger // nil: no logging
}

func (iv *invoker) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		writeError(w, http.StatusMethodNotAllowed, fmt.Sprintf("method %s is not allowed on %s: use POST", r.Method, InvokePath))
		return
	}
	limit := iv.maxBody
	if limit <= 0 {
		limit = DefaultMaxInvokeBody
	}
	tooLarge := fmt.Sprintf("invoke payload is larger than %d bytes", limit)
	if r.ContentLength > limit {
		writeError(w, http.StatusRequestEntityTooLarge, tooLarge)
		return
	}
	payload, err := io.ReadAll(http.MaxBytesReader(w, r.Body, limit))
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			writeError(w, http.StatusRequestEntityTooLarge, tooLarge)
			return
		}
		writeError(w, http.StatusBadRequest, "read invoke payload: "+err.Error())
		return
	}

	id := r.Header.Get("X-Amzn-RequestId")
	if id == "" {
		id = newRequestID()
	}
	ctx := lambdacontext.NewContext(r.Context(), &lambdacontext.LambdaContext{AwsRequestID: id})
	out, fe := call(ctx, iv.h, payload)

	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("X-Amzn-RequestId", id)
	if fe != nil {
		if iv.log != nil {
			iv.log.ErrorContext(r.Context(), "function error", "request_id", id, "error_type", fe.Type, "error", fe.Message)
		}
		w.Header().Set("X-Amz-Function-Error", "Unhandled")
		w.WriteHeader(http.StatusOK)
		_, _ = w.Write(fe.payload()) // the client went away: nothing to do
		return
	}
	_, _ = w.Write(out)
}

// writeError answers with status and the JSON body {"error": msg}.
func writeError(w http.ResponseWriter, status int, msg string) {
	WriteJSON(w, status, map[string]string{"error": msg})
}

// WriteJSON answers with status and v as a JSON body on one line; a value
// that cannot be encoded becomes a 500 saying so. Both functions' HTTP
// handlers answer through it.
func WriteJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		status, b = http.StatusInternalServerError, []byte(`{"error":"encode response"}`)
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(append(b, '\n')) // the client went away: nothing to do
}

// newRequestID returns a random (version 4) UUID, the form of Lambda's request IDs.
func newRequestID() string {
	var b [16]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}

// ReadEvent reads the event of `FUNCTION invoke -event PATH`: a file, or
// stdin for "-", up to DefaultMaxInvokeBody bytes (Lambda's payload limit).
func ReadEvent(path string, stdin io.Reader) ([]byte, error) {
	const limit = DefaultMaxInvokeBody
	r := stdin
	if path != "-" {
		f, err := os.Open(path)
		if err != nil {
			return nil, fmt.Errorf("read event: %w", err)
		}
		defer f.Close()
		r = f
	}
	if r == nil {
		return nil, errors.New("read event: no standard input")
	}
	b, err := io.ReadAll(io.LimitReader(r, limit+1))
	if err != nil {
		return nil, fmt.Errorf("read event: %w", err)
	}
	if int64(len(b)) > limit {
		return nil, fmt.Errorf("read event: over %d bytes", limit)
	}
	return b, nil
}
