"""The machine line every benchmark prints first, so figures can be compared across runs."""
import os
import platform
import sys


def machine_line() -> str:
    cpu = platform.processor() or "?"
    try:
        with open("/proc/cpuinfo") as f:
            cpu = next((line.split(":", 1)[1].strip() for line in f if line.startswith("model name")), cpu)
    except OSError:
        pass
    return (f"machine: {cpu} · {os.cpu_count()} cores · {platform.system()} {platform.release()} · "
            f"Python {sys.version.split()[0]}")


PG_SERVER = "postgresql://postgres@127.0.0.1:5432"


class scratch_postgresql:
    """`with scratch_postgresql() as url:` a fresh database on the local server, dropped afterwards.

    `url` is None (and the reason printed) when no server is reachable.
    """

    def __enter__(self):
        import secrets
        try:
            import psycopg
            self.admin = psycopg.connect(f"{PG_SERVER}/postgres", autocommit=True, connect_timeout=3)
        except Exception as exc:  # any failure to connect means: not reachable
            print(f"postgresql  skipped: not reachable at 127.0.0.1:5432 ({exc})")
            self.admin = None
            return None
        self.name = f"yifa_bench_{secrets.token_hex(4)}"
        self.admin.execute(f'CREATE DATABASE "{self.name}"')
        return f"{PG_SERVER}/{self.name}"

    def __exit__(self, *exc):
        if self.admin is not None:
            self.admin.execute(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')
            self.admin.close()
        return False


def peak_mib() -> float:
    """This process's peak resident memory so far, in MiB."""
    import resource
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def run_phase(script: str, *args: str) -> dict:
    """Run `script --phase ARGS…` in a fresh process (its own peak memory) and read its JSON line."""
    import json
    import subprocess
    from pathlib import Path
    root = Path(__file__).resolve().parents[1]
    out = subprocess.run([sys.executable, script, "--phase", *args], capture_output=True, text=True,
                         cwd=root, check=True)
    return json.loads(out.stdout)
