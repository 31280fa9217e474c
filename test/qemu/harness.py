"""Tessera's QEMU driver: boots a configuration, waits for console markers with hard timeouts,
runs dom0 commands, and keeps the whole console log of every run under build/test-logs/.

Used by the end-to-end tests (test/qemu/test_*.py), scripts/run and scripts/bench.
"""
import dataclasses
import os
import re
import shlex
import shutil
import sys
import time

import pexpect

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BUILD = os.environ.get("TESSERA_BUILD", os.path.join(ROOT, "build"))
CACHE = os.environ.get("TESSERA_CACHE",
                       os.path.join(os.environ.get("XDG_CACHE_HOME", os.path.expanduser("~/.cache")),
                                    "tessera"))
AARCH64_BUILD = os.environ.get("TESSERA_AARCH64_BUILD", os.path.join(BUILD, "aarch64"))
LOG_DIR = os.environ.get("TESSERA_LOG_DIR", os.path.join(BUILD, "test-logs"))

# QEMU virt places an arm64 Image with text_offset 0 at RAM base + 2 MiB; boot modules go where
# the dom0 kernel cannot collide with the hypervisor or each other (docs/booting.md).
DOM0_KERNEL_ADDR = 0x49000000
DOM0_INITRD_ADDR = 0x50000000


class HarnessError(Exception):
    pass


def kernel_abi():
    path = os.path.join(CACHE, "kernel", "ABI")
    if not os.path.exists(path):
        raise HarnessError(f"{path} is missing: run scripts/setup to fetch Debian's arm64 kernel")
    return open(path).read().strip()


@dataclasses.dataclass
class Paths:
    hypervisor: str = os.path.join(AARCH64_BUILD, "hypervisor", "tessera.bin")
    dom0_initrd: str = os.path.join(AARCH64_BUILD, "scripts", "images", "dom0-initrd.cpio.gz")
    domu_initrd: str = os.path.join(AARCH64_BUILD, "scripts", "images", "domU-initrd.cpio.gz")
    kernel: str = ""
    guest_dir: str = os.path.join(AARCH64_BUILD, "guest-images")  # shared into dom0 at /boot
    probe_guest: str = os.path.join(AARCH64_BUILD, "test", "guest", "probe-guest.bin")

    def __post_init__(self):
        if not self.kernel:
            self.kernel = os.path.join(CACHE, "kernel", "boot", f"vmlinuz-{kernel_abi()}")

    def check(self, native):
        needed = [("dom0 kernel", self.kernel, "scripts/setup"),
                  ("dom0 initramfs", self.dom0_initrd, "scripts/build")]
        if not native:
            needed.append(("hypervisor image", self.hypervisor, "scripts/build"))
        for what, path, how in needed:
            if not os.path.exists(path):
                raise HarnessError(f"{what} not found at {path}: run {how}")

    def prepare_guest_dir(self):
        """Fills the directory dom0 mounts at /boot: the guest kernel as Image, the demo
        domU initramfs and the probe guest (test/guest), hard-linked (or copied) so that the
        share holds no symlinks."""
        os.makedirs(self.guest_dir, exist_ok=True)
        for src, name in ((self.kernel, "Image"), (self.domu_initrd, "domU-initrd.gz"),
                          (self.probe_guest, "probe-guest.bin")):
            dst = os.path.join(self.guest_dir, name)
            if not os.path.exists(src):
                continue
            st = os.stat(src)
            if os.path.exists(dst):
                dt = os.stat(dst)
                if (dt.st_ino == st.st_ino and dt.st_dev == st.st_dev) or \
                        (dt.st_size == st.st_size and dt.st_mtime >= st.st_mtime):
                    continue
                os.unlink(dst)
            try:
                os.link(src, dst)
            except OSError:
                shutil.copy2(src, dst)


@dataclasses.dataclass
class Config:
    native: bool = False          # boot dom0's kernel directly, without the hypervisor
    cpus: int = 2                 # pCPUs given to QEMU
    mem_mb: int = 1024
    gic: int = 3
    disks: list = dataclasses.field(default_factory=list)
    icount: bool = False          # deterministic timing (-icount shift=0)
    hv_args: str = ""             # hypervisor command line
    dom0_args: str = ""           # extra dom0 kernel arguments
    dom0_kernel: bool = True      # pass the dom0 kernel boot module
    dom0_initrd: bool = True      # pass the dom0 initramfs boot module
    no_reboot: bool = True        # a guest reset ends QEMU (tests of reboot turn this off)
    guest_share: bool = True      # share Paths.guest_dir into dom0 over virtio-9p (tag tessera-guests)
    extra: list = dataclasses.field(default_factory=list)  # extra QEMU arguments


def qemu_argv(cfg, paths, console="stdio"):
    """The QEMU command line for `cfg`; `console` is a chardev backend spec."""
    machine = f"virt,gic-version={cfg.gic}"
    if not cfg.native:
        machine += ",virtualization=on"
    argv = ["qemu-system-aarch64", "-M", machine, "-cpu", "cortex-a57", "-smp", str(cfg.cpus),
            "-m", str(cfg.mem_mb), "-display", "none", "-monitor", "none",
            "-chardev", f"{console},id=con,signal=off", "-serial", "chardev:con"]
    if cfg.no_reboot:
        argv.append("-no-reboot")
    if cfg.icount:
        argv += ["-icount", "shift=0,sleep=off,align=off", "-rtc", "clock=vm"]
    for i, disk in enumerate(cfg.disks):
        argv += ["-drive", f"file={disk},if=none,format=raw,id=disk{i}",
                 "-device", f"virtio-blk-device,drive=disk{i}"]
    if cfg.guest_share:
        paths.prepare_guest_dir()
        argv += ["-fsdev", f"local,id=guests,path={paths.guest_dir},security_model=none,readonly=on",
                 "-device", "virtio-9p-device,fsdev=guests,mount_tag=tessera-guests"]
    if cfg.native:
        argv += ["-kernel", paths.kernel, "-initrd", paths.dom0_initrd,
                 "-append", f"console=ttyAMA0 {cfg.dom0_args}".strip()]
    else:
        argv += ["-kernel", paths.hypervisor]
        if cfg.hv_args:
            argv += ["-append", cfg.hv_args]
        if cfg.dom0_kernel:
            bootargs = f"console=hvc0 {cfg.dom0_args}".strip().replace(",", ",,")
            argv += ["-device", f"guest-loader,addr={DOM0_KERNEL_ADDR:#x},kernel={paths.kernel},"
                                f"bootargs={bootargs}"]
        if cfg.dom0_initrd:
            argv += ["-device", f"guest-loader,addr={DOM0_INITRD_ADDR:#x},initrd={paths.dom0_initrd}"]
    return argv + cfg.extra


class Machine:
    """One QEMU run driven over its serial console."""

    PROMPT = "dom0# "

    def __init__(self, name, cfg, paths=None):
        self.name = name
        self.cfg = cfg
        self.paths = paths or Paths()
        self.paths.check(cfg.native)
        self.child = None
        self.tag = 0
        self.echo = True  # the guest tty echoes our input until wait_shell() turns it off
        os.makedirs(LOG_DIR, exist_ok=True)
        self.log_path = os.path.join(LOG_DIR, f"{name}.log")

    def start(self):
        argv = qemu_argv(self.cfg, self.paths)
        self.log = open(self.log_path, "w", encoding="utf-8", errors="replace")
        self.log.write("# " + " ".join(shlex.quote(a) for a in argv) + "\n")
        self.log.flush()
        self.started = time.monotonic()
        self.child = pexpect.spawn(argv[0], argv[1:], encoding="utf-8", codec_errors="replace",
                                   timeout=60, dimensions=(50, 200))
        self.child.logfile_read = self.log
        return self

    def __enter__(self):
        return self.start()

    def __exit__(self, exc_type, exc, tb):
        self.close()
        if exc_type is not None:
            print(f"[{self.name}] console log kept: {self.log_path}", file=sys.stderr)
        return False

    def close(self):
        if self.child is not None and self.child.isalive():
            self.child.terminate(force=True)
        if self.child is not None:
            self.log.close()

    def fail(self, msg):
        tail = open(self.log_path, encoding="utf-8", errors="replace").read()[-3000:]
        raise HarnessError(f"[{self.name}] {msg}\n--- last console output ({self.log_path}) ---\n"
                           f"{tail}\n--- end ---")

    def expect(self, pattern, timeout):
        """Waits for a regex `pattern`; returns the match. Fails on timeout or QEMU exit."""
        i = self.child.expect([pattern, pexpect.TIMEOUT, pexpect.EOF], timeout=timeout)
        if i == 1:
            self.fail(f"timed out after {timeout}s waiting for {pattern!r}")
        if i == 2:
            self.fail(f"QEMU exited while waiting for {pattern!r}")
        return self.child.match

    def wait_shell(self, timeout=120):
        """Waits for dom0's init marker and first prompt; returns seconds since start."""
        self.expect(r"tessera-dom0: shell ready", timeout)
        elapsed = time.monotonic() - self.started
        self.expect(re.escape(self.PROMPT), 30)
        self.run("stty cols 1000 -echo 2>/dev/null; true", timeout=30)
        self.echo = False
        return elapsed

    def run(self, cmd, timeout=60):
        """Runs `cmd` in dom0's shell; returns (exit status, output)."""
        self.tag += 1
        # The tag's number is computed by the shell, so the echoed command line cannot match.
        n = self.tag
        self.child.sendline(f"{cmd}; echo \"@@TAG$((1000+{n}))@@$?@@\"")
        m = self.expect(rf"@@TAG{1000 + n}@@(\d+)@@", timeout)
        out = self.child.before
        if self.echo:  # drop the echoed command line
            out = out.split("\n", 1)[1] if "\n" in out else ""
        self.expect(re.escape(self.PROMPT), 30)
        return int(m.group(1)), out.replace("\r", "").strip("\n")

    def check(self, cmd, timeout=60):
        """Runs `cmd`, fails unless it exits 0; returns its output."""
        status, out = self.run(cmd, timeout)
        if status != 0:
            self.fail(f"`{cmd}` exited {status}: {out}")
        return out

    def wait_exit(self, timeout=60):
        """Waits for QEMU to end; returns its exit status."""
        i = self.child.expect([pexpect.EOF, pexpect.TIMEOUT], timeout=timeout)
        if i == 1:
            self.fail(f"QEMU still running after {timeout}s")
        self.child.close()
        return self.child.exitstatus if self.child.exitstatus is not None else 128 + (self.child.signalstatus or 0)

    def poweroff(self, timeout=60):
        """Powers dom0 off and returns QEMU's exit status."""
        self.child.sendline("poweroff -f")
        return self.wait_exit(timeout)


def run_cases(cases, argv=None):
    """Runs the named test case functions given on the command line (all when none given).

    Prints a line per case and ends with 'N passed, N failed'; exits non-zero on any failure.
    """
    argv = sys.argv[1:] if argv is None else argv
    names = argv or list(cases)
    passed = failed = 0
    for name in names:
        if name not in cases:
            print(f"unknown case {name}; known: {', '.join(cases)}", file=sys.stderr)
            sys.exit(2)
        t0 = time.monotonic()
        try:
            cases[name]()
            passed += 1
            print(f"PASS {name} ({time.monotonic() - t0:.1f}s)")
        except (HarnessError, AssertionError) as e:
            failed += 1
            print(f"FAIL {name}: {e}")
    print(f"{passed} passed, {failed} failed")
    sys.exit(1 if failed else 0)
