#!/usr/bin/python3
"""End-to-end checks of the foundation: the harness against a native dom0 boot, and the
hypervisor image's boot report and refusals."""
import hashlib
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import LOG_DIR, Config, Machine, kernel_abi, run_cases  # noqa: E402


def make_disk(name, size=4 << 20):
    """A raw disk of deterministic pseudo-random bytes; returns (path, sha256)."""
    path = os.path.join(LOG_DIR, name)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    h = hashlib.sha256()
    with open(path, "wb") as f:
        block = hashlib.sha512(name.encode()).digest()
        for i in range(size // 4096):
            chunk = (hashlib.sha512(block + i.to_bytes(4, "little")).digest() * 64)[:4096]
            f.write(chunk)
            h.update(chunk)
    return path, h.hexdigest()


def native_dom0_shell():
    disk, digest = make_disk("native-disk.img")
    with Machine("native-dom0", Config(native=True, cpus=2, disks=[disk])) as m:
        m.wait_shell(timeout=120)
        assert m.check("uname -r") == kernel_abi(), "dom0 runs a different kernel"
        assert "console=ttyAMA0" in m.check("cat /proc/cmdline")
        assert m.check("grep -c ^processor /proc/cpuinfo") == "2"
        # The image's init did its job: mounts and the non-Xen modules.
        mounts = m.check("cat /proc/mounts")
        for fs in ("proc /proc", "sysfs /sys", "devtmpfs /dev", "tmpfs /run"):
            assert fs in mounts, f"{fs} not mounted"
        assert "virtio_blk" in m.check("cat /proc/modules")
        # No hypervisor: /sys/hypervisor/type is absent or not xen.
        status, _ = m.run("grep -qx xen /sys/hypervisor/type")
        assert status != 0, "a native boot must not report Xen"
        # The harness sees real exit statuses, and the virtio disk reads back intact.
        assert m.run("false")[0] == 1
        assert m.check("sha256sum /dev/vda").split()[0] == digest
        assert m.poweroff() == 0


def hypervisor_banner():
    cfg = Config(cpus=2, mem_mb=1024, hv_args="dom0_mem=512M loglvl=all")
    with Machine("hv-banner", cfg) as m:
        m.expect(r"Tessera hypervisor \S+ \(Xen 4.17 ABI\) starting at EL2", 30)
        m.expect(r"2 CPU\(s\), PSCI via smc", 10)
        m.expect(r"RAM bank 0: 0x0000000040000000-0x000000007fffffff \(1024 MiB\)", 10)
        m.expect(r"boot module \d: ramdisk at 0x50000000", 10)
        m.expect(r"boot module \d: kernel at 0x49000000, \d+ bytes, bootargs: console=hvc0", 10)
        m.expect(r'command line: "dom0_mem=512M loglvl=all"', 10)
        m.expect(r"starting dom0", 30)
        m.wait_shell(timeout=180)
        assert m.poweroff() == 0


def hypervisor_without_dom0_kernel():
    cfg = Config(cpus=1, dom0_kernel=False, dom0_initrd=False)
    with Machine("hv-no-dom0-kernel", cfg) as m:
        m.expect(r"error: no dom0 kernel: pass one as a boot module", 30)
        m.expect(r"powering off", 10)
        assert m.wait_exit(30) == 0


CASES = {
    "native_dom0_shell": native_dom0_shell,
    "hypervisor_banner": hypervisor_banner,
    "hypervisor_without_dom0_kernel": hypervisor_without_dom0_kernel,
}

if __name__ == "__main__":
    run_cases(CASES)
