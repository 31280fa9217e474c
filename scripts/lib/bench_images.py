"""The two sides of the dom0 scenarios (create, xenstore): the same QEMU command line, dom0
kernel, modules, busybox and init; only the hypervisor image, its command line and the dom0
userspace that drives it differ.

  tessera  tessera.bin; dom0 initramfs = ours + the bench tools overlay
  xen      Debian's xen-4.17-arm64; dom0 initramfs = ours + the bench tools overlay + the Xen
           userspace overlay (scripts/images/xen-dom0: Debian's xl, libxenlight, C xenstored,
           xenconsoled; dom0's init starts those instead of ours)

Linux unpacks concatenated gzip'd cpio archives in order, so the initramfs of each side is our
dom0 image with overlays appended, built under build/bench/images and rebuilt when an input is
newer. The Xen overlay is cached: remove build/bench/images/xen-overlay.cpio.gz to pick up
newer Debian packages."""
import os
import shlex
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "test", "qemu"))
from harness import AARCH64_BUILD, BUILD, CACHE, ROOT, Config, Machine, Paths  # noqa: E402

sys.path.insert(0, os.path.join(ROOT, "scripts", "images"))
from mkinitramfs import Cpio, read_stripped  # noqa: E402

XEN_IMAGE = os.path.join(CACHE, "xen", "boot", "xen-4.17-arm64")
HV_ARGS = {"tessera": "dom0_mem=512M",
           "xen": "dom0_mem=512M console=dtuart dtuart=/pl011@9000000"}
SIDES = ("tessera", "xen")
IMAGES = os.path.join(BUILD, "bench", "images")
XEN_DOM0 = os.path.join(ROOT, "scripts", "images", "xen-dom0")


class NotYet(Exception):
    """A part a scenario needs is missing; the message says which."""


def stale(output, inputs):
    if not os.path.exists(output):
        return True
    t = os.path.getmtime(output)
    return any(os.path.getmtime(i) > t for i in inputs if os.path.exists(i))


def run(argv, what):
    r = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    if r.returncode != 0:
        raise NotYet(f"{what} failed:\n{r.stdout.strip()[-2000:]}")


def bench_client():
    """xenstored_bench (test/bench/xenstored) from the aarch64 build: static, like our dom0
    binaries."""
    if not os.path.exists(os.path.join(AARCH64_BUILD, "build.ninja")):
        raise NotYet(f"{AARCH64_BUILD} is not configured: run scripts/build")
    run(["ninja", "-C", AARCH64_BUILD, "test/bench/xenstored/xenstored_bench"],
        "building xenstored_bench for aarch64")
    return os.path.join(AARCH64_BUILD, "test", "bench", "xenstored", "xenstored_bench")


def tools_overlay():
    """The overlay both sides get: the bench programs run in dom0."""
    out = os.path.join(IMAGES, "tools-overlay.cpio.gz")
    client = bench_client()
    if stale(out, [client, __file__]):
        import gzip
        cpio = Cpio()
        for d in ("usr", "usr/bin"):
            cpio.dir(d)
        cpio.file("usr/bin/xenstored_bench", read_stripped(client), 0o755)
        with open(out + ".tmp", "wb") as f:
            f.write(gzip.compress(cpio.finish(), compresslevel=6, mtime=0))
        os.replace(out + ".tmp", out)
    return out


def xen_overlay():
    """Debian's Xen 4.17 userspace (scripts/images/xen-dom0/mkoverlay.py)."""
    out = os.path.join(IMAGES, "xen-overlay.cpio.gz")
    tool = os.path.join(XEN_DOM0, "mkoverlay.py")
    if stale(out, [tool, os.path.join(XEN_DOM0, "daemons.sh"), os.path.join(XEN_DOM0, "block"),
                   os.path.join(ROOT, "scripts", "images", "mkinitramfs.py")]):
        print("bench: assembling the Xen dom0 overlay from Debian's packages", file=sys.stderr)
        run([sys.executable, tool, "--cache", os.path.join(CACHE, "xen-dom0"), "--output", out],
            "assembling Debian's Xen userspace (scripts/images/xen-dom0/mkoverlay.py)")
    return out


def paths(side):
    """Paths for `side`, its dom0 initramfs built; raises NotYet when a part is missing."""
    os.makedirs(IMAGES, exist_ok=True)
    p = Paths()
    if not os.path.exists(p.dom0_initrd):
        raise NotYet(f"dom0 initramfs {p.dom0_initrd} missing: run scripts/build")
    if side == "xen":
        if not os.path.exists(XEN_IMAGE):
            raise NotYet(f"{XEN_IMAGE} missing: scripts/bench fetches Debian's Xen")
        p.hypervisor = XEN_IMAGE
        parts = [p.dom0_initrd, tools_overlay(), xen_overlay()]
    else:
        if not os.path.exists(p.hypervisor):
            raise NotYet(f"{p.hypervisor} missing: run scripts/build")
        parts = [p.dom0_initrd, tools_overlay()]
    out = os.path.join(IMAGES, f"dom0-{side}.cpio.gz")
    if stale(out, parts):
        with open(out + ".tmp", "wb") as f:
            for part in parts:
                f.write(open(part, "rb").read())
        os.replace(out + ".tmp", out)
    p.dom0_initrd = out
    return p


def machine(side, name, cpus, p=None, disks=()):
    """A Machine for `side`: identical QEMU arguments but for the hypervisor image, its
    command line and the dom0 initramfs; 1024 MiB, dom0_mem=512M, guest image share on,
    `disks` as dom0's virtio disks."""
    cfg = Config(cpus=cpus, mem_mb=1024, hv_args=HV_ARGS[side], guest_share=True,
                 disks=list(disks))
    return Machine(name, cfg, p or paths(side))


def check_dom0(m, side):
    """Fails unless dom0 runs the userspace this side is meant to: Debian's xl and C
    xenstored on Xen, ours on Tessera."""
    debian = m.run("test -e /etc/tessera/xen-packages")[0] == 0
    if debian != (side == "xen"):
        m.fail(f"dom0 userspace mismatch on {side}: Debian's Xen tools present = {debian}")
    status, out = m.run("xl info")
    if status != 0:
        m.fail(f"`xl info` failed on {side}: {out}")
    return out


def put_file(m, path, lines):
    """Writes `lines` to dom0's `path` one short command a line: on Xen, a long line typed at
    once on dom0's console lost input (most likely in Xen's small serial receive ring)."""
    m.check(f": > {path}")
    for line in lines:
        cmd = f"echo {shlex.quote(line)} >> {path}"
        if len(cmd) > 80:
            raise ValueError(f"dom0 command too long for Xen's console: {cmd}")
        m.check(cmd)
