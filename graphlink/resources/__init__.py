"""Resource namespaces (``client.users``, ``client.groups``, ...).

The pure modules here build requests and parse answers; ``_async/`` holds the async
facades and ``_sync/`` their generated blocking twins.
"""
