#!/usr/bin/python3
"""End-to-end: unprivileged guests (issues: domU platform and domctl, toolstack).

dom0 boots on the hypervisor, then `xl` creates Debian's stock kernel as a domU from the demo
initramfs shared into dom0's /boot. The guest's console is reached with `xl console`; console
logs of every run stay in build/test-logs/."""
import os
import re
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import Config, Machine, run_cases  # noqa: E402

MARKER = r"tessera-domU: init reached on \S+, (\d+) vCPU\(s\)"
GUEST_PROMPT = "domU# "
DETACH = "\x1d"  # Ctrl-]


def write_cfg(m, path, name, vcpus=1, memory=128, extra_lines=(), kernel="/boot/Image",
              ramdisk="/boot/domU-initrd.gz", cmdline="console=hvc0"):
    lines = [f'name = "{name}"', f"memory = {memory}", f"vcpus = {vcpus}",
             f'kernel = "{kernel}"', f'extra = "{cmdline}"', 'on_reboot = "restart"',
             *([f'ramdisk = "{ramdisk}"'] if ramdisk else []), *extra_lines]
    m.check(f"printf '%s\\n' {' '.join(repr(l) for l in lines)} > {path}")


def create_and_attach(m, cfg, vcpus, timeout=180):
    """`xl create -c`: waits for the guest's init marker and prompt on its console."""
    m.child.sendline(f"xl create -c {cfg}")
    got = m.expect(MARKER, timeout)
    assert int(got.group(1)) == vcpus, f"guest saw {got.group(1)} vCPUs, expected {vcpus}"
    m.expect(re.escape(GUEST_PROMPT), 60)


def guest(m, cmd, pattern, timeout=60):
    """Types `cmd` on the attached guest console and waits for `pattern`."""
    m.child.sendline(cmd)
    return m.expect(pattern, timeout)


def detach(m):
    m.child.send(DETACH)
    m.expect(re.escape(m.PROMPT), 30)
    m.run("true")  # back at dom0's prompt, in step with the shell


def resync_shell(m):
    """After `xl console` ended because the guest went away: dom0's shell may have been
    restarted by init (echo back on), so wait for a prompt and turn echo off again."""
    m.expect(re.escape(m.PROMPT), 60)
    m.echo = True
    m.run("stty -echo 2>/dev/null; true")
    m.echo = False


def domains(m):
    """`xl list` as {name: (id, mem, vcpus, state, time)}."""
    out = m.check("xl list")
    lines = [l for l in out.splitlines() if not l.startswith("(tessera)")]
    assert lines[0].split()[:6] == ["Name", "ID", "Mem", "VCPUs", "State", "Time(s)"], out
    doms = {}
    for line in lines[1:]:
        f = line.split()
        doms[f[0]] = (int(f[1]), int(f[2]), int(f[3]), f[4], float(f[5]))
    return doms


def free_memory(m):
    return int(re.search(r"^free_memory\s*:\s*(\d+)", m.check("xl info"), re.M).group(1))


def wait_for(m, what, predicate, timeout):
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            m.fail(f"timed out after {timeout}s waiting for {what}")
        time.sleep(1)


def one_vcpu_guest_lifecycle():
    """create -c, console, list, vcpu-pin, shutdown, reboot, destroy, dmesg."""
    with Machine("domu-lifecycle", Config(cpus=2, mem_mb=1024, hv_args="dom0_mem=512M")) as m:
        m.wait_shell(240)
        assert "Image" in m.check("ls /boot"), "the guest image share is not mounted"
        assert list(domains(m)) == ["Domain-0"]
        free0 = free_memory(m)
        write_cfg(m, "/tmp/g1.cfg", "g1")
        create_and_attach(m, "/tmp/g1.cfg", vcpus=1)
        guest(m, "echo typed-$((6*7))", r"typed-42")
        guest(m, "cat /sys/hypervisor/type", r"\bxen\b")
        # Keep the vCPU busy so that its CPU time grows.
        guest(m, "(while :; do :; done) &", re.escape(GUEST_PROMPT))
        detach(m)
        d = domains(m)
        assert "g1" in d, d
        gid, mem, vcpus, state, t0 = d["g1"]
        assert gid > 0 and mem == 128 and vcpus == 1, d
        assert re.fullmatch(r"[-rb]{2}-{4}", state), state
        time.sleep(3)
        assert domains(m)["g1"][4] > t0, "the guest's CPU time does not grow"
        # Paused, it stops running and its time stands still; unpaused, it goes on.
        m.check("xl pause g1")
        _, _, _, state, t1 = domains(m)["g1"]
        assert state[2] == "p", state
        time.sleep(2)
        assert domains(m)["g1"][4] - t1 < 0.2, "a paused guest kept running"
        m.check("xl unpause g1")
        time.sleep(2)
        assert domains(m)["g1"][4] > t1 + 0.5, "the guest did not run again after unpause"
        # Static pinning: vCPU 0 on pCPU 1 only.
        m.check("xl vcpu-pin g1 0 1")
        for _ in range(5):
            row = [l.split() for l in m.check("xl vcpu-list g1").splitlines()[1:]]
            assert row[0][0] == "g1" and row[0][2] == "0", row
            assert row[0][3] == "1", f"vCPU runs on pCPU {row[0][3]}, pinned to 1"
            assert row[0][-3:] == ["1", "/", "all"], row
            time.sleep(0.5)
        assert "domain %d created" % gid in m.check("xl dmesg")
        # Reboot brings it back (on_reboot = restart), as a new domain.
        m.check("xl reboot g1")
        wait_for(m, "g1 to come back", lambda: domains(m).get("g1", (gid,))[0] != gid, 120)
        # A clean shutdown through control/shutdown (the guest's kernel acts on it).
        m.check("xl shutdown -w g1", timeout=180)
        assert "g1" not in domains(m)
        assert free_memory(m) == free0, "memory did not come back after shutdown"
        # destroy of a running guest.
        m.check("xl create /tmp/g1.cfg", timeout=120)
        m.check("xl destroy g1", timeout=60)
        assert list(domains(m)) == ["Domain-0"]
        assert free_memory(m) == free0
        assert m.poweroff() == 0


def two_vcpu_guest_and_grants():
    """An SMP guest; grants are enforced both ways between it and dom0 (mapped through the
    guests' own gntdev/gntalloc)."""
    with Machine("domu-smp-grants", Config(cpus=2, mem_mb=1024, hv_args="dom0_mem=512M")) as m:
        m.wait_shell(240)
        write_cfg(m, "/tmp/g2.cfg", "g2", vcpus=2)
        create_and_attach(m, "/tmp/g2.cfg", vcpus=2)
        guest(m, "cat /sys/devices/system/cpu/online", r"0-1")
        detach(m)
        gid = domains(m)["g2"][0]
        # dom0 offers the guest one read-only page.
        m.child.sendline(f"hvprobe grant-offer {gid} ro 60 > /tmp/offer.txt &")
        m.run("true")
        ref = int(re.search(r"ref (\d+)", wait_for(
            m, "the grant offer", lambda: m.check("cat /tmp/offer.txt"), 30)).group(1))
        m.child.sendline(f"xl console g2")
        m.child.sendline("")
        m.expect(re.escape(GUEST_PROMPT), 30)
        guest(m, f"hvprobe grant-map 0 {ref} ro", r'grant-map: ok "tessera-grant"')
        guest(m, f"hvprobe grant-write 0 {ref}", r"grant-write: error \d+")
        guest(m, f"hvprobe grant-map 0 {ref + 1} ro", r"grant-map: error \d+")  # never granted
        guest(m, "poweroff -f", r"reboot: Power down|System halted|Power down", 60)
        resync_shell(m)
        wait_for(m, "g2 to go", lambda: "g2" not in domains(m), 60)
        assert m.poweroff() == 0


def create_destroy_cycles_leak_nothing():
    """Twenty `xl create`/`xl destroy` cycles (TESSERA_DOMU_CYCLES changes the count): free
    memory and the xenstore tree come back exactly (the whole tree compared
    with the one after the first cycle)."""
    with Machine("domu-cycles", Config(cpus=2, mem_mb=1024, hv_args="dom0_mem=512M")) as m:
        m.wait_shell(240)
        write_cfg(m, "/tmp/c.cfg", "cyc")
        free0 = free_memory(m)
        # Guests' directories under /local/domain (dom0's own "0" may appear once xl runs).
        guest_dirs = "tessera-xenstore ls /local/domain 2>/dev/null | grep -vx 0 | tr '\\n' ' '; true"
        nodes0 = m.check(guest_dirs)
        cycles = int(os.environ.get("TESSERA_DOMU_CYCLES", "20"))
        tree0 = None
        for i in range(cycles):
            m.check("xl create -p /tmp/c.cfg", timeout=400)
            m.check("xl destroy cyc", timeout=120)
            if i == 0:  # the whole tree after one cycle (xl adds dom0's own nodes once)
                tree0 = m.check("tessera-xenstore tree /").splitlines()
        assert free_memory(m) == free0
        nodes = m.check(guest_dirs)
        assert nodes == nodes0, f"xenstore /local/domain left behind: {nodes!r} (was {nodes0!r})"
        tree = m.check("tessera-xenstore tree /").splitlines()
        assert "/local/domain" in tree0 and "/vm" in tree0, tree0
        extra, gone = sorted(set(tree) - set(tree0)), sorted(set(tree0) - set(tree))
        assert not extra and not gone, \
            f"xenstore changed over {cycles - 1} cycles: left behind {extra}, lost {gone}"
        assert list(domains(m)) == ["Domain-0"]
        assert m.poweroff() == 0


def vcpu_rows(m, dom=""):
    """`xl vcpu-list` as {(name, vcpu): cpu}."""
    rows = [l.split() for l in m.check(f"xl vcpu-list {dom}").splitlines()[1:]]
    return {(r[0], int(r[2])): r[3] for r in rows if len(r) > 3 and not r[0].startswith("(")}


def static_partition_crash_and_raw_cycles():
    """sched=null (static partitioning): dom0's one vCPU owns pCPU 0 and a guest's vCPU owns
    pCPU 1; fifty create/destroy cycles through raw domctls (no toolstack) give back every
    page; the probe guest finds every control, memory, event and grant operation on another
    domain refused, and its crash reaches dom0 with the reason (on_crash = "preserve")."""
    cfg = Config(cpus=2, mem_mb=1024, hv_args="dom0_mem=512M sched=null dom0_max_vcpus=1")
    with Machine("domu-null-crash", cfg) as m:
        m.wait_shell(240)
        out = m.check("hvprobe cycles 50 1024", timeout=600)
        got = re.search(r"cycles: ok 50 free before (\d+) after (\d+)", out)
        assert got, f"raw create/destroy cycles failed: {out}"
        assert got.group(1) == got.group(2), f"free pages changed over 50 cycles: {out}"
        free0 = free_memory(m)
        write_cfg(m, "/tmp/p.cfg", "part", extra_lines=['on_crash = "preserve"'])
        create_and_attach(m, "/tmp/p.cfg", vcpus=1)
        guest(m, "(while :; do :; done) &", re.escape(GUEST_PROMPT))
        detach(m)
        for _ in range(5):
            cpus = vcpu_rows(m)
            assert cpus[("Domain-0", 0)] == "0" and cpus[("part", 0)] == "1", cpus
            time.sleep(0.5)
        m.check("xl destroy part", timeout=60)
        assert free_memory(m) == free0
        # The probe guest (test/guest) checks from inside a domU what the hypervisor must
        # refuse, then crashes itself on request; on_crash = "preserve" keeps it for xl list.
        write_cfg(m, "/tmp/probe.cfg", "probe", memory=32, kernel="/boot/probe-guest.bin",
                  ramdisk=None, cmdline="probe=crash", extra_lines=['on_crash = "preserve"'])
        m.child.sendline("xl create -c /tmp/probe.cfg")
        checks = m.expect(r"probe: (\d+) checks, (\d+) failed", 120)
        lines = [l for l in m.child.before.replace("\r", "").splitlines() if l.startswith("probe: ")]
        assert checks.group(2) == "0", "the probe guest found a hole:\n" + "\n".join(lines)
        assert int(checks.group(1)) >= 9, lines
        m.expect(r"probe: crashing on request", 30)
        detach(m)
        wait_for(m, "probe to be shown crashed", lambda: re.fullmatch(
            r"---sc-", domains(m).get("probe", (0, 0, 0, "", 0))[3]), 60)
        assert re.search(r"domain \d+ shut down: crash", m.check("xl dmesg")), "no crash line"
        m.check("xl destroy probe", timeout=60)
        assert list(domains(m)) == ["Domain-0"]
        assert free_memory(m) == free0
        assert m.poweroff() == 0


def bad_configs_fail_cleanly():
    """A missing kernel, an impossible memory size and a bad disk spec: one clear line, no
    domain left behind."""
    with Machine("domu-bad-configs", Config(cpus=2, mem_mb=1024, hv_args="dom0_mem=512M")) as m:
        m.wait_shell(240)
        free0 = free_memory(m)
        write_cfg(m, "/tmp/nokernel.cfg", "bad1")
        m.check("sed -i 's|/boot/Image|/boot/missing-Image|' /tmp/nokernel.cfg")
        write_cfg(m, "/tmp/huge.cfg", "bad2", memory=100000)
        write_cfg(m, "/tmp/disk.cfg", "bad3", extra_lines=["disk = [ 'nonsense,,,' ]"])
        for cfg, words in (("/tmp/nokernel.cfg", "missing-Image"), ("/tmp/huge.cfg", "memory"),
                           ("/tmp/disk.cfg", "disk")):
            status, out = m.run(f"xl create {cfg}", timeout=600)
            assert status != 0, f"xl create {cfg} succeeded: {out}"
            assert words in out, f"unclear error for {cfg}: {out}"
            assert list(domains(m)) == ["Domain-0"], f"{cfg} left a domain behind"
        assert free_memory(m) == free0
        assert m.poweroff() == 0


CASES = {f.__name__: f for f in (one_vcpu_guest_lifecycle, two_vcpu_guest_and_grants,
                                  create_destroy_cycles_leak_nothing,
                                  static_partition_crash_and_raw_cycles, bad_configs_fail_cleanly)}

if __name__ == "__main__":
    run_cases(CASES)
