"""The report of bench/clinic_pages.py: the setting, each run's table, the median run and, when two source trees
were served, this tree ÷ the other page by page."""

import os
import statistics
import time

COLUMNS = (
    "| page | p50 (ms) | p95 (ms) | requests | req/s | CPU/request: app (ms) | PostgreSQL (ms) | wrk (ms) "
    "| others (CPU) | p95 / baseline p95 |"
)
BASELINE = "baseline: /healthz"


def number(value: float | None, digits: int = 1) -> str:
    """A table cell; n/a for an unknown figure."""
    return "n/a" if value is None else f"{value:.{digits}f}"


def median(runs: list, tree: str, page: str, key: str) -> float | None:
    """The median of one figure of one tree's page over the runs (None when a run lacks it)."""
    values = [results[tree][page][key] for results, _others in runs]
    return None if None in values else statistics.median(values)


def print_setting(args, setting: dict, trees: dict) -> None:
    """The command, the server's shape, the load, the data and how the figures were taken."""
    facts = setting["facts"]
    print(f"### Pages on a large clinic ({time.strftime('%Y-%m-%d')}, {os.cpu_count()} cores, PostgreSQL)")
    print()
    print(f"Command: `{setting['command']}`")
    print()
    if args.worker_class == "sync":
        shape = f"one gunicorn server of {args.workers} sync workers, all clients on it"
    else:
        servers = "one gunicorn server" if args.processes == 1 else f"{args.processes} gunicorn servers"
        shape = f"{servers} of {args.workers} gthread worker{'s' * (args.workers > 1)} × {args.threads} threads"
        if args.processes > 1:
            shape += f", clients pinned {' + '.join(str(n) for n in setting['pinned'])} as a sticky balancer would"
    connection = "keep-alive" if args.keep_alive else "`Connection: close` (a new connection per request)"
    print(
        f"Server: {shape}. Load: wrk {setting['wrk_version']}, {args.clients} clients (one connection each), "
        f"{connection}; each page {args.seconds} s after {args.warmup} s of warm-up."
    )
    if len(trees) > 1:
        print(
            "Two source trees served from the same database, each page loaded on one then the other (the first "
            f"alternating from run to run): this tree = {trees['this tree']}, other tree = {trees['other tree']}."
        )
    generated = setting["generated_in"]
    made = f"generated in {generated:.0f} s, then VACUUM ANALYZE" if generated else "existing database"
    print(
        f"Data: {facts['doctors']} doctors, {facts['patients']} patients, {facts['appointments']} appointments ({made})."
    )
    print(
        f"1-minute load average when the benchmark started: {setting['load_at_start']:.2f} (the runs below include "
        "its own)."
    )
    if args.database_url:
        print(
            f"PostgreSQL's CPU: postmaster {setting['pg_pid']} and all its backends, other sessions' included."
            if setting["pg_pid"]
            else "PostgreSQL's CPU: n/a without --postgres-pid (it counts among the others)."
        )
    print(
        "Latency: each request timed by bench/wrk_report.lua (wrk's own statistics add made-up samples for "
        "coordinated omission). CPU per request over each page's measurement: app = gunicorn (masters and workers), "
        "PostgreSQL = the postmaster and its backends, wrk = the load generator; others = the share of the machine's "
        "CPU (all cores) that other processes took meanwhile."
    )


def print_runs(runs: list, tree: str, heading: str) -> None:
    """Each run's table of one tree, then the median run when there are several."""
    for n, (results, others) in enumerate(runs, 1):
        print()
        print(f"{heading}run {n}: other processes used {others:.0%} of the machine's CPU meanwhile.")
        print()
        print(COLUMNS)
        print("|---|---|---|---|---|---|---|---|---|---|")
        pages = results[tree]
        base = pages[BASELINE]["p95"]
        for page, r in pages.items():
            print(
                f"| {page} | {r['p50']:.1f} | {r['p95']:.1f} | {r['requests']} | {r['rate']:.0f} | {r['app']:.2f} "
                f"| {number(r['pg'], 2)} | {r['wrk']:.2f} | {r['others']:.0%} | {r['p95'] / base:.1f} |"
            )
    if len(runs) > 1:
        print()
        print(f"{heading}median of the runs, page by page:")
        print()
        print("| page | p50 (ms) | p95 (ms) | best p95 (ms) | CPU/request: app (ms) | PostgreSQL (ms) | wrk (ms) |")
        print("|---|---|---|---|---|---|---|")
        for page in runs[0][0][tree]:
            best = min(results[tree][page]["p95"] for results, _others in runs)
            print(
                f"| {page} | {median(runs, tree, page, 'p50'):.1f} | {median(runs, tree, page, 'p95'):.1f} "
                f"| {best:.1f} | {median(runs, tree, page, 'app'):.2f} | {number(median(runs, tree, page, 'pg'), 2)} "
                f"| {median(runs, tree, page, 'wrk'):.2f} |"
            )


def print_comparison(runs: list) -> None:
    """This tree ÷ the other, page by page: the median over the runs of each run's ratio (both measured minutes
    apart at most, so the machine's drift falls on both)."""

    def ratio(page: str, key: str) -> float:
        """Median over the runs of this tree's figure ÷ the other's."""
        return statistics.median(
            results["this tree"][page][key] / results["other tree"][page][key] for results, _others in runs
        )

    print()
    print("This tree ÷ the other tree, median over the runs of each run's ratio:")
    print()
    print("| page | p95 this (ms) | p95 other (ms) | p95 ratio | p50 ratio | app CPU/request ratio |")
    print("|---|---|---|---|---|---|")
    for page in runs[0][0]["this tree"]:
        print(
            f"| {page} | {median(runs, 'this tree', page, 'p95'):.1f} | {median(runs, 'other tree', page, 'p95'):.1f} "
            f"| {ratio(page, 'p95'):.2f} | {ratio(page, 'p50'):.2f} | {ratio(page, 'app'):.2f} |"
        )


def report(args, setting: dict, trees: dict, runs: list) -> None:
    """Print the whole report as Markdown, ready for bench/RESULTS.md."""
    print_setting(args, setting, trees)
    for tree in trees:
        print_runs(runs, tree, f"{tree.capitalize()}, " if len(trees) > 1 else "")
    if len(trees) > 1:
        print_comparison(runs)
