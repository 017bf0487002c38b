// Package drift compares the inputs a model serves with its training
// data.
//
// Fit counts every feature of the training table into a Baseline, which
// train stores in model.json (Model.Training): per category, the rows of
// each level (of the MaxLevels most frequent, and of all others together,
// for a category of more levels) and the missing ones; per numeric
// feature, its range and the rows in each of up to ten bins cut at the
// training deciles, and the missing ones. The range is the training
// data's smallest and largest value, or the hard bounds the model's
// schema declares for the feature (the student scores' [0, 100]).
//
// A Monitor, made from a model's baseline and transform, counts served
// records with Observe: lock-free atomic adds on counters allocated once
// (a few per feature, whatever the number of levels), nothing allocated
// per record. Snapshot reports, per feature in schema order, the served
// and expected share of every level or bin and of missing values, the
// unseen categories and out-of-range numbers (counted apart, outside the
// shares; counted, not refused: refusing is the schema's business), and
// the population stability index
//
//	PSI = Σ (a - e) · ln(a / e)
//
// over the levels or bins and missing, a the served and e the training
// share, both raised to at least Epsilon. A feature whose PSI is above
// PSIThreshold (0.2) gets the warning WarnPSI and is listed in the
// report's Warnings, once it has MinRecords (100) records; before that
// the PSI is reported but too noisy to warn on.
//
// The report covers the records since the monitor was made, or since the
// last Reset, which returns the report of the window it closes. The
// Prometheus series are in package promdrift, so that the trainer does
// not link the Prometheus client.
package drift
