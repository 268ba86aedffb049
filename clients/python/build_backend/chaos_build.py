"""A PEP 517 build backend in the standard library, so that
`pip install ./clients/python` needs no network: pip's isolated build
environment has to fetch nothing (build-system.requires is empty).

It builds the one pure-Python wheel of chaos_harness (py3-none-any) and an
sdist of this directory. The package's metadata lives here, in METADATA.
"""

import base64
import hashlib
import io
import os
import tarfile
import zipfile

NAME = "chaos-harness"
VERSION = "0.1.0"
PACKAGE = "chaos_harness"
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

METADATA = f"""\
Metadata-Version: 2.1
Name: {NAME}
Version: {VERSION}
Summary: Drive the chaos fault server (chaos serve) from Python and pytest
Requires-Python: >=3.9
Description-Content-Type: text/markdown

"""

ENTRY_POINTS = """\
[pytest11]
chaos = chaos_harness.pytest_plugin
"""

WHEEL = """\
Wheel-Version: 1.0
Generator: chaos_build
Root-Is-Purelib: true
Tag: py3-none-any
"""

DIST = f"{NAME.replace('-', '_')}-{VERSION}"


def _readme():
    with open(os.path.join(ROOT, "README.md"), encoding="utf-8") as f:
        return f.read()


def _package_files():
    """(archive name, path) of every .py file of the package, sorted."""
    out = []
    for folder, _, files in os.walk(os.path.join(ROOT, PACKAGE)):
        for name in files:
            if name.endswith(".py"):
                path = os.path.join(folder, name)
                out.append((os.path.relpath(path, ROOT).replace(os.sep, "/"), path))
    return sorted(out)


def _dist_info():
    """(archive name, bytes) of the .dist-info files but RECORD."""
    info = DIST + ".dist-info/"
    return [
        (info + "METADATA", (METADATA + _readme()).encode("utf-8")),
        (info + "WHEEL", WHEEL.encode("utf-8")),
        (info + "entry_points.txt", ENTRY_POINTS.encode("utf-8")),
        (info + "top_level.txt", (PACKAGE + "\n").encode("utf-8")),
    ]


def _record_line(name, data):
    # RECORD hashes: urlsafe base64 of the sha256, without padding (PEP 376, 427).
    digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
    return f"{name},sha256={digest},{len(data)}\n"


def get_requires_for_build_wheel(config_settings=None):
    return []


def get_requires_for_build_sdist(config_settings=None):
    return []


def prepare_metadata_for_build_wheel(metadata_directory, config_settings=None):
    for name, data in _dist_info():
        path = os.path.join(metadata_directory, name)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "wb") as f:
            f.write(data)
    return DIST + ".dist-info"


def build_wheel(wheel_directory, config_settings=None, metadata_directory=None):
    filename = f"{DIST}-py3-none-any.whl"
    entries = []
    for name, path in _package_files():
        with open(path, "rb") as f:
            entries.append((name, f.read()))
    entries += _dist_info()
    record = "".join(_record_line(n, d) for n, d in entries) + DIST + ".dist-info/RECORD,,\n"
    entries.append((DIST + ".dist-info/RECORD", record.encode("utf-8")))
    with zipfile.ZipFile(os.path.join(wheel_directory, filename), "w", zipfile.ZIP_DEFLATED) as whl:
        for name, data in entries:
            whl.writestr(name, data)
    return filename


def build_sdist(sdist_directory, config_settings=None):
    filename = DIST + ".tar.gz"
    members = ["pyproject.toml", "README.md", "build_backend/chaos_build.py"]
    members += [name for name, _ in _package_files()]
    with tarfile.open(os.path.join(sdist_directory, filename), "w:gz") as tar:
        for name in members:
            tar.add(os.path.join(ROOT, name), arcname=f"{DIST}/{name}")
        info = tarfile.TarInfo(f"{DIST}/PKG-INFO")
        data = (METADATA + _readme()).encode("utf-8")
        info.size = len(data)
        tar.addfile(info, io.BytesIO(data))
    return filename
