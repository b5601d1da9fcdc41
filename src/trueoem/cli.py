"""The ``trueoem`` command line: parses arguments, calls the library, prints. Nothing else.

Exit codes: 0 done; 1 ``--fail-on`` matched an item; 2 usage or input error (a missing or
unreadable file, no recognisable columns, a bad option); 3 the knowledge base failed validation or
its self-test. Bad rows and records are reported on stderr (one line each, naming file and row)
and the rest is processed.
"""

from __future__ import annotations

import enum
import sys
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import IO, Annotated

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from trueoem import __version__
from trueoem.model import Asset, Observation, Verdict
from trueoem.screen import Result

app = typer.Typer(
    name="trueoem",
    help=(
        "See through the label: find covered (NDAA FY2019 s.889 / FAR 52.204-25 / FCC Covered List) "
        "surveillance and telecom equipment, white-labelled or not, and show who really made it and why. "
        "trueoem only identifies: it never logs in, tries passwords or exploits anything. Only point it at data "
        "and networks you are authorised to examine."
    ),
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
kb_app = typer.Typer(help="Inspect, validate and test the knowledge base.", no_args_is_help=True)
app.add_typer(kb_app, name="kb")

err = Console(stderr=True, highlight=False)


class Format(enum.StrEnum):
    table = "table"
    json = "json"
    jsonl = "jsonl"
    csv = "csv"


class FailOn(enum.StrEnum):
    covered = "covered"
    likely = "likely"


KbOpt = Annotated[list[Path] | None, typer.Option("--kb", help="A local KB overlay folder or file (repeatable).")]
FormatOpt = Annotated[
    Format | None, typer.Option("--format", "-f", help="Output format (default: table on a terminal, else jsonl).")
]
OutOpt = Annotated[Path | None, typer.Option("--output", "-o", help="Write results to this file.")]
FailOpt = Annotated[
    FailOn | None,
    typer.Option("--fail-on", help="Exit 1 if any item is covered (or, with 'likely', covered or likely covered)."),
]


def _die(msg: str, code: int = 2) -> typer.Exit:
    err.print(f"trueoem: {escape(msg)}", soft_wrap=True)
    return typer.Exit(code)


def _compiled(kb: list[Path] | None):  # type: ignore[no-untyped-def]
    from trueoem.kb.compiled import load_compiled
    from trueoem.kb.loader import KbError

    try:
        ckb = load_compiled(kb or [])
    except KbError as exc:
        raise _die(str(exc), 3) from None
    if ckb.kb.problems:
        err.print(
            f"trueoem: warning: the knowledge base has {len(ckb.kb.problems)} broken references "
            f"(run 'trueoem kb validate')"
        )
    return ckb


def _warn_lines(warn: list[str], shown: int) -> int:
    for w in warn[shown:]:
        err.print(f"trueoem: {escape(w)}", soft_wrap=True)
    return len(warn)


def _emit(
    results: Iterable[Result],
    fmt: Format | None,
    output: Path | None,
    fail_on: FailOn | None,
    warn: list[str],
) -> None:
    from trueoem.report.table import Summary, results_table
    from trueoem.report.writers import write_csv, write_json, write_jsonl

    summary = Summary()
    tripped = False
    trip = {Verdict.COVERED} if fail_on == FailOn.covered else {Verdict.COVERED, Verdict.LIKELY_COVERED}
    shown = 0

    def counted() -> Iterator:  # type: ignore[type-arg]
        nonlocal tripped, shown
        for r in results:
            if fmt != Format.table:
                summary.add(r.template)
            if fail_on and r.template.verdict in trip:
                tripped = True
            if len(warn) > shown:
                shown = _warn_lines(warn, shown)
            yield r

    if fmt is None:
        fmt = Format.table if (output is None and sys.stdout.isatty()) else Format.jsonl
    out: IO[str]
    try:
        out = output.open("w", encoding="utf-8", newline="") if output else sys.stdout
    except OSError as exc:
        raise _die(f"{output}: cannot write: {exc.strerror}") from None
    try:
        if fmt == Format.table:
            console = Console(file=out, width=200 if output else None)
            console.print(results_table(counted(), summary))
            console.print(summary.line())
        elif fmt == Format.json:
            write_json(counted(), out, summary=None)
        elif fmt == Format.jsonl:
            write_jsonl(counted(), out)
        else:
            write_csv(counted(), out)
    except KeyboardInterrupt:
        out.flush()
        raise _die("interrupted; results so far were written", 130) from None
    finally:
        if output:
            out.close()
    _warn_lines(warn, shown)
    if fmt != Format.table:
        err.print(summary.line(), soft_wrap=True)
    if warn:
        err.print(f"trueoem: {len(warn)} input problem(s) reported above; everything else was read")
    if tripped:
        raise typer.Exit(1)


def _version(value: bool) -> None:
    if value:
        print(f"trueoem {__version__}")
        raise typer.Exit()


@app.callback()
def _main(
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Print the version and exit.")
    ] = False,
) -> None:
    """trueoem only identifies equipment from data you give it. It never logs in to anything."""


@app.command()
def check(
    files: Annotated[list[Path], typer.Argument(help="Catalog or inventory files: CSV, TSV, XLSX, JSON, JSONL.")],
    map_: Annotated[
        list[str] | None,
        typer.Option(
            "--map",
            help="Map a column: COL=FIELD (brand, model, description, mac, "
            "fcc_id, firmware, serial, date, id, ignore).",
        ),
    ] = None,
    fmt: FormatOpt = None,
    output: OutOpt = None,
    fail_on: FailOpt = None,
    kb: KbOpt = None,
) -> None:
    """Screen catalogs and inventories: what each line is labelled, who made it, is it covered, why."""
    from trueoem.screen import Screener
    from trueoem.sources.catalog import SourceError, parse_map, read_catalog

    try:
        overrides = parse_map(map_ or [])
    except SourceError as exc:
        raise _die(str(exc)) from None
    ckb = _compiled(kb)
    warn: list[str] = []
    failed: list[str] = []

    def assets() -> Iterator[Asset]:
        for f in files:
            try:
                yield from read_catalog(f, overrides, warn)
            except SourceError as exc:
                failed.append(str(exc))
                err.print(f"trueoem: {escape(str(exc))}", soft_wrap=True)

    _emit(Screener(ckb).run(assets()), fmt, output, fail_on, warn)
    if failed:
        raise typer.Exit(2)


@app.command()
def attribute(
    files: Annotated[list[Path], typer.Argument(help="JSON Lines records ('-' for standard input).")],
    fmt: FormatOpt = None,
    output: OutOpt = None,
    fail_on: FailOpt = None,
    kb: KbOpt = None,
) -> None:
    """Attribute observation records (JSON Lines): {"id", "protocol", "raw"} or {"id", "observations": [...]}."""
    from trueoem.screen import Screener
    from trueoem.sources.records import read_records

    ckb = _compiled(kb)
    warn: list[str] = []
    failed: list[str] = []

    def assets() -> Iterator[Asset]:
        for f in files:
            if str(f) == "-":
                stream = sys.stdin.buffer
                text = (line.decode("utf-8", "replace") for line in stream)
                yield from read_records(text, "<stdin>", warn)
                continue
            try:
                fh = f.open("rb")
            except OSError as exc:
                msg = f"{f}: {'no such file' if isinstance(exc, FileNotFoundError) else exc.strerror}"
                failed.append(msg)
                err.print(f"trueoem: {escape(msg)}", soft_wrap=True)
                continue
            with fh:
                head = fh.read(2)
                fh.seek(0)
                if head == b"\x1f\x8b":
                    import gzip

                    lines: Iterable[bytes] = gzip.open(fh)
                else:
                    lines = fh
                try:
                    yield from read_records((b.decode("utf-8", "replace") for b in lines), f.name, warn)
                except (OSError, EOFError) as exc:
                    msg = f"{f}: unreadable ({exc}); records before it were kept"
                    failed.append(msg)
                    err.print(f"trueoem: {escape(msg)}", soft_wrap=True)

    _emit(Screener(ckb).run(assets()), fmt, output, fail_on, warn)
    if failed:
        raise typer.Exit(2)


@app.command()
def explain(
    files: Annotated[list[Path] | None, typer.Argument(help="Catalog or record files to read assets from.")] = None,
    ids: Annotated[list[str] | None, typer.Option("--id", help="Explain only these asset ids.")] = None,
    brand: Annotated[str | None, typer.Option(help="Explain an item given by hand: its brand.")] = None,
    model: Annotated[str | None, typer.Option(help="... its model / part number.")] = None,
    description: Annotated[str | None, typer.Option(help="... its description.")] = None,
    mac: Annotated[str | None, typer.Option(help="... its MAC address or OUI.")] = None,
    fcc_id: Annotated[str | None, typer.Option("--fcc-id", help="... its FCC ID.")] = None,
    firmware: Annotated[str | None, typer.Option(help="... its firmware version.")] = None,
    date: Annotated[str | None, typer.Option(help="... when it was made or bought (YYYY-MM-DD).")] = None,
    kb: KbOpt = None,
) -> None:
    """The evidence trail of an item, in words: what matched, what it claims, and the source."""
    from trueoem.attribute import attribute as attribute_one
    from trueoem.report.table import explain as explain_text
    from trueoem.screen import Screener
    from trueoem.sources.catalog import SourceError, read_catalog
    from trueoem.sources.records import read_records

    ckb = _compiled(kb)
    given = {
        "brand": brand,
        "model": model,
        "description": description,
        "mac": mac,
        "fcc_id": fcc_id,
        "firmware": firmware,
        "date": date,
    }
    if any(given.values()):
        obs = [Observation(k, v, "command line") for k, v in given.items() if v]
        print(explain_text(attribute_one("item", obs, ckb)))
        return
    if not files:
        raise _die("name a file (and --id), or describe an item with --brand/--model/--mac/...")
    warn: list[str] = []
    screener = Screener(ckb)
    found = 0
    for f in files:
        try:
            if f.suffix.lower() in (".jsonl", ".ndjson") and _looks_like_records(f):
                with f.open(encoding="utf-8", errors="replace") as fh:
                    assets = list(read_records(fh, f.name, warn))
            else:
                assets = list(read_catalog(f, {}, warn))
        except (SourceError, OSError) as exc:
            raise _die(str(exc)) from None
        for a in assets:
            if ids and a.id not in ids:
                continue
            found += 1
            print(explain_text(screener.one(a).attribution))
            print()
    _warn_lines(warn, 0)
    if ids and not found:
        raise _die(f"no asset with id {', '.join(ids)}")


def _looks_like_records(f: Path) -> bool:
    try:
        with f.open(encoding="utf-8", errors="replace") as fh:
            first = fh.readline()
    except OSError:
        return False
    return '"protocol"' in first or '"observations"' in first


@kb_app.command("show")
def kb_show(kb: KbOpt = None) -> None:
    """What the knowledge base holds, with counts."""
    ckb = _compiled(kb)
    k = ckb.kb
    out = Console(highlight=False)
    out.print(
        f"knowledge base {k.version}: {len(k.entities)} entities, {len(k.brands)} brands, "
        f"{len(k.relations)} white-label relations, {len(k.fcc_grantees)} FCC grantee codes, "
        f"{len(k.platforms)} platforms, {k.rule_count} fingerprint rules"
    )
    t = Table("entity", "covered", "legal basis", "members", "brands", "source", header_style="bold")
    for e in sorted(k.entities.values(), key=lambda e: (not e.covered, e.id)):
        brands = [b.name for b in k.brands.values() if b.owner == e.id]
        t.add_row(
            escape(e.name),
            "yes" if e.covered else "no",
            escape(", ".join(e.legal_basis)),
            str(len(e.members)),
            escape(", ".join(brands)),
            escape(e.source[:60]),
        )
    out.print(t)
    packs: dict[str, int] = {}
    for pack in k.rule_pack.values():
        packs[pack] = packs.get(pack, 0) + 1
    out.print("rule packs: " + ", ".join(f"{p} ({n})" for p, n in sorted(packs.items())))


@kb_app.command("validate")
def kb_validate(kb: KbOpt = None) -> None:
    """Validate every KB file against the schema and check cross-references."""
    ckb = _compiled(kb)
    if ckb.kb.problems:
        for p in ckb.kb.problems:
            err.print(f"trueoem: {escape(p)}")
        raise typer.Exit(3)
    print(f"ok: {len(ckb.kb.files)} files, {ckb.kb.rule_count} rules, KB {ckb.kb.version}")


@kb_app.command("test")
def kb_test(kb: KbOpt = None) -> None:
    """Run every rule's examples and counterexamples, the shadowing check and the vocabulary check."""
    from trueoem.kb.verify import verify

    ckb = _compiled(kb)
    report = verify(ckb)
    for p in report.failures:
        err.print(f"FAIL {escape(p)}", soft_wrap=True)
    for w in report.warnings:
        err.print(f"warn {escape(w)}", soft_wrap=True)
    print(
        f"{report.checks} checks on {ckb.kb.rule_count} rules: {len(report.failures)} failed, "
        f"{len(report.warnings)} warnings"
    )
    if report.failures or ckb.kb.problems:
        raise typer.Exit(3)


@kb_app.command("brand")
def kb_brand(name: Annotated[str, typer.Argument(help="A brand or company name (fuzzy).")], kb: KbOpt = None) -> None:
    """What the KB knows about a brand: owner, relations, period, sources."""
    ckb = _compiled(kb)
    k = ckb.kb
    hit = ckb.brands.lookup(name)
    if hit is None:
        raise _die(f"{name!r} is not in the knowledge base", 1)
    out = Console(highlight=False)
    if hit.how == "fuzzy":
        out.print(f"(read {escape(name)!r} as {escape(hit.name)}, {hit.score:.0f}% match)")
    if hit.kind in ("entity", "member"):
        e = k.entities[hit.id]
        out.print(f"[bold]{escape(e.name)}[/] ({escape(e.legal_name)}): {'COVERED' if e.covered else 'not covered'}")
        if hit.kind == "member":
            m = next(m for m in e.members if m.name == hit.member)
            out.print(f"  {escape(m.name)}: {escape(m.relation)}  [{m.confidence}] {escape(m.source)}")
        for lb in e.legal_basis:
            out.print(f"  legal basis: {escape(k.legal_bases[lb].citation)}")
        out.print(f"  source: {escape(e.source)} [{e.confidence}]")
        return
    b = k.brands[hit.id]
    owner = k.entities.get(b.owner) if b.owner else None
    out.print(
        f"[bold]{escape(b.name)}[/]: {b.type.replace('_', ' ')}"
        + (f" of {escape(owner.name)}" if owner else "")
        + (f", {b.valid_from or '?'} to {b.valid_to or 'now'}" if (b.valid_from or b.valid_to) else "")
    )
    out.print(f"  source: {escape(b.source)} [{b.confidence}]")
    for n in b.notes:
        out.print(f"  note: {escape(n)}")
    for r in ckb.relations.get(b.id, []):
        oem = k.entities[r.oem].name
        period = f" ({r.period_from or '?'} to {r.period_to or 'now'})" if (r.period_from or r.period_to) else ""
        out.print(f"  white-label: made by {escape(oem)}{period}: {escape(r.lines)} [{r.confidence}, {r.strength}]")
        out.print(f"    source: {escape(r.source)}")


@kb_app.command("update-oui")
def kb_update_oui(
    files: Annotated[list[Path], typer.Argument(help="IEEE registry CSVs (oui.csv, mam.csv, oui36.csv, iab.csv).")],
) -> None:
    """Ingest newer IEEE MAC registry CSVs, offline (downloaded elsewhere)."""
    from trueoem.kb.oui_registry import ingest, overlay_path

    try:
        n = ingest(files)
    except ValueError as exc:
        raise _die(str(exc)) from None
    print(f"{n} registry rows now in {overlay_path()}")


def main() -> None:
    """Console-script entry point."""
    try:
        app()
    except BrokenPipeError:  # `trueoem check big.csv | head`
        sys.stderr.close()
        sys.exit(0)
