// Package features turns raw records into the numeric design matrix a
// regressor sees, with transforms fitted on training rows only and saved
// inside the model.
//
// The transforms mirror the Python original's scikit-learn pipeline so that
// results can be compared with it: scores are imputed with the training
// median and standardised (mean 0, population standard deviation 1);
// categories are one-hot encoded over the levels seen in training
// (sorted), a missing value read as the column's missing level where the
// training rows had missing cells (a level of its own, see Categorical)
// and imputed with the most frequent training level where they had none;
// and each indicator column is divided by its standard deviation without
// centring (StandardScaler(with_mean=False)). Output columns are the scores in
// schema order, then each category's indicators.
//
// Category matching at prediction time is exact first; failing that, the
// value is trimmed of surrounding spaces and compared ignoring case
// (Categorical.Lookup). A table's category codes become a transform's level
// indices in one place, Transform.Codes, which the design matrix and the
// tree families' input both start from.
package features
