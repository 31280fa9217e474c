"""The `blk` scenario: a guest's disk, measured inside the guest with test/tools/blkio.cc
(O_DIRECT; sequential 1 MiB reads and writes, 4 KiB random reads and writes at queue depth 1
and 32 through Linux AIO). The disk is dom0's virtio disk, a raw file on the host, given to
the guest as 'phy:/dev/vda,xvda,w'. Tessera serves it with tessera-blkback (user space, grant
copy); Xen 4.17 with Linux's in-kernel xen-blkback, set up by Debian's xl (the Xen overlay's
block hotplug script writes physical-device, scripts/images/xen-dom0/block). Same guest
kernel, initramfs and QEMU command line. Boots alternate Tessera, Xen, ... (--runs each)."""
import os
import re
import statistics
import sys

from bench_images import IMAGES, SIDES, check_dom0, machine, paths, put_file

MARKER = r"tessera-domU: init reached on"
GUEST_PROMPT = "domU# "
DISK_MIB = 256
CFG = ['name = "blk"', "memory = 128", "vcpus = 1", 'kernel = "/boot/Image"',
       'ramdisk = "/boot/domU-initrd.gz"', 'extra = "console=hvc0"',
       "disk = [ 'phy:/dev/vda,xvda,w' ]"]
# (name, blkio arguments after the device); the sequential ones cover half the disk.
TESTS = [("seq-write", "seq-write {dev} 128"), ("seq-read", "seq-read {dev} 128"),
         ("rand-read-qd1", "rand-read {dev} 1 5"), ("rand-read-qd32", "rand-read {dev} 32 5"),
         ("rand-write-qd1", "rand-write {dev} 1 5"), ("rand-write-qd32", "rand-write {dev} 32 5")]
RESULT = re.compile(r"blkio: (\S+) ([\d.]+) (MB/s|IOPS) [^\r\n]*\r*\n")


def disk_image():
    path = os.path.join(IMAGES, "blk-disk.img")
    os.makedirs(IMAGES, exist_ok=True)
    with open(path, "wb") as f:
        f.truncate(0)
        f.truncate(DISK_MIB << 20)
    return path


def one_boot(side, p, args, tag):
    with machine(side, f"bench-blk-{side}-{tag}", args.cpus, p, disks=[disk_image()]) as m:
        m.wait_shell(300)
        check_dom0(m, side)
        if side == "xen":
            m.check("modprobe xen-blkback")
        put_file(m, "/tmp/blk.cfg", CFG)
        m.child.sendline("xl create -c /tmp/blk.cfg")
        m.expect(MARKER, 300)
        m.expect(re.escape(GUEST_PROMPT), 120)
        got = {}
        for name, argv in TESTS:
            m.child.sendline("blkio " + argv.format(dev="/dev/xvda"))
            r = m.expect(RESULT.pattern + r"|blkio: [^\r\n]*: [^\r\n]*\r*\n", 600)
            if r.group(1) is None:
                m.fail(f"blkio {name} failed on {side}: {r.group(0)}")
            got[name] = float(r.group(2))
            m.expect(re.escape(GUEST_PROMPT), 60)
            print(f"  blk {side}: {name} {got[name]:.1f} {r.group(3)}", file=sys.stderr)
        m.child.send("\x1d")
        m.expect(re.escape(m.PROMPT), 60)
        m.run("true")
        m.check("xl destroy blk", timeout=120)
        m.poweroff(timeout=120)
    return got


def scenario_blk(args, table, save):
    sides = {side: paths(side) for side in SIDES}
    runs = {side: [] for side in SIDES}
    for i in range(args.runs):
        for side in SIDES:  # alternated: A B A B
            runs[side].append(one_boot(side, sides[side], args, i + 1))
    med = {side: {n: statistics.median(r[n] for r in runs[side]) for n, _ in TESTS}
           for side in SIDES}
    data = {"cpus": args.cpus, "runs": args.runs, "disk_mib": DISK_MIB, "guest_config": CFG,
            "median": med, "raw": runs,
            "ratio_median": {n: med["tessera"][n] / med["xen"][n] for n, _ in TESTS}}
    save("blk", data)
    rows = [[n, "MB/s" if n.startswith("seq") else "IOPS", f"{med['tessera'][n]:.1f}",
             f"{med['xen'][n]:.1f}", f"{data['ratio_median'][n]:.2f}"] for n, _ in TESTS]
    print(f"\n### blk ({args.cpus} pCPUs, guest 128 MiB 1 vCPU, {DISK_MIB} MiB raw virtio disk "
          "in dom0 as phy:/dev/vda; tessera-blkback vs Xen 4.17's in-kernel xen-blkback)\n\n" +
          table(rows, ["test", "unit", "Tessera median", "Xen median", "Tessera/Xen"]))
    return data
