"""Rules as code: dated regional parameters with their sources, and pure vectorised calculators.

Nothing here imports from the capability packages; only ``flexcover.kit``.
"""
