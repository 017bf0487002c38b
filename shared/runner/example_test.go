package runner_test

import (
	"context"
	"fmt"
	"io"
	"net/http"

	"github.com/studentperf/studentperf/shared/runner"
)

func ExampleParseAddr() {
	for _, port := range []string{"8080", ":9000", "127.0.0.1:0", "eighty"} {
		addr, err := runner.ParseAddr(port)
		if err != nil {
			fmt.Println("error:", err)
			continue
		}
		fmt.Println(addr)
	}
	// Output:
	// :8080
	// :9000
	// 127.0.0.1:0
	// error: parse address "eighty": want a port number or host:port: address eighty: missing port in address
}

func ExampleInvoke() {
	routes := http.NewServeMux()
	routes.HandleFunc("GET /hello", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain")
		_, _ = io.WriteString(w, "hello, "+r.URL.Query().Get("name"))
	})
	events := runner.HTTPEvents(routes)

	// A (minimal) HTTP API event: the response is an HTTP API (v2) response.
	event := `{"version": "2.0", "rawPath": "/hello", "rawQueryString": "name=lambda",
		"requestContext": {"http": {"method": "GET", "path": "/hello"}}}`
	out, err := runner.Invoke(context.Background(), events, []byte(event))
	fmt.Println(string(out), err)

	// An SQS event is no HTTP request.
	_, err = runner.Invoke(context.Background(), events, []byte(`{"Records": [{"eventSource": "aws:sqs"}]}`))
	fmt.Println(err)
	// Output:
	// {"statusCode":200,"headers":{"Content-Type":"text/plain"},"multiValueHeaders":null,"body":"hello, lambda","cookies":[]} <nil>
	// handler: runner: unrecognised event: not an API Gateway REST, HTTP API or Function URL request
}
