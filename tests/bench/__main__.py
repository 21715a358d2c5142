"""`make bench`: runs every tests/bench/bench_*.py and prints one table."""

import importlib
import os
import pkgutil
import sys
from pathlib import Path

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

import django  # noqa: E402

django.setup()


def main() -> int:
    import tests.bench as package

    only = set(sys.argv[1:])
    rows: list[dict] = []
    for info in sorted(pkgutil.iter_modules(package.__path__), key=lambda m: m.name):
        if not info.name.startswith("bench_") or (only and info.name not in only):
            continue
        module = importlib.import_module(f"tests.bench.{info.name}")
        print(f"running {info.name} …", file=sys.stderr, flush=True)
        rows.extend(module.run())
    if not rows:
        print("No benchmarks yet.")
        return 0
    header = ("benchmark", "value", "baseline", "ratio", "target", "ok")
    table = [header] + [
        (
            r["name"],
            f"{r['value']:.3g} {r.get('unit', '')}".strip(),
            f"{r['baseline']:.3g} {r.get('unit', '')}".strip()
            if r.get("baseline") is not None
            else "-",
            f"{r['ratio']:.2f}" if r.get("ratio") is not None else "-",
            r.get("target", "-"),
            {True: "yes", False: "NO", None: "-"}[r.get("ok")],
        )
        for r in rows
    ]
    widths = [max(len(str(row[i])) for row in table) for i in range(len(header))]
    for n, row in enumerate(table):
        print("  ".join(str(cell).ljust(w) for cell, w in zip(row, widths, strict=True)))
        if n == 0:
            print("  ".join("-" * w for w in widths))
    return 0 if all(r.get("ok") is not False for r in rows) else 1


if __name__ == "__main__":
    raise SystemExit(main())
