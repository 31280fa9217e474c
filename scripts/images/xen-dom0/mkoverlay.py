#!/usr/bin/env python3
"""Builds the Xen-side dom0 overlay for scripts/bench: Debian's own Xen 4.17 userspace for arm64
(xl and libxenlight, the C xenstored, xenconsoled and xenconsole, xen-init-dom0) with the
shared-library closure they need, as a gzip'd newc cpio meant to be concatenated after our dom0
initramfs (Linux unpacks concatenated archives in order, later files replacing earlier ones).

The kernel, modules, busybox and init stay ours; the overlay adds /etc/tessera/dom0-daemons,
the hook dom0's init reads to start Xen's daemons instead of ours (daemons.sh here), and puts
Debian's xl at /usr/sbin/xl.

Packages come from Debian's mirror through apt (fetch_deb in scripts/lib/common.sh), one
directory per package under the cache. The library closure is computed from the ELF files:
PT_INTERP and DT_NEEDED of every binary and library taken, resolved in the multiarch library
directories of the packages fetched so far; when a soname is missing, the libraries that
the owning package depends on (apt-cache depends, Section: libs) are fetched, and so on.
Libraries loaded with dlopen are named in DLOPENED (glibc's libgcc_s).

  mkoverlay.py --cache DIR --output OVERLAY.cpio.gz [--file SRC:DST[:MODE]]...
"""
import argparse
import gzip
import os
import re
import struct
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))
from mkinitramfs import Cpio, read_stripped  # noqa: E402

COMMON_SH = os.path.join(HERE, "..", "..", "lib", "common.sh")
XEN_BIN = "usr/lib/xen-4.17/bin"
SEED_PACKAGES = ["xen-utils-4.17", "xen-utils-common", "xenstore-utils"]
# (package, path in the package, path in dom0). xl runs xenconsole for `xl create -c`/`xl console`.
PROGRAMS = [("xen-utils-4.17", f"{XEN_BIN}/{b}", f"{XEN_BIN}/{b}")
            for b in ("xl", "xenstored", "xenconsoled", "xenconsole", "xen-init-dom0")]
PROGRAMS += [("xen-utils-4.17", f"{XEN_BIN}/xl", "usr/sbin/xl"),  # replaces our xl
             ("xenstore-utils", "usr/bin/xenstore", "usr/bin/xenstore")]
DATA = [("xen-utils-common", "etc/xen/xl.conf", "etc/xen/xl.conf")]
LIB_DIRS = ["lib/aarch64-linux-gnu", "usr/lib/aarch64-linux-gnu", "lib", "usr/lib"]
# Libraries loaded with dlopen, invisible in DT_NEEDED: glibc loads libgcc_s for pthread_cancel
# (xenconsole and xl abort at console detach without it). Resolved like the NEEDED entries.
DLOPENED = {"libc.so.6": ["libgcc_s.so.1"]}
DIRS = ["var/lib/xen", "var/lib/xenstored", "var/log/xen", "etc/xen", "etc/tessera"]


def fail(msg):
    print(f"mkoverlay: error: {msg}", file=sys.stderr)
    sys.exit(1)


def fetch(pkg, cache):
    """Unpacks Debian's current arm64 `pkg` into cache/pkg (once per version)."""
    dest = os.path.join(cache, pkg)
    r = subprocess.run(["bash", "-c", 'source "$1" && fetch_deb "$2:arm64" "$3"', "fetch",
                        COMMON_SH, pkg, dest], stdout=sys.stderr)
    if r.returncode != 0:
        fail(f"could not fetch {pkg}:arm64")
    return dest


def library_depends(pkg):
    """The packages `pkg` (arm64) depends on that are shared libraries (Section: libs)."""
    out = subprocess.run(["apt-cache", "depends", f"{pkg}:arm64"], capture_output=True,
                         text=True).stdout
    deps = sorted({m.group(1) for m in re.finditer(r"^\s*\|?Depends: ([^<\s:]+)", out, re.M)})
    if not deps:
        return []
    show = subprocess.run(["apt-cache", "show", "--no-all-versions"] + [f"{d}:arm64" for d in deps],
                          capture_output=True, text=True).stdout
    libs = []
    for stanza in show.split("\n\n"):
        name = re.search(r"^Package: (\S+)", stanza, re.M)
        section = re.search(r"^Section: (\S+)", stanza, re.M)
        if name and section and section.group(1).split("/")[-1] == "libs":
            libs.append(name.group(1))
    return sorted(set(libs))


class Elf:
    """PT_INTERP, DT_NEEDED and DT_RUNPATH/DT_RPATH of an ELF64 little-endian file."""

    def __init__(self, data):
        if data[:4] != b"\x7fELF" or data[4] != 2 or data[5] != 1:
            raise ValueError("not an ELF64 little-endian file")
        phoff, = struct.unpack_from("<Q", data, 0x20)
        phentsize, phnum = struct.unpack_from("<HH", data, 0x36)
        loads, dynamic, self.interp = [], None, None
        for i in range(phnum):
            p_type, _, p_offset, p_vaddr, _, p_filesz, _, _ = struct.unpack_from(
                "<IIQQQQQQ", data, phoff + i * phentsize)
            if p_type == 1:
                loads.append((p_vaddr, p_offset, p_filesz))
            elif p_type == 2:
                dynamic = (p_offset, p_filesz)
            elif p_type == 3:
                self.interp = data[p_offset:p_offset + p_filesz].split(b"\0")[0].decode()
        self.needed, self.runpath = [], []
        if dynamic is None:
            return
        entries, strtab = [], None
        for off in range(dynamic[0], dynamic[0] + dynamic[1], 16):
            tag, val = struct.unpack_from("<qQ", data, off)
            if tag == 0:
                break
            if tag == 5:
                strtab = val
            entries.append((tag, val))
        base = next((o + strtab - v for v, o, s in loads if v <= strtab < v + s), None)
        if base is None:
            raise ValueError("DT_STRTAB outside the loaded segments")

        def string(i):
            return data[base + i:data.index(b"\0", base + i)].decode()
        for tag, val in entries:
            if tag == 1:
                self.needed.append(string(val))
            elif tag in (15, 29):
                self.runpath += [p for p in string(val).split(":") if p]


class Roots:
    """The unpacked packages, searched as one file system."""

    def __init__(self):
        self.roots = {}  # package -> directory

    def add(self, pkg, root):
        self.roots[pkg] = root

    def lookup(self, path):
        """(package, host path of the file `path` names, symlinks followed) or None."""
        for _ in range(40):
            for pkg, root in self.roots.items():
                host = os.path.join(root, path.lstrip("/"))
                if os.path.islink(host):
                    target = os.readlink(host)
                    here = os.path.dirname("/" + path.lstrip("/"))
                    path = os.path.normpath(os.path.join(here, target))  # absolute targets stay
                    break
                if os.path.isfile(host):
                    return pkg, host
            else:
                return None
        return None


def closure(roots):
    """{dom0 path: (package, host file)} for the programs and their libraries, and the
    unresolved {soname: packages of the files that need it}."""
    files, missing, queue = {}, {}, []
    for pkg, src, dst in PROGRAMS:
        found = roots.lookup(src)
        if found is None:
            fail(f"{src} not found in package {pkg}")
        queue.append((found[0], found[1], dst))
    while queue:
        pkg, host, dst = queue.pop()
        if dst in files:
            continue
        files[dst] = (pkg, host)
        elf = Elf(open(host, "rb").read())
        wanted = []
        if elf.interp:
            wanted.append((elf.interp, [elf.interp.lstrip("/")]))
        for soname in elf.needed + DLOPENED.get(os.path.basename(dst), []):
            dirs = [d.replace("$ORIGIN", "/" + os.path.dirname(dst)).lstrip("/")
                    for d in elf.runpath] + LIB_DIRS
            wanted.append((soname, [f"{d}/{soname}" for d in dirs]))
        for name, candidates in wanted:
            for cand in candidates:
                found = roots.lookup(cand)
                if found:
                    queue.append((found[0], found[1], cand))
                    break
            else:
                missing.setdefault(name, set()).add(pkg)
    return files, missing


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--cache", required=True, help="directory for the unpacked packages")
    ap.add_argument("--output", required=True)
    ap.add_argument("--file", action="append", default=[], metavar="SRC:DST[:MODE]",
                    help="another file for the overlay (repeatable)")
    args = ap.parse_args()

    roots = Roots()
    for pkg in SEED_PACKAGES:
        roots.add(pkg, fetch(pkg, args.cache))
    expanded = set()
    while True:
        files, missing = closure(roots)
        if not missing:
            break
        owners = sorted({p for pkgs in missing.values() for p in pkgs} - expanded)
        if not owners:
            fail("unresolved shared libraries: " + ", ".join(
                f"{s} (needed from {', '.join(sorted(p))})" for s, p in sorted(missing.items())))
        for owner in owners:
            expanded.add(owner)
            for dep in library_depends(owner):
                if dep not in roots.roots:
                    roots.add(dep, fetch(dep, args.cache))

    cpio = Cpio()
    made = set()

    def mkdirs(path):
        parts = path.strip("/").split("/")
        for i in range(1, len(parts) + 1):
            d = "/".join(parts[:i])
            if d not in made:
                made.add(d)
                cpio.dir(d)

    def add(dst, data, mode):
        mkdirs(os.path.dirname(dst.strip("/")))
        cpio.file(dst.strip("/"), data, mode)

    for d in DIRS:
        mkdirs(d)
    cpio.symlink("var/run", "../run")  # Xen's tools use /var/run/xen and /var/run/xenstored
    cpio.symlink("var/lock", "../run/lock")  # xenconsole's lock files, as on Debian
    for tool in ("ls", "read", "write", "list", "rm", "exists", "watch", "chmod"):
        cpio.symlink(f"usr/bin/xenstore-{tool}", "xenstore")  # xenstore dispatches on its name
    for dst, (_, host) in sorted(files.items()):
        add(dst, open(host, "rb").read(), 0o755)  # Debian's bytes, as shipped
    for pkg, src, dst in DATA:
        found = roots.lookup(src)
        if found is None:
            fail(f"{src} not found in package {pkg}")
        add(dst, open(found[1], "rb").read(), 0o644)
    add("etc/tessera/dom0-daemons", open(os.path.join(HERE, "daemons.sh"), "rb").read(), 0o644)
    add("etc/xen/scripts/block", open(os.path.join(HERE, "block"), "rb").read(), 0o755)
    for spec in args.file:
        parts = spec.split(":")
        if not os.path.exists(parts[0]):
            fail(f"{parts[0]} (for {parts[1]}) does not exist")
        add(parts[1], read_stripped(parts[0]), int(parts[2], 8) if len(parts) > 2 else 0o644)

    used = {pkg for pkg, _ in files.values()} | {pkg for pkg, _, _ in DATA}
    versions = sorted(f[len(".stamp-"):] for p in used for f in os.listdir(roots.roots[p])
                      if f.startswith(".stamp-"))  # package-version, as fetch_deb stamps them
    add("etc/tessera/xen-packages", ("\n".join(versions) + "\n").encode(), 0o644)
    data = gzip.compress(cpio.finish(), compresslevel=6, mtime=0)
    with open(args.output + ".tmp", "wb") as f:
        f.write(data)
    os.replace(args.output + ".tmp", args.output)
    print(f"mkoverlay: {len(files)} programs and libraries from {len(roots.roots)} packages, "
          f"{len(data)} bytes", file=sys.stderr)


if __name__ == "__main__":
    main()
