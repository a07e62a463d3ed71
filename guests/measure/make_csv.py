#!/usr/bin/env python3
"""Turns measure's timings into the measurements CSV of `hvsim calibrate` (models/README.md),
and compares a fitted profile with them point by point.

  make_csv.py csv TIMINGS.csv [--out M.csv] [--hvsim CMD]
      For every operation timed in TIMINGS.csv (the output of guests/build/measure), the events
      of ONE occurrence as the simulator says it happens natively:
        - primitives (getppid, mprotect-*, segv-*): `hvsim exec --json build/measure count OP N`
          at two values of N, difference / (N2 - N1): the same program, untimed, on the
          simulated path;
        - copy-page: the CopyBytes of one committed page in `hvsim micro --technique pt`;
        - microbenchmark points pt:K:W:P: `hvsim micro --technique pt --platform native
          --cda-kib K --wpp W --ppt P --tcount T --json` at two values of T, difference /
          (T2 - T1): the library's PT cycle (guests/ckpt/ckpt.c) whose native equivalent measure
          times. As a check, measure's own cycle is counted under `hvsim exec` too and the
          kernel-level events of the two are compared (stderr);
        - none:K:W:P: measure's own loop under `hvsim exec` (what is timed; the library's
          none path adds argument checks that measure's loop does not have).
      A kind whose count differs by at most 2 between the two runs is left out (end effects).
      Writes the CSV (stdout, or --out) with a header comment naming this machine.

  make_csv.py error M.csv --profile P [--tcount T] [--hvsim CMD]
      For every pt:K:W:P row of M.csv: `hvsim micro --technique pt --platform native ... --json
      --tcount T` priced by `hvsim reprice - --profile P --json`, simulated ns per transaction vs
      the measured ns; a Markdown table on stdout.

CMD defaults to `dotnet sim/Cli/bin/Release/net10.0/hvsim.dll` (build first:
`dotnet build HvSim.sln -c Release`); run from the repository root.
"""
import argparse
import concurrent.futures as cf
import csv
import datetime
import json
import os
import platform
import shlex
import subprocess
import sys

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
MEASURE = os.path.join("guests", "build", "measure")
DEFAULT_HVSIM = "dotnet sim/Cli/bin/Release/net10.0/hvsim.dll"
# Two run lengths per counted operation; their difference removes start-up and registration.
PRIMITIVE_N = (20, 120)
# Points measured but not fitted (weight 0): predicted by the fitted profile, the model's test.
HOLDOUT = {"pt:4:1:1", "none:4:1:1", "pt:256:4:8", "none:256:4:8", "pt:1024:4:32", "none:1024:4:32"}
MICRO_T = (50, 250)


def run(cmd, stdin=None):
    p = subprocess.run(cmd, cwd=ROOT, input=stdin, capture_output=True, text=True)
    return p.returncode, p.stdout, p.stderr


def json_line(text):
    """The run object: the last line of the output that starts with '{'."""
    lines = [l for l in text.splitlines() if l.startswith("{")]
    if not lines:
        raise RuntimeError("no JSON object in output:\n" + text[-2000:])
    return json.loads(lines[-1])


def counts_of(run_obj):
    out = {}
    for layer, kinds in run_obj["events_by_layer"].items():
        for kind, n in kinds.items():
            out[(kind, layer)] = n
    return out


def hvsim_exec(hvsim, op, n):
    rc, out, err = run(hvsim + ["exec", "--json", MEASURE, "count", op, str(n)])
    obj = json_line(err)
    if rc != 0 or obj.get("exit_status") != 0:
        raise RuntimeError(f"hvsim exec measure count {op} {n}: status {rc}\n{err[-2000:]}")
    return counts_of(obj)


def hvsim_micro(hvsim, technique, k, w, p, t):
    rc, out, err = run(hvsim + ["micro", "--technique", technique, "--platform", "native",
                                "--cda-kib", str(k), "--wpp", str(w), "--ppt", str(p),
                                "--tcount", str(t), "--json"])
    if rc != 0:
        raise RuntimeError(f"hvsim micro {technique} {k} {w} {p} {t}: status {rc}\n{err[-2000:]}")
    obj = json.loads(out)
    if technique != "none" and not obj.get("backup_equal", True):
        raise RuntimeError(f"hvsim micro {technique} {k} {w} {p} {t}: backup differs")
    return obj


def per_occurrence(c1, c2, n1, n2):
    """Per-occurrence counts from two runs of n1 and n2 occurrences. A kind whose total differs by
    at most 2 events between the runs is left out: that is the end of the run (one TLB refill
    more or less in the closing checksum), not a per-occurrence event."""
    keys = sorted(set(c1) | set(c2))
    diff = {}
    for key in keys:
        total = c2.get(key, 0) - c1.get(key, 0)
        if abs(total) > 2:
            diff[key] = total / (n2 - n1)
    return diff


def fmt_count(x):
    s = f"{x:.4f}".rstrip("0").rstrip(".")
    return s if s not in ("", "-0") else "0"


def events_field(diff):
    order = ["user", "kernel", "hypervisor"]
    items = sorted(diff.items(), key=lambda kv: (order.index(kv[0][1]), kv[0][0]))
    return " ".join(f"{kind}@{layer}@native={fmt_count(n)}" for (kind, layer), n in items)


def parse_point(op):
    kind, k, w, p = op.split(":")
    return kind, int(k), int(w), int(p)


def row_name(op):
    if ":" in op:
        kind, k, w, p = parse_point(op)
        return f"{kind}-cda{k}-wpp{w}-ppt{p}"
    return op


def read_timings(path):
    with open(path) as f:
        rows = [r for r in csv.DictReader(l for l in f if not l.startswith("#"))]
    return rows


def count_one(hvsim, op):
    """(events of one occurrence, check message or None)."""
    if op == "copy-page":
        # The simulator's commit copy of one dirty page: CopyBytes per page of a PT cycle.
        t1, t2 = MICRO_T
        a, b = hvsim_micro(hvsim, "pt", 64, 1, 1, t1), hvsim_micro(hvsim, "pt", 64, 1, 1, t2)
        diff = per_occurrence(counts_of(a), counts_of(b), t1, t2)
        return {("CopyBytes", "user"): diff[("CopyBytes", "user")]}, \
            "copy-page: CopyBytes per committed page from hvsim micro --technique pt (64 KiB, WPP 1, PPT 1)"
    if ":" not in op:
        n1, n2 = PRIMITIVE_N
        return per_occurrence(hvsim_exec(hvsim, op, n1), hvsim_exec(hvsim, op, n2), n1, n2), None
    kind, k, w, p = parse_point(op)
    t1, t2 = MICRO_T
    # measure's own cycle under the simulator: its kernel-level events must be the library's.
    own = per_occurrence(hvsim_exec(hvsim, op, t1), hvsim_exec(hvsim, op, t2), t1, t2)
    if kind == "none":
        # No technique: the timed loop is measure's own (the library's none path adds checks
        # that measure does not time), so its own counts are the right ones.
        return own, f"{op}: measure's own loop counted under hvsim exec"
    a, b = hvsim_micro(hvsim, kind, k, w, p, t1), hvsim_micro(hvsim, kind, k, w, p, t2)
    diff = per_occurrence(counts_of(a), counts_of(b), t1, t2)
    notes = []
    for key in sorted(set(diff) | set(own)):
        if key[1] != "kernel":
            continue
        x, y = diff.get(key, 0), own.get(key, 0)
        if abs(x - y) > 0.05 * max(abs(x), 1):
            notes.append(f"{key[0]}@{key[1]} library {x:g} vs measure {y:g}")
    ins_lib = diff.get(("Instruction", "user"), 0)
    ins_own = own.get(("Instruction", "user"), 0)
    msg = f"{op}: user instructions per cycle: library {ins_lib:g}, measure's cycle {ins_own:g}"
    if notes:
        msg += "; kernel events differ: " + "; ".join(notes)
    return diff, msg


def machine_comment(timings_path):
    def sh(cmd):
        try:
            return subprocess.run(cmd, shell=True, capture_output=True, text=True).stdout.strip()
        except OSError:
            return "?"
    model = sh("grep -m1 'model name' /proc/cpuinfo | cut -d: -f2-").strip()
    hyp = sh("lscpu | grep -i 'hypervisor vendor' | cut -d: -f2-").strip()
    header = []
    with open(timings_path) as f:
        header = [l.rstrip("\n") for l in f if l.startswith("#")]
    lines = [
        "# host-native: the primitives of the checkpoint path timed on this machine by guests/build/measure",
        "# (guests/measure/README.md), each row with the events ONE occurrence takes on hvsim's native path",
        f"# machine: {model}; {'virtualized (' + hyp + ')' if hyp else 'bare metal?'}; nproc {os.cpu_count()}; "
        f"kernel {platform.release()}",
        f"# CSV written {datetime.datetime.now(datetime.timezone.utc).strftime('%Y-%m-%d %H:%M UTC')} by guests/measure/make_csv.py from {os.path.relpath(timings_path, ROOT)}",
    ]
    lines += [h.replace("#", "# timings:", 1) for h in header]
    lines.append("# (/proc/loadavg lags by minutes; the /proc/stat line says what else ran during the run itself)")
    lines.append("# ns = median over batches of ns per iteration (min and max in the comment before each row)")
    lines.append("# pt-* rows: one transaction of guests/src/micro.c with the PT technique as guests/ckpt/ckpt.c does it")
    lines.append("# (measure.c's copy of the loop; events from hvsim micro); none-* rows: the same loop without a")
    lines.append("# technique (events from measure itself under hvsim exec). Natively there is no Emul engine:")
    lines.append("# segv-emul is an Emul-style cycle for one known instruction, and the engine's own events")
    lines.append("# (InstructionDecode, WriteEmulated) are not measured here.")
    return lines


def cmd_csv(args):
    hvsim = shlex.split(args.hvsim)
    timings = read_timings(args.timings)
    with cf.ThreadPoolExecutor(max_workers=os.cpu_count() or 2) as pool:
        futures = {r["op"]: pool.submit(count_one, hvsim, r["op"]) for r in timings}
        results = {op: f.result() for op, f in futures.items()}
    out = machine_comment(args.timings)
    out.append("name,ns,weight,events")
    for r in timings:
        op = r["op"]
        diff, msg = results[op]
        if msg:
            print(msg, file=sys.stderr)
        what = f"measure {op}: median of {r['batches']} batches of {r['iterations']}, min {r['ns_min']}, max {r['ns_max']} ns"
        weight = 0 if op in HOLDOUT else 1
        if weight == 0:
            what += " (held out: weight 0, predicted, not fitted)"
        out.append(f"# {what}")
        out.append(f"{row_name(op)},{r['ns_median']},{weight},{events_field(diff)}")
    text = "\n".join(out) + "\n"
    if args.out:
        with open(args.out, "w") as f:
            f.write(text)
    else:
        sys.stdout.write(text)


def cmd_error(args):
    hvsim = shlex.split(args.hvsim)
    with open(args.csv) as f:
        rows = [r for r in csv.DictReader(l for l in f if not l.startswith("#"))]
    points = [r for r in rows if r["name"].startswith("pt-cda")]

    def one(r):
        k, w, p = (int(x) for x in r["name"][len("pt-cda"):].replace("-wpp", " ").replace("-ppt", " ").split())
        obj = hvsim_micro(hvsim, "pt", k, w, p, args.tcount)
        rc, out, err = run(hvsim + ["reprice", "-", "--profile", args.profile, "--json"], stdin=json.dumps(obj))
        if rc != 0:
            raise RuntimeError(f"reprice: status {rc}\n{err}")
        priced = json.loads(out)
        sim = priced["simulated_ns"] / args.tcount
        meas = float(r["ns"])
        return k, w, p, meas, sim

    with cf.ThreadPoolExecutor(max_workers=os.cpu_count() or 2) as pool:
        results = list(pool.map(one, points))
    print(f"| CDA KiB | WPP | PPT | fitted? | measured µs/transaction | simulated µs/transaction | relative error |")
    print(f"|---:|---:|---:|:---|---:|---:|---:|")
    worst = 0
    for (k, w, p, meas, sim), r in zip(results, points):
        rel = sim / meas - 1
        worst = max(worst, abs(rel))
        fitted = "held out" if float(r["weight"] or 1) == 0 else "fitted"
        print(f"| {k} | {w} | {p} | {fitted} | {meas / 1000:.2f} | {sim / 1000:.2f} | {rel * 100:+.1f}% |")
    print(f"\nworst |relative error|: {worst * 100:.1f}% (simulated: hvsim micro --tcount {args.tcount}, "
          f"priced with {args.profile})")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="cmd", required=True)
    a = sub.add_parser("csv")
    a.add_argument("timings")
    a.add_argument("--out")
    a.add_argument("--hvsim", default=DEFAULT_HVSIM)
    a.set_defaults(fn=cmd_csv)
    e = sub.add_parser("error")
    e.add_argument("csv")
    e.add_argument("--profile", required=True)
    e.add_argument("--tcount", type=int, default=2000)
    e.add_argument("--hvsim", default=DEFAULT_HVSIM)
    e.set_defaults(fn=cmd_error)
    args = ap.parse_args()
    args.fn(args)


if __name__ == "__main__":
    main()
