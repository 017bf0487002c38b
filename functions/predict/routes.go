package main

import "net/http"

// addRoutes lists the whole HTTP API of predict, one line a route.
func addRoutes(mux *http.ServeMux, a *api) {
	r := router{mux: mux, a: a, methods: map[string][]string{}}
	r.handle("POST /predict", a.predict())
	r.handle("GET /{$}", a.form())
	r.handle("GET /predictdata", a.form())
	r.handle("POST /predictdata", a.predictForm())
	r.handle("GET /healthz", a.healthz())
	r.handle("GET /readyz", a.readyz())
	r.handle("GET /model", a.model())
	r.handle("GET /model/report", a.modelReport())
	r.handle("GET /model/drift", a.modelDrift())
	r.handle("GET /v2", a.oipServer())
	r.handle("GET /v2/health/live", a.oipLive())
	r.handle("GET /v2/health/ready", a.oipReady())
	r.handle("GET /v2/models/{model}", a.oipModel())
	r.handle("GET /v2/models/{model}/ready", a.oipModelReady())
	r.handle("POST /v2/models/{model}/infer", a.oipInfer())
	r.handle("GET /v2/models/{model}/versions/{version}", a.versioned(a.oipModel()))
	r.handle("GET /v2/models/{model}/versions/{version}/ready", a.versioned(a.oipModelReady()))
	r.handle("POST /v2/models/{model}/versions/{version}/infer", a.versioned(a.oipInfer()))
	r.handle("GET /v1/models/{model}", a.kserveReady())
	r.handle("POST /v1/models/{model}:predict", a.kservePredict())
	r.handle("GET /ping", a.readyz())
	r.handle("POST /invocations", a.invocations())
	r.handle("GET /metrics", a.metricsHandler())
	r.handle("GET /openapi.json", a.openAPI())
	r.fallbacks()
}
