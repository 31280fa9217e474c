"""The `paths` scenario: path lengths measured by the probe guest (test/guest) under
`-icount shift=0,sleep=off` (deterministic: the virtual counter advances with retired
instructions, 1e9 / counter-hz instructions per tick).

Figures: the null hypercall round trip (xen_version) and the virtual-timer interrupt latency
(counter at the handler's first instruction minus the compare value), for Tessera with the
probe's vCPU pinned (vwfi=trap and vwfi=native) and for the same guest booted by QEMU without
a hypervisor (the floor). Xen 4.17 is "not yet": it stalls during boot under -icount with
sleep=off (no timer armed while its CPUs idle), so its side of this table is missing."""
import os
import re
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "test", "qemu"))
from harness import Config, HarnessError, Machine, Paths  # noqa: E402

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


def tessera(paths, vwfi):
    cfg = Config(cpus=2, mem_mb=1024, icount=True, hv_args=f"dom0_mem=512M vwfi={vwfi}")
    with Machine(f"bench-paths-{vwfi}", cfg, paths) as m:
        m.wait_shell(900)
        lines = ['name = "bench"', "memory = 32", "vcpus = 1", 'cpus = "1"',
                 'kernel = "/boot/probe-guest.bin"', 'extra = "probe=bench"']
        m.check(f"printf '%s\\n' {' '.join(repr(l) for l in lines)} > /tmp/bench.cfg")
        m.child.sendline("xl create -c /tmp/bench.cfg")
        m.expect(r"probe-bench: done", 600)
        text = m.child.before
        m.expect(re.escape(m.PROMPT), 120)
        m.poweroff(timeout=120)
    return parse(text)


def scenario_paths(args, table, save):
    paths = Paths()
    if not os.path.exists(paths.probe_guest):
        raise HarnessError(f"{paths.probe_guest} missing: run scripts/build")
    rows, data = [], {}
    hz, fig = native(paths)
    data["native"] = fig
    runs = [("native (no hypervisor)", fig)]
    for vwfi in ("trap", "native"):
        hz, fig = tessera(paths, vwfi)
        data[f"tessera_vwfi_{vwfi}"] = fig
        runs.append((f"Tessera, pinned, vwfi={vwfi}", fig))
    per_tick = 1e9 / hz
    for name, fig in runs:
        for what in ("hypercall", "timer"):
            if what in fig:
                f = fig[what]
                rows.append([name, what, f["min"], f["median"], f"~{f['median'] * per_tick:.0f}"])
    data["counter_hz"] = hz
    data["xen"] = "not yet: Xen 4.17 stalls at boot under -icount sleep=off"
    save("paths", data)
    print("\n### paths (probe guest, -icount shift=0)\n\n" +
          table(rows, ["where", "path", "min ticks", "median ticks", "median instructions"]) +
          f"\n\n1 tick = {per_tick:.0f} instructions. Xen 4.17: {data['xen']}.")
    return data
