// Package modelstore keeps versioned models: immutable version folders and
// a current.json pointer that is replaced atomically and written last.
//
// The layout is the same in a directory and under an S3 prefix:
//
//	{root}/{model}/versions/{version}/model.json
//	{root}/{model}/versions/{version}/metrics.json
//	{root}/{model}/versions/{version}/report.html
//	{root}/{model}/current.json
//
// Version names sort by creation time (see NewVersion).
package modelstore
