"""``template``: write the whole field kit of a framework into one folder.

Everything is written into a temporary folder beside the target first and moved in only
when every file succeeded, so a failed run (a character the font cannot draw, a full disk)
leaves no half kit behind.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

from cfeval.collect.audit import Community, write_audit_workbook
from cfeval.collect.common import survey_groups
from cfeval.collect.entry import write_entry_workbook
from cfeval.collect.paper import write_questionnaire
from cfeval.collect.proposals import wants_proposal_log, write_proposal_template
from cfeval.collect.textform import write_text_form
from cfeval.collect.xlsform import audit_form, survey_form, write_xlsform
from cfeval.errors import UsageError
from cfeval.i18n import resolve_lang

if TYPE_CHECKING:
    from cfeval.framework.model import Framework

__all__ = ["template", "kit_communities"]


def kit_communities(
    fw: Framework, communities: list[str] | None = None, audit: str | Path | None = None
) -> list[Community]:
    """The communities to pre-fill: an existing audit file's rows, then ``communities``.

    Only who a community is (id, wave, name, city, district) is taken from the audit file,
    never its answers. Ids are normalised as the data stage normalises them.
    """
    from cfeval.data.mapping import norm_id

    out: list[Community] = []
    seen: set[tuple[str, str]] = set()
    if audit is not None:
        from cfeval.data.load import read_audit

        frame, _ = read_audit(fw, audit)
        if frame.empty:
            raise UsageError(f"{audit}: no community could be read from this audit file")
        for row in frame.itertuples(index=False):
            com = Community(
                row.community_id,
                str(row.wave),
                *(_text(getattr(row, c, None)) for c in ("name", "city", "district")),
            )
            if (com.community_id, com.wave) not in seen:
                seen.add((com.community_id, com.wave))
                out.append(com)
    for raw in communities or []:
        cid = norm_id(raw)
        if not cid:
            raise UsageError(f"--community {raw!r}: a community id cannot be blank")
        if not any(c.community_id == cid for c in out):
            seen.add((cid, "1"))
            out.append(Community(cid))
    return out


def _text(value) -> str | None:
    if value is None or (isinstance(value, float) and value != value):
        return None
    return str(value)


def template(
    framework: Framework | str | Path,
    out_dir: str | Path,
    lang: str | None = None,
    communities: list[str] | None = None,
    audit: str | Path | None = None,
    only_proposals: bool = False,
) -> list[Path]:
    """Write the field kit of ``framework`` into ``out_dir``; returns the files written.

    Per respondent group: ``questionnaire_<group>.pdf`` (printable), ``entry_<group>.xlsx``
    (typing in paper answers), ``xlsform_<group>.xlsx`` (KoboToolbox / ODK Collect),
    ``text_<group>.txt`` and ``text_<group>_mapping.yaml`` (online platforms' text import
    and their export read back); once: ``audit.xlsx`` (the audit workbook) and
    ``xlsform_audit.xlsx``. ``communities`` ids and the communities of an existing ``audit``
    file pre-fill the audit workbook and become drop-downs elsewhere.

    >>> template("chengdu-community", "kit", lang="zh", communities=["CD-JJ-001"])  # doctest: +SKIP
    """
    from cfeval.framework.loader import load_framework
    from cfeval.framework.model import Framework

    fw = framework if isinstance(framework, Framework) else load_framework(framework)
    lang = resolve_lang(lang)
    rows = kit_communities(fw, communities, audit)
    ids = list(dict.fromkeys(c.community_id for c in rows)) or None
    out_dir = Path(out_dir)
    if out_dir.exists() and not out_dir.is_dir():
        raise UsageError(f"{out_dir} exists and is not a folder")
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.", dir=out_dir.parent))
    try:
        if only_proposals:
            names = [p.name for p in write_proposal_template(fw, staging, lang, ids)]
        else:
            names = _write_all(fw, staging, lang, rows, ids)
        out_dir.mkdir(exist_ok=True)
        written = []
        for name in names:
            os.replace(staging / name, out_dir / name)
            written.append(out_dir / name)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return written


def _write_all(fw, folder: Path, lang: str, rows: list[Community], ids) -> list[str]:
    paths: list[Path] = []
    groups = survey_groups(fw)
    # The PDFs first: a character the font cannot draw is the likeliest failure.
    for group in groups:
        paths.append(write_questionnaire(fw, group, folder / f"questionnaire_{group}.pdf", lang))
    paths.append(write_audit_workbook(fw, folder / "audit.xlsx", lang, rows))
    paths.append(
        write_xlsform(fw, audit_form(fw, ids), "audit", folder / "xlsform_audit.xlsx", lang)
    )
    for group in groups:
        paths.append(write_entry_workbook(fw, group, folder / f"entry_{group}.xlsx", lang, ids))
        form = survey_form(fw, group, ids)
        paths.append(write_xlsform(fw, form, group, folder / f"xlsform_{group}.xlsx", lang))
        paths += write_text_form(fw, group, folder, lang, ids)
    if wants_proposal_log(fw):
        paths += write_proposal_template(fw, folder, lang, ids)
    return [p.name for p in paths]
