"""Everything a district needs from one run: reports, the comparison, a booklet, a manifest.

:func:`render_district` renders one report per community (:func:`~cfeval.report.entry.
render_batch`, files named ``<id>_<name>_<lang>.pdf``), the comparison, optionally the
booklet, and a manifest listing every file written with its community, grade, pages and
SHA-256 (``manifest.csv`` and ``manifest.json``, each written atomically).

The booklet is one PDF: a cover (with the report settings' letterhead), a table of
contents with page numbers, the comparison, then every community's report. Its front
(cover, contents, comparison) is one WeasyPrint document, where the contents reach the
comparison's sections with ``target-counter()`` and headings make bookmarks through
``bookmark-level``; the community reports are the batch's own PDFs, appended with pypdf
with their bookmarks (each report's name is a top-level bookmark, its sections below it),
so nothing is rendered twice. A community's page number in the contents is known from the
pages of the PDFs before it; the front is laid out once more when its own length changed.
"""

from __future__ import annotations

import datetime as dt
import json
import os
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from cfeval._io import atomic_write, file_sha256
from cfeval.i18n import resolve_lang, words

__all__ = ["DistrictOutcome", "render_district", "write_booklet", "write_manifest"]

#: Entries on one page of the booklet's table of contents.
TOC_ROWS = 34


@dataclass
class DistrictOutcome:
    """What a district run wrote: the batch, the comparison, the booklet and the manifest."""

    batch: object
    comparison: Path | None = None
    booklet: Path | None = None
    manifest: list[Path] = field(default_factory=list)
    rows: list[dict] = field(default_factory=list)


def render_district(
    result,
    out_dir: str | os.PathLike,
    community_ids: Iterable[str] | None = None,
    *,
    framework=None,
    lang: str | None = None,
    date: dt.date | str | None = None,
    wave: str | None = None,
    pdfa: bool = False,
    workers: int | None = None,
    on_done: Callable[[str, bool], None] | None = None,
    reliability=None,
    settings=None,
    booklet: bool = False,
    scheduler=None,
    shared: bool = False,
    sensitivity=None,
) -> DistrictOutcome:
    """Reports for ``community_ids`` (all when None), their comparison, optionally the
    booklet, and the manifest, into ``out_dir``.

    ``sensitivity`` (from :func:`cfeval.sensitivity`) adds rank intervals to the comparison.
    ``scheduler``/``shared`` run the reports on a Dask cluster (:func:`~cfeval.report.entry.
    render_batch`). Ctrl-C stops the batch (:class:`~cfeval.report.entry.BatchInterrupted`, which says how
    many reports were finished); the comparison, booklet and manifest are written only
    after every report was.

    >>> render_district(result, "out", lang="zh", booklet=True).booklet  # doctest: +SKIP
    PosixPath('out/booklet_zh.pdf')
    """
    from cfeval.report.basics import framework_of
    from cfeval.report.entry import (
        BatchInterrupted,
        _parse_date,
        render_batch,
        render_comparison,
    )

    fw = framework_of(result, framework)
    lang = resolve_lang(lang)
    ids = (
        list(community_ids)
        if community_ids is not None
        else sorted(result.communities["community_id"].astype(str).unique())
    )
    day = _parse_date(date)
    out = Path(out_dir)
    options = {"framework": fw, "lang": lang, "date": day, "wave": wave, "settings": settings}
    batch = render_batch(
        result, out, ids, workers=workers, on_done=on_done, reliability=reliability,
        pdfa=pdfa, names=community_names(result), scheduler=scheduler, shared=shared,
        **options,
    )  # fmt: skip
    try:
        comparison = render_comparison(
            result,
            out / f"comparison_{lang}.pdf",
            community_ids=ids,
            pdfa=pdfa,
            sensitivity=sensitivity,
            **options,
        )
        outcome = DistrictOutcome(batch, comparison)
        if booklet:
            outcome.booklet = write_booklet(
                result, batch.written, out / f"booklet_{lang}.pdf", community_ids=ids,
                comparison_pages=pdf_pages(comparison), **options,
            )  # fmt: skip
        outcome.rows = manifest_rows(result, batch.written, out, wave, comparison, outcome.booklet)
        outcome.manifest = write_manifest(outcome.rows, out)
    except KeyboardInterrupt:
        # Every file is written atomically: what was finished is whole, the rest absent.
        raise BatchInterrupted(batch, len(ids), out) from None
    return outcome


def community_names(result) -> dict[str, str]:
    """Each community's name (or "" without one), for readable file names."""
    comm = result.communities
    if "name" not in comm.columns:
        return {}
    out = {}
    for cid, name in zip(comm["community_id"].astype(str), comm["name"], strict=True):
        if name is not None and name == name and str(name).strip():
            out[cid] = str(name)
    return out


# --------------------------------------------------------------------------- manifest


def pdf_pages(path: Path) -> int:
    from pypdf import PdfReader

    return len(PdfReader(path).pages)


def manifest_rows(result, written: dict, out: Path, wave, comparison, booklet) -> list[dict]:
    """One row per file: ``file, kind, community_id, name, city, district, grade, pages,
    sha256`` (comparison and booklet rows have no community)."""
    from cfeval._safety import mask_pii
    from cfeval.report.basics import main_wave

    comm = result.communities.copy()
    comm["wave"] = comm["wave"].astype(str)
    rows = []
    for cid, path in sorted(written.items()):
        mine = comm[comm["community_id"].astype(str) == str(cid)]
        if wave is not None:
            mine = mine[mine["wave"] == str(wave)]
        rec = mine.iloc[-1] if len(mine) else None  # its latest wave, as its report shows

        def cell(key, rec=rec):
            value = None if rec is None else rec.get(key)
            return "" if value is None or value != value else mask_pii(value)

        rows.append(
            {"file": path.name, "kind": "report", "community_id": mask_pii(cid),
             "name": cell("name"), "city": cell("city"), "district": cell("district"),
             "wave": cell("wave"), "grade": cell("grade"), "pages": pdf_pages(path),
             "sha256": file_sha256(path)}
        )  # fmt: skip
    shared = {"community_id": "", "name": "", "city": "", "district": "", "grade": ""}
    for kind, path in (("comparison", comparison), ("booklet", booklet)):
        if path is not None:
            rows.append(
                {"file": path.name, "kind": kind, **shared,
                 "wave": str(wave) if wave is not None else main_wave(result),
                 "pages": pdf_pages(path), "sha256": file_sha256(path)}
            )  # fmt: skip
    return rows


MANIFEST_COLUMNS = (
    "file", "kind", "community_id", "name", "city", "district", "wave", "grade", "pages", "sha256",
)  # fmt: skip


def write_manifest(rows: list[dict], out_dir: str | os.PathLike) -> list[Path]:
    """``manifest.csv`` (formula-safe cells) and ``manifest.json`` in ``out_dir``, atomically."""
    import pandas as pd

    from cfeval._safety import csv_text

    out = Path(out_dir)
    frame = pd.DataFrame(rows, columns=list(MANIFEST_COLUMNS))
    csv_path = atomic_write(out / "manifest.csv", csv_text(frame, index=False, lineterminator="\n"))
    payload = {"files": [{k: r[k] for k in MANIFEST_COLUMNS} for r in rows]}
    json_path = atomic_write(
        out / "manifest.json", json.dumps(payload, ensure_ascii=False, indent=2) + "\n"
    )
    return [Path(csv_path), Path(json_path)]


# --------------------------------------------------------------------------- booklet


def write_booklet(
    result,
    written: dict[str, Path],
    path: str | os.PathLike,
    *,
    community_ids: Iterable[str] | None = None,
    framework=None,
    lang: str | None = None,
    date: dt.date | None = None,
    wave: str | None = None,
    settings=None,
    comparison_pages: int | None = None,
) -> Path:
    """The booklet: cover, contents, comparison, then the reports in ``written`` (id → PDF),
    in the comparison's order (by city · district, best first); written atomically.

    ``comparison_pages`` (of the same comparison rendered on its own) lets the front be
    laid out once instead of twice when its length is guessed right from it.
    """
    from io import BytesIO

    from pypdf import PdfReader, PdfWriter

    from cfeval.report.comparison import build_comparison_context
    from cfeval.report.paging import paginate
    from cfeval.report.render import pdf_bytes, render_html

    lang = resolve_lang(lang)
    ctx = build_comparison_context(
        result, framework=framework, lang=lang, date=date, wave=wave,
        community_ids=community_ids, settings=settings,
    )  # fmt: skip
    order = [r["_id"] for page in paginate(ctx["table"], "") for b in page for r in b["rows"]]
    order = [cid for cid in order if cid in written]
    readers = {cid: PdfReader(written[cid]) for cid in order}
    w = words(lang)
    entries = []
    for page in paginate(ctx["table"], ctx["t"]["not_applicable"]):
        for b in page:
            rows = [r for r in b["rows"] if r["_id"] in readers]
            if rows and not b["continued"]:
                entries.append({"group": b["label"]})
            entries += [
                {"name": r["name"], "id": r["id"], "grade": r["grade"], "_id": r["_id"]}
                for r in rows
            ]
    # The first contents page also lists the comparison's sections: it takes fewer entries,
    # so that it never runs over onto an unheaded page.
    first = TOC_ROWS - 10
    toc = [entries[:first]] + [
        entries[i : i + TOC_ROWS] for i in range(first, len(entries), TOC_ROWS)
    ]
    toc_pages = len(toc)
    # cover + contents + the comparison's own pages (its cover becomes the grades page)
    front_pages = 1 + toc_pages + comparison_pages if comparison_pages else 0
    for _ in range(3):  # the front's own length decides where the reports start
        start = front_pages + 1
        for e in entries:
            if "_id" in e:
                e["page"] = start
                start += len(readers[e["_id"]].pages)
        html = render_html(
            "booklet.html.j2",
            {**ctx, "booklet": True, "toc": toc,
             "booklet_words": {"contents": w("Contents"), "reports": w("Community reports"),
                               "title": w("District report booklet")}},
        )  # fmt: skip
        front = pdf_bytes(html)
        pages = len(PdfReader(BytesIO(front)).pages)
        if pages == front_pages:
            break
        front_pages = pages
    writer = PdfWriter()
    writer.append(BytesIO(front), import_outline=True)
    for cid in order:
        writer.append(readers[cid], import_outline=True)
    writer.add_metadata({"/Title": ctx["doc_title"], "/Producer": f"cfeval {ctx['version']}"})
    buf = BytesIO()
    writer.write(buf)
    return Path(atomic_write(Path(path), buf.getvalue()))
