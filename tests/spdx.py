#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Every source file carries an SPDX license line (Apache-2.0, as meson.build
declares). `tests/spdx.py` lists the files without one and exits 1;
`tests/spdx.py --fix` adds the line in the file's own comment syntax."""
import subprocess
import sys

TAG = "SPDX-License-Identifier: Apache-2.0"

# suffix -> comment line; files not matched are data (fixtures, corpora,
# golden files) and carry no header.
STYLES = [
    ((".c", ".h", ".h.in", ".css"), "/* %s */"),
    ((".js",), "// %s"),
    ((".py", ".sh", "meson.build", "meson_options.txt", ".service.in", "/run"), "# %s"),
    ((".html", ".wxs"), "<!-- %s -->"),
    ((".rc.in",), "// %s"),
    ((".mc",), "; // %s"),
]
# data that looks like source but is input to tests
SKIP_PARTS = ("/fixtures/", "/corpus/", "/golden/")


def style_for(path):
    if any(p in "/" + path for p in SKIP_PARTS):
        return None
    for suffixes, fmt in STYLES:
        if path.endswith(suffixes):
            return fmt
    return None


def needs_header_after(first):
    # a shebang, an XML declaration or a doctype stays the first line
    return first.startswith(("#!", "<?xml", "<!DOCTYPE"))


def main(argv):
    fix = "--fix" in argv
    files = subprocess.run(["git", "ls-files"], capture_output=True, text=True,
                           check=True).stdout.split()
    missing = []
    for path in files:
        fmt = style_for(path)
        if fmt is None:
            continue
        with open(path, encoding="utf-8") as f:
            text = f.read()
        if TAG in text[:1024]:
            continue
        missing.append(path)
        if fix:
            line = fmt % TAG + "\n"
            lines = text.splitlines(keepends=True)
            at = 1 if lines and needs_header_after(lines[0]) else 0
            lines.insert(at, line)
            with open(path, "w", encoding="utf-8") as f:
                f.write("".join(lines))
    if missing and not fix:
        for path in missing:
            print(f"{path}: no '{TAG}' line in its first 1 KiB")
        print(f"{len(missing)} file(s) without an SPDX line; run tests/spdx.py --fix")
        return 1
    if fix:
        print(f"added an SPDX line to {len(missing)} file(s)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
