// Command echofn is a tiny function for lambdatest's own tests: under Lambda (or the Runtime Interface
// Emulator) it answers API Gateway REST, HTTP API and Function URL events through runner.HTTPEvents;
// otherwise it serves the same handler on $PORT (default 8080) with the invoke route. Every response
// echoes the request (see package echo), with the header X-Echo-Name: $ECHO_NAME.
package main

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"syscall"

	"github.com/studentperf/studentperf/shared/runner"
	"github.com/studentperf/studentperf/shared/testkit/lambdatest/internal/echo"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Getenv); err != nil {
		fmt.Fprintln(os.Stderr, "echofn:", err)
		os.Exit(1)
	}
}

// run starts the function under Lambda or as a local server, as getenv tells.
func run(ctx context.Context, getenv func(string) string) error {
	routes := echo.Handler(getenv("ECHO_NAME"))
	events := runner.HTTPEvents(routes)
	if runner.IsLambda(getenv) {
		return runner.StartLambda(ctx, events)
	}
	port := getenv("PORT")
	if port == "" {
		port = "8080"
	}
	addr, err := runner.ParseAddr(port)
	if err != nil {
		return fmt.Errorf("PORT: %w", err)
	}
	srv := &runner.Server{
		Addr:    addr,
		Handler: routes,
		Events:  events,
		Logger:  slog.New(slog.NewTextHandler(os.Stderr, nil)),
	}
	return srv.ListenAndServe(ctx)
}
