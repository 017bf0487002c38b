// Package model is the trained predictor as one artifact: the input
// schema, the fitted transforms, the estimator and what produced them. It
// encodes to and decodes from model.json, verifies the artifact's sha256 on
// load, and predicts one row or a batch.
//
// Train and predict use this package as it is, so a model predicts the same
// in the training report, in the pusher's reload check and when served.
// What is built from a model to serve it (package explain's Explainer,
// the drift monitor) lives in those packages, built once per loaded model
// and held beside it, not here.
package model
