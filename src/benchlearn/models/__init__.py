"""Statistical models: benchmark, uncertainty, ranks, peers, DEA, cell GLM."""
