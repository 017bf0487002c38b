// Package metrics scores predictions against known targets: R², RMSE and
// MAE for regression. It is a leaf every stage shares (the search, the
// evaluation, the pusher's gate, the report and the served metadata), so it
// imports nothing of the project's.
package metrics
