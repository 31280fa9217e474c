#!/usr/bin/python3
"""Boots Tessera (or, with --native, dom0 alone) in QEMU.

Interactive by default: the serial console is on this terminal; Ctrl-T x quits QEMU, and
`poweroff` in dom0 ends the run. With --script FILE (or - for stdin), the dom0 commands in
FILE are run one per line once dom0's shell is up, their output printed, and the exit status
is the first failing command's (0 when all succeed)."""
import argparse
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "test", "qemu"))
from harness import Config, HarnessError, Machine, Paths, qemu_argv  # noqa: E402


def parse():
    ap = argparse.ArgumentParser(prog="scripts/run", description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--native", action="store_true", help="boot dom0 without the hypervisor")
    ap.add_argument("--cpus", type=int, default=2, help="pCPUs (QEMU -smp), default 2")
    ap.add_argument("--mem", type=int, default=1024, metavar="MB", help="RAM in MiB, default 1024")
    ap.add_argument("--gic", type=int, choices=(2, 3), default=3, help="GIC version, default 3")
    ap.add_argument("--disk", action="append", default=[], metavar="FILE",
                    help="raw image given to dom0 as a virtio-blk disk (repeatable)")
    ap.add_argument("--icount", action="store_true", help="deterministic timing (-icount shift=0)")
    ap.add_argument("--hv-args", default="dom0_mem=512M", help="hypervisor command line")
    ap.add_argument("--dom0-args", default="", help="extra dom0 kernel command line")
    ap.add_argument("--script", metavar="FILE", help="run dom0 commands from FILE (- for stdin)")
    ap.add_argument("--timeout", type=int, default=300, help="seconds per step in --script mode")
    ap.add_argument("--no-build", action="store_true", help="skip setup and build")
    return ap.parse_args()


def main():
    a = parse()
    cfg = Config(native=a.native, cpus=a.cpus, mem_mb=a.mem, gic=a.gic, disks=a.disk,
                 icount=a.icount, hv_args=a.hv_args, dom0_args=a.dom0_args)
    for d in a.disk:
        if not os.path.exists(d):
            sys.exit(f"scripts/run: disk image {d} does not exist")
    try:
        paths = Paths()
        paths.check(cfg.native)
    except HarnessError as e:
        sys.exit(f"scripts/run: {e}")
    if a.gic == 2 and not a.native:
        print("scripts/run: note: the hypervisor drives GICv3 only; --gic 2 will be refused",
              file=sys.stderr)
    if not a.script:
        argv = qemu_argv(cfg, paths, console="stdio,mux=on") + ["-echr", "0x14"]
        print("scripts/run: Ctrl-T x quits QEMU", file=sys.stderr)
        os.execvp(argv[0], argv)
    lines = (sys.stdin if a.script == "-" else open(a.script)).read().splitlines()
    status = 0
    try:
        with Machine("run-native" if a.native else "run", cfg, paths) as m:
            m.wait_shell(timeout=a.timeout)
            for line in lines:
                if not line.strip() or line.lstrip().startswith("#"):
                    continue
                rc, out = m.run(line, timeout=a.timeout)
                print(f"dom0# {line}")
                if out:
                    print(out)
                if rc != 0:
                    print(f"scripts/run: `{line}` exited {rc}", file=sys.stderr)
                    status = rc
                    break
            m.poweroff(timeout=a.timeout)
    except HarnessError as e:
        sys.exit(f"scripts/run: {e}")
    sys.exit(status)


if __name__ == "__main__":
    main()
