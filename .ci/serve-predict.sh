# shellcheck shell=bash
# Sourced by the CI scripts that audit a running predict (lighthouse.sh,
# openapi-lint.sh): serve_predict DIR builds train and predict into DIR,
# trains a model on the embedded sample into DIR/store, starts predict on
# a free loopback port and waits until /readyz says a model is loaded. It
# sets server (the PID, for the caller's cleanup) and base (the URL), and
# calls the caller's fail on any error, with the log that explains it.

serve_predict() {
	local dir=$1
	go build -o "$dir/train" ./functions/train
	go build -o "$dir/predict" ./functions/predict
	"$dir/train" -store "$dir/store" >"$dir/train.log" 2>&1 ||
		{ cat "$dir/train.log" >&2; fail "training a model to serve failed"; }

	# A free loopback port: the kernel's choice, released just before use.
	local port
	port=$(node -e 'const s = require("net").createServer().listen(0, "127.0.0.1", () => { console.log(s.address().port); s.close() })') ||
		fail "could not pick a free port"
	base=http://127.0.0.1:$port
	PORT=127.0.0.1:$port MODEL_STORE=$dir/store LOG_LEVEL=warn "$dir/predict" serve 2>"$dir/predict.log" &
	server=$!
	for _ in $(seq 200); do
		curl -fsS -o /dev/null "$base/readyz" 2>/dev/null && return 0
		kill -0 "$server" 2>/dev/null || { cat "$dir/predict.log" >&2; fail "predict exited before it was ready"; }
		sleep 0.05
	done
	cat "$dir/predict.log" >&2
	fail "predict not ready within 10s at $base"
}
