#!/usr/bin/env python3
"""Builds a busybox initramfs (newc cpio, gzip) for dom0 or a demo domU.

Kernel modules are taken from Debian's arm64 kernel package unpacked in the cache; their
dependencies are resolved from each .ko's .modinfo "depends=" (the build host has no arm64
depmod), and a busybox-compatible modules.dep is written so that `modprobe NAME` works.
"""
import argparse
import gzip
import io
import os
import shutil
import stat
import struct
import subprocess
import sys
import tempfile


def fail(msg):
    print(f"mkinitramfs: error: {msg}", file=sys.stderr)
    sys.exit(1)


def modinfo(path):
    """Returns the key=value pairs of an ELF64 little-endian module's .modinfo section."""
    with open(path, "rb") as f:
        data = f.read()
    if data[:4] != b"\x7fELF" or data[4] != 2:
        fail(f"{path} is not an ELF64 kernel module")
    shoff, = struct.unpack_from("<Q", data, 0x28)
    shentsize, shnum, shstrndx = struct.unpack_from("<HHH", data, 0x3A)
    sections = [struct.unpack_from("<IIQQQQIIQQ", data, shoff + i * shentsize) for i in range(shnum)]
    strtab = sections[shstrndx]
    names = data[strtab[4]:strtab[4] + strtab[5]]
    for sh in sections:
        name = names[sh[0]:names.index(b"\0", sh[0])].decode()
        if name == ".modinfo":
            raw = data[sh[4]:sh[4] + sh[5]]
            out = {}
            for item in raw.split(b"\0"):
                if b"=" in item:
                    k, v = item.decode(errors="replace").split("=", 1)
                    out.setdefault(k, v)
            return out
    return {}


def read_stripped(path):
    """The file's bytes; ELF executables lose their symbols and debug info (smaller, faster to
    unpack at boot) when an aarch64 strip is available."""
    data = open(path, "rb").read()
    strip = shutil.which("aarch64-linux-gnu-strip")
    if data[:4] != b"\x7fELF" or strip is None:
        return data
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "stripped")
        if subprocess.run([strip, "-o", out, path], capture_output=True).returncode != 0:
            return data
        return open(out, "rb").read()


def norm(name):
    return name.replace("-", "_")


def resolve_modules(moddir, wanted):
    """Returns [(relative path, [dependency relative paths])] in load order for `wanted`."""
    index = {}
    for root, _, files in os.walk(os.path.join(moddir, "kernel")):
        for f in files:
            if f.endswith(".ko"):
                index[norm(f[:-3])] = os.path.relpath(os.path.join(root, f), moddir)
    order, deps = [], {}

    def visit(name, chain):
        key = norm(name)
        if key not in index:
            fail(f"kernel module {name} not found under {moddir}")
        rel = index[key]
        if rel in deps:
            return rel
        if key in chain:
            fail(f"module dependency cycle: {' -> '.join(chain + [key])}")
        info = modinfo(os.path.join(moddir, rel))
        direct = [d for d in info.get("depends", "").split(",") if d]
        deps[rel] = [visit(d, chain + [key]) for d in direct]
        order.append(rel)
        return rel

    for w in wanted:
        visit(w, [])
    return [(rel, deps[rel]) for rel in order]


class Cpio:
    """A minimal newc archive writer."""

    def __init__(self):
        self.buf = io.BytesIO()
        self.ino = 1

    def _entry(self, name, mode, data=b"", nlink=1):
        name_b = name.encode() + b"\0"
        hdr = "070701" + "".join(f"{v:08X}" for v in (
            self.ino, mode, 0, 0, nlink, 0, len(data), 0, 0, 0, 0, len(name_b), 0))
        self.ino += 1
        self.buf.write(hdr.encode() + name_b)
        self.buf.write(b"\0" * ((4 - (110 + len(name_b)) % 4) % 4))
        self.buf.write(data)
        self.buf.write(b"\0" * ((4 - len(data) % 4) % 4))

    def dir(self, name):
        self._entry(name, stat.S_IFDIR | 0o755, nlink=2)

    def file(self, name, data, mode=0o644):
        self._entry(name, stat.S_IFREG | mode, data)

    def symlink(self, name, target):
        self._entry(name, stat.S_IFLNK | 0o777, target.encode())

    def finish(self):
        self._entry("TRAILER!!!", 0)
        return self.buf.getvalue()


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--kernel-root", required=True, help="unpacked linux-image package")
    ap.add_argument("--busybox", required=True, help="static arm64 busybox binary")
    ap.add_argument("--init", required=True, help="the /init script")
    ap.add_argument("--modules", default="", help="file listing modules to include, one a line")
    ap.add_argument("--file", action="append", default=[], metavar="SRC:DST[:MODE]",
                    help="extra file to add (repeatable); a missing SRC is an error")
    ap.add_argument("--optional-file", action="append", default=[], metavar="SRC:DST[:MODE]",
                    help="extra file added only when SRC exists")
    ap.add_argument("--output", required=True)
    args = ap.parse_args()

    abi_file = os.path.join(args.kernel_root, "ABI")
    if not os.path.exists(abi_file):
        fail(f"{abi_file} missing: run scripts/setup")
    kabi = open(abi_file).read().strip()
    moddir = os.path.join(args.kernel_root, "lib/modules", kabi)

    cpio = Cpio()
    dirs = set()

    def mkdirs(path):
        parts = path.strip("/").split("/")[:-1]
        for i in range(1, len(parts) + 1):
            d = "/".join(parts[:i])
            if d not in dirs:
                dirs.add(d)
                cpio.dir(d)

    def add(dst, data, mode=0o644):
        mkdirs(dst)
        cpio.file(dst.strip("/"), data, mode)

    for d in ("bin", "sbin", "dev", "proc", "sys", "run", "tmp", "etc", "root", "mnt", "var"):
        dirs.add(d)
        cpio.dir(d)
    add("bin/busybox", open(args.busybox, "rb").read(), 0o755)
    cpio.symlink("bin/sh", "busybox")
    add("init", open(args.init, "rb").read(), 0o755)

    if args.modules:
        # One module a line; "NAME ondemand" ships it (and its dependencies) for modprobe
        # without loading it at boot.
        entries = [l.split("#")[0].split() for l in open(args.modules)]
        entries = [e for e in entries if e]
        for e in entries:
            if len(e) > 2 or (len(e) == 2 and e[1] != "ondemand"):
                fail(f"{args.modules}: bad line {' '.join(e)!r} (NAME or NAME ondemand)")
        mods = resolve_modules(moddir, [e[0] for e in entries])
        at_boot = {rel for rel, _ in resolve_modules(moddir, [e[0] for e in entries if len(e) == 1])}
        base = f"lib/modules/{kabi}"
        lines = []
        for rel, deps in mods:
            add(f"{base}/{rel}", open(os.path.join(moddir, rel), "rb").read())
            lines.append(f"{rel}: {' '.join(reversed(deps))}".rstrip())
        add(f"{base}/modules.dep", ("\n".join(lines) + "\n").encode())
        # Load order for init: each module after its dependencies.
        add("etc/modules-load", ("\n".join(f"/{base}/{rel}" for rel, _ in mods if rel in at_boot)
                                 + "\n").encode())

    for spec, optional in [(s, False) for s in args.file] + [(s, True) for s in args.optional_file]:
        parts = spec.split(":")
        src, dst = parts[0], parts[1]
        mode = int(parts[2], 8) if len(parts) > 2 else 0o644
        if not os.path.exists(src):
            if optional:
                continue
            fail(f"{src} (for {dst}) does not exist")
        add(dst, read_stripped(src), mode)

    data = gzip.compress(cpio.finish(), compresslevel=6, mtime=0)
    tmp = args.output + ".tmp"
    with open(tmp, "wb") as f:
        f.write(data)
    os.replace(tmp, args.output)


if __name__ == "__main__":
    main()
