package runner

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"strings"

	"github.com/aws/aws-lambda-go/events"
	"github.com/awslabs/aws-lambda-go-api-proxy/core"
	"github.com/awslabs/aws-lambda-go-api-proxy/httpadapter"
)

// EventHandler handles one raw Lambda event and returns the value to marshal as the response.
type EventHandler func(ctx context.Context, event json.RawMessage) (any, error)

// ErrUnrecognisedEvent is the cause of the *EventError that HTTPEvents returns for a well-formed event of
// any other kind (an SQS message, an S3 notification, a bare JSON value, ...). Test for it with errors.Is.
var ErrUnrecognisedEvent = errors.New("runner: unrecognised event: not an API Gateway REST, HTTP API or Function URL request")

// EventError reports an event that HTTPEvents cannot turn into an HTTP request: malformed JSON, an event
// of an unrecognised kind (its cause is then ErrUnrecognisedEvent), or a recognised event with a bad
// field. Under Lambda it becomes a function error whose errorType is "EventError".
type EventError struct {
	// Kind names what the event was taken for, such as "API Gateway REST (v1) event"; empty when the
	// event was not recognised or was not JSON.
	Kind string
	// Err is the problem found.
	Err error
}

// Error returns the kind, if any, and the problem.
func (e *EventError) Error() string {
	msg := "invalid event"
	if e.Err != nil {
		msg = e.Err.Error()
	}
	if e.Kind == "" {
		return msg
	}
	return e.Kind + ": " + msg
}

// Unwrap returns the problem, so errors.Is(err, ErrUnrecognisedEvent) and errors.As with
// *json.SyntaxError work.
func (e *EventError) Unwrap() error { return e.Err }

// eventKind is the shape HTTPEvents recognised in an event.
type eventKind int

const (
	kindUnknown     eventKind = iota
	kindRESTv1                // API Gateway REST API (and HTTP API payload format 1.0)
	kindHTTPv2                // API Gateway HTTP API, payload format 2.0
	kindFunctionURL           // Lambda function URL (payload format 2.0)
)

// String names the kind for error messages.
func (k eventKind) String() string {
	switch k {
	case kindRESTv1:
		return "API Gateway REST (v1) event"
	case kindHTTPv2:
		return "API Gateway HTTP API (v2) event"
	case kindFunctionURL:
		return "Function URL event"
	default:
		return "unrecognised event"
	}
}

// shape holds just the members that tell the event kinds apart. RawMessage members only record
// presence; their types are checked when the whole event is decoded into its aws-lambda-go type.
type shape struct {
	HTTPMethod     json.RawMessage `json:"httpMethod"`
	Version        json.RawMessage `json:"version"`
	RequestContext json.RawMessage `json:"requestContext"`
}

type shapeContext struct {
	ResourcePath json.RawMessage `json:"resourcePath"`
	Stage        json.RawMessage `json:"stage"`
	DomainName   json.RawMessage `json:"domainName"`
	HTTP         json.RawMessage `json:"http"`
}

type shapeHTTP struct {
	Method json.RawMessage `json:"method"`
}

// present reports whether a member was given with a non-null value.
func present(m json.RawMessage) bool {
	return len(m) > 0 && !bytes.Equal(m, []byte("null"))
}

// isObject reports whether m holds a JSON object (after leading white space).
func isObject(m json.RawMessage) bool {
	t := bytes.TrimLeft(m, " \t\r\n")
	return len(t) > 0 && t[0] == '{'
}

// classify tells the event kinds apart by shape: v2 and Function URL events have "version": "2.0" and
// requestContext.http.method, a Function URL's requestContext.domainName ending in
// ".lambda-url.<region>.on.aws"; v1 events have "httpMethod" and requestContext.resourcePath or stage.
// It returns an error only for malformed JSON.
func classify(event []byte) (eventKind, error) {
	if err := checkJSON(event); err != nil {
		return kindUnknown, err
	}
	if !isObject(event) {
		return kindUnknown, nil
	}
	var s shape
	if err := json.Unmarshal(event, &s); err != nil {
		// shape has only RawMessage members, so any JSON object fits; should that ever change, an event
		// that does not fit is simply not one of ours.
		return kindUnknown, nil
	}
	var rc shapeContext
	if !isObject(s.RequestContext) || json.Unmarshal(s.RequestContext, &rc) != nil {
		return kindUnknown, nil
	}
	var version string
	if json.Unmarshal(s.Version, &version) == nil && version == "2.0" && isObject(rc.HTTP) {
		var h shapeHTTP
		if json.Unmarshal(rc.HTTP, &h) == nil && present(h.Method) {
			var domain string
			if json.Unmarshal(rc.DomainName, &domain) == nil && isFunctionURLDomain(domain) {
				return kindFunctionURL, nil
			}
			return kindHTTPv2, nil
		}
	}
	if present(s.HTTPMethod) && (present(rc.ResourcePath) || present(rc.Stage)) {
		return kindRESTv1, nil
	}
	return kindUnknown, nil
}

// isFunctionURLDomain reports whether domain has the form "<url-id>.lambda-url.<region>.on.aws".
func isFunctionURLDomain(domain string) bool {
	id, rest, ok := strings.Cut(domain, ".lambda-url.")
	if !ok || id == "" {
		return false
	}
	region, ok := strings.CutSuffix(rest, ".on.aws")
	return ok && region != "" && !strings.Contains(region, ".")
}

// checkJSON returns an error naming the problem when event is not one well-formed JSON value.
func checkJSON(event []byte) error {
	if len(bytes.TrimSpace(event)) == 0 {
		return errors.New("malformed event JSON: empty event")
	}
	if json.Valid(event) {
		return nil
	}
	// json.Valid does not say why; decoding into a RawMessage does, with the offset.
	var v json.RawMessage
	err := json.Unmarshal(event, &v)
	if err == nil {
		err = errors.New("not a single JSON value")
	}
	var syn *json.SyntaxError
	if errors.As(err, &syn) {
		return fmt.Errorf("malformed event JSON: %w (at byte %d)", err, syn.Offset)
	}
	return fmt.Errorf("malformed event JSON: %w", err)
}

// HTTPEvents adapts h so Lambda events from API Gateway REST (v1), HTTP API (v2) and Function URL reach
// it, using aws-lambda-go-api-proxy (httpadapter.New for v1, httpadapter.NewV2 for v2 and Function URL).
//
// The kind is told apart by the event's shape (the package's testdata has one of each): a v2 event has
// "version": "2.0" and requestContext.http.method, and is a Function URL event when its
// requestContext.domainName ends in ".lambda-url.<region>.on.aws"; otherwise a v1 event has "httpMethod"
// and requestContext.resourcePath or requestContext.stage. The handler returns an
// events.APIGatewayProxyResponse for a v1 event and an events.APIGatewayV2HTTPResponse for a v2 or
// Function URL event. Any other event, malformed JSON, or a recognised event with a bad field (wrong
// JSON type, invalid method, path or base64 body) gives a *EventError; no input makes it panic. A handler
// that writes nothing answers 200 with an empty body, as net/http would.
func HTTPEvents(h http.Handler) EventHandler {
	if h == nil {
		h = http.NotFoundHandler()
	}
	h = defaultStatus(h)
	v1 := httpadapter.New(h)
	v2 := httpadapter.NewV2(h)
	return func(ctx context.Context, event json.RawMessage) (any, error) {
		kind, err := classify(event)
		if err != nil {
			return nil, &EventError{Err: err}
		}
		switch kind {
		case kindRESTv1:
			var req events.APIGatewayProxyRequest
			if err := json.Unmarshal(event, &req); err != nil {
				return nil, &EventError{Kind: kind.String(), Err: fmt.Errorf("decode: %w", err)}
			}
			if err := checkRequest(req.HTTPMethod, req.Path, "", req.RequestContext.DomainName, req.Body, req.IsBase64Encoded); err != nil {
				return nil, &EventError{Kind: kind.String(), Err: err}
			}
			resp, err := v1.ProxyWithContext(ctx, req)
			if err != nil {
				return nil, fmt.Errorf("%s: proxy: %w", kind, err)
			}
			return resp, nil
		case kindHTTPv2, kindFunctionURL:
			var req events.APIGatewayV2HTTPRequest
			if err := json.Unmarshal(event, &req); err != nil {
				return nil, &EventError{Kind: kind.String(), Err: fmt.Errorf("decode: %w", err)}
			}
			path := req.RawPath
			if path == "" {
				path = req.RequestContext.HTTP.Path
			}
			if err := checkRequest(req.RequestContext.HTTP.Method, path, req.RawQueryString, req.RequestContext.DomainName, req.Body, req.IsBase64Encoded); err != nil {
				return nil, &EventError{Kind: kind.String(), Err: err}
			}
			resp, err := v2.ProxyWithContext(ctx, req)
			if err != nil {
				return nil, fmt.Errorf("%s: proxy: %w", kind, err)
			}
			return resp, nil
		default:
			return nil, &EventError{Err: ErrUnrecognisedEvent}
		}
	}
}

// checkRequest finds, before the adapter does, every problem that would make it fail to build the
// http.Request. The adapter would print such failures to stdout, which `invoke` uses for its result,
// and its messages do not name the field at fault.
func checkRequest(method, path, rawQuery, domain, body string, isBase64 bool) error {
	if method == "" {
		return errors.New("missing HTTP method")
	}
	if !validMethod(method) {
		return fmt.Errorf("invalid HTTP method %q", method)
	}
	if isBase64 {
		if _, err := base64.StdEncoding.DecodeString(body); err != nil {
			return fmt.Errorf("isBase64Encoded is true but the body is not valid base64: %w", err)
		}
	}
	// The adapter builds the URL as below (GO_API_HOST replaces the scheme and domain when set).
	server := "https://" + domain
	if custom, ok := os.LookupEnv(core.CustomHostVariable); ok {
		server = custom
	}
	if !strings.HasPrefix(path, "/") {
		path = "/" + path
	}
	raw := server + path
	if rawQuery != "" {
		raw += "?" + rawQuery
	}
	if _, err := url.Parse(raw); err != nil {
		return fmt.Errorf("invalid request URL (domain %q, path %q, query %q): %w", domain, path, rawQuery, err)
	}
	return nil
}

// validMethod reports whether m is an HTTP token (RFC 9110, section 5.6.2), as http.NewRequest requires.
func validMethod(m string) bool {
	for _, c := range []byte(m) {
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		case strings.IndexByte("!#$%&'*+-.^_`|~", c) >= 0:
		default:
			return false
		}
	}
	return m != ""
}

// defaultStatus makes a response that h never wrote a 200 with an empty body, as net/http does; the
// adapter would otherwise fail with "Status code not set on response".
func defaultStatus(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		sw := &statusWriter{ResponseWriter: w}
		h.ServeHTTP(sw, r)
		if !sw.wrote {
			w.WriteHeader(http.StatusOK)
		}
	})
}

// statusWriter records whether the status line was written.
type statusWriter struct {
	http.ResponseWriter
	wrote bool
}

func (w *statusWriter) WriteHeader(code int) {
	w.wrote = true
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(p []byte) (int, error) {
	w.wrote = true
	return w.ResponseWriter.Write(p)
}

// Flush passes the flush on when the wrapped writer supports it (the adapter's buffer whole responses).
func (w *statusWriter) Flush() {
	if f, ok := w.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

// Unwrap lets http.ResponseController reach the adapter's writer.
func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }
