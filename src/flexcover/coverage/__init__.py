"""精准扩面: the comparison engine (sources, matching, classification) and the expansion tasks it
hands to districts. See docs/coverage.md."""
