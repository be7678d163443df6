"""The blocking driver, generated from ``placeos/_async`` by scripts/unasync.py."""
