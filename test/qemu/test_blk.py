#!/usr/bin/python3
"""End-to-end: guests' disks served by tessera-blkback (the block backend issue).

dom0 starts tessera-blkback at boot; guests run Debian's stock kernel with its xen-blkfront.
Disks are dom0's virtio disk (`phy:/dev/vda`, a raw file on the host) and raw files on dom0's
tmpfs (`file:`). Data is checked with md5sum on both sides of the ring; console logs stay in
build/test-logs/."""
import os
import re
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import LOG_DIR, Config, Machine, run_cases  # noqa: E402
from test_domu import (GUEST_PROMPT, create_and_attach, detach, domains, guest,  # noqa: E402
                       wait_for, write_cfg)

SUM = r"([0-9a-f]{32})"
BLKBACK = ("tessera-blkback --pid-file /run/tessera-blkback.pid "
           ">>/var/log/xen/blkback.log 2>&1 &")


def blank_disk(name, size):
    """A sparse raw file on the host, given to dom0 as a virtio disk."""
    path = os.path.join(LOG_DIR, name)
    os.makedirs(LOG_DIR, exist_ok=True)
    with open(path, "wb") as f:
        f.truncate(size)
    return path


def machine(name, disks=()):
    return Machine(name, Config(cpus=2, mem_mb=1024, hv_args="dom0_mem=512M", disks=list(disks)))


def blkback_running(m):
    """Waits for the daemon dom0's init started (its pid file appears once it watches)."""
    def running():
        status, out = m.run("kill -0 $(cat /run/tessera-blkback.pid 2>/dev/null) 2>/dev/null && "
                            "cat /run/tessera-blkback.pid")
        return out if status == 0 else None
    return int(wait_for(m, "tessera-blkback to run", running, 30).split()[0])


def guest_sum(m, cmd):
    """md5 of what `cmd` prints, computed in the attached guest."""
    return guest(m, f"{cmd} | md5sum", SUM + r"\s+-", 120).group(1)


def guest_status(m, cmd, timeout=120):
    """Runs `cmd` in the attached guest; returns its exit status."""
    return int(guest(m, f"{cmd}; echo \"rc=$((1000+$?))\"", r"rc=(1\d\d\d)", timeout).group(1)) - 1000


def guest_ok(m, cmd, timeout=120):
    """Runs `cmd` in the attached guest; fails unless it exits 0."""
    status = guest_status(m, cmd, timeout)
    assert status == 0, f"`{cmd}` exited {status} in the guest"


def reattach(m, name):
    m.child.sendline(f"xl console {name}")
    m.child.sendline("")
    m.expect(re.escape(GUEST_PROMPT), 30)


def disk_log(m, devid):
    """tessera-blkback's log lines about one disk of any guest."""
    return [l for l in m.check("cat /var/log/xen/blkback.log").splitlines()
            if f" vbd {devid}: " in l]


def disk_data_survives_recreate():
    """A phy: disk: mkfs, files, sync; flushes reach the store; the data is the same in dom0
    and in the guest created again. A read-only file: reads right, refuses writes. A file with
    discard: blkdiscard punches holes in it."""
    image = blank_disk("blk-data.img", 64 << 20)
    with machine("blk-data", [image]) as m:
        m.wait_shell(240)
        blkback_running(m)
        m.check("dd if=/dev/urandom of=/tmp/ro.img bs=1M count=4 2>/dev/null")
        ro_sum = re.search(SUM, m.check("md5sum /tmp/ro.img")).group(1)
        m.check("truncate -s 16M /tmp/dis.img")
        disks = "disk = [ 'phy:/dev/vda,xvda,w', 'file:/tmp/ro.img,xvdb,r', 'file:/tmp/dis.img,xvdc,w' ]"
        write_cfg(m, "/tmp/d.cfg", "d", extra_lines=[disks])
        create_and_attach(m, "/tmp/d.cfg", vcpus=1)
        guest(m, "cat /sys/block/xvda/size /sys/block/xvdb/ro", r"131072\s+1")
        # The read path: a whole read-only disk, byte for byte, and writes refused.
        assert guest_sum(m, "cat /dev/xvdb") == ro_sum, "xvdb does not read back as dom0's file"
        assert guest_status(m, "dd if=/dev/zero of=/dev/xvdb bs=4k count=1 oflag=direct") != 0, \
            "a write to a read-only disk succeeded"
        # A file system on xvda, files, sync.
        guest_ok(m, "modprobe crc32c_generic && modprobe ext4 && mke2fs -q /dev/xvda && mkdir -p /mnt && "
                    "mount -t ext4 /dev/xvda /mnt")
        guest_ok(m, "dd if=/dev/urandom of=/mnt/a bs=64k count=64 2>/dev/null && "
                    "seq 1 50000 > /mnt/b && sync")
        sums = guest(m, "md5sum /mnt/a /mnt/b | tr '\\n' ' '",
                     SUM + r"\s+/mnt/a\s+" + SUM + r"\s+/mnt/b").groups()
        # Discard: 8 MiB written, then discarded: the file's blocks are freed in dom0.
        guest(m, "echo dmb=$(cat /sys/block/xvdc/queue/discard_max_bytes)", r"dmb=[1-9]")
        guest_ok(m, "dd if=/dev/urandom of=/dev/xvdc bs=1M count=8 oflag=direct")
        guest_ok(m, "umount /mnt")
        detach(m)
        used = int(m.check("du -k /tmp/dis.img").split()[0])
        assert used >= 8192, f"8 MiB written to xvdc, dom0's file uses {used} KiB"
        reattach(m, "d")
        guest_ok(m, "blkdiscard /dev/xvdc")
        detach(m)
        used = int(m.check("du -k /tmp/dis.img").split()[0])
        assert used < 1024, f"after blkdiscard dom0's file still uses {used} KiB"
        m.check("xl destroy d", timeout=60)
        # Torn down: blkback saw each disk go, and no backend node is left.
        wait_for(m, "blkback to drop the disk", lambda: any(
            "removed" in l for l in disk_log(m, 51712)), 30)
        closed = [l for l in disk_log(m, 51712) if "disconnected" in l]
        assert closed and int(re.search(r"(\d+) flushes", closed[-1]).group(1)) > 0, \
            f"no flush reached the backend: {disk_log(m, 51712)}"
        assert m.run("tessera-xenstore ls /local/domain/0/backend/vbd 2>/dev/null")[1] == "", \
            "backend nodes left after destroy"
        # In dom0, on the image itself.
        m.check("modprobe crc32c_generic && modprobe ext4 && mkdir -p /mnt && mount -t ext4 -o ro /dev/vda /mnt")
        dom0_sums = re.findall(SUM, m.check("md5sum /mnt/a /mnt/b"))
        m.check("umount /mnt")
        assert tuple(dom0_sums) == sums, f"dom0 reads {dom0_sums}, the guest wrote {sums}"
        # A new guest on the same disks sees the same files.
        create_and_attach(m, "/tmp/d.cfg", vcpus=1)
        guest_ok(m, "modprobe crc32c_generic && modprobe ext4 && mkdir -p /mnt && mount -t ext4 /dev/xvda /mnt")
        again = guest(m, "md5sum /mnt/a /mnt/b | tr '\\n' ' '",
                      SUM + r"\s+/mnt/a\s+" + SUM + r"\s+/mnt/b").groups()
        assert again == sums, f"after create again the guest reads {again}, wrote {sums}"
        detach(m)
        m.check("xl destroy d", timeout=60)
        assert list(domains(m)) == ["Domain-0"]
        assert m.poweroff() == 0


def hot_plug_and_daemon_kill():
    """xl block-attach and block-detach on a running guest; a disk blkback cannot open is
    refused with its reason; SIGKILL of tessera-blkback in the middle of the guest's writes,
    then a new daemon: the device reconnects and the data is whole."""
    with machine("blk-hotplug") as m:
        m.wait_shell(240)
        first = blkback_running(m)
        m.check("truncate -s 32M /tmp/h.img")
        write_cfg(m, "/tmp/h.cfg", "h")
        create_and_attach(m, "/tmp/h.cfg", vcpus=1)
        guest(m, "dd if=/dev/urandom of=/tmp/p bs=1M count=8 2>/dev/null; "
                 "echo disks=$(ls /sys/block | grep -c xvd)", r"disks=0")
        pattern = guest_sum(m, "cat /tmp/p")
        detach(m)
        status, out = m.run("xl block-attach h 'file:/tmp/missing.img,xvde,w'", timeout=60)
        assert status != 0 and "missing.img" in out, f"attaching a missing file: {out}"
        assert "xvde" not in m.check("xl block-list h")
        m.check("xl block-attach h 'file:/tmp/h.img,xvdd,w'", timeout=60)
        wait_for(m, "xvdd to connect", lambda: re.search(
            r"^51760\s+0\s+51760\s+4\s", m.check("xl block-list h"), re.M), 60)
        reattach(m, "h")
        guest(m, "cat /sys/block/xvdd/size", r"\b65536\b")
        # A writer in the guest; the daemon dies under it and a new one takes over.
        guest(m, "rm -f /tmp/stop /tmp/fails; (i=0; while [ ! -e /tmp/stop ]; do dd if=/tmp/p "
                 "of=/dev/xvdd bs=64k oflag=direct 2>/dev/null || echo $i >> /tmp/fails; "
                 "i=$((i+1)); done; echo $i > /tmp/rounds) & echo \"writer=$((40+2))\"",
              r"writer=42")
        detach(m)
        time.sleep(2)
        status, log = m.run("kill -0 $(cat /run/tessera-blkback.pid) && cat /var/log/xen/blkback.log")
        assert status == 0 and int(m.check("cat /run/tessera-blkback.pid")) == first, \
            f"tessera-blkback is not running any more:\n{m.check('cat /var/log/xen/blkback.log')}"
        m.check(f"kill -9 {first}")
        m.check("sleep 1; rm /run/tessera-blkback.pid")  # SIGKILL leaves it behind
        m.child.sendline(BLKBACK)
        m.run("true")
        second = blkback_running(m)
        assert second != first, f"the new daemon has the old one's pid {first}"
        wait_for(m, "xvdd to reconnect", lambda: sum(
            "connected:" in l for l in disk_log(m, 51760)) >= 2, 60)
        time.sleep(3)
        reattach(m, "h")
        got = guest(m, "touch /tmp/stop; wait; echo rounds=$(cat /tmp/rounds) "
                       "fails=$(cat /tmp/fails 2>/dev/null | wc -l)", r"rounds=(\d+) fails=(\d+)", 300)
        assert got.group(2) == "0", "writes failed across the daemon's restart"
        assert int(got.group(1)) >= 2, f"only {got.group(1)} rounds of writes"
        assert guest_sum(m, "dd if=/dev/xvdd bs=1M count=8 iflag=direct 2>/dev/null") == pattern
        detach(m)
        assert re.search(SUM, m.check("head -c 8388608 /tmp/h.img | md5sum")).group(1) == pattern
        # Hot detach: the guest's disk goes away, and so do the nodes.
        m.check("xl block-detach h xvdd", timeout=60)
        assert "51760" not in m.check("xl block-list h")
        reattach(m, "h")
        guest(m, "sleep 1; echo disks=$(ls /sys/block | grep -c xvdd)", r"disks=0")
        detach(m)
        # The new daemon served the guest's writes after the restart.
        served = [int(x) for x in re.findall(r"disconnected \((\d+) requests", "\n".join(
            disk_log(m, 51760)))]
        assert served and served[-1] > 0, disk_log(m, 51760)
        m.check("xl destroy h", timeout=60)
        assert list(domains(m)) == ["Domain-0"]
        assert m.poweroff() == 0


CASES = {f.__name__: f for f in (disk_data_survives_recreate, hot_plug_and_daemon_kill)}

if __name__ == "__main__":
    run_cases(CASES)
