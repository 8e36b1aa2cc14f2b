#!/usr/bin/env python3
"""Median of each step per tool from bench/run.sh's results.tsv, side by side, with dedup/other ratios."""
import statistics, sys
from collections import defaultdict

rows = [line.rstrip("\n").split("\t") for line in open(sys.argv[1]) if line.strip()]
data = defaultdict(lambda: defaultdict(list))  # step -> tool -> [(wall, cpu, rss)]
tools = []
for rep, tool, step, wall, cpu, rss, _inputs in rows:
    if tool not in tools:
        tools.append(tool)
    data[step][tool].append((float(wall), float(cpu) if cpu else None, int(rss) if rss else None))

def med(values):
    values = [v for v in values if v is not None]
    return statistics.median(values) if values else None

print(f"{'step':<18}" + "".join(f"{t:>28}" for t in tools) + "   dedup/" + "  dedup/".join(t for t in tools if t != "dedup"))
STEPS = ["first_backup", "unchanged_backup", "changed_backup", "full_restore", "file_restore", "database_restore"]
for step in [s for s in STEPS if data[s]]:
    cells, walls = [], {}
    for t in tools:
        runs = data[step][t]
        wall, cpu, rss = med([r[0] for r in runs]), med([r[1] for r in runs]), max(r[2] for r in runs)
        walls[t] = wall
        cells.append(f"{wall:6.2f}s cpu {cpu:6.2f}s {rss / 1024:5.0f}MiB")
    ratios = "  ".join(f"{walls['dedup'] / walls[t]:5.2f}" for t in tools if t != "dedup" and "dedup" in walls)
    print(f"{step:<18}" + "".join(f"{c:>28}" for c in cells) + "   " + ratios)
for step in ["growth_bytes", "repo_bytes"]:
    values = {t: med([r[0] for r in data[step][t]]) for t in tools}
    ratios = "  ".join(f"{values['dedup'] / values[t]:5.2f}" for t in tools if t != "dedup" and "dedup" in values)
    print(f"{step:<18}" + "".join(f"{values[t] / 1e6:25.1f} MB" for t in tools) + "   " + ratios)
print(f"\n{len(set(r[0] for r in rows))} repetitions; times are medians, RSS the maximum; cpu = user + sys.")

# Every repetition on its own: a median can hide a repetition that went the other way.
others = [t for t in tools if t != "dedup"]
if "dedup" in tools and others:
    print(f"\nper repetition, dedup/{others[0]} (time; bytes for growth and repository):")
    reps = sorted(set(r[0] for r in rows), key=int)
    print(f"{'step':<18}" + "".join(f"{'rep ' + r:>10}" for r in reps))
    for step in [s for s in STEPS + ["growth_bytes", "repo_bytes"] if data[s]]:
        cells = []
        for r in reps:
            mine = [float(x[3]) for x in rows if x[0] == r and x[1] == "dedup" and x[2] == step]
            theirs = [float(x[3]) for x in rows if x[0] == r and x[1] == others[0] and x[2] == step]
            cells.append(f"{mine[0] / theirs[0]:10.2f}" if mine and theirs else f"{'-':>10}")
        print(f"{step:<18}" + "".join(cells))
