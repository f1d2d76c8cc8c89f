"""Faults and bad states found by the reliability probe (issue 10), each with real processes."""
