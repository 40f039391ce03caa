"""flexcover: social insurance for flexible-employment and platform workers."""

__version__ = "0.1.0"
