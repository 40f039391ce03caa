"""Vendor the browser libraries flexcover serves itself (no CDN: agency intranets are closed).

``./dev vendor`` fetches each package of ``vendor.json`` from npm at its pinned version, checks
the tarball's integrity (sha512, as npm records it) and each file's sha256, and copies the files
into the source tree. ``./dev vendor --update NAME@VERSION`` moves a package to a new version and
records its new hashes (review the change before committing it).
"""

from __future__ import annotations

import base64
import hashlib
import json
import shutil
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LOCK = ROOT / "requirements" / "vendor.json"


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def fetch(name: str, entry: dict, *, update: bool) -> None:
    with tempfile.TemporaryDirectory() as scratch:
        packed = subprocess.run(
            ["npm", "pack", f"{name}@{entry['version']}", "--json", "--silent"],
            cwd=scratch,
            check=True,
            capture_output=True,
            text=True,
        )
        (info,) = json.loads(packed.stdout)
        tarball = Path(scratch) / info["filename"]
        digest = "sha512-" + base64.b64encode(hashlib.sha512(tarball.read_bytes()).digest()).decode()
        if update:
            entry["integrity"] = digest
        elif digest != entry["integrity"]:
            sys.exit(f"{name}@{entry['version']}: the tarball is not the one locked ({digest})")
        with tarfile.open(tarball) as archive:
            archive.extractall(scratch, filter="data")
        into = ROOT / entry["into"]
        into.mkdir(parents=True, exist_ok=True)
        for file, expected in entry["files"].items():
            source = Path(scratch) / "package" / file
            got = sha256(source)
            if update:
                entry["files"][file] = got
            elif got != expected:
                sys.exit(f"{name}: {file} is not the one locked")
            shutil.copyfile(source, into / Path(file).name)
        print(f"{name}@{entry['version']} → {entry['into']}")


def main(arguments: list[str]) -> None:
    lock = json.loads(LOCK.read_text("utf-8"))
    if arguments[:1] == ["--update"] and len(arguments) == 2:
        name, _, version = arguments[1].rpartition("@")
        lock[name]["version"] = version
        fetch(name, lock[name], update=True)
        LOCK.write_text(json.dumps(lock, indent=2) + "\n", "utf-8")
        return
    for name, entry in lock.items():
        fetch(name, entry, update=False)


if __name__ == "__main__":
    main(sys.argv[1:])
