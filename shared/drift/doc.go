// Package drift compares the inputs a model serves with its training
// data: Fit counts every feature of the training table into a Baseline
// (stored in model.json), a Monitor counts the served records without
// locks, and its Report gives per feature the served and expected shares,
// the unseen categories and out-of-range scores, and the population
// stability index (PSI), with a warning for the features that drift.
package drift
