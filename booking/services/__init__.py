"""Use cases: each loads, checks, calls the scheduling core, and commits once."""
