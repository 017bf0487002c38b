package s3io

import (
	"errors"
	"fmt"
	"net"
	"net/http"
	"strings"

	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/smithy-go"
)

// Kinds of failure Explain tells apart, for callers that map them to exit
// codes or HTTP statuses (errors.Is).
var (
	ErrNotFound     = errors.New("s3io: not found")
	ErrAccessDenied = errors.New("s3io: access denied")
	ErrCredentials  = errors.New("s3io: no usable AWS credentials")
	ErrRegion       = errors.New("s3io: wrong region")
	ErrUnreachable  = errors.New("s3io: S3 unreachable")
	ErrPrecondition = errors.New("s3io: precondition failed")
)

// Error is an S3 failure explained: what was asked of which object, the
// kind, and the service's own words.
type Error struct {
	URI    string
	Kind   error  // one of the Err... values above, or nil when unknown
	Detail string // what to do, or the service's message
	Err    error  // the SDK's error
}

func (e *Error) Error() string {
	kind := "S3 request failed"
	if e.Kind != nil {
		// The URI says where the message comes from; the kind needs no
		// package prefix after it.
		kind = strings.TrimPrefix(e.Kind.Error(), "s3io: ")
	}
	return oneLine(fmt.Sprintf("%s: %s: %s", e.URI, kind, e.Detail))
}

// Is makes errors.Is(err, ErrNotFound) and its kin work.
func (e *Error) Is(target error) bool { return e.Kind != nil && target == e.Kind }

func (e *Error) Unwrap() error { return e.Err }

// Explain turns an SDK error about uri into an *Error with a one-line
// message naming the URI. A nil err stays nil.
func Explain(err error, uri string) error {
	if err == nil {
		return nil
	}
	e := &Error{URI: uri, Err: err}
	var api smithy.APIError
	var resp *awshttp.ResponseError
	status := 0
	if errors.As(err, &resp) {
		status = resp.HTTPStatusCode()
	}
	code, msg := "", ""
	if errors.As(err, &api) {
		code, msg = api.ErrorCode(), api.ErrorMessage()
	}
	switch {
	case code == "NoSuchBucket":
		e.Kind, e.Detail = ErrNotFound, "the bucket does not exist"
	case code == "NoSuchKey" || code == "NotFound" && status == http.StatusNotFound:
		e.Kind, e.Detail = ErrNotFound, "no such object"
	case code == "PreconditionFailed" || code == "ConditionalRequestConflict" || status == http.StatusPreconditionFailed:
		e.Kind, e.Detail = ErrPrecondition, "the object changed since it was read ("+codeOr(code, status)+")"
	case code == "AuthorizationHeaderMalformed" || code == "PermanentRedirect" || code == "IncorrectEndpoint" ||
		status == http.StatusMovedPermanently || strings.Contains(msg, "region"):
		e.Kind, e.Detail = ErrRegion, "the bucket is in another region or endpoint; set AWS_REGION to the bucket's region ("+codeOr(code, status)+": "+msg+")"
	case code == "InvalidAccessKeyId" || code == "SignatureDoesNotMatch" || code == "ExpiredToken" || code == "InvalidToken":
		e.Kind, e.Detail = ErrCredentials, "the credentials were refused ("+code+"); check the access key, secret and session token in the SDK chain"
	case code == "AccessDenied" || code == "Forbidden" || status == http.StatusForbidden:
		e.Kind, e.Detail = ErrAccessDenied, "the credentials are not allowed this request ("+codeOr(code, status)+"); grant the role s3 access to this bucket and prefix"
	case isNoCredentials(err):
		e.Kind, e.Detail = ErrCredentials, "no credentials found in the SDK chain (environment, shared config, container or instance role)"
	case isUnreachable(err):
		e.Kind, e.Detail = ErrUnreachable, rootCause(err)
	case code != "":
		e.Detail = code + ": " + msg
	default:
		e.Detail = rootCause(err)
	}
	return e
}

func codeOr(code string, status int) string {
	if code != "" {
		return code
	}
	return fmt.Sprintf("HTTP %d", status)
}

func isNoCredentials(err error) bool {
	// The SDK wraps credential failures differently per provider; the
	// message is the stable part.
	s := err.Error()
	return strings.Contains(s, "failed to retrieve credentials") || strings.Contains(s, "no EC2 IMDS role found") ||
		strings.Contains(s, "get credentials")
}

func isUnreachable(err error) bool {
	var op *net.OpError
	var dns *net.DNSError
	return errors.As(err, &op) || errors.As(err, &dns) || strings.Contains(err.Error(), "connection refused") ||
		strings.Contains(err.Error(), "exceeded maximum number of attempts")
}

// rootCause is the innermost error's text: the SDK's wrappers repeat the
// operation name several times.
func rootCause(err error) string {
	for {
		u := errors.Unwrap(err)
		if u == nil {
			return err.Error()
		}
		err = u
	}
}

func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }
