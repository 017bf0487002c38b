package main

// predictResponse is the student model's answer to one record, as the
// tests read it (the server writes it as targetAnswer, keyed by the
// model's target).
type predictResponse struct {
	MathScore    float64 `json:"math_score"`
	ModelVersion string  `json:"model_version"`
}
