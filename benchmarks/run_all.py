"""Run every benchmark (each in its own process, one after the other) and print the results as markdown.

    .venv/bin/python -m benchmarks.run_all [--only burst,render] [--quick] [--output results.md]

`--quick` shortens the month to 7 days and the CLI runs to 5 each (the targets are judged on the full runs).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from benchmarks.common import PYTHON, REPO, machine

BENCHMARKS: dict[str, tuple[str, list[str], list[str]]] = {
    # name: (module, arguments, quick arguments)
    "burst": ("benchmarks.bench_burst", [], []),
    "render": ("benchmarks.bench_render", [], []),
    "footprint": ("benchmarks.bench_footprint", [], []),
    "cli": ("benchmarks.bench_cli", [], ["--runs", "5"]),
    "month": ("benchmarks.bench_month", [], ["--days", "7"]),
    "dense": ("benchmarks.bench_dense", [], ["--runs", "2"]),
}


def run(name: str, quick: bool, directory: Path) -> tuple[dict[str, Any] | None, float]:
    module, arguments, quick_arguments = BENCHMARKS[name]
    output = directory / f"{name}.json"
    command = [PYTHON, "-m", module, *arguments, *(quick_arguments if quick else []), "--json", str(output)]
    print(f"\n=== {name}: {' '.join(command[1:])}", flush=True)
    started = time.perf_counter()
    done = subprocess.run(command, cwd=REPO)
    elapsed = time.perf_counter() - started
    if done.returncode != 0 or not output.exists():
        print(f"=== {name} failed (exit {done.returncode})", flush=True)
        return None, elapsed
    loaded: dict[str, Any] = json.loads(output.read_text(encoding="utf-8"))
    return loaded, elapsed


def cell(value: Any) -> str:
    text = json.dumps(value, ensure_ascii=False) if isinstance(value, list | dict) else str(value)
    return text.replace("|", "\\|")


def markdown(results: dict[str, tuple[dict[str, Any] | None, float]], info: dict[str, str]) -> str:
    lines = ["## Machine", "", "| | |", "| --- | --- |"]
    lines += [f"| {key} | {cell(value)} |" for key, value in info.items()]
    lines += ["", "## Targets", "", "| benchmark | target | result |", "| --- | --- | --- |"]
    for name, (data, _) in results.items():
        if data is None:
            lines.append(f"| {name} | (did not finish) | ERROR |")
            continue
        for target, passed in data["checks"].items():
            lines.append(f"| {name} | {cell(target)} | {'PASS' if passed else '**FAIL**'} |")
    for name, (data, elapsed) in results.items():
        lines += ["", f"## {name} ({elapsed:.0f} s)", "", "| metric | value |", "| --- | --- |"]
        if data is None:
            lines.append("| (did not finish) | |")
            continue
        lines += [f"| {cell(key)} | {cell(value)} |" for key, value in data["metrics"].items()]
        lines += [f"| note | {cell(note)} |" for note in data["notes"]]
    return "\n".join(lines) + "\n"


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--only", help="comma-separated subset of: " + ", ".join(BENCHMARKS))
    parser.add_argument("--quick", action="store_true", help="shorter month and fewer CLI runs")
    parser.add_argument("--output", help="also write the markdown to this file")
    args = parser.parse_args(argv)
    names = [n.strip() for n in args.only.split(",")] if args.only else list(BENCHMARKS)
    unknown = [n for n in names if n not in BENCHMARKS]
    if unknown:
        parser.error(f"unknown benchmark(s): {', '.join(unknown)}")
    info = machine()
    results: dict[str, tuple[dict[str, Any] | None, float]] = {}
    with tempfile.TemporaryDirectory(prefix="danvan-bench-") as tmp:
        for name in names:
            results[name] = run(name, args.quick, Path(tmp))
    text = markdown(results, info)
    print("\n" + text)
    if args.output:
        Path(args.output).write_text(text, encoding="utf-8")
    failed = any(data is None or not all(data["checks"].values()) for data, _ in results.values())
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
