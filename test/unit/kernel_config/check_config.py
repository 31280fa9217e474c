#!/usr/bin/python3
"""Checks that a kernel config satisfies guest-kernel-patches/tessera.config.

Usage: check_config.py FRAGMENT CONFIG. Also checks itself: a copy of CONFIG with CONFIG_XEN
unset and CONFIG_XEN_GNTDEV removed must be refused, so the check cannot pass vacuously."""
import sys


def read(path):
    values = {}
    for line in open(path):
        line = line.strip()
        if line.startswith("CONFIG_") and "=" in line:
            k, v = line.split("=", 1)
            values[k] = v
    return values


def unmet(fragment, config):
    problems = []
    for key, want in fragment.items():
        have = config.get(key)
        if want == "y" and have != "y":
            problems.append(f"{key}: need y (built in), have {have or 'unset'}")
        elif want == "m" and have not in ("m", "y"):
            problems.append(f"{key}: need m or y, have {have or 'unset'}")
        elif want not in ("y", "m") and have != want:
            problems.append(f"{key}: need {want}, have {have or 'unset'}")
    return problems


def main():
    fragment, config = read(sys.argv[1]), read(sys.argv[2])
    if len(fragment) < 20:
        sys.exit(f"fragment {sys.argv[1]} lists only {len(fragment)} options: unreadable?")
    doctored = dict(config)
    doctored["CONFIG_XEN"] = "n"
    doctored.pop("CONFIG_XEN_GNTDEV", None)
    self_check = unmet(fragment, doctored)
    if len(self_check) != 2:
        sys.exit(f"self-check: a doctored config gave {self_check}, expected 2 problems")
    problems = unmet(fragment, config)
    for p in problems:
        print(f"{sys.argv[2]}: {p}")
    print(f"{len(fragment) - len(problems)} of {len(fragment)} options satisfied by {sys.argv[2]}")
    sys.exit(1 if problems else 0)


if __name__ == "__main__":
    main()
