"""The asyncio driver (the source of ``placeos/_sync``)."""
