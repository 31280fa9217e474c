#!/usr/bin/python3
"""Tessera benchmarks against Debian's Xen 4.17, on identical QEMU command lines.

Scenarios:
  size   hypervisor image bytes and source lines (Tessera) against Xen's image size
  boot   seconds from QEMU start to dom0's shell marker, same kernel and initramfs,
         runs alternated Tessera/Xen; median, min, max and the ratio
  paths  null hypercall and timer-interrupt path lengths from the probe guest under -icount
         (scripts/lib/bench_paths.py)
  create xl create -c to the guest's init marker, and xl destroy (`destroy` names the same
         runs): Tessera with our xl, Xen 4.17 with Debian's own xl (scripts/lib/bench_create.py)
  xenstore
         our xenstore benchmark client in dom0 against our xenstored on Tessera and Debian's C
         xenstored on Xen 4.17 (scripts/lib/bench_xenstore.py)
  blk, net: not yet (their components have not landed)

The dom0 scenarios boot the same dom0 kernel, modules, busybox and init on both; the Xen side's
initramfs adds Debian's Xen userspace (scripts/lib/bench_images.py, scripts/images/xen-dom0).

Prints a Markdown table and writes build/bench/<scenario>.json. See docs/bench.md."""
import argparse
import glob
import json
import os
import statistics
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "test", "qemu"))
from harness import BUILD, CACHE, ROOT, Config, HarnessError, Machine, Paths  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bench_images import XEN_IMAGE, NotYet  # noqa: E402

BENCH_DIR = os.path.join(BUILD, "bench")
NOT_YET = {"net": "the network backend has not landed"}


def table(rows, header):
    out = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    out += ["| " + " | ".join(str(c) for c in r) + " |" for r in rows]
    return "\n".join(out)


def save(name, data):
    os.makedirs(BENCH_DIR, exist_ok=True)
    with open(os.path.join(BENCH_DIR, f"{name}.json"), "w") as f:
        json.dump(data, f, indent=2)


def source_lines():
    files = [p for ext in ("cc", "h", "S", "c")
             for p in glob.glob(os.path.join(ROOT, "hypervisor", "**", f"*.{ext}"), recursive=True)]
    return sum(sum(1 for _ in open(p, errors="replace")) for p in files)


def scenario_size(_args):
    ours = os.path.getsize(Paths().hypervisor)
    xen = os.path.getsize(XEN_IMAGE) if os.path.exists(XEN_IMAGE) else None
    lines = source_lines()
    data = {"tessera_image_bytes": ours, "xen_image_bytes": xen, "tessera_source_lines": lines}
    save("size", data)
    rows = [["image bytes", ours, xen if xen else "n/a",
             f"{ours / xen:.3f}" if xen else "n/a"],
            ["hypervisor source lines", lines, "n/a", "n/a"]]
    print("\n### size\n\n" + table(rows, ["metric", "Tessera", "Xen 4.17", "Tessera/Xen"]))
    return data


def boot_once(kind, cpus):
    paths = Paths()
    if kind == "xen":
        paths.hypervisor = XEN_IMAGE
        hv_args = "dom0_mem=512M console=dtuart dtuart=/pl011@9000000"
    else:
        hv_args = "dom0_mem=512M"
    cfg = Config(cpus=cpus, hv_args=hv_args)
    with Machine(f"bench-boot-{kind}", cfg, paths) as m:
        m.expect(r"tessera-dom0: shell ready", 300)
        elapsed = time.monotonic() - m.started
        m.expect(r"dom0# ", 60)
        m.poweroff(timeout=120)
    return elapsed


def scenario_boot(args):
    if not os.path.exists(XEN_IMAGE):
        raise HarnessError(f"{XEN_IMAGE} missing: run scripts/bench (it fetches Debian's Xen)")
    runs = {"tessera": [], "xen": []}
    for i in range(args.runs):
        for kind in ("tessera", "xen"):  # alternated: A B A B
            t = boot_once(kind, args.cpus)
            runs[kind].append(t)
            print(f"  boot run {i + 1}/{args.runs} {kind}: {t:.2f}s", file=sys.stderr)
    stats = {k: {"median": statistics.median(v), "min": min(v), "max": max(v), "runs": v}
             for k, v in runs.items()}
    ratio = stats["tessera"]["median"] / stats["xen"]["median"]
    data = {"cpus": args.cpus, "stats": stats, "ratio_median": ratio}
    save("boot", data)
    rows = [[k, f"{s['median']:.2f}", f"{s['min']:.2f}", f"{s['max']:.2f}", len(s["runs"])]
            for k, s in stats.items()]
    print(f"\n### boot to dom0 shell ({args.cpus} pCPUs, dom0_mem=512M)\n\n" +
          table(rows, ["hypervisor", "median s", "min s", "max s", "runs"]) +
          f"\n\nTessera/Xen (median): {ratio:.3f}")
    return data


def scenario_paths(args):
    from bench_paths import scenario_paths as run
    return run(args, table, save)


def scenario_create(args):
    from bench_create import scenario_create as run
    return run(args, table, save)


def scenario_xenstore(args):
    from bench_xenstore import scenario_xenstore as run
    return run(args, table, save)


def scenario_blk(args):
    from bench_blk import scenario_blk as run
    return run(args, table, save)


SCENARIOS = {"size": scenario_size, "boot": scenario_boot, "paths": scenario_paths,
             "create": scenario_create, "destroy": scenario_create, "xenstore": scenario_xenstore,
             "blk": scenario_blk}
DEFAULT = ["size", "boot", "paths", "create", "xenstore", "blk", "net"]


def main():
    ap = argparse.ArgumentParser(prog="scripts/bench", description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("scenarios", nargs="*", help="default: all")
    ap.add_argument("--runs", type=int, default=3, help="runs (boots) per hypervisor, alternated (default 3)")
    ap.add_argument("--cpus", type=int, default=2, help="pCPUs given to QEMU (default 2)")
    ap.add_argument("--creates", type=int, default=2,
                    help="create/destroy cycles per boot in the create scenario (default 2)")
    ap.add_argument("--xs-ops", type=int, default=200,
                    help="operations per client per test in the xenstore scenario (default 200)")
    ap.add_argument("--quick", action="store_true", help="only the size scenario (for CI)")
    args = ap.parse_args()
    names = ["size"] if args.quick else (args.scenarios or DEFAULT)
    for name in names:
        if name not in SCENARIOS and name not in NOT_YET:
            known = ", ".join(DEFAULT + ["destroy"])
            sys.exit(f"scripts/bench: unknown scenario {name}; known: {known}")
    start = time.monotonic()
    done, failed = set(), []
    for name in names:
        if name in NOT_YET:
            print(f"\n### {name}\n\nnot yet: {NOT_YET[name]}")
            continue
        if SCENARIOS[name] in done:  # destroy and create are the same runs
            continue
        done.add(SCENARIOS[name])
        try:
            SCENARIOS[name](args)
        except NotYet as e:
            print(f"\n### {name}\n\nnot yet: {e}")
        except HarnessError as e:
            print(f"scripts/bench: {name}: {e}", file=sys.stderr)
            failed.append(name)
    print(f"\nbench took {time.monotonic() - start:.0f}s")
    if failed:
        sys.exit(f"scripts/bench: failed: {', '.join(failed)}")


if __name__ == "__main__":
    main()
