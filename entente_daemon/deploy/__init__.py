"""Deployment safety: what runs where, and whether a service version may join it.

`facts.py` holds what a decision reads (live versions, contracts, verification results),
already indexed; `decision.py` answers can-i-deploy and `matrix.py` builds the readiness
matrix, both pure, so that the local store and the broker give the same answers.
"""
