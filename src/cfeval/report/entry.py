"""PDF reports: the entry points — one community, the comparison, batches, the demo.

The work is done by three modules, one per step:

- :mod:`cfeval.report.text` — the words (keys of the report catalogue, issue-code names);
- :mod:`cfeval.report.context` and :mod:`cfeval.report.comparison` — what a report shows,
  built from a ScoreResult and the insights of :mod:`cfeval.results.insights` (they read
  results only and never score; PII is masked there);
- :mod:`cfeval.report.render` — autoescaping Jinja2 templates, and WeasyPrint with a URL fetcher
  that serves nothing but ``data:`` URIs and files inside the package's assets.

This module strings them together; :func:`render_report`, :func:`render_comparison`,
:func:`render_batch` and :func:`run_demo` are public in :mod:`cfeval`. ``lang`` None
everywhere means the environment's language (:func:`cfeval.i18n.resolve_lang`).
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cfeval._safety import file_stems, readable_stems
from cfeval.errors import CfevalError, UsageError
from cfeval.i18n import Msg, resolve_lang
from cfeval.report.basics import check_lang, framework_of, main_wave
from cfeval.report.comparison import build_comparison_context
from cfeval.report.context import build_context, mask_pii
from cfeval.report.render import RenderLog, render_html, write_pdf
from cfeval.report.settings import letterhead, number_fields

#: The editions of a community report: for the adults, or for the children themselves.
EDITIONS = ("adults", "children")

__all__ = [
    "mask_pii",
    "build_context",
    "build_comparison_context",
    "render_html",
    "write_pdf",
    "render_report",
    "render_comparison",
    "render_batch",
    "BatchOutcome",
    "BatchInterrupted",
    "report_filename",
    "check_options",
]


def report_filename(
    community_id: str, lang: str, stem: str | None = None, edition: str = "adults"
) -> str:
    """A safe file name for a community's PDF: path separators and dots cannot escape DIR.

    An id that is not a safe short name itself gets a short hash of the id appended, so
    ``a/b`` and ``a.b`` (or an id ``comparison``) never share a file; a batch passes the
    ``stem`` :func:`cfeval._safety.file_stems` chose for the whole run. The children's
    edition is ``<stem>_children_<lang>.pdf``.
    """
    stem = stem or file_stems([str(community_id)])[str(community_id)]
    return f"{stem}_children_{lang}.pdf" if edition == "children" else f"{stem}_{lang}.pdf"


def check_options(framework, lang: str | None, date=None) -> None:
    """Refuse a report language or date that cannot be used, before any slow work starts.

    ``framework`` may be None when it is not known yet (only the language is checked).
    """
    lang = resolve_lang(lang)
    if framework is not None:
        check_lang(framework, lang)
    _parse_date(date)


def _parse_date(date) -> dt.date:
    if date is None:
        return dt.date.today()
    if isinstance(date, dt.date):
        return date
    try:
        return dt.date.fromisoformat(str(date))
    except ValueError:
        raise UsageError(Msg("--date must look like 2024-06-01, got {date!r}", date=date)) from None


def render_report(
    result,
    community_id: str,
    path: str | os.PathLike,
    *,
    framework=None,
    lang: str | None = None,
    date: dt.date | str | None = None,
    wave: str | None = None,
    pdfa: bool = False,
    log: RenderLog | None = None,
    reliability=None,
    edition: str = "adults",
    settings=None,
) -> Path:
    """Write one community's A4 report to ``path`` (a PDF, written atomically).

    ``reliability`` (the ``scales`` frame of :func:`cfeval.reliability`) lists the scales
    below 0.7 in the method appendix. ``edition="children"`` writes the children's edition
    instead: 2-4 pages for children aged 8 to 14 (:mod:`cfeval.report.children`).
    ``settings`` (:func:`cfeval.load_settings`) puts the letterhead on it: issuer, logo,
    report number, signatures, footer.

    >>> render_report(result, "C001", "out/C001_zh.pdf", lang="zh", date="2024-06-01")  # doctest: +SKIP
    """
    if edition not in EDITIONS:
        raise UsageError(
            Msg("unknown edition {edition!r}; choose one of: {editions}", edition=edition,
                editions=", ".join(EDITIONS))
        )  # fmt: skip
    if edition == "children":
        from cfeval.report.children import build_children_context

        ctx = build_children_context(
            result, community_id, framework=framework, lang=lang, date=_parse_date(date), wave=wave
        )
        return write_pdf(render_html("children.html.j2", ctx), path, pdfa=pdfa, log=log)
    day = _parse_date(date)
    ctx = build_context(
        result,
        community_id,
        framework=framework,
        lang=lang,
        date=day,
        wave=wave,
        reliability=reliability,
    )
    issued = getattr(settings, "date_of_issue", None) or day
    ctx["letterhead"] = letterhead(
        settings, ctx["lang"], day, number_fields(result, community_id, issued)
    )
    return write_pdf(render_html("report.html.j2", ctx), path, pdfa=pdfa, log=log)


def render_comparison(
    result,
    path: str | os.PathLike,
    *,
    framework=None,
    lang: str | None = None,
    date: dt.date | str | None = None,
    wave: str | None = None,
    community_ids: Iterable[str] | None = None,
    pdfa: bool = False,
    sensitivity=None,
    settings=None,
) -> Path:
    """Write the comparison report of many communities to ``path`` (grouped by city and
    district, a page per district's summary, ranking and heatmap in pages); with
    ``sensitivity`` (from :func:`cfeval.sensitivity`) it shows the communities' rank
    intervals."""
    ctx = build_comparison_context(
        result,
        framework=framework,
        lang=lang,
        date=_parse_date(date),
        wave=wave,
        community_ids=community_ids,
        sensitivity=sensitivity,
        settings=settings,
    )
    return write_pdf(render_html("comparison.html.j2", ctx), path, pdfa=pdfa)


# --------------------------------------------------------------------------- batch


@dataclass
class BatchOutcome:
    """Result of a batch: PDFs written and communities that failed (id → message)."""

    written: dict[str, Path] = field(default_factory=dict)
    failed: dict[str, str] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.failed


class BatchInterrupted(CfevalError):
    """The batch was interrupted (Ctrl-C, SIGTERM); ``outcome`` says what was finished."""

    exit_code = 130

    def __init__(self, outcome: BatchOutcome, total: int, out_dir) -> None:
        self.outcome = outcome
        super().__init__(
            Msg(
                "interrupted: {done} of {total} reports written to {folder} (the others "
                "were stopped and left no files); run the command again to finish",
                done=len(outcome.written),
                total=total,
                folder=str(out_dir),
            )
        )


_WORKER: dict[str, Any] = {}


def _init_worker(result, framework, options) -> None:
    # Set once per process instead of sent once per community: the frames can be large.
    # Forked workers inherit it from the batch's own process.
    _WORKER.update(result=result, framework=framework, options=options)


def _render_one(community_id: str) -> tuple[str, str | None, str | None]:
    opts = _WORKER["options"]
    stem = opts["stems"].get(community_id)
    edition = opts.get("edition", "adults")
    out = Path(opts["out_dir"]) / report_filename(community_id, opts["lang"], stem, edition)
    try:
        render_report(
            _WORKER["result"],
            community_id,
            out,
            framework=_WORKER["framework"],
            lang=opts["lang"],
            date=opts["date"],
            wave=opts["wave"],
            pdfa=opts["pdfa"],
            reliability=opts.get("reliability"),
            edition=edition,
            settings=opts.get("settings"),
        )
    except CfevalError as exc:
        return community_id, None, str(exc)
    except Exception as exc:  # noqa: BLE001 - one broken community must not stop a district
        return community_id, None, f"{type(exc).__name__}: {exc}"
    return community_id, str(out), None


def render_batch(
    result,
    out_dir: str | os.PathLike,
    community_ids: Iterable[str] | None = None,
    *,
    framework=None,
    lang: str | None = None,
    date: dt.date | str | None = None,
    pdfa: bool = False,
    edition: str = "adults",
    wave: str | None = None,
    workers: int | None = None,
    on_done: Callable[[str, bool], None] | None = None,
    reliability=None,
    scheduler=None,
    shared: bool = False,
    settings=None,
    names: dict[str, str] | None = None,
) -> BatchOutcome:
    """Render one report per community into ``out_dir`` across worker processes.

    A community that fails is recorded in :attr:`BatchOutcome.failed` and the batch goes
    on. ``workers`` defaults to every core; ``1`` renders in this process. ``wave``
    defaults to each community's latest. ``reliability`` and ``settings`` as for
    :func:`render_report`. ``names`` (id → name) makes readable file names,
    ``<id>_<name>_<lang>.pdf`` (:func:`cfeval._safety.readable_stems`).

    ``scheduler`` runs the batch on a Dask cluster instead: an address (``tcp://host:8786``,
    ``local:N``) or a ``distributed.Client``; None means ``$CFEVAL_SCHEDULER`` if set
    (:mod:`cfeval._cluster`). The workers render and send the PDFs back, written here
    atomically, the same bytes as a local run; ``shared=True`` lets them write into
    ``out_dir`` themselves when it is storage they all see (:mod:`cfeval.report.cluster`).
    """
    fw = framework_of(result, framework)
    lang = resolve_lang(lang)
    check_lang(fw, lang)
    ids = (
        list(community_ids)
        if community_ids is not None
        else sorted(result.communities["community_id"].unique())
    )
    options = {
        "out_dir": str(out_dir),
        "lang": lang,
        "date": _parse_date(date),
        "pdfa": pdfa,
        "edition": edition,
        "wave": wave,
        "reliability": reliability,
        "settings": settings,
        # Names for the whole run at once: ids that differ only in case stay apart.
        "stems": readable_stems(ids, names) if names else file_stems(ids),
    }
    Path(out_dir).mkdir(parents=True, exist_ok=True)
    outcome = BatchOutcome()

    def record(cid, path, error):
        if error is None:
            outcome.written[cid] = Path(path)
        else:
            outcome.failed[cid] = error
        if on_done is not None:
            on_done(cid, error is None)

    _init_worker(result, fw, options)
    try:
        _dispatch(ids, workers or os.cpu_count() or 1, scheduler, shared, record)
    except KeyboardInterrupt:
        raise BatchInterrupted(outcome, len(ids), out_dir) from None
    outcome.written = dict(sorted(outcome.written.items()))
    outcome.failed = dict(sorted(outcome.failed.items()))
    return outcome


def _dispatch(ids: list[str], workers: int, scheduler, shared: bool, record) -> None:
    """Render ``ids`` (state in ``_WORKER``) here, on forked workers or on a Dask cluster."""
    from cfeval._cluster import scheduler_address

    address = scheduler if hasattr(scheduler, "submit") else scheduler_address(scheduler)
    if address is not None:
        from cfeval.report.cluster import run_on

        run_on(address, dict(_WORKER), ids, record, shared=shared)
    elif workers == 1 or len(ids) <= 1:
        for cid in ids:
            record(*_render_one(cid))
    else:
        from functools import partial

        from cfeval._procs import run_pool

        # The first report is rendered here, then the workers are forked with WeasyPrint,
        # matplotlib, Jinja2 and the fonts loaded; Ctrl-C stops them all.
        state = _WORKER
        init = partial(_init_worker, state["result"], state["framework"], state["options"])
        run_pool(_render_one, ids, workers, record, init=init)


# --------------------------------------------------------------------------- demo

DEMO_FRAMEWORK = "chengdu-community"
#: The demo's assessment date: fixed, so that the demo's PDFs are reproducible.
DEMO_DATE = dt.date(2024, 6, 1)


def pick_showcase(result, framework=None, k: int = 3, wave: str | None = None) -> list[str]:
    """Up to ``k`` communities of ``wave`` (default :func:`main_wave`) with different grades.

    Takes the highest and the lowest grade present and fills in between with the most
    common other grades; within a grade, the community with the median score (a vetoed
    one first for the lowest grade, so the veto note shows). Best grade first.
    """
    fw = framework_of(result, framework)
    wave = main_wave(result) if wave is None else wave
    latest = result.communities[result.communities["wave"].astype(str) == wave]
    order = [g.id for g in fw.scoring.grades]
    present = [g for g in order if (latest["grade"] == g).any()]
    if not present:
        return []
    chosen_grades = [present[0]] + ([present[-1]] if len(present) > 1 else [])
    middle = sorted(present[1:-1], key=lambda g: (-(latest["grade"] == g).sum(), order.index(g)))
    chosen_grades[1:1] = middle[: max(0, k - len(chosen_grades))]
    picks = []
    for g in chosen_grades:
        rows = latest[latest["grade"] == g].sort_values(["score", "community_id"])
        if g == present[-1] and rows["vetoed"].astype(bool).any():
            rows = rows[rows["vetoed"].astype(bool)]
        picks.append(str(rows.iloc[(len(rows) - 1) // 2]["community_id"]))
    return picks


@dataclass
class DemoOutcome:
    """What the demo wrote: the folder, the community reports, the comparison, failures."""

    out_dir: Path
    communities: list[str]
    batch: BatchOutcome
    comparison: Path
    #: The children's edition of one of the communities' reports.
    children: Path | None = None


def run_demo(
    out_dir: str | os.PathLike = "cfeval-demo",
    *,
    lang: str | None = None,
    workers: int | None = None,
    on_done: Callable[[str, bool], None] | None = None,
) -> DemoOutcome:
    """Score the shipped Chengdu sample data (with its proposal log) and write three
    reports, the comparison and the children's edition of one of them.

    >>> run_demo("cfeval-demo", lang="zh").comparison  # doctest: +SKIP
    PosixPath('cfeval-demo/comparison_zh.pdf')
    """
    from cfeval._paths import shipped_dir
    from cfeval.data.load import load_data
    from cfeval.framework.loader import load_framework
    from cfeval.scoring.engine import score

    lang = resolve_lang(lang)
    fw = load_framework(DEMO_FRAMEWORK)
    folder = shipped_dir("sample_data") / "chengdu"
    from cfeval.results.reliability import reliability

    data = load_data(
        fw,
        survey=folder / "survey.csv",
        audit=folder / "audit.csv",
        proposals=folder / "proposals.csv",
    )
    result = score(fw, data)
    out = Path(out_dir)
    # One wave for every demo report, so their peers and the comparison agree.
    wave = main_wave(result)
    picks = pick_showcase(result, fw, wave=wave)
    batch = render_batch(
        result,
        out,
        picks,
        framework=fw,
        lang=lang,
        date=DEMO_DATE,
        wave=wave,
        workers=workers,
        on_done=on_done,
        reliability=reliability(fw, data, n_boot=0).scales,
    )
    comparison = render_comparison(
        result, out / f"comparison_{lang}.pdf", framework=fw, lang=lang, date=DEMO_DATE, wave=wave
    )
    if on_done is not None:
        on_done("comparison", True)
    # The children's edition of a community whose children's proposals are in the log.
    logged = set(data.proposals["community_id"]) if data.proposals is not None else set()
    child = next((c for c in picks if c in logged), picks[0])
    children = render_report(
        result,
        child,
        out / report_filename(child, lang, edition="children"),
        framework=fw,
        lang=lang,
        date=DEMO_DATE,
        wave=wave,
        edition="children",
    )
    if on_done is not None:
        on_done("children", True)
    return DemoOutcome(out, picks, batch, comparison, children)
