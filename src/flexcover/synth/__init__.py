"""Synthetic populations and departmental datasets, drawn from published statistics."""
