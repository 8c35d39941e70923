"""The Entente daemon: one asyncio process per user, made of small services.

Three rooms. ``services`` never import ``api``, and only `process.main` imports both (the
other ``process`` modules, settings and files, are leaves anyone may use); there is no
import cycle among the daemon's modules (``tests/daemon/test_imports.py``):

* ``services``: each owns one resource, has ``start()``/``stop()`` and knows nothing of
  HTTP; a request it refuses raises a `services.errors.DomainError` (not found, conflict,
  invalid, unavailable, failed);
* ``api``: the control API over the Unix socket (and optional loopback TCP): a tiny ASGI
  framework, the one route table (`api.routes`), the handlers by area, and `api.errors`,
  the one place a domain error becomes an HTTP status;
* ``process``: `process.main` builds every service, hooks them together and freezes the
  `api.context.ApiContext` the handlers receive; also the run folder, the lock, the logs
  and the settings.

The services, in start order (stopped in reverse):

* `services.store_writer.StoreWriter`: the store, held open for writing for the daemon's
  life; the only code that writes to it;
* `services.bus.EventBus`: numbers events (through the store writer), keeps recent ones, fans
  them out to subscribers with bounded queues;
* `services.mocks.MockService`: a mock per provider of each consumer project, reloaded when
  its spec changes;
* `services.test_runs.TestRunService`: test events reported by runners, and the projects'
  JUnit reports;
* `services.verification_launcher.VerifyLauncher`: ``entente verify`` processes the daemon
  starts (stopped with it), reporting to `services.verification_runs.VerificationRuns`;
* `services.projects.ProjectRegistry`: the attached projects, re-attached at start and when
  their config file changes, with ``on_project_changed`` hooks (the mocks, the test runs);
* `services.watcher.FileWatcher`: the one file watcher; the registry, the mocks and the test
  runs each subscribe with their own files;
* `api.control.ControlServer`: the control API, last, once everything it serves is up.

This package's ``__init__`` imports nothing, so that the client (`entente_daemon.client`,
which starts and stops the daemon) loads the few modules it needs without the server.
"""
