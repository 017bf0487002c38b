// Package explain computes additive explanations of single predictions:
// baseline Shapley values (Sundararajan and Najmi, "The many Shapley
// values for model explanation", ICML 2020), exact wherever the model's
// form allows it at a bounded cost.
//
// The players are a model's p input features and the game is
//
//	v(S) = f(x_S, r_rest)
//
// the prediction for the record that takes the explained record x's value
// on the features in S and a single reference record r's value on the
// others. v(∅) = f(r) is the baseline and v(all) = f(x) the prediction. The
// Shapley values φ of that game are unique, exact (no background
// distribution) and efficient: Σφ = f(x) − f(r). A feature on which x
// equals r, or which f ignores, gets 0; features that play symmetric roles
// get equal values.
//
// Four algorithms compute them (Explainer.Method names the one used):
//
//   - Linear ("linear"): for f(x) = b + Σ_c w_c x_c, with each column c
//     owned by one feature, φ_j = Σ_{c owned by j} w_c (x_c − r_c), in
//     closed form, at any width.
//   - Tree and Ensemble ("tree_path"): one walk of a regression tree gives
//     its exact values (see Tree); a sum or mean of trees is the sum or mean
//     of its trees' values, at any width (past MaxFeatures features the walk
//     keeps lists instead of masks). Compiled finds what the walks find from
//     tables built once per ensemble and reference, a few times faster.
//   - Exact ("exact_enumeration"): any f over at most MaxExact features, by
//     evaluating v on all 2^p coalitions. It serves models that are not
//     additive in their trees (a weighted median of trees, k nearest
//     neighbours) and is the brute-force oracle for the others.
//   - Sample ("sampled_permutations"): those models over more than MaxExact
//     features, by averaging each feature's marginal contributions over a
//     fixed, seeded set of Permutations orders in antithetic pairs. An
//     estimate, deterministic, and still efficient: each order's
//     contributions telescope to v(all) − v(∅).
//
// Sets of features are bit masks: bit j set means feature j takes x's
// value.
//
// An Explainer puts them to work on a trained model.Model: New builds,
// once per model, what its explanations need (the reference record, the
// typical record of the training data; the linear columns; a tree
// ensemble's compiled tables; the sampled orders), and Explain then
// explains one record of raw inputs over the model's schema features.
// ExplainContext stops a long enumeration or sampling when its context
// ends, and Cost estimates one explanation's work, so that a server can
// bound what a request may ask for. A server builds the Explainer when a
// model version loads and keeps it with that version; the trainer builds
// one for the report's feature importance. Nothing here allocates but New,
// Compile, Explain's result (ExplainInto writes into the caller's slice)
// and the explanation of a model wider than MaxFeatures or sampled.
package explain
