"""Background jobs on a real queue (Huey): the dossier PDFs, and the periodic daily digest.

On one machine the queue is a SQLite file in the instance folder and `yifa web run` runs a worker
in its own process; across machines it is Redis (REDIS_URL) and `yifa jobs worker` runs beside
the app servers (docs/deploy.md). Nothing here imports Flask."""
