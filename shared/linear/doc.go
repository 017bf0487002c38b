// Package linear is the linear family of the model search: ordinary least
// squares, ridge, lasso and elastic net on a design matrix, cross-validated
// on the folds the search cuts and refitted on every row.
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
package linear
