"""The `create` and `destroy` scenarios: seconds from typing `xl create -c` in dom0 to the demo
guest's init marker on its console, and seconds for `xl destroy` (command to dom0's prompt),
on the host's monotonic clock; several guests per boot.

Only Tessera's side runs yet: the Xen side needs Debian's own xl and libxenlight in a Xen
dom0 image, which scripts/images does not build yet, so it prints "not yet"."""
import os
import re
import statistics
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "test", "qemu"))
from harness import Config, Machine  # noqa: E402

MARKER = r"tessera-domU: init reached on"
GUEST_PROMPT = "domU# "


def measure(runs, cpus):
    create, destroy = [], []
    with Machine("bench-create-tessera", Config(cpus=cpus, mem_mb=1024, hv_args="dom0_mem=512M")) as m:
        m.wait_shell(300)
        lines = ['name = "bench"', "memory = 128", "vcpus = 1", 'kernel = "/boot/Image"',
                 'ramdisk = "/boot/domU-initrd.gz"', 'extra = "console=hvc0"']
        m.check(f"printf '%s\\n' {' '.join(repr(l) for l in lines)} > /tmp/bench.cfg")
        m.check("cat /boot/Image /boot/domU-initrd.gz > /dev/null")  # same page cache state
        for _ in range(runs):
            t0 = time.monotonic()
            m.child.sendline("xl create -c /tmp/bench.cfg")
            m.expect(MARKER, 600)
            create.append(time.monotonic() - t0)
            m.expect(re.escape(GUEST_PROMPT), 120)
            m.child.send("\x1d")  # Ctrl-]: back to dom0
            m.expect(re.escape(m.PROMPT), 60)
            m.run("true")
            t0 = time.monotonic()
            m.check("xl destroy bench", timeout=120)
            destroy.append(time.monotonic() - t0)
        m.poweroff(timeout=120)
    return create, destroy


def stats(v):
    return {"median": statistics.median(v), "min": min(v), "max": max(v), "runs": v}


def scenario_create(args, table, save):
    create, destroy = measure(args.runs, args.cpus)
    data = {"tessera": {"create_to_marker": stats(create), "destroy": stats(destroy)},
            "xen": "not yet: the Xen-side dom0 image with Debian's xl is not built yet"}
    save("create", data)
    rows = [[name, f"{s['median']:.2f}", f"{s['min']:.2f}", f"{s['max']:.2f}", len(s["runs"])]
            for name, s in (("xl create -c to init marker", data["tessera"]["create_to_marker"]),
                            ("xl destroy", data["tessera"]["destroy"]))]
    print(f"\n### create / destroy (Tessera, {args.cpus} pCPUs, 128 MiB guest)\n\n" +
          table(rows, ["step", "median s", "min s", "max s", "runs"]) +
          f"\n\nXen 4.17: {data['xen']}.")
    return data
