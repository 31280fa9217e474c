#!/usr/bin/python3
"""End-to-end: Debian's stock kernel as dom0 on the Tessera hypervisor (issue: dom0 boot).

Each case boots QEMU with the hypervisor and dom0 as boot modules, checks dom0 from its shell,
and ends it; console logs stay in build/test-logs/."""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import Config, Machine, run_cases  # noqa: E402
from test_foundation import make_disk  # noqa: E402

XEN_MODULES = ("xen_evtchn", "xen_gntdev", "xen_gntalloc", "xen_privcmd", "xenfs")
XEN_DEVICES = ("evtchn", "gntdev", "gntalloc", "privcmd", "xenbus", "hypercall")


def check_dom0(m, vcpus):
    assert m.check("cat /sys/hypervisor/type") == "xen"
    assert m.check("cat /sys/devices/system/cpu/online") == ("0" if vcpus == 1 else f"0-{vcpus - 1}")
    assert m.check("grep -c ^processor /proc/cpuinfo") == str(vcpus)
    assert "xenfs /proc/xen xenfs" in m.check("cat /proc/mounts")
    assert m.check("cat /proc/xen/capabilities") == "control_d"
    modules = m.check("cut -d' ' -f1 /proc/modules").split()
    for mod in XEN_MODULES:
        assert mod in modules, f"module {mod} not loaded: {modules}"
    for dev in XEN_DEVICES:
        m.check(f"test -c /dev/xen/{dev}")
    # Event channels work end to end: hvc0 and the xenbus ring use them, and this shell's
    # input arrived through VIRQ_CONSOLE.
    assert int(m.check("cat /proc/xen/xsd_port")) > 0


def boot(name, cpus, hv_args, disks=(), **kw):
    return Machine(name, Config(cpus=cpus, hv_args=hv_args, disks=list(disks), **kw))


def one_vcpu_on_one_pcpu():
    with boot("dom0-1on1", 1, "dom0_mem=512M") as m:
        m.expect(r"\(tessera\) 1 pCPU\(s\) online", 30)
        m.wait_shell(timeout=180)
        check_dom0(m, 1)
        # Ctrl-A three times hands the console to the hypervisor's keys, and back.
        m.child.send("\x01\x01\x01")
        m.expect(r"Serial input to Tessera", 30)
        m.child.send("d")
        m.expect(r"\(tessera\) domain 0: 1 vCPU\(s\)", 30)
        m.child.send("\x01\x01\x01")
        m.expect(r"Serial input to DOM0 \(type 'CTRL-a' three times to switch input\)\r*\n", 30)
        assert m.check("echo back in dom0") == "back in dom0"
        assert m.poweroff() == 0


def two_vcpus_on_two_pcpus_with_disk():
    disk, digest = make_disk("dom0-disk.img")
    with boot("dom0-2on2", 2, "dom0_mem=512M", disks=[disk]) as m:
        m.expect(r"\(tessera\) 2 pCPU\(s\) online", 30)
        m.wait_shell(timeout=180)
        check_dom0(m, 2)
        # virtio-blk DMA through dom0's 1:1 memory and swiotlb-xen.
        assert m.check("sha256sum /dev/vda", timeout=120).split()[0] == digest
        assert m.poweroff() == 0


def four_vcpus_on_two_pcpus():
    with boot("dom0-4on2", 2, "dom0_mem=512M dom0_max_vcpus=4") as m:
        m.expect(r"dom0: 512 MiB at 0x[0-9a-f]+, 4 vCPU\(s\)", 30)
        m.wait_shell(timeout=300)
        check_dom0(m, 4)
        assert m.poweroff() == 0


def reboot_boots_again():
    with boot("dom0-reboot", 2, "dom0_mem=512M", no_reboot=False) as m:
        m.wait_shell(timeout=180)
        m.child.sendline("reboot -f")
        m.expect(r"domain 0 shut down: reboot", 60)
        m.expect(r"Tessera hypervisor \S+ \(Xen 4.17 ABI\) starting at EL2", 60)
        m.echo = True
        m.wait_shell(timeout=180)
        assert m.check("cat /sys/hypervisor/type") == "xen"
        assert m.poweroff() == 0


def xenstored_serves_dom0():
    """Our xenstored in dom0: its Unix socket, and the dom0 kernel's own xenstore ring reached
    through /dev/xen/xenbus (xsd_kva page + loopback event channel, XEN-ABI.md §2.3)."""
    with boot("dom0-xenstored", 2, "dom0_mem=512M") as m:
        m.wait_shell(timeout=180)
        m.check("test -e /run/xenstored.pid")
        m.check("tessera-xenstore write /local/domain/0/probe socket-side")
        assert m.check("tessera-xenstore --xenbus read /local/domain/0/probe") == "socket-side"
        m.check("tessera-xenstore --xenbus write /local/domain/0/ring ring-side")
        assert m.check("tessera-xenstore read /local/domain/0/ring") == "ring-side"
        assert set(m.check("tessera-xenstore ls /local/domain/0").split()) >= {"probe", "ring"}
        status, out = m.run("tessera-xenstore read /local/domain/0/absent")
        assert status == 1 and "ENOENT" in out
        assert m.poweroff() == 0


def bad_options_are_refused():
    with boot("hv-dom0-mem-too-big", 1, "dom0_mem=4G") as m:
        m.expect(r"error: dom0_mem=4096M does not fit in free RAM", 30)
        assert m.wait_exit(30) == 0
    with boot("hv-bad-option", 1, "dom0_mem=lots") as m:
        m.expect(r"error: option dom0_mem=lots: expected a size", 30)
        assert m.wait_exit(30) == 0
    with boot("hv-unknown-option", 1, "dom0_mem=512M frobnicate=1") as m:
        m.expect(r"warning: unknown option 'frobnicate=1' ignored", 30)
        m.wait_shell(timeout=180)
        assert m.poweroff() == 0


CASES = {
    "one_vcpu_on_one_pcpu": one_vcpu_on_one_pcpu,
    "two_vcpus_on_two_pcpus_with_disk": two_vcpus_on_two_pcpus_with_disk,
    "four_vcpus_on_two_pcpus": four_vcpus_on_two_pcpus,
    "reboot_boots_again": reboot_boots_again,
    "bad_options_are_refused": bad_options_are_refused,
    "xenstored_serves_dom0": xenstored_serves_dom0,
}

if __name__ == "__main__":
    run_cases(CASES)
