"""The `xenstore` scenario: our xenstore benchmark client (test/bench/xenstored/bench.cc,
cross-built for dom0) against the xenstored that runs in dom0: ours on Tessera, Debian's C
xenstored on Xen 4.17, over the Unix socket both serve at /run/xenstored/socket (Xen's at
/var/run/xenstored/socket, /var/run being /run). ops/s and p50/p99 latency of write, read,
directory, transaction commit and watch delivery with 1 and 16 clients, and the daemon's
memory for 10,000 nodes. The daemon and the client run pinned to dom0's vCPU 0. Boots alternate Tessera, Xen, ... (--runs each); medians over runs."""
import re
import statistics
import sys

from bench_images import SIDES, check_dom0, machine, paths, put_file

SOCKET = "/run/xenstored/socket"
LINE = re.compile(r"^(\S+)\s+(\d+)\s+([\d.]+)\s+([\d.]+)\s+([\d.]+)\s*$", re.M)
MEMORY = re.compile(r"memory: (-?\d+) KiB RSS for 10,000 nodes")


def one_boot(side, p, args, tag):
    with machine(side, f"bench-xenstore-{side}-{tag}", args.cpus, p) as m:
        m.wait_shell(300)
        check_dom0(m, side)
        m.check(f"test -S {SOCKET}")
        pid = m.check("cat /run/xenstored.pid").strip()
        # Daemon and clients on dom0's vCPU 0 on both sides: unpinned, where Linux happened to
        # place them (so whether a wake-up needed an IPI) made boots differ widely; pinned,
        # the figures are the daemon's and dom0's socket path.
        m.check(f"taskset -a -p 1 {pid}")
        put_file(m, "/tmp/xsbench", ["exec taskset 1 xenstored_bench \\",
                                     f"  --socket {SOCKET} \\",
                                     f"  --ops {args.xs_ops} --clients 16 \\",
                                     f"  --pid {pid}" if pid.isdigit() else ""])
        out = m.check("sh /tmp/xsbench", timeout=3600)
        rows = {(op, int(n)): {"ops_per_s": float(r), "p50_us": float(p50), "p99_us": float(p99)}
                for op, n, r, p50, p99 in LINE.findall(out) if op != "operation"}
        if not rows:
            m.fail(f"no results from xenstored_bench on {side}:\n{out}")
        m.poweroff(timeout=120)
    mem = MEMORY.search(out)
    for (op, n), r in rows.items():
        print(f"  xenstore {side}: {op} x{n}: {r['ops_per_s']:.0f} ops/s", file=sys.stderr)
    return {"rows": rows, "memory_kib_10k_nodes": int(mem.group(1)) if mem else None}


def scenario_xenstore(args, table, save):
    sides = {side: paths(side) for side in SIDES}
    runs = {side: [] for side in SIDES}
    for i in range(args.runs):
        for side in SIDES:  # alternated: A B A B
            runs[side].append(one_boot(side, sides[side], args, i + 1))
    keys = [k for k in runs["tessera"][0]["rows"]
            if all(k in r["rows"] for s in SIDES for r in runs[s])]
    med = {side: {k: {m: statistics.median(r["rows"][k][m] for r in runs[side])
                      for m in ("ops_per_s", "p50_us", "p99_us")} for k in keys} for side in SIDES}
    mem = {side: [r["memory_kib_10k_nodes"] for r in runs[side]] for side in SIDES}
    def named(rows):
        return {f"{op}/{n}": v for (op, n), v in rows.items()}
    data = {"cpus": args.cpus, "ops_per_client": args.xs_ops, "runs": args.runs,
            "median": {side: named(med[side]) for side in SIDES},
            "memory_kib_10k_nodes": mem,
            "raw": {side: [named(r["rows"]) for r in runs[side]] for side in SIDES}}
    save("xenstore", data)
    rows = []
    for op, n in keys:
        t, x = med["tessera"][(op, n)], med["xen"][(op, n)]
        rows.append([op, n, f"{t['ops_per_s']:.0f}", f"{x['ops_per_s']:.0f}",
                     f"{t['ops_per_s'] / x['ops_per_s']:.2f}",
                     f"{t['p50_us']:.0f} / {t['p99_us']:.0f}",
                     f"{x['p50_us']:.0f} / {x['p99_us']:.0f}"])
    memline = ", ".join(f"{s}: {statistics.median(v):.0f} KiB" for s, v in mem.items()
                        if v and None not in v)
    print(f"\n### xenstore ({args.cpus} pCPUs, dom0 client over the Unix socket, {args.xs_ops} "
          f"ops per client per test; our xenstored on Tessera, Debian's C xenstored on Xen)\n\n" +
          table(rows, ["operation", "clients", "Tessera ops/s", "Xen ops/s", "Tessera/Xen",
                       "Tessera p50/p99 us", "Xen p50/p99 us"]) +
          (f"\n\nDaemon RSS growth for 10,000 nodes: {memline}" if memline else ""))
    return data
