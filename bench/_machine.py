"""The machine line every benchmark prints first, so figures can be compared across runs."""
import os
import platform
import sys


def machine_line() -> str:
    cpu = platform.processor() or "?"
    try:
        with open("/proc/cpuinfo") as f:
            cpu = next((l.split(":", 1)[1].strip() for l in f if l.startswith("model name")), cpu)
    except OSError:
        pass
    return (f"machine: {cpu} · {os.cpu_count()} cores · {platform.system()} {platform.release()} · "
            f"Python {sys.version.split()[0]}")
