"""Importers of other tools' output: ``trueoem import {nmap,masscan,zgrab2,shodan,censys} FILE...``.

``IMPORTERS[fmt](path, warn)`` yields one :class:`HostRecord` (``ip, mac, ports, observations``)
per host of the file, streaming with bounded memory, gzip transparent. A bad record is skipped
and reported as one line appended to ``warn`` naming the file and its line or record number; the
rest of the file is read. A file that cannot be read at all raises :class:`ImportFileError`.
What each importer reads is documented in docs/imports.md and in each module's docstring.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

from trueoem.sources.imports.base import HostRecord, ImportFileError
from trueoem.sources.imports.censys import read_censys
from trueoem.sources.imports.masscan import read_masscan
from trueoem.sources.imports.nmap import read_nmap
from trueoem.sources.imports.shodan import read_shodan
from trueoem.sources.imports.zgrab2 import read_zgrab2

Importer = Callable[[Path, list[str]], Iterator[HostRecord]]

IMPORTERS: dict[str, Importer] = {
    "nmap": read_nmap,
    "masscan": read_masscan,
    "zgrab2": read_zgrab2,
    "shodan": read_shodan,
    "censys": read_censys,
}

FORMATS: tuple[str, ...] = tuple(IMPORTERS)


def read_import(fmt: str, path: Path, warn: list[str]) -> Iterator[HostRecord]:
    """Hosts of one file in format ``fmt``; hosts with neither an open port nor an observation are dropped.

    Raises :class:`KeyError` for an unknown format and :class:`ImportFileError` for an unreadable file.
    """
    importer = IMPORTERS[fmt]
    for rec in importer(path, warn):
        if rec.ports or rec.observations:
            yield rec


__all__ = ["FORMATS", "IMPORTERS", "HostRecord", "ImportFileError", "Importer", "read_import"]
