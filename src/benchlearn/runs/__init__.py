"""Running analyses and recording them in the workspace (the runs the demo stores)."""
