"""Classification schemes (+ their TOML): rules, classification, comparison, skærpet tilsyn, focus goals."""
