"""The I/O loop. ``_async.py`` is the source; ``_sync.py`` is generated from it."""
