// Package runner runs an http.Handler or an event handler either under AWS Lambda or as a local HTTP
// server that also answers the Lambda invoke route.
//
// It is the one place that decides between the two (IsLambda reads AWS_LAMBDA_RUNTIME_API) and the only
// package that imports aws-lambda-go's lambda package, so HTTP handlers stay plain net/http code:
//
//	events := runner.HTTPEvents(routes)
//	if runner.IsLambda(getenv) {
//		return runner.StartLambda(ctx, events)
//	}
//	srv := &runner.Server{Addr: addr, Handler: routes, Events: events, Logger: logger}
//	return srv.ListenAndServe(ctx)
//
// Locally, the server answers POST InvokePath like the Lambda Runtime Interface Emulator, so the same
// sample events work with curl, `aws lambda invoke --endpoint-url`, the emulator and AWS; Invoke runs
// one event without a server.
package runner
