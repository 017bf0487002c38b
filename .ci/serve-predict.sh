# shellcheck shell=bash
# Sourced by the CI scripts that audit a running predict (lighthouse.sh,
# openapi-lint.sh): serve_predict DIR builds train and predict into DIR,
# trains a model on the embedded sample into DIR/store, starts predict on
# a free loopback port and waits until /readyz says a model is loaded. It
# sets server (the PID, for the caller's cleanup) and base (the URL), and
# calls the caller's fail on any error, with the log that explains it.
# serve_generic DIR (after serve_predict) does the same for a model of a
# generated table that is not the student data.

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

# generic_csv FILE writes a generated table that is not the student data
# (600 rows, computed from the row number so that every run writes the
# same bytes): an id inference ignores, a category of five levels (cut),
# one of 60 levels (colour: more than a drop-down shows; the price does not
# depend on it), two numbers and the target price.
generic_csv() {
	awk 'BEGIN {
		split("Fair,Good,Very Good,Premium,Ideal", cuts, ",")
		print "id,cut,colour,carat,depth,price"
		for (i = 0; i < 600; i++) {
			cut = i % 5; colour = (int(i / 5) * 7) % 60
			carat = 0.2 + ((i * 37) % 480) / 100; depth = 55 + ((i * 13) % 150) / 10
			price = 300 + 4000 * carat + 150 * cut - 20 * (depth - 60) + ((i * 7919) % 101) - 50
			printf "r%04d,%s,c%02d,%.2f,%.1f,%.2f\n", i, cuts[cut + 1], colour, carat, depth, price
		}
	}' >"$1"
}

# serve_generic DIR trains a model of generic_csv's table (target price)
# into DIR/store beside the student model (serve_predict first: it builds
# the binaries) and serves it from a second predict on a free loopback
# port. It sets generic_server (the PID) and generic_base (the URL).
serve_generic() {
	local dir=$1
	generic_csv "$dir/price.csv"
	"$dir/train" run -store "$dir/store" -data "$dir/price.csv" -target price >"$dir/train-price.log" 2>&1 ||
		{ cat "$dir/train-price.log" >&2; fail "training the generated price model failed"; }
	local port
	port=$(node -e 'const s = require("net").createServer().listen(0, "127.0.0.1", () => { console.log(s.address().port); s.close() })') ||
		fail "could not pick a free port"
	generic_base=http://127.0.0.1:$port
	PORT=127.0.0.1:$port MODEL_STORE=$dir/store MODEL_NAME=price LOG_LEVEL=warn "$dir/predict" serve 2>"$dir/predict-price.log" &
	generic_server=$!
	for _ in $(seq 200); do
		curl -fsS -o /dev/null "$generic_base/readyz" 2>/dev/null && return 0
		kill -0 "$generic_server" 2>/dev/null || { cat "$dir/predict-price.log" >&2; fail "predict (price) exited before it was ready"; }
		sleep 0.05
	done
	cat "$dir/predict-price.log" >&2
	fail "predict (price) not ready within 10s at $generic_base"
}
