"""Model review (serviceeftersyn, issue #14): specifications side by side, and against a published benchmark."""
