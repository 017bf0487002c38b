package runner

import (
	"context"
	"errors"
	"os"

	"github.com/aws/aws-lambda-go/lambda"
)

// runtimeAPIEnv is the variable the Lambda service sets to the runtime API's address.
const runtimeAPIEnv = "AWS_LAMBDA_RUNTIME_API"

// IsLambda reports whether getenv("AWS_LAMBDA_RUNTIME_API") is set, i.e. whether the process runs
// under AWS Lambda (or the Runtime Interface Emulator) rather than as a local server. A nil getenv
// reports false.
func IsLambda(getenv func(string) string) bool {
	return getenv != nil && getenv(runtimeAPIEnv) != ""
}

// StartLambda hands h to aws-lambda-go's lambda.StartWithOptions with ctx as the base context of every
// invocation. It is the only place the lambda package is started.
//
// It returns an error only when it cannot start: h is nil, or AWS_LAMBDA_RUNTIME_API is not set (for
// which aws-lambda-go would end the process). Once started it does not return: when the runtime API
// fails (or ctx is cancelled while waiting for the next event), aws-lambda-go logs the error and exits
// the process with status 1, which makes Lambda start a new one.
func StartLambda(ctx context.Context, h EventHandler) error {
	if h == nil {
		return errors.New("start lambda: nil event handler")
	}
	// aws-lambda-go reads the process environment itself, so this check must read it too.
	if !IsLambda(os.Getenv) {
		return errors.New("start lambda: " + runtimeAPIEnv + " is not set: not running under AWS Lambda")
	}
	lambda.StartWithOptions(h, lambda.WithContext(ctx))
	return errors.New("start lambda: aws-lambda-go returned") // not reached: it exits the process
}
