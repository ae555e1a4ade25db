#!/usr/bin/env python3
"""Checks that the product code includes only what its library may know.

Every project include is written from the repository root ("zonestore/store.h"), so the
folder of an included header names its library. Each library below may include its own
headers and those of the libraries listed for it, nothing else: the one-way doors of
docs/ARCHITECTURE.md. The libraries in SYSTEM_ALLOWED may also include only standard
headers and the system folders listed for them. Prints each violation as FILE:LINE:
reason and exits 1 if any.

    tests/layering/check_includes.py [REPO_ROOT]
"""
import pathlib
import re
import sys

# Library folder -> the folders it may include from (besides its own). The longest
# matching folder decides which library a file belongs to.
ALLOWED = {
    "logging": [],
    "zonestore/names": [],
    "zonestore": ["zonestore/names"],
    "conf": ["zonestore/names", "logging"],
    "server/tsig": [],
    "server/dns": ["server/tsig"],
    "server/xfr": ["logging", "server/dns", "server/tsig", "zonestore", "zonestore/names"],
    "server/update": ["logging", "server/dns", "server/tsig", "zonestore", "zonestore/names"],
    "server/rrl": ["server/dns", "zonestore/names"],
    "server/net": ["logging", "server/xfr", "server/update", "server/rrl", "server/tsig", "server/dns", "zonestore",
                   "zonestore/names", "conf"],
    "server/rdnsd": ["logging", "server/net", "server/rrl", "server/xfr", "server/update", "server/tsig", "server/dns",
                     "zonestore",
                     "zonestore/names", "conf", "admin/socket", "admin/ops", "admin/protocol",
                     "admin/http"],
    "admin/protocol": ["zonestore/names"],
    "admin/cli": ["admin/protocol", "zonestore/names"],
    "admin/ops": ["logging", "admin/protocol", "zonestore", "zonestore/names", "conf"],
    "admin/socket": ["logging", "admin/ops", "admin/protocol", "zonestore", "zonestore/names", "conf"],
    "admin/http": ["logging", "admin/ops", "admin/protocol", "zonestore", "zonestore/names", "conf"],
    "admin/rdnsctl": ["admin/cli", "admin/protocol", "zonestore/names"],
}
# Libraries whose <system> includes are checked too: standard headers (no folder in the
# name) and the folders listed. The answer core and TSIG stay off libuv, LMDB and ldns.
SYSTEM_ALLOWED = {
    "server/tsig": ["openssl/"],
}
INCLUDE = re.compile(r'^\s*#\s*include\s+"([^"]+)"')
SYSTEM_INCLUDE = re.compile(r'^\s*#\s*include\s+<([^>]+)>')


def library_of(path: str):
    best = None
    for lib in ALLOWED:
        if path.startswith(lib + "/") and (best is None or len(lib) > len(best)):
            best = lib
    return best


def main() -> int:
    root = pathlib.Path(sys.argv[1] if len(sys.argv) > 1 else ".").resolve()
    problems = []
    checked = 0
    for file in sorted(root.rglob("*")):
        if file.suffix not in (".h", ".cpp", ".in") or not file.is_file():
            continue
        rel = file.relative_to(root).as_posix()
        lib = library_of(rel)
        if lib is None:
            continue
        checked += 1
        for number, line in enumerate(file.read_text(errors="replace").splitlines(), 1):
            system = SYSTEM_INCLUDE.match(line)
            if system and lib in SYSTEM_ALLOWED:
                header = system.group(1)
                if "/" in header and not any(header.startswith(p) for p in SYSTEM_ALLOWED[lib]):
                    problems.append(f"{rel}:{number}: {lib} must not include <{header}> "
                                    "(standard headers only" +
                                    (f", and {', '.join(SYSTEM_ALLOWED[lib])}" if SYSTEM_ALLOWED[lib]
                                     else "") + ")")
                continue
            m = INCLUDE.match(line)
            if not m:
                continue
            target = m.group(1)
            if "/" not in target:
                problems.append(f"{rel}:{number}: #include \"{target}\" is not written from "
                                "the repository root")
                continue
            target_lib = library_of(target)
            if target_lib is None or not (root / target).is_file():
                problems.append(f"{rel}:{number}: #include \"{target}\" names no header of a "
                                "library")
            elif target_lib != lib and target_lib not in ALLOWED[lib]:
                problems.append(f"{rel}:{number}: {lib} must not include {target} "
                                f"({target_lib} is not below it)")
    for p in problems:
        print(p)
    print(f"layering: {checked} files checked, {len(problems)} problems")
    return 1 if problems or checked == 0 else 0


if __name__ == "__main__":
    sys.exit(main())
