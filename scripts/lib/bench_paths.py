"""The `paths` scenario: path lengths measured by the probe guest (test/guest) under
`-icount shift=0,sleep=off` (deterministic: the virtual counter advances with retired
instructions, 1e9 / counter-hz instructions per tick).

Figures: the null hypercall round trip (xen_version) and the virtual-timer interrupt latency
(counter at the handler's first instruction minus the compare value), for Tessera and for
Xen 4.17 (Debian's xl starts the probe there) with vwfi=trap and vwfi=native, and for the same
guest booted by QEMU without a hypervisor (the floor). The machine has one pCPU: Xen 4.17 stops
booting under -icount with two (after its P2M set-up); with one, the probe's vCPU is pinned on
both hypervisors by construction, dom0 idling beside it."""
import os
import re
import subprocess
import sys

import pexpect

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "test", "qemu"))
from harness import Config, HarnessError, Machine, Paths  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bench_images import HV_ARGS, paths, put_file  # noqa: E402

LINE = re.compile(r"probe-bench: (hypercall|timer) ticks min (\d+) median (\d+)(?: max (\d+))?")
HZ = re.compile(r"probe-bench: counter-hz (\d+)")
ICOUNT = ["-icount", "shift=0,sleep=off,align=off", "-rtc", "clock=vm"]


def parse(text):
    hz = int(HZ.search(text).group(1))
    figures = {}
    for m in LINE.finditer(text):
        figures[m.group(1)] = {"min": int(m.group(2)), "median": int(m.group(3))}
    return hz, figures


def native(paths):
    argv = ["qemu-system-aarch64", "-M", "virt,gic-version=3", "-cpu", "cortex-a57", "-m", "256",
            "-display", "none", "-monitor", "none", "-serial", "stdio", "-kernel",
            paths.probe_guest, "-append", "probe=bench"] + ICOUNT
    out = subprocess.run(argv, capture_output=True, text=True, timeout=300).stdout
    if "probe-bench: done" not in out:
        raise HarnessError(f"the probe guest did not finish natively:\n{out[-2000:]}")
    return parse(out)


def hypervisor(side, vwfi):
    """The probe's figures under `side` (tessera or xen) with vwfi=trap|native: one pCPU, so
    the probe's vCPU is pinned (cpus = "0") on both; dom0 idles beside it."""
    p = paths(side)
    cfg = Config(cpus=1, mem_mb=1024, hv_args=f"{HV_ARGS[side]} vwfi={vwfi}", guest_share=True,
                 extra=ICOUNT)
    with Machine(f"bench-paths-{side}-{vwfi}", cfg, p) as m:
        m.wait_shell(900)
        put_file(m, "/tmp/bench.cfg", ['name = "bench"', "memory = 32", "vcpus = 1", 'cpus = "0"',
                                       'kernel = "/boot/probe-guest.bin"', 'extra = "probe=bench"'])
        m.child.sendline("xl create -c /tmp/bench.cfg")
        m.expect(r"probe-bench: done", 900)
        text = m.child.before
        # Our xl console returns when the probe powers off; Xen's xenconsole waits for Ctrl-].
        if m.child.expect([re.escape(m.PROMPT), pexpect.TIMEOUT], timeout=30) != 0:
            m.child.send("\x1d")
            m.expect(re.escape(m.PROMPT), 120)
        m.poweroff(timeout=120)
    return parse(text)


def scenario_paths(args, table, save):
    probe = Paths()
    if not os.path.exists(probe.probe_guest):
        raise HarnessError(f"{probe.probe_guest} missing: run scripts/build")
    rows, data = [], {}
    hz, fig = native(probe)
    data["native"] = fig
    runs = [("native (no hypervisor)", fig)]
    for side, name in (("tessera", "Tessera"), ("xen", "Xen 4.17")):
        for vwfi in ("trap", "native"):
            hz, fig = hypervisor(side, vwfi)
            data[f"{side}_vwfi_{vwfi}"] = fig
            runs.append((f"{name}, pinned, vwfi={vwfi}", fig))
    per_tick = 1e9 / hz
    for name, fig in runs:
        for what in ("hypercall", "timer"):
            if what in fig:
                f = fig[what]
                rows.append([name, what, f["min"], f["median"], f"~{f['median'] * per_tick:.0f}"])
    data["counter_hz"] = hz
    data["pcpus"] = 1
    save("paths", data)
    print("\n### paths (probe guest, -icount shift=0)\n\n" +
          table(rows, ["where", "path", "min ticks", "median ticks", "median instructions"]) +
          f"\n\n1 tick = {per_tick:.0f} instructions; one pCPU (Xen 4.17 does not boot under "
          "-icount with two).")
    return data
