"""Bottom layer: errors, words, periods, reference data, the data contract, progress."""
