"""Mock servers: answer requests from an OpenAPI spec.

A mock answers from approved fixtures, else from the spec's examples, else from data generated
from the response schema:

* :mod:`.generate` -- ``generate``/``generate_checked``: a value valid against a schema,
  deterministic for a seed; :mod:`.schemas`, :mod:`.flatten`, :mod:`.containers`,
  :mod:`.numbers`, :mod:`.strings` and :mod:`.patterns` are its parts.
* :mod:`.schema_validation` -- validation against OpenAPI 3.0 and 3.1 schema objects whose
  ``$ref`` point into the whole document, with format checks that really check.
"""
