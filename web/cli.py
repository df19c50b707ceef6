"""`yifa web run [--host H] [--port P] [--demo]`, `yifa web seed-demo`, `yifa web passwd USER`.

`run` serves the app with Werkzeug's threaded server and a job worker beside it (for trying it out and
for `make run`);
in production run gunicorn: `gunicorn -w 2 -b 127.0.0.1:8000 'web:create_app()'`.
"""
from __future__ import annotations

import argparse
from typing import Any

DEFAULT_HOST, DEFAULT_PORT = "127.0.0.1", 5000


def register(subparsers: Any) -> None:
    """Add the `web` command to the `yifa` parser's subparsers."""
    web = subparsers.add_parser("web", help="网页应用 / the web application")
    actions = web.add_subparsers(metavar="ACTION")
    run = actions.add_parser("run", help="启动网页应用 / serve the web application")
    run.add_argument("--host", default=DEFAULT_HOST)
    run.add_argument("--port", type=int, default=DEFAULT_PORT)
    run.add_argument("--demo", action="store_true", help="载入岳龙镇演示数据与演示账户 / seed the demo township and accounts")
    run.set_defaults(run=cmd_run)
    seed = actions.add_parser("seed-demo", help="载入演示数据（可重复执行）/ seed the demo data (idempotent)")
    seed.set_defaults(run=cmd_seed_demo)
    passwd = actions.add_parser("passwd", help="设置用户的登录密码 / set a user's sign-in password")
    passwd.add_argument("username")
    passwd.add_argument("--stdin", action="store_true", help="从标准输入读取密码 / read the password from stdin")
    passwd.set_defaults(run=cmd_passwd)


def _seed(app: Any) -> None:
    from web.db import get_engine
    from web.demo import describe_users, seed_demo
    with app.app_context():
        added = seed_demo(get_engine())
    print(f"演示数据：新增 {len(added)} 项 / demo data: {len(added)} added" + (f"（{', '.join(added)}）" if added else ""))
    print(describe_users())


def cmd_run(args: argparse.Namespace) -> int:
    from web import create_app
    app = create_app({"DEMO": True} if args.demo else None)
    if args.demo:
        _seed(app)
    print(f"yifa 依法：http://{args.host}:{args.port}/  （Ctrl-C 停止 / to stop）", flush=True)
    worker = None if app.config.get("JOBS_IMMEDIATE") else _start_worker(app)
    try:
        app.run(host=args.host, port=args.port, debug=False, use_reloader=False, threaded=True)
    finally:
        if worker is not None:
            worker.terminate()
            worker.wait(timeout=30)
    return 0


def _start_worker(app: Any) -> Any:
    """The job worker beside the development server (`yifa jobs worker`, its own process, the same
    instance and database), so `make run` needs nothing but Python; stopped with the server."""
    import os
    import subprocess
    import sys
    env = {**os.environ, "YIFA_INSTANCE": app.instance_path, "DATABASE_URL": app.config["DATABASE_URL"]}
    return subprocess.Popen([sys.executable, "-m", "engine.cli", "jobs", "worker", "--workers", "1",
                             "--log-level", "warning"], env=env,
                            stdout=subprocess.DEVNULL)


def cmd_seed_demo(args: argparse.Namespace) -> int:
    from web import create_app
    _seed(create_app())
    return 0


def _read_password(from_stdin: bool) -> str:
    import getpass
    import sys
    if from_stdin:
        return sys.stdin.readline().rstrip("\n")
    first = getpass.getpass("新密码 / new password: ")
    if getpass.getpass("再输入一次 / again: ") != first:
        from engine.core.errors import InputError
        raise InputError.single("<password>", "两次输入的密码不一致 / the two passwords differ", "password")
    return first


def cmd_passwd(args: argparse.Namespace) -> int:
    """Set a user's password (the first admin gets one this way: `yifa user add root --role admin`)."""
    from engine.accounts.use_cases import set_password
    from engine.store.db import ready_engine
    from engine.store.uow import UnitOfWork
    password = _read_password(args.stdin)
    engine = ready_engine()
    try:
        with UnitOfWork(engine) as uow:
            set_password(uow.session, args.username, password)
            uow.commit()
    finally:
        engine.dispose()
    print(f"已设置 {args.username} 的密码 / password set for {args.username}")
    return 0


def init_app(app: Any) -> None:
    """The same seeding as a Flask command: `flask --app web seed-demo` (and the tests' runner)."""
    import click

    @app.cli.command("seed-demo")
    def seed_demo_command() -> None:
        """Seed the demo township and accounts (idempotent)."""
        _seed(app)
        click.echo("ok")
