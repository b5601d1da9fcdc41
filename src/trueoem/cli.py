"""The ``trueoem`` command line: parses arguments, calls the library, prints. Nothing else.

Exit codes: 0 done; 1 ``--fail-on`` matched an item; 2 usage or input error (a missing or
unreadable file, no recognisable columns, a bad option); 3 the knowledge base failed validation or
its self-test; 4 a distributed scan left targets unscanned (no worker left in their site); 130
interrupted (everything found so far is kept). Bad rows and records are reported on stderr
(one line each, naming file and row) and the rest is processed.
"""

from __future__ import annotations

import enum
import json
import sys
from collections.abc import Callable, Iterable, Iterator
from contextlib import nullcontext
from pathlib import Path
from typing import IO, TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from trueoem import __version__, jsontext
from trueoem.model import Asset, Attribution, Observation, Verdict
from trueoem.screen import Result

if TYPE_CHECKING:
    from trueoem.jobs import Saver
    from trueoem.match.engine import CompiledKB
    from trueoem.report.writers import Writer
    from trueoem.store import Store

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
SaveOpt = Annotated[bool, typer.Option("--save", help="Also store the results (and raw observations) in the store.")]
DbOpt = Annotated[
    str | None,
    typer.Option(
        "--db",
        help="Store URL: sqlite:///PATH or postgresql+psycopg://... (default: a SQLite file in the user data folder).",
    ),
]
FailOpt = Annotated[
    FailOn | None,
    typer.Option("--fail-on", help="Exit 1 if any item is covered (or, with 'likely', covered or likely covered)."),
]


def _die(msg: str, code: int = 2) -> typer.Exit:
    err.print(f"trueoem: {escape(msg)}", soft_wrap=True)
    return typer.Exit(code)


def _compiled(kb: list[Path] | None) -> CompiledKB:
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


class _Output:
    """Where results go: a writer by format, counts, the --fail-on trip wire, and warnings."""

    def __init__(
        self, fmt: Format | None, output: Path | None, fail_on: FailOn | None, warn: list[str], live: bool = False
    ) -> None:
        """``live``: results are written out as they come (a scan), not gathered in pieces."""
        from trueoem.report.table import Summary
        from trueoem.report.writers import CsvWriter, JsonlWriter, JsonWriter

        self.fmt = fmt or (Format.table if (output is None and sys.stdout.isatty()) else Format.jsonl)
        self.output, self.warn, self.shown = output, warn, 0
        self.summary = Summary()
        # a tuple, not a set: membership by identity, where a set would hash an enum member in Python code
        self.trip: tuple[Verdict, ...] = (
            ()
            if fail_on is None
            else (Verdict.COVERED,)
            if fail_on == FailOn.covered
            else (Verdict.COVERED, Verdict.LIKELY_COVERED)
        )
        self.tripped = False
        self.live = live
        try:
            self.out: IO[str] = output.open("w", encoding="utf-8", newline="") if output else sys.stdout
        except OSError as exc:
            raise _die(f"{output}: cannot write: {exc.strerror}") from None
        self.rows: list[Result] = []
        self.writer: Writer | None = None
        if self.fmt == Format.json:
            self.writer = JsonWriter(self.out)
        elif self.fmt == Format.jsonl:
            self.writer = JsonlWriter(self.out)
        elif self.fmt == Format.csv:
            self.writer = CsvWriter(self.out)

    def write(self, r: Result) -> None:
        self.summary.add(r.template)
        if r.template.verdict in self.trip:
            self.tripped = True
        if len(self.warn) > self.shown:
            self.shown = _warn_lines(self.warn, self.shown)
        if self.writer is not None:
            self.writer.write(r)
            if self.live:
                self.writer.flush()
        elif len(self.rows) < 5000:
            self.rows.append(r)

    def write_line(self, text: str, brief: Attribution) -> None:
        """A JSON Lines record already serialised elsewhere (a worker process), with its summary fields."""
        self.summary.add(brief)
        if brief.verdict in self.trip:
            self.tripped = True
        if len(self.warn) > self.shown:
            self.shown = _warn_lines(self.warn, self.shown)
        from trueoem.report.writers import JsonlWriter

        if isinstance(self.writer, JsonlWriter):
            self.writer.write_text(text)  # in order with what the writer wrote itself
        else:
            self.out.write(text)

    def close(self, extra_line: str = "") -> None:
        from trueoem.report.table import results_table
        from trueoem.report.writers import JsonWriter

        if isinstance(self.writer, JsonWriter):
            self.writer.summary = self.summary.as_dict()
        if self.writer is not None:
            self.writer.close()
        else:
            console = Console(file=self.out, width=200 if self.output else None)
            console.print(results_table(self.rows, total=self.summary.total))
            console.print(self.summary.line() + extra_line)
        if self.output:
            self.out.close()
        _warn_lines(self.warn, self.shown)
        if self.writer is not None:
            err.print(self.summary.line() + extra_line, soft_wrap=True)
        if self.warn:
            err.print(f"trueoem: {len(self.warn)} input problem(s) reported above; everything else was read")


def _open_store(db: str | None) -> Store:
    from trueoem.store import Store, StoreError

    try:
        return Store.open(db)
    except (StoreError, Exception) as exc:  # a bad URL or an unreachable server: one line, exit 2
        raise _die(f"cannot open the store {db or '(default)'}: {str(exc).splitlines()[0]}") from None


def _exit_code(interrupted: bool, failed: bool, tripped: bool) -> None:
    """The documented exit codes: 130 interrupted, 2 input problems, 1 --fail-on matched, else 0."""
    if interrupted:
        raise typer.Exit(130)
    if failed:
        raise typer.Exit(2)
    if tripped:
        raise typer.Exit(1)


def _saver(kind: str, params: dict[str, object], ckb: CompiledKB, save: bool, db: str | None) -> Saver | None:
    """A store writer when --save (or --db) was given."""
    if not (save or db):
        return None
    from trueoem.jobs import Saver

    store = _open_store(db)
    return Saver(store, store.begin_scan(kind, dict(params), ckb.kb.version))


def _close_saver(saver: Saver | None, interrupted: bool) -> None:
    if saver is not None:
        saver.flush()
        saver.store.finish_scan(saver.scan_id, "interrupted" if interrupted else "done")
        saver.store.close()


def _saved_line(saver: Saver | None) -> str:
    return f"; {saver.saved} saved to the store (run {saver.scan_id})" if saver else ""


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
    save: SaveOpt = False,
    db: DbOpt = None,
) -> None:
    """Screen catalogs and inventories: what each line is labelled, who made it, is it covered, why."""
    from trueoem.screen import Screener
    from trueoem.sources.catalog import SourceError, parse_map, read_catalog, screen_catalog

    try:
        overrides = parse_map(map_ or [])
    except SourceError as exc:
        raise _die(str(exc)) from None
    ckb = _compiled(kb)
    warn: list[str] = []
    failed: list[str] = []
    saver = _saver("check", {"files": [str(f) for f in files]}, ckb, save, db)
    out = _Output(fmt, output, fail_on, warn)
    screener = Screener(ckb)
    try:
        for f in files:
            try:
                if saver:  # the store keeps each row's observations
                    for a in read_catalog(f, overrides, warn):
                        r = screener.one(a)
                        saver.add(f.name, a, r.attribution)
                        out.write(r)
                else:
                    for r in screen_catalog(f, overrides, warn, screener):
                        out.write(r)
            except SourceError as exc:
                failed.append(str(exc))
                err.print(f"trueoem: {escape(str(exc))}", soft_wrap=True)
    except KeyboardInterrupt:
        failed.append("interrupted")
    finally:
        _close_saver(saver, interrupted=bool(failed and failed[-1] == "interrupted"))
        out.close(_saved_line(saver))
    if failed:
        raise typer.Exit(130 if failed[-1] == "interrupted" else 2)
    if out.tripped:
        raise typer.Exit(1)


def _attribute_batch(
    files: list[Path],
    fmt: Format | None,
    output: Path | None,
    fail_on: FailOn | None,
    kb: list[Path] | None,
    ckb: CompiledKB,
    jobs: int,
    dask: str | None,
) -> None:
    """``attribute`` over chunks in worker processes or on Dask (results in input order, as with -j 1)."""
    from trueoem.batch import attribute_jsonl, attribute_stream

    warn: list[str] = []
    failed: list[str] = []
    out = _Output(fmt, output, fail_on, warn)

    def on_error(msg: str) -> None:
        failed.append(msg)
        err.print(f"trueoem: {escape(msg)}", soft_wrap=True)

    interrupted = False
    try:
        if out.fmt == Format.jsonl:
            for line in attribute_jsonl(files, jobs=jobs, dask_address=dask, kb_overlays=kb or [], warn=warn,
                                        on_error=on_error, ckb=ckb):  # fmt: skip
                out.write_line(line.text, line.brief)
        else:
            for r in attribute_stream(files, jobs=jobs, dask_address=dask, kb_overlays=kb or [], warn=warn,
                                      on_error=on_error, ckb=ckb):  # fmt: skip
                out.write(r)
    except KeyboardInterrupt:
        interrupted = True
    finally:
        out.close()
    _exit_code(interrupted, bool(failed), out.tripped)


@app.command()
def attribute(
    files: Annotated[list[Path], typer.Argument(help="JSON Lines records ('-' for standard input).")],
    fmt: FormatOpt = None,
    output: OutOpt = None,
    fail_on: FailOpt = None,
    kb: KbOpt = None,
    save: SaveOpt = False,
    db: DbOpt = None,
    jobs: Annotated[
        int, typer.Option("--jobs", "-j", help="Worker processes (0: every CPU); output identical to -j 1.")
    ] = 1,
    dask: Annotated[
        str | None, typer.Option("--dask", metavar="ADDRESS", help="Run on the Dask scheduler at ADDRESS.")
    ] = None,
) -> None:
    """Attribute observation records (JSON Lines or Parquet): {"id", "protocol", "raw"} or {"id", "observations"}."""
    from trueoem.screen import Screener
    from trueoem.sources.records import read_records

    ckb = _compiled(kb)
    warn: list[str] = []
    failed: list[str] = []
    parquet = any(f.suffix.lower() in (".parquet", ".pq") for f in files)
    if jobs != 1 or dask or parquet:
        if save or db:
            raise _die("--save/--db store raw observations from one process: run them without -j/--dask")
        _attribute_batch(files, fmt, output, fail_on, kb, ckb, jobs, dask)
        return
    saver = _saver("attribute", {"files": [str(f) for f in files]}, ckb, save, db)
    out = _Output(fmt, output, fail_on, warn)
    screener = Screener(ckb)

    def assets() -> Iterator[tuple[str, Asset]]:
        for f in files:
            if str(f) == "-":
                text = (line.decode("utf-8", "replace") for line in sys.stdin.buffer)
                for a in read_records(text, "<stdin>", warn):
                    yield "<stdin>", a
                continue
            try:
                fh = f.open("rb")
            except OSError as exc:
                msg = f"{f}: {'no such file' if isinstance(exc, FileNotFoundError) else exc.strerror}"
                failed.append(msg)
                err.print(f"trueoem: {escape(msg)}", soft_wrap=True)
                continue
            with fh:
                if fh.peek(2)[:2] == b"\x1f\x8b":  # peek: a pipe cannot seek back
                    import gzip

                    lines: Iterable[bytes] = gzip.open(fh)
                else:
                    lines = fh
                try:
                    for a in read_records((b.decode("utf-8", "replace") for b in lines), f.name, warn):
                        yield f.name, a
                except (OSError, EOFError) as exc:
                    msg = f"{f}: unreadable ({exc}); records before it were kept"
                    failed.append(msg)
                    err.print(f"trueoem: {escape(msg)}", soft_wrap=True)

    interrupted = False
    try:
        for source, a in assets():
            r = screener.one(a)
            if saver:
                saver.add(source, a, r.attribution)
            out.write(r)
    except KeyboardInterrupt:
        interrupted = True
    finally:
        _close_saver(saver, interrupted)
        out.close(_saved_line(saver))
    _exit_code(interrupted, bool(failed), out.tripped)


@app.command()
def scan(
    targets: Annotated[
        list[str] | None, typer.Argument(help="IPs, CIDRs, ranges (10.0.0.1-50), hostnames, IPv6 literals.")
    ] = None,
    input_list: Annotated[Path | None, typer.Option("-iL", "--input-list", help="Read targets from a file.")] = None,
    exclude: Annotated[list[str] | None, typer.Option("--exclude", help="Never touch these (repeatable).")] = None,
    exclude_file: Annotated[Path | None, typer.Option("--exclude-file", help="Exclusions from a file.")] = None,
    ports: Annotated[
        str,
        typer.Option("-p", "--ports", help="Ports: 80,443,8000-8010 or 'default' (camera-aware, see docs/scan.md)."),
    ] = "default",
    max_rate: Annotated[
        float | None, typer.Option("--max-rate", help="New connections per second, whole scan [default: 200].")
    ] = None,
    interface: Annotated[
        str | None,
        typer.Option(
            "--interface",
            help="Also run UDP discovery (SADP, DHIP, WS-Discovery, SSDP) on this interface "
            "only; nothing is multicast anywhere else.",
        ),
    ] = None,
    intensity: Annotated[
        int | None, typer.Option("--intensity", min=0, max=3, help="Probe depth 0-3 [default: 2].")
    ] = None,
    timeout: Annotated[float | None, typer.Option("--timeout", help="Seconds per probe [default: 5].")] = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Print what would be probed; send nothing.")] = False,
    dask_address: Annotated[
        str | None,
        typer.Option(
            "--dask",
            help="Scan on this Dask scheduler's workers (tcp://HOST:8786); needs --site. "
            "--max-rate then caps each site. Keep the scheduler on a private network or use tls://.",
        ),
    ] = None,
    site: Annotated[
        list[str] | None,
        typer.Option(
            "--site",
            help="NAME=CIDR[,CIDR...]: scanned only by workers started with --resources site-NAME=1 (repeatable).",
        ),
    ] = None,
    resume: Annotated[bool, typer.Option("--resume", help="Continue the last interrupted scan.")] = False,
    fmt: FormatOpt = None,
    output: OutOpt = None,
    fail_on: FailOpt = None,
    kb: KbOpt = None,
    db: DbOpt = None,
) -> None:
    """Active, read-only discovery and fingerprinting of the targets you name (and only those).

    trueoem connects, reads banners and asks devices the questions any client may ask unauthenticated.
    It never logs in, never tries a password, never sends an exploit. Scan only networks you are
    authorised to scan.
    """
    from trueoem.dscan import SiteError, assign_sites, parse_sites, site_targets, sites_from_params, sites_to_params
    from trueoem.sources.probes import load_catalog
    from trueoem.sources.scan import ScanOptions, parse_ports
    from trueoem.sources.targets import TargetError, expand_targets, read_exclude_file, read_target_file

    store = None
    sites = None
    by_site: dict[str, list[str]] = {}
    if (dask_address or site) and not resume and not (dask_address and site):
        raise _die("--dask and --site go together: the scheduler to use, and which workers scan which networks")
    if dask_address and interface:
        raise _die("--interface does not combine with --dask: UDP discovery runs only on this machine")
    if resume:
        if targets or input_list:
            raise _die("--resume continues the last interrupted scan: give no targets with it")
        store = _open_store(db)
        last = store.last_interrupted_scan("scan")
        if last is None:
            raise _die("no interrupted scan to resume")
        addresses = store.pending_targets(last.id)
        p = last.params
        ports_t = tuple(int(x) for x in p.get("ports", []))
        # what was given now wins; the rest is as the interrupted scan had it
        max_rate = max_rate if max_rate is not None else float(p.get("max_rate", 200.0))
        intensity = intensity if intensity is not None else int(p.get("intensity", 2))
        timeout = timeout if timeout is not None else float(p.get("timeout", 5.0))
        interface = interface or p.get("interface")
        if p.get("sites"):
            sites = sites_from_params(p["sites"])
            dask_address = dask_address or p.get("dask")
            by_site = assign_sites(addresses, sites)
        scan_id = last.id
        store.resume_scan(scan_id)
        err.print(f"resuming scan {scan_id}: {len(addresses)} of its targets are left", soft_wrap=True)
    else:
        try:
            specs = list(targets or [])
            if input_list:
                specs += read_target_file(input_list)
            excl = list(exclude or [])
            if exclude_file:
                excl += read_exclude_file(exclude_file)
            if site:
                sites = parse_sites(site)
                if not specs:
                    specs = site_targets(sites)
            addresses = expand_targets(specs, excl)
            if sites is not None:  # a target outside every site is refused before anything starts
                by_site = assign_sites(addresses, sites)
            ports_t = parse_ports(ports)
        except (TargetError, SiteError, ValueError, OSError) as exc:
            raise _die(str(exc)) from None
    if interface:
        from trueoem.sources.discovery import DiscoveryError, resolve_interface

        try:
            resolve_interface(interface)
        except DiscoveryError as exc:
            raise _die(f"--interface {interface}: {exc}") from None
    max_rate = 200.0 if max_rate is None else max_rate
    intensity = 2 if intensity is None else intensity
    timeout = 5.0 if timeout is None else timeout
    try:
        options = ScanOptions(ports=ports_t, max_rate=max_rate, intensity=intensity, probe_timeout=timeout)
    except ValueError as exc:
        raise _die(str(exc)) from None
    if dry_run:
        cat = load_catalog()
        used = ports_t or cat.default_ports
        more = " ..." if len(addresses) > 10 else ""
        print(f"would scan {len(addresses)} address(es): {', '.join(addresses[:10])}{more}")
        print(f"ports: {', '.join(str(x) for x in used)}")
        print(f"at most {max_rate:g} new connections/s; probes at intensity {intensity}:")
        for pr in cat.probes:
            if pr.intensity <= intensity:
                what = " ".join(x for x in (pr.method, pr.path, pr.action) if x) or pr.transport
                on = "every open port" if pr.ports is None else ",".join(str(x) for x in (*pr.ports, *pr.tls_ports))
                print(f"  {pr.name}: {what} ({pr.transport} on {on})")
        if interface:
            print(f"UDP discovery on {interface} only: SADP, DHIP, WS-Discovery, SSDP")
        print("nothing was sent")
        return
    if not resume:
        store = _open_store(db)
        params = {
            "targets": list(targets or []),
            "ports": list(ports_t),
            "max_rate": max_rate,
            "intensity": intensity,
            "timeout": timeout,
            "interface": interface,
            "dask": dask_address,
            "sites": sites_to_params(sites) if sites is not None else None,
        }
        ckb0 = _compiled(kb)
        scan_id = store.begin_scan("scan", params, ckb0.kb.version, targets=addresses)
        ckb = ckb0
    else:
        ckb = _compiled(kb)
    assert store is not None
    from trueoem.jobs import ScanTotals, run_scan

    out = _Output(fmt, output, fail_on, [], live=True)
    progress = None
    if sys.stderr.isatty():
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

        bar = Progress(
            TextColumn("scanning"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("{task.fields[found]}"),
            TimeElapsedColumn(),
            console=err,
            transient=True,
        )
        task = bar.add_task("scan", total=len(addresses), found="")
        bar.start()

        def progress(t: ScanTotals) -> None:
            bar.update(
                task,
                completed=t.hosts_done,
                found=f"{t.devices} devices, {t.covered} covered, {t.likely} likely covered",
            )

    failed_targets = 0
    totals: ScanTotals
    try:
        if sites is not None and dask_address:
            from trueoem.dscan import DistributedError, run_distributed_scan

            try:
                dt = run_distributed_scan(
                    by_site, options, ckb, store, scan_id, out.write, address=dask_address, progress=progress,
                    warn=lambda m: err.print(f"trueoem: {escape(m)}", soft_wrap=True),
                )  # fmt: skip
            except DistributedError as exc:
                store.finish_scan(scan_id, "interrupted")
                raise _die(str(exc)) from None
            failed_targets = len(dt.failed)
            totals = dt
        else:
            totals = run_scan(
                addresses, options, ckb, store, scan_id, out.write, interface=interface, progress=progress
            )
    finally:
        if progress is not None:
            bar.stop()
    for e in totals.discovery_errors:
        err.print(f"trueoem: {escape(e)}", soft_wrap=True)
    store.finish_scan(scan_id, "interrupted" if totals.interrupted else "done")
    store.close()
    line = (
        f"; {totals.hosts_done} of {totals.targets} addresses scanned in {totals.elapsed:.1f}s, "
        f"{totals.devices} devices found (scan {scan_id})"
    )
    out.close(line)
    if failed_targets:
        err.print(
            f"trueoem: {failed_targets} target(s) could not be scanned (no worker left in their site); "
            "they are marked failed in the store",
            soft_wrap=True,
        )
        raise typer.Exit(4)
    if totals.interrupted:
        err.print(
            "trueoem: interrupted; everything found so far is stored. Continue with: trueoem scan --resume"
            + (f" --db {db}" if db else ""),
            soft_wrap=True,
        )
        raise typer.Exit(130)
    if out.tripped:
        raise typer.Exit(1)


@app.command()
def rescore(
    kb: KbOpt = None,
    db: DbOpt = None,
    force: Annotated[bool, typer.Option("--force", help="Re-attribute even assets already scored by this KB.")] = False,
    fmt: FormatOpt = None,
    output: OutOpt = None,
) -> None:
    """Re-attribute every stored asset from its raw observations with the current KB (no rescanning)."""
    from trueoem.store import StoreError

    ckb = _compiled(kb)
    store = _open_store(db)
    try:
        n = store.rescore(ckb, force=force)
    except StoreError as exc:
        raise _die(str(exc)) from None
    counts: dict[str, int] = {}
    with output.open("w", encoding="utf-8") if output else nullcontext(sys.stdout) as fh:
        for sa in store.latest_attributions():
            counts[sa.verdict.value] = counts.get(sa.verdict.value, 0) + 1
            if fmt in (Format.json, Format.jsonl) or output:
                fh.write(json.dumps({"asset_id": sa.asset_id, **sa.record}, ensure_ascii=False) + "\n")
    store.close()
    err.print(
        f"{n} asset(s) re-attributed with KB {ckb.kb.version}; now: "
        + ", ".join(f"{v} {k}" for k, v in sorted(counts.items())),
        soft_wrap=True,
    )


class ImportFormat(enum.StrEnum):
    nmap = "nmap"
    masscan = "masscan"
    zgrab2 = "zgrab2"
    shodan = "shodan"
    censys = "censys"


@app.command("import")
def import_(
    tool: Annotated[ImportFormat, typer.Argument(help="Which tool wrote the files.")],
    files: Annotated[list[Path], typer.Argument(help="Files (gzip or not).")],
    fmt: FormatOpt = None,
    output: OutOpt = None,
    fail_on: FailOpt = None,
    kb: KbOpt = None,
    db: DbOpt = None,
) -> None:
    """Read other tools' output (nmap XML, masscan, zgrab2, Shodan, Censys) into the store and attribute it."""
    from trueoem.sources.imports import ImportFileError, read_import

    _ingest_hosts(
        {"tool": tool.value}, lambda f, warn: read_import(tool.value, f, warn), files, fmt, output, fail_on, kb, db,
        file_errors=(ImportFileError,),
    )  # fmt: skip


def _ingest_hosts(
    params: dict[str, object],
    read: Callable[[Path, list[str]], Iterable[Any]],
    files: list[Path],
    fmt: Format | None,
    output: Path | None,
    fail_on: FailOn | None,
    kb: list[Path] | None,
    db: str | None,
    file_errors: tuple[type[Exception], ...] = (),
) -> None:
    """Hosts read from files (imports, captures) -> attributed -> stored as one ``import`` run -> reported.

    ``read(file, warn)`` yields host records with ``ip``, ``mac``, ``ports`` and ``observations``. Each
    batch is stored before it is reported, so an interrupted run has stored everything it printed.
    """
    from trueoem.jobs import host_attribution
    from trueoem.store import AssetRecord

    ckb = _compiled(kb)
    store = _open_store(db)
    scan_id = store.begin_scan("import", {**params, "files": [str(f) for f in files]}, ckb.kb.version)
    warn: list[str] = []
    failed: list[str] = []
    out = _Output(fmt, output, fail_on, warn)
    stored: list[AssetRecord] = []
    shown: list[Result] = []

    def flush() -> None:
        if stored:
            store.record_many(scan_id, stored)
        for r in shown:
            out.write(r)
        stored.clear()
        shown.clear()

    interrupted = False
    try:
        for f in files:
            try:
                for h in read(f, warn):
                    hid = h.ip or h.mac or f.name
                    a = host_attribution(hid, h.mac, list(h.ports), list(h.observations), ckb)
                    stored.append(AssetRecord(tuple(h.observations), ip=h.ip, mac=h.mac, attribution=a))
                    shown.append(Result(hid, a))
                    if len(stored) >= 500:
                        flush()
            except file_errors as exc:
                failed.append(str(exc))
                err.print(f"trueoem: {escape(str(exc))}", soft_wrap=True)
    except KeyboardInterrupt:
        interrupted = True
    finally:
        flush()
        store.finish_scan(scan_id, "interrupted" if interrupted else "done")
        store.close()
        out.close(f"; stored as import {scan_id}")
    _exit_code(interrupted, bool(failed), out.tripped)


@app.command()
def pcap(
    files: Annotated[list[Path], typer.Argument(help="Captures: pcap or pcapng, gzip or not.")],
    fmt: FormatOpt = None,
    output: OutOpt = None,
    fail_on: FailOpt = None,
    kb: KbOpt = None,
    db: DbOpt = None,
) -> None:
    """Passive analysis of packet captures: who answered with what, attributed and stored like a scan."""
    from trueoem.sources.pcap import read_pcap

    _ingest_hosts({"tool": "pcap"}, read_pcap, files, fmt, output, fail_on, kb, db)


user_app = typer.Typer(help="Local users of the web UI.", no_args_is_help=True)
schedule_app = typer.Typer(help="Recurring scans kept in the store.", no_args_is_help=True)
alert_app = typer.Typer(
    help="Where alerts about new covered devices go (webhook, syslog, e-mail).", no_args_is_help=True
)
app.add_typer(user_app, name="user")
app.add_typer(schedule_app, name="schedule")
app.add_typer(alert_app, name="alert")


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port.")] = 8000,
    db: DbOpt = None,
    no_auth: Annotated[bool, typer.Option("--no-auth", help="No login (only allowed on a loopback address).")] = False,
) -> None:
    """The web UI and REST API (OpenAPI at /openapi.json). Create the first admin with 'trueoem user add'."""
    from trueoem.web import serve as run_server

    try:
        run_server(host, port, db, auth=not no_auth)
    except ValueError as exc:
        raise _die(str(exc)) from None


@user_app.command("add")
def user_add(
    name: Annotated[str, typer.Argument(help="User name.")],
    role: Annotated[str, typer.Option(help="viewer, operator (may scan and upload) or admin.")] = "admin",
    db: DbOpt = None,
    password: Annotated[str | None, typer.Option(help="The password (default: asked for, twice).", hidden=True)] = None,
) -> None:
    """Create a local user (argon2 password hash)."""
    from trueoem.web.auth import AuthError, add_user

    if password is None:
        password = typer.prompt("password", hide_input=True, confirmation_prompt=True)
    store = _open_store(db)
    try:
        u = add_user(store, name, password, role)
    except AuthError as exc:
        raise _die(str(exc)) from None
    finally:
        store.close()
    print(f"user {u.username} ({u.role}) created")


@schedule_app.command("add")
def schedule_add(
    name: Annotated[str, typer.Argument(help="A name for the schedule.")],
    targets: Annotated[list[str], typer.Argument(help="Targets, as for 'trueoem scan'.")],
    every: Annotated[str, typer.Option("--every", help="'every 6h', 'every 2d', 'daily at 02:30 [zone]'.")],
    exclude: Annotated[list[str] | None, typer.Option("--exclude")] = None,
    ports: Annotated[str, typer.Option("-p", "--ports")] = "default",
    max_rate: Annotated[float, typer.Option("--max-rate")] = 200.0,
    interface: Annotated[str | None, typer.Option("--interface")] = None,
    db: DbOpt = None,
) -> None:
    """Add a recurring scan."""
    from trueoem.schedule import ScheduleError, add_schedule

    spec = every if every.startswith(("every", "daily")) else f"every {every}"
    store = _open_store(db)
    try:
        sch = add_schedule(
            store, name, targets, spec, exclusions=exclude or [], ports=ports, max_rate=max_rate, interface=interface
        )
    except ScheduleError as exc:
        raise _die(str(exc)) from None
    finally:
        store.close()
    print(json.dumps(sch.as_dict(), default=str))


@schedule_app.command("list")
def schedule_list(db: DbOpt = None) -> None:
    """The recurring scans."""
    from trueoem.schedule import list_schedules

    store = _open_store(db)
    for sch in list_schedules(store):
        print(json.dumps(sch.as_dict(), default=str))
    store.close()


@schedule_app.command("remove")
def schedule_remove(name: Annotated[str, typer.Argument()], db: DbOpt = None) -> None:
    """Remove a recurring scan."""
    from trueoem.schedule import ScheduleError, remove_schedule

    store = _open_store(db)
    try:
        remove_schedule(store, name)
    except ScheduleError as exc:
        raise _die(str(exc)) from None
    finally:
        store.close()


@schedule_app.command("run")
def schedule_run(
    db: DbOpt = None,
    kb: KbOpt = None,
    once: Annotated[bool, typer.Option("--once", help="Run what is due now, then exit.")] = False,
) -> None:
    """Run due scans (and send alerts) until stopped; with --once, just what is due now."""
    from trueoem.schedule import run_forever, run_once

    ckb = _compiled(kb)
    store = _open_store(db)
    try:
        if once:
            from datetime import UTC, datetime

            for rep in run_once(store, ckb, datetime.now(UTC)):
                err.print(
                    f"{rep.schedule}: {rep.status}; alerts sent {rep.alerts.sent}, failed "
                    f"{rep.alerts.failed}" + (f"; {rep.error}" if rep.error else ""),
                    soft_wrap=True,
                )
        else:
            run_forever(store, ckb)
    except KeyboardInterrupt:
        raise typer.Exit(130) from None
    finally:
        store.close()


@alert_app.command("add")
def alert_add(
    name: Annotated[str, typer.Argument()],
    kind: Annotated[str, typer.Argument(help="webhook, syslog or email.")],
    setting: Annotated[
        list[str] | None, typer.Option("--set", help="KEY=VALUE settings (see docs/schedule.md).")
    ] = None,
    db: DbOpt = None,
) -> None:
    """Add an alert channel."""
    from trueoem.schedule import AlertError, add_channel

    config: dict[str, object] = {}
    for item in setting or []:
        k, sep, v = item.partition("=")
        if not sep:
            raise _die(f"--set {item!r}: expected KEY=VALUE")
        config[k.strip()] = v
    store = _open_store(db)
    try:
        ch = add_channel(store, name, kind, config)
    except AlertError as exc:
        raise _die(str(exc)) from None
    finally:
        store.close()
    print(json.dumps({"name": ch.name, "kind": ch.kind, "config": ch.redacted()}, default=str))


@alert_app.command("list")
def alert_list(db: DbOpt = None) -> None:
    """The alert channels (secrets hidden)."""
    from trueoem.schedule import list_channels

    store = _open_store(db)
    for ch in list_channels(store):
        print(json.dumps({"name": ch.name, "kind": ch.kind, "config": ch.redacted()}, default=str))
    store.close()


@alert_app.command("test")
def alert_test(name: Annotated[str, typer.Argument()], db: DbOpt = None) -> None:
    """Send a test alert through a channel."""
    from trueoem.schedule import AlertError, ChannelError, send_test_alert

    store = _open_store(db)
    try:
        send_test_alert(store, name)
    except (AlertError, ChannelError) as exc:
        raise _die(str(exc)) from None
    finally:
        store.close()
    print("sent")


class ReportFormat(enum.StrEnum):
    html = "html"
    pdf = "pdf"
    json = "json"
    csv = "csv"
    far = "far"
    cyclonedx = "cyclonedx"


@app.command()
def report(
    fmt: Annotated[ReportFormat, typer.Option("--format", "-f", help="Report format.")] = ReportFormat.html,
    output: OutOpt = None,
    db: DbOpt = None,
    scan_id: Annotated[
        int | None, typer.Option("--scan", help="Only the assets seen by this scan/check/import.")
    ] = None,
    from_file: Annotated[
        Path | None,
        typer.Option("--from", help="Report on a check/scan output file (JSON Lines) instead of the store."),
    ] = None,
    title: Annotated[str, typer.Option(help="Report title.")] = "trueoem report",
    far_config: Annotated[
        Path | None, typer.Option("--far-config", help="FAR 52.204-25 details (TOML/YAML): contract, supplier, ...")
    ] = None,
    contract_number: Annotated[str | None, typer.Option(help="FAR: contract number.")] = None,
    supplier_name: Annotated[str | None, typer.Option(help="FAR: supplier name.")] = None,
    dod: Annotated[bool, typer.Option("--dod", help="FAR: a DoD contract (report to DIBNet).")] = False,
) -> None:
    """Write a report: self-contained HTML, PDF, JSON, CSV, a FAR 52.204-25(d) draft, or a CycloneDX 1.6 HBOM."""
    from trueoem.report.data import build_model, model_from_store

    if from_file is not None:
        try:
            with from_file.open(encoding="utf-8", errors="replace") as fh:
                records = []
                for n, line in enumerate(fh, start=1):
                    if not line.strip():
                        continue
                    try:
                        rec = jsontext.loads(line)
                    except json.JSONDecodeError as exc:
                        err.print(f"trueoem: {from_file}:{n}: malformed JSON ({exc.msg}); skipped")
                        continue
                    if isinstance(rec, dict) and "verdict" in rec:
                        records.append(rec)
        except OSError as exc:
            raise _die(f"{from_file}: {exc.strerror or exc}") from None
        model = build_model(records, title=title, source=str(from_file))
    else:
        store = _open_store(db)
        model = model_from_store(store, scan_id=scan_id, title=title)
        records = [a.record for a in store.latest_attributions(scan_id=scan_id)] if fmt in ("json", "csv") else []
        store.close()
    text: str | bytes
    if fmt == ReportFormat.html:
        from trueoem.report.html import render_html

        text = render_html(model)
    elif fmt == ReportFormat.pdf:
        from trueoem.report.pdf import render_pdf

        text = render_pdf(model)
    elif fmt == ReportFormat.far:
        from trueoem.report.far import FarConfigError, load_far_config, render_far

        opts: dict[str, object] = {}
        if contract_number:
            opts["contract_number"] = contract_number
        if supplier_name:
            opts["supplier_name"] = supplier_name
        if dod:
            opts["dod"] = True
        try:
            text = render_far(model, load_far_config(far_config, **opts))
        except (FarConfigError, OSError) as exc:
            raise _die(f"FAR config: {exc}") from None
    elif fmt == ReportFormat.cyclonedx:
        from trueoem.report.cyclonedx import render_cyclonedx

        text = render_cyclonedx(model)
    elif fmt == ReportFormat.json:
        text = json.dumps({"schema_version": 1, "results": records}, ensure_ascii=False, indent=1) + "\n"
    else:
        from trueoem.report.writers import records_csv

        text = records_csv(records)
    if output is None and isinstance(text, bytes):
        raise _die("a PDF needs -o FILE")
    try:
        if output is None:
            sys.stdout.write(str(text))
        elif isinstance(text, bytes):
            output.write_bytes(text)
        else:
            output.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise _die(f"{output}: cannot write: {exc.strerror}") from None
    if output:
        err.print(
            f"wrote {output}: {model.total} assets, {len(model.flagged)} covered or likely covered", soft_wrap=True
        )


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
        f"{len(k.ised_companies)} ISED company numbers, {len(k.platforms)} platforms, {k.rule_count} fingerprint rules"
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
