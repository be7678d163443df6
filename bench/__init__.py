"""graphlink's benchmarks: ``python -m bench`` (or ``nox -s bench``) runs them all.

Every figure is a median ratio against a baseline measured in the same run (raw httpx, a
plain dict walk, msgraph-sdk, O365), so the ratios hold on a shared machine where the
microseconds do not. See ``docs/performance.md`` for what each row measures.

- ``_runner``: the modes, the sizes, the table and the JSON.
- ``_startup``: import time and the first call, in fresh processes.
- ``_calls``: per-call overhead (from ``bench_transport``) and concurrency.
- ``_memory``: peak RSS paging a million users; installed footprint.
- ``_reused``: rows from ``bench_models``, ``bench_calendar``, ``bench_ratelimit`` and
  ``bench_batch`` (each still runnable alone).
- ``_competitors``: msgraph-sdk and O365 in the runner's own virtual environment.
- ``_server``: the loopback Graph stand-in; ``_procs``: fresh interpreters;
  ``_report``: rows, ratios, goals, the table.
"""
