"""Pact interoperability: recorded contracts written as pact files (`writing`, with the
matching-rule choice of `loosening`), pact files (V2, V3, V4) read (`reading`) and stored as
recorded contract interactions (`recorded`), and the thin I/O over the records port
(`files`). Verification honours an imported interaction's matching rules through
`entente_daemon.compare.matching_rules`.
"""
