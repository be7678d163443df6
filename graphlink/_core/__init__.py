"""Pure decisions with no I/O: request specs, escaping, retry, errors, paging."""
