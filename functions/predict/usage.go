package main

import "github.com/studentperf/studentperf/shared/cli"

// commands are predict's subcommands, as -h lists them.
var commands = []cli.Command{
	{Name: "serve", Summary: "HTTP server on $PORT: the JSON API, the web form, Open Inference Protocol, health, metrics", Default: true},
	{Name: "invoke", Args: "-event FILE|-", Summary: "run the Lambda handler once on an event, print its response"},
	{Name: "batch", Args: "-in URI -out URI [-errors URI]", Summary: "score a CSV file or S3 object in constant memory"},
}
