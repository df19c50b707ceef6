"""Registers kept as CSV by the townships: normative documents (CASE_FORMAT §3), and
administrative penalties (§4). `csvio` reads and writes both formats."""
