"""The daemon's two-way sync with a remote broker: the outbox pushed, the event feed pulled.

`engine` does one push or one pull over a store and a `link.BrokerLink`; `service` runs
them in the daemon; `settings` says which broker and key; `backoff` and `conflicts` are the
pure rules (how long to wait, which fixture decision wins).
"""
