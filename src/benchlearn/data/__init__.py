"""Reading and validating input tables into a Dataset."""
