"""Helpers every component family shares: identifiers (ARNs, account IDs), regions and
partitions, the one error type for bad input, and KMS keys with explicit policies."""
