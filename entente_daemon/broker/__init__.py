"""The broker a team runs: one shared record of specs, interactions, verifications, fixtures
and deployments, behind an HTTP API (``/api/v1/``) with API keys, on SQLite or PostgreSQL.

Stateless processes: every coordination is in the database (unique keys with ON CONFLICT DO
NOTHING, the event cursor from an autoincrement), so several processes serve one database.
"""
