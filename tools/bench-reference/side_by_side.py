#!/usr/bin/env python3
"""Runs the PyTorch reference and the TypeScript harness case by case, alternating.

Before each measurement it waits until the machine has been idle (below 10 % busy
over two seconds), so that both sides see the same quiet machine. On a shared machine
that never gets quiet, `--nice` gives both sides the same higher priority. Each case runs
`--rounds` times on each side, and each side keeps its round with the lowest median.
Writes every record as JSON lines to `--out` and prints a table.

Run from the repository root after `pnpm install` (the harness needs built packages):
    /usr/bin/python3 tools/bench-reference/side_by_side.py --out /tmp/side-by-side.jsonl
"""

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
REFERENCE = ROOT / "tools" / "bench-reference" / "bench_reference.py"
HARNESS = ROOT / "packages" / "bench"
CASES = ["layer-4096-1x2691", "layer-4096-5x702", "layer-16384-1x16000", "layer-16384-5x2691", "step28-16384-1x16000"]


def busy_fraction(seconds=1.0):
    def read():
        fields = [int(x) for x in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
        idle = fields[3] + fields[4]
        return idle, sum(fields)

    idle0, total0 = read()
    time.sleep(seconds)
    idle1, total1 = read()
    return 1.0 - (idle1 - idle0) / max(1, total1 - total0)


def wait_quiet(limit_s):
    """Waits until two consecutive seconds are below 10 % busy; returns False on timeout."""
    deadline = time.time() + limit_s
    quiet = 0
    while time.time() < deadline:
        quiet = quiet + 1 if busy_fraction() < 0.10 else 0
        if quiet >= 2:
            return True
    return False


def run_json(command, cwd):
    output = subprocess.run(command, cwd=cwd, check=True, capture_output=True, text=True).stdout
    return [json.loads(line) for line in output.splitlines() if line.startswith("{")]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--case", action="append", choices=CASES, help="case (repeatable); default: all")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--threads", type=int, default=2, help="threads on both sides (default 2)")
    parser.add_argument("--quiet-wait", type=float, default=600, help="seconds to wait for an idle machine before each run")
    parser.add_argument("--nice", type=int, default=0, help="niceness of both benchmark processes (negative needs root)")
    parser.add_argument("--out", required=True, help="JSON lines file for every record")
    args = parser.parse_args()

    best = {}
    with open(args.out, "w", encoding="utf8") as out:
        for name in args.case or CASES:
            runs = max(3, args.runs // 2) if name.startswith("step28") else args.runs
            sides = {
                "pytorch": ([sys.executable, str(REFERENCE), "--json", "--profile", "--case", name, "--runs", str(runs), "--threads", str(args.threads)], ROOT),
                "fast-cpu": (["pnpm", "exec", "tsx", "src/main.ts", "--json", "--profile", "--case", name, "--runs", str(runs), "--threads", str(args.threads)], HARNESS),
            }
            for round_index in range(args.rounds):
                for side, (command, cwd) in sides.items():
                    quiet = wait_quiet(args.quiet_wait)
                    if args.nice != 0:
                        command = ["nice", "-n", str(args.nice), *command]
                    for record in run_json(command, cwd):
                        record.update({"side": side, "round": round_index, "quiet": quiet, "nice": args.nice})
                        out.write(json.dumps(record) + "\n")
                        out.flush()
                        key = (name, side)
                        if key not in best or record["medianMs"] < best[key]["medianMs"]:
                            best[key] = record
            pytorch, fast = best[(name, "pytorch")], best[(name, "fast-cpu")]
            print(f"{name:<22} pytorch {pytorch['medianMs']:8.1f} ms   fast-cpu {fast['medianMs']:8.1f} ms   "
                  f"speed-up {pytorch['medianMs'] / fast['medianMs']:5.2f}x", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
