"""The package version."""

__version__ = "0.1.0.dev0"
"""The installed graphlink's version (PEP 440)."""
