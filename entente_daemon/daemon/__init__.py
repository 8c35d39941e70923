"""The Entente daemon: one asyncio process per user, made of small services.

Each service owns one resource and has ``start()``/``stop()``; `main.Daemon` assembles them
and owns signals and shutdown. In start order:

* `recorder.Recorder`: the store, held open for writing for the daemon's life; the only
  code that writes to it;
* `bus.EventBus`: numbers events (through the recorder), keeps recent ones, fans them out
  to subscribers with bounded queues;
* `projects.ProjectRegistry`: the attached projects, with ``on_project_attached`` hooks for
  the services that act on them (mock servers, watchers: a later step);
* `control.ControlServer`: the control API over the Unix socket (and optional loopback TCP).

This package's ``__init__`` imports nothing, so that `lifecycle` (start, stop, used by the
CLI) loads without the server.
"""
