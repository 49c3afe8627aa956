"""The rammevilkår benchmark: config, fit, results, uncertainty, ranks, published tables, resolver."""
