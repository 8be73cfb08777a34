"""Models arrive with this app's first capability."""
