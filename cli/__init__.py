"""Commands people run by hand."""
