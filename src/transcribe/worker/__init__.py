"""The worker wing: what runs the queue's tasks, apart from the API.

- `app`: the procrastinate App with every domain's tasks registered
  (`procrastinate --app=transcribe.worker.app.app ...` works with it too);
- `main`: `python -m transcribe worker`, which rides out database restarts;
- `drain`: `python -m transcribe drain` / `drain-server`, for serverless containers;
- `runtime`: what the tasks share in a worker process (database pool, storage, engine);
- `housekeeping`: the periodic clean-up of what no domain's request path removes.

Importing this package does nothing by itself: the domain tasks import `runtime`.
"""
