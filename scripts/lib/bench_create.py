"""The `create` scenario (`destroy` is the same runs): seconds from typing `xl create -c` in
dom0 to the demo guest's init marker on its console (host monotonic clock), and seconds of
`xl destroy` timed inside dom0 from /proc/uptime (10 ms resolution: busybox's date has no %N;
the serial console's round trip is not counted; the host's time is in the JSON too). Tessera
runs our xl, Xen 4.17 Debian's xl; same guest config, guest kernel and initramfs, same QEMU
command line (scripts/lib/bench_images.py).

Boots alternate Tessera, Xen, Tessera, Xen... (--runs boots each); each boot creates and
destroys the guest --creates times; every cycle is a sample."""
import re
import statistics
import sys
import time

from bench_images import SIDES, check_dom0, machine, paths, put_file

MARKER = r"tessera-domU: init reached on"
GUEST_PROMPT = "domU# "
CFG = ['name = "bench"', "memory = 128", "vcpus = 1", 'kernel = "/boot/Image"',
       'ramdisk = "/boot/domU-initrd.gz"', 'extra = "console=hvc0"']
DESTROY = ["read a _ < /proc/uptime", "xl destroy bench", "s=$?", "read b _ < /proc/uptime",
           "echo @@$a@@$b@@", "exit $s"]


def guest_running(m):
    out = m.check("xl list")
    return re.search(r"^bench\s+(\d+)\s", out, re.M) is not None, out


def one_boot(side, p, creates, cpus, tag):
    samples = []
    with machine(side, f"bench-create-{side}-{tag}", cpus, p) as m:
        m.wait_shell(300)
        check_dom0(m, side)
        put_file(m, "/tmp/bench.cfg", CFG)
        put_file(m, "/tmp/destroy", DESTROY)
        m.check("cat /boot/Image /boot/domU-initrd.gz > /dev/null")  # same page cache state
        for _ in range(creates):
            t0 = time.monotonic()
            m.child.sendline("xl create -c /tmp/bench.cfg")
            m.expect(MARKER, 300)
            create = time.monotonic() - t0
            m.expect(re.escape(GUEST_PROMPT), 120)
            m.child.send("\x1d")  # Ctrl-]: back to dom0
            m.expect(re.escape(m.PROMPT), 60)
            m.run("true")
            running, out = guest_running(m)
            if not running:
                m.fail(f"the guest is not in `xl list` after create on {side}:\n{out}")
            t0 = time.monotonic()
            out = m.check("sh /tmp/destroy", timeout=120)
            host = time.monotonic() - t0
            got = re.search(r"@@([\d.]+)@@([\d.]+)@@", out)
            if got is None:
                m.fail(f"no /proc/uptime times around xl destroy on {side}: {out}")
            inside = float(got.group(2)) - float(got.group(1))
            if guest_running(m)[0]:
                m.fail(f"the guest is still in `xl list` after xl destroy on {side}")
            samples.append({"create": create, "destroy": inside, "destroy_host": host})
            print(f"  create {side}: {create:.2f}s, destroy {samples[-1]['destroy']:.2f}s",
                  file=sys.stderr)
        m.poweroff(timeout=120)
    return samples


def stats(v):
    return {"median": statistics.median(v), "min": min(v), "max": max(v), "samples": v}


def scenario_create(args, table, save):
    sides = {side: paths(side) for side in SIDES}  # every part built before the first boot
    samples = {side: [] for side in SIDES}
    for i in range(args.runs):
        for side in SIDES:  # alternated: A B A B
            samples[side] += one_boot(side, sides[side], args.creates, args.cpus, i + 1)
    data = {"cpus": args.cpus, "boots_per_side": args.runs, "creates_per_boot": args.creates,
            "guest_config": CFG}
    for side in SIDES:
        data[side] = {k: stats([s[k] for s in samples[side]])
                      for k in ("create", "destroy", "destroy_host")}
    data["ratio_median"] = {k: data["tessera"][k]["median"] / data["xen"][k]["median"]
                            for k in ("create", "destroy")}
    save("create", data)
    rows = []
    for k, label in (("create", "xl create -c to init marker"), ("destroy", "xl destroy")):
        t, x = data["tessera"][k], data["xen"][k]
        rows.append([label, f"{t['median']:.2f}", f"{t['min']:.2f}-{t['max']:.2f}",
                     f"{x['median']:.2f}", f"{x['min']:.2f}-{x['max']:.2f}",
                     f"{data['ratio_median'][k]:.3f}", len(t["samples"])])
    print(f"\n### create / destroy ({args.cpus} pCPUs, dom0_mem=512M, guest 128 MiB 1 vCPU; "
          "Tessera with our xl, Xen 4.17 with Debian's xl)\n\n" +
          table(rows, ["step", "Tessera median s", "Tessera min-max", "Xen median s",
                       "Xen min-max", "Tessera/Xen", "samples each"]))
    return data
