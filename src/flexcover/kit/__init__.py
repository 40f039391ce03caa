"""Shared building blocks: money, months, resident IDs, problem errors, pagination, audit.

Nothing in here imports from the capability packages.
"""
