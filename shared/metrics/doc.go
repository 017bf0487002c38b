// Package metrics scores predictions against known targets: R², RMSE and
// MAE for regression; for classification, from class indices and rows of
// class probabilities, the scores scikit-learn gives (log loss, accuracy,
// balanced accuracy, Brier, ROC and PR AUC, F1, macro F1, per class), the
// curves and reliability bins a report draws, the class-prior baseline the
// quality gate compares with, and a binary decision threshold's choice. It
// is a leaf every stage shares (the search, the evaluation, the pusher's
// gate, the report and the served metadata), so it imports nothing of the
// project's.
package metrics
