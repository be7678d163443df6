"""The facades.

This is the async source (``resources/_sync`` is generated from it: edit here).
"""
