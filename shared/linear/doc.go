// Package linear is the linear family of the model search: ordinary least
// squares, ridge, lasso and elastic net on a design matrix, and logistic
// regression for classification, cross-validated on the folds the search
// cuts and refitted on every row.
//
// The family (ordinary least squares, ridge, lasso and elastic net)
// is fitted from sufficient statistics: one pass over the rows accumulates,
// per cross-validation fold, the sums, cross-products and Gram matrix of the
// features and target. Every candidate's fold fits and validation scores
// then cost O(p³) each, whatever the number of rows, and they are exactly
// what fitting on the rows themselves would give (up to rounding). The
// rows may come as a matrix or as a Design read a row at a time in its
// compact form (dense numbers and one level per category), whose moments
// above DenseRows rows are summed from the compact rows in time and
// memory independent of the number of levels per row.
//
// The objectives follow scikit-learn so that results compare directly:
//
//	OLS:         min ‖y − b − Xw‖²                       (minimum-norm w)
//	Ridge:       min ‖y − b − Xw‖² + α‖w‖²
//	Elastic net: min ‖y − b − Xw‖²/(2n) + αρ‖w‖₁ + α(1−ρ)‖w‖²/2   (lasso: ρ = 1)
//
// A one-hot design with an intercept is collinear. OLS uses the
// minimum-norm solution, through a symmetric eigendecomposition of the
// centred Gram matrix with eigenvalues below 1e-10 of the largest dropped.
// Predictions do not depend on that choice: they equal those of a fit with
// one level per category dropped (to 1e-10). scikit-learn's
// LinearRegression on the same collinear design does not return the
// minimum-norm solution (its coefficients reach 1e13) and loses about 1e-3
// in its predictions to that; dropping a level there gives ours.
//
// Logistic regression (Logistic, FitLogistic, CrossValidateLogistic)
// minimises scikit-learn's LogisticRegression objective, the log loss
// summed over rows with an unpenalised intercept:
//
//	L2 ("logistic"):                C·Σ loss + ½‖W‖²
//	L1 ("logistic-l1"):             C·Σ loss + ‖W‖₁
//	Elastic net (l1_ratio ρ):       C·Σ loss + ρ‖W‖₁ + (1−ρ)/2·‖W‖²
//
// Two classes are one logit (the log-odds of class 1), more classes a
// multinomial softmax with a weight row per class whose intercepts sum to
// 0, as scikit-learn's solvers give them. The fits are Newton's method on
// the exact Hessian (L2) and proximal Newton with a coordinate descent
// inner solve (L1, elastic net), the approach of glmnet and liblinear's
// newGLMNET, each with a backtracking line search: a handful of steps,
// each costing one pass over the rows (O(n·k²·p²) for the Hessian) and a
// solve in the k·(p+1) parameters. They stop when the optimality
// conditions hold within 1e-9 on the objective divided by n·C, and fail
// with ErrNotConverged after 200 steps. On the public penguins and credit
// tables they reach scikit-learn's objective (solved there to tight
// tolerances) and its probabilities within 1e-7, and its coefficients
// within 1e-5 where they are unique (L2, elastic net; with L1 alone a
// two-level category's indicators can trade weight with the intercept at
// no cost): see logistic_reference_test.go.
package linear
