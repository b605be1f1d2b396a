"""One module per area; each exposes its policies as module-level constants."""
