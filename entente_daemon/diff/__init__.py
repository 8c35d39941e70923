"""Breaking-change detection between two versions of an OpenAPI spec (pure: no I/O).

`changes.py` is the shared vocabulary (`Change`, `Level`, `Side`, `Location`, `DiffReport`).
"""
