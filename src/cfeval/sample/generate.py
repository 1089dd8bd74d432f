"""Reproducible synthetic survey and audit data for any framework.

Every record made here is invented: fictional communities in two real cities, respondents
that are only ids. The generator reads what the framework declares (respondent groups,
scales, audit fields, indicators, rules) so the same code serves every framework.

How people and places are drawn is in :mod:`cfeval.sample.draw` (skipped answers,
"don't know" codes, post-stratification weights and a second wave for some communities
included); the deliberately broken rows in :mod:`cfeval.sample.imperfections` (see
:data:`BROKEN_CODES`); the 问卷星 export in :mod:`cfeval.sample.wjx`. This module puts
them together and writes the files.

``cfeval sample --out sample_data --seed 2024`` (over :func:`write_sample`) regenerates every
file, byte for byte.
"""

from __future__ import annotations

import datetime
import io
import zlib
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cfeval._io import atomic_write, deterministic_zip
from cfeval._safety import csv_text, xlsx_value
from cfeval.sample.draw import (
    DEFAULT_SEED,
    Community,
    Sample,
    communities,
    draw_attainments,
    draw_audit,
    draw_survey,
    items_for,
    questionnaire,
)
from cfeval.sample.imperfections import BROKEN_CODES, add_imperfections
from cfeval.sample.proposal_log import draw_proposals
from cfeval.sample.wjx import wjx_text_export

if TYPE_CHECKING:
    import pandas as pd

    from cfeval.framework.model import Framework

__all__ = [
    "DEFAULT_SEED",
    "BROKEN_CODES",
    "Community",
    "Sample",
    "communities",
    "items_for",
    "questionnaire",
    "build",
    "generate",
    "wjx_text_export",
    "write_sample",
]

# Fixed time for xlsx metadata and zip entries: files must not depend on when they were made.
_FIXED_TIME = (2024, 1, 1, 0, 0, 0)
_FIXED_ISO = "2024-01-01T00:00:00Z"


def generate(
    framework: Framework, seed: int = DEFAULT_SEED, *, broken: bool = True, per_district: int = 3
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Synthetic ``(survey, audit)`` frames for ``framework``, fully determined by ``seed``.

    Columns follow docs/architecture.md: survey ``community_id, wave, respondent,
    respondent_id, weight, city, district, age, gender`` then every item id; audit
    ``community_id, wave, name, city, district`` then every field id (booleans as 1/0).
    ``broken=False`` leaves out the deliberately broken rows and the blank audit cell;
    ``per_district`` communities in each of the eight districts (3: the shipped 24).

    >>> survey, audit = generate(fw, seed=7)  # doctest: +SKIP
    """
    sample = build(framework, seed, broken=broken, per_district=per_district)
    return sample.survey, sample.audit


def build(
    framework: Framework, seed: int = DEFAULT_SEED, *, broken: bool = True, per_district: int = 3
) -> Sample:
    """Like :func:`generate`, but also returns the communities and the injected problems."""
    import numpy as np

    comms = communities(seed, per_district)
    # Each framework gets its own stream; crc32 (not hash()) keeps it stable across runs.
    rng = np.random.default_rng([seed, zlib.crc32(framework.id.encode("utf-8"))])
    att = draw_attainments(framework, comms, rng)
    survey = draw_survey(framework, comms, att, rng)
    audit = draw_audit(framework, comms, att, rng)
    sample = Sample(survey=survey, audit=audit, communities=comms, seed=seed)
    if broken:
        add_imperfections(framework, sample)
    return sample


# --------------------------------------------------------------------------- writers


# What the framework's labels cannot tell the reader about the 问卷星 export (cfeval.data.mapping).
_WJX_MAPPING = """\
# Mapping for wjx_text_export.xlsx (read it with this file as the mapping).
# Headers and option texts match the framework's own labels; the one thing the export
# cannot say is who answered: every row is a child.
respondent: child
"""


def _csv_bytes(df: pd.DataFrame) -> bytes:
    # %.10g: weights print as 1.25 and whole numbers as 65, never 65.0 or 1.2500000001
    text = csv_text(df, index=False, lineterminator="\n", float_format="%.10g")
    return text.encode("utf-8")


def _cell(v: Any) -> Any:
    import numpy as np
    import pandas as pd

    if v is None or (not isinstance(v, str) and pd.isna(v)):
        return None
    if isinstance(v, np.integer):
        return int(v)
    if isinstance(v, np.floating):
        return float(v)
    return v


def _xlsx_bytes(df: pd.DataFrame, sheet: str) -> bytes:
    """An xlsx file whose bytes depend only on ``df``: fixed metadata and zip entry times."""
    from openpyxl import Workbook

    wb = Workbook(write_only=True)
    wb.properties.creator = "cfeval.sample"
    wb.properties.created = wb.properties.modified = datetime.datetime(*_FIXED_TIME)
    ws = wb.create_sheet(sheet)
    ws.append([xlsx_value(ws, str(c)) for c in df.columns])
    for row in df.itertuples(index=False, name=None):
        ws.append([xlsx_value(ws, _cell(v)) for v in row])
    buf = io.BytesIO()
    wb.save(buf)
    return deterministic_zip(
        buf.getvalue(),
        date_time=_FIXED_TIME,
        doc_date=_FIXED_ISO,
        doc_fields=("modified",),
        mode=0o644,
    )


def _folder(fw: Framework, taken: set[str]) -> str:
    short = fw.id.split("-")[0]
    return fw.id if short in taken else short


def write_sample(
    frameworks: list[Framework], out: str | Path, seed: int = DEFAULT_SEED
) -> list[Path]:
    """Write survey/audit CSV and XLSX per framework into ``out/<short id>/`` and a README.

    The 问卷星 export is made for the framework whose folder is ``chengdu`` (else the first).
    Returns the written paths. Every file is written atomically and is byte-reproducible.
    """
    out = Path(out)
    written: list[Path] = []
    sections = []
    taken: set[str] = set()
    folders = []
    for fw in frameworks:
        folders.append(_folder(fw, taken))
        taken.add(folders[-1])
    wjx_folder = "chengdu" if "chengdu" in folders else folders[0]
    for fw, folder in zip(frameworks, folders, strict=True):
        sample = build(fw, seed)
        files = {
            "survey.csv": _csv_bytes(sample.survey),
            "survey.xlsx": _xlsx_bytes(sample.survey, "survey"),
            "audit.csv": _csv_bytes(sample.audit),
            "audit.xlsx": _xlsx_bytes(sample.audit, "audit"),
        }
        log = draw_proposals(fw, sample)
        if log is not None:
            files["proposals.csv"] = _csv_bytes(log)
            files["proposals.xlsx"] = _xlsx_bytes(log, "proposals")
        if folder == wjx_folder:
            files["wjx_text_export.xlsx"] = _xlsx_bytes(wjx_text_export(fw, sample), "Sheet1")
            files["wjx_mapping.yaml"] = _WJX_MAPPING.encode("utf-8")
        for name, data in files.items():
            path = out / folder / name
            atomic_write(path, data)
            written.append(path)
        sizes = {name: len(data) for name, data in files.items()}
        sections.append((fw, folder, sample, sizes, 0 if log is None else len(log)))
    readme = out / "README.md"
    atomic_write(readme, _readme(sections, seed).encode("utf-8"))
    written.append(readme)
    return written


# The fixed part of sample_data/README.md: what the data are and how they were made.
_README_HEAD = (
    "# Sample data (synthetic)",
    "",
    "**Every record in this folder is synthetic.** The communities are fictional (the",
    "districts are real place names, the community names and ids are invented) and no",
    "real person is behind any row: respondents are ids only, with no names or phone",
    "numbers. Use these files to try cfeval, never as evidence about a real place.",
    "",
    "## How it was made",
    "",
    "`src/cfeval/sample.py` reads the framework (respondent groups, scales, audit fields,",
    "indicators and their rules) and draws, with `numpy.random.default_rng` and a fixed seed:",
    "",
    "- 24 communities, 12 in 成都 and 12 in 杭州, three per district, each with a latent",
    "  quality between about 0.47 and 0.90 (evenly spread, then shuffled) so that every",
    "  grade occurs; 4 communities per city also have a second wave (`wave` 2) with a",
    "  mild improvement (+0.03 to +0.08).",
    "- every indicator of a community deviates from that quality by a lasting normal",
    "  amount (sd 0.12), giving each community strengths and weaknesses;",
    "- survey answers: attainment + respondent effect (sd 0.12) + answer noise (sd 0.16),",
    "  rounded to the nearest scale step (ordered-probit-like); reverse-worded items are",
    "  answered reversed; children answer a little more kindly than parents. Each group",
    "  answers its own questionnaire: the items the framework asks of it (an item's",
    "  `respondents`, default every group of its indicator). Per community",
    "  and wave 32-58 children, 21-39 parents and 3-6 staff (groups the framework declares).",
    "- imperfections: about 2% skipped answers (blank), 5% of respondents who break off",
    "  and skip half, about 3% \"don't know\" (the scale's missing code), post-stratification",
    "  `weight`s to equal gender × age cells, trimmed to 0.5-2 (staff: 1).",
    "- audit values are drawn so that the rule reading them gives about the same",
    "  attainment; booleans are 1/0, numbers plain, categories their value.",
    "",
    "## Deliberate problems",
    "",
    "So that `cfeval check` has something to show. Rows are spreadsheet rows (header = 1);",
    "survey problems show up as data-report codes, the audit ones as indicator or",
    "community status in the scores.",
    "",
)


def _readme(sections, seed: int) -> str:
    total = sum(sum(sizes.values()) for _, _, _, sizes, _ in sections)
    lines = list(_README_HEAD)
    for fw, folder, sample, _, _ in sections:
        lines += [
            f"`{folder}/` ({fw.id} {fw.version}):",
            "",
            "| file | row | column | value | shows up as | what |",
            "| --- | --- | --- | --- | --- | --- |",
        ]
        for p in sample.injected:
            lines.append(
                f"| {p['file']} | {p['row']} | {p['column']} | {p['value']} | {p['code']} | {p['what']} |"
            )
        lines.append("")
    lines += [
        '`chengdu/wjx_text_export.xlsx` is a 问卷星-style "按选项文本" export of the child',
        "survey of three Chengdu communities (wave 1): system columns 序号, 提交答卷时间, 所用时间,",
        "来源, 来源详情; questions headed `N、<question text>`; the scale's option text in the cells,",
        "skips as `(跳过)`. It has no respondent column: every row is a child, which",
        "`chengdu/wjx_mapping.yaml` (`respondent: child`) tells the reader.",
        "",
        "`proposals.csv`/`.xlsx` (for a framework with a `proposals:` section) is the children's",
        "proposal log of the 成都 communities (the 杭州 ones keep none, so their",
        "observation-group indicators come from the audit sheet): per community and wave about",
        "as many proposals as the audit records, answered and reported back at about the",
        "audit's rate, in invented children's words; `raised_by` names a group, never a child.",
        "Read it with `--proposals`.",
        "",
        "## Regenerate",
        "",
        "```",
        f"cfeval sample --out sample_data --seed {seed}",
        "```",
        "",
        "The output is byte-for-byte identical on every run (fixed seed, fixed float format,",
        "`\\n` line ends, xlsx written with fixed metadata and zip times); `tests/test_sample.py`",
        "checks it. Change a framework and the files must be regenerated.",
        "",
        "## Files",
        "",
        "| file | rows | bytes |",
        "| --- | --- | --- |",
    ]
    for _, folder, sample, sizes, n_log in sections:
        for name, size in sizes.items():
            rows = {"survey": len(sample.survey), "audit": len(sample.audit), "proposals": n_log}
            rows = rows.get(name.split(".")[0], "")
            lines.append(f"| {folder}/{name} | {rows} | {size:,} |")
    lines += ["", f"Total: {total:,} bytes.", ""]
    return "\n".join(lines)


def _load(ref: str | Path) -> Framework:
    from cfeval.framework.loader import load_framework

    return load_framework(ref)


def _shipped() -> list[Framework]:
    from cfeval._paths import shipped_dir

    return [_load(p) for p in sorted(shipped_dir("frameworks").glob("*.yaml"))]
