"""Terminal output: a Rich table of results, a summary, and the evidence trail in words."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable

from rich.markup import escape
from rich.table import Table

from trueoem.model import Attribution, Verdict
from trueoem.screen import Result

_COVERED, _NOT_COVERED, _UNKNOWN = Verdict.COVERED, Verdict.NOT_COVERED, Verdict.UNKNOWN

STYLE = {
    Verdict.COVERED: "bold red",
    Verdict.LIKELY_COVERED: "yellow",
    Verdict.NOT_COVERED: "green",
    Verdict.UNKNOWN: "dim",
}


class Summary:
    """Counts by verdict and OEM, kept while results stream past."""

    def __init__(self) -> None:
        self.oems: Counter[str] = Counter()
        self.white_label = 0
        self.total = 0
        self._flagged = self._not_covered = self._unknown = self._covered = 0

    def add(self, a: Attribution) -> None:
        # identity tests, not a dict keyed by verdict: an enum member hashes in Python code, and a
        # catalog adds a million of them
        self.total += 1
        v = a.verdict
        if v is _NOT_COVERED:
            self._not_covered += 1
        elif v is _UNKNOWN:
            self._unknown += 1
        else:
            self._flagged += 1
            if v is _COVERED:
                self._covered += 1
            if a.oem_name:
                self.oems[a.oem_name] += 1
            if a.white_label:
                self.white_label += 1

    @property
    def verdicts(self) -> Counter[str]:
        """Counts by verdict value (verdicts never seen are absent)."""
        n = {
            Verdict.COVERED.value: self._covered,
            Verdict.LIKELY_COVERED.value: self._flagged - self._covered,
            Verdict.NOT_COVERED.value: self._not_covered,
            Verdict.UNKNOWN.value: self._unknown,
        }
        return Counter({v: k for v, k in n.items() if k})

    def as_dict(self) -> dict[str, object]:
        return {
            "total": self.total,
            "verdicts": {v.value: self.verdicts.get(v.value, 0) for v in Verdict},
            "covered_by_oem": dict(sorted(self.oems.items())),
            "white_label_flagged": self.white_label,
        }

    def line(self) -> str:
        v = self.verdicts
        return (
            f"{self.total} items: {v.get('covered', 0)} covered, {v.get('likely_covered', 0)} likely covered "
            f"({self.white_label} white-labelled), {v.get('not_covered', 0)} not covered, "
            f"{v.get('unknown', 0)} unknown"
        )


def results_table(results: Iterable[Result], total: int | None = None, max_rows: int = 5000) -> Table:
    """A table of results (device-provided text is escaped: it is never Rich markup)."""
    t = Table(show_lines=False, header_style="bold")
    rows = list(results)[:max_rows]
    scan = bool(rows) and any(k == "ip" for k, _ in rows[0].template.extra)
    cols = ["id", "verdict", "conf", "label brand", "true OEM", "white-label", "model", "why"]
    if scan:
        cols[1:1] = ["mac", "ports"]
    for col in cols:
        t.add_column(col, overflow="fold")
    for r in rows:
        a = r.template
        top = next((e for e in a.evidence if e.weight > 0), None)
        why = f"{top.rule}: {top.matched}" if top else (a.notes[0] if a.notes else "")
        cells = [
            escape(r.id),
            f"[{STYLE[a.verdict]}]{a.verdict.value}[/]",
            f"{a.confidence:.2f}" if a.verdict != Verdict.UNKNOWN else "",
            escape(a.label_brand or ""),
            escape(a.oem_name or ""),
            "yes" if a.white_label else "",
            escape(a.model or ""),
            escape(why[:90]),
        ]
        if scan:
            extra = dict(a.extra)
            ports = extra.get("ports") or []
            cells[1:1] = [escape(str(extra.get("mac") or "")), escape(",".join(str(p) for p in ports))]  # type: ignore[attr-defined]
        t.add_row(*cells)
    if total is not None and total > len(rows):
        t.caption = f"first {len(rows)} of {total} rows shown; use --format jsonl for all"
    return t


def explain(a: Attribution) -> str:
    """The evidence trail in words (plain text; callers print it without markup)."""
    lines = [f"{a.id}: {a.verdict.value}" + (f" ({a.confidence:.1%} sure)" if a.verdict != Verdict.UNKNOWN else "")]
    lines.append(f"  labelled: {a.label_brand or '(no brand given)'}")
    if a.oem_name:
        lines.append(f"  made by:  {a.oem_name}" + ("  <- a white-labelled product" if a.white_label else ""))
    if a.model:
        lines.append(f"  model:    {a.model}" + (f" ({a.category})" if a.category else ""))
    elif a.category:
        lines.append(f"  category: {a.category}")
    if a.legal_basis:
        lines.append(f"  covered by: {a.legal_basis}")
    if a.evidence:
        lines.append("  because:")
        for e in a.evidence:
            w = f"+{e.weight:.1f}" if e.weight else " info"
            what = e.note or e.rule
            lines.append(f"    {w:>5}  {e.claim:<22} {e.field} = {e.matched!r}")
            lines.append(f"           {what}")
            lines.append(f"           source: {e.source}")
    for c in a.conflicts:
        lines.append(f"  conflict: {c}")
    if a.alternatives:
        alts = ", ".join(f"{c.name} {c.probability:.2f}" for c in a.alternatives[:4])
        lines.append(f"  alternatives: {alts}")
    for n in a.notes:
        lines.append(f"  note: {n}")
    if a.platform:
        lines.append(f"  platform: {', '.join(a.platform)}")
    lines.append(f"  knowledge base {a.kb_version}")
    return "\n".join(lines)
