"""What every command shares: the framework argument, ``--lang``, the data options, output.

The data options (``--survey``, ``--audit``, ``--mapping``, ``--sheet``) are one set used
by every command that reads data, so a mapping file that works for ``check`` works for
``score`` and ``report``. Help texts are English message ids (translated when shown, see
:mod:`cfeval.cli.language`); messages go through :func:`cfeval.cli.language.cli_words`.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from cfeval._io import atomic_write
from cfeval.cli.language import check_lang_option, cli_words
from cfeval.errors import UsageError
from cfeval.i18n import N_

if TYPE_CHECKING:
    from cfeval.framework.model import Framework

__all__ = [
    "AuditOpt",
    "CityOpt",
    "CommunityOpt",
    "DistrictOpt",
    "chosen_communities",
    "FrameworkArg",
    "LangOpt",
    "MappingOpt",
    "ProposalsOpt",
    "SchedulerOpt",
    "SheetOpt",
    "SurveyOpt",
    "console",
    "read_data",
    "write_text",
]

FrameworkArg = Annotated[
    str,
    typer.Argument(
        metavar="FRAMEWORK",
        help=N_("A shipped framework id (see `cfeval frameworks`) or a framework YAML file."),
        show_default=False,
    ),
]
#: ``--lang`` of every command (and of ``cfeval`` itself): one policy, see cfeval.cli.language.
LangOpt = Annotated[
    str | None,
    typer.Option(
        "--lang",
        metavar="zh|en",
        callback=check_lang_option,
        help=N_("Language of messages and reports: zh or en (default: from the locale)."),
    ),
]
SurveyOpt = Annotated[
    list[Path] | None,
    typer.Option(
        "--survey",
        metavar="FILE",
        help=N_("Survey file (CSV, XLSX, Parquet); repeat for several."),
    ),
]
AuditOpt = Annotated[
    Path | None,
    typer.Option("--audit", metavar="FILE", help=N_("Audit file (CSV, XLSX, Parquet).")),
]
ProposalsOpt = Annotated[
    Path | None,
    typer.Option(
        "--proposals",
        metavar="FILE",
        help=N_(
            "Children's proposal log (CSV, XLSX; see `cfeval template --proposals`): checked "
            "row by row, and used by the framework's proposal_log indicators."
        ),
    ),
]
# Given once, a mapping serves every file; given once per --survey, the n-th mapping goes
# with the n-th survey file; any other count is refused (cfeval.data.load.pair_mappings).
MappingOpt = Annotated[
    list[Path] | None,
    typer.Option(
        "--mapping",
        metavar="FILE",
        help=N_(
            "YAML mapping of headers/texts to item ids and codes: once for every file, or "
            "once per --survey in the same order."
        ),
    ),
]
SheetOpt = Annotated[
    str | None,
    typer.Option(
        "--sheet",
        metavar="NAME",
        help=N_(
            "XLSX sheet name (default: the only data sheet, else the one named like the data)."
        ),
    ),
]


SmallGroupsOpt = Annotated[
    bool,
    typer.Option(
        "--show-small-groups",
        help=N_(
            "Show results of respondent groups below their min_n (marked insufficient); "
            "by default they are left out of every output."
        ),
    ),
]


#: ``--scheduler`` of the commands that can run on a Dask cluster (``score``, ``report
#: --all``); the address policy (``$CFEVAL_SCHEDULER``, ``local:N``) is cfeval._cluster's.
SchedulerOpt = Annotated[
    str | None,
    typer.Option(
        "--scheduler",
        metavar="ADDRESS",
        help=N_(
            "Run on a Dask cluster: tcp://host:8786 (workers must see the same files) or "
            "local:N (N worker processes here). Default: $CFEVAL_SCHEDULER, else this process."
        ),
    ),
]
CityOpt = Annotated[
    list[str] | None,
    typer.Option("--city", metavar="NAME", help=N_("Only communities of this city (repeatable).")),
]
DistrictOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--district", metavar="NAME", help=N_("Only communities of this district (repeatable).")
    ),
]
CommunityOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--community",
        metavar="ID|NAME",
        help=N_("A community by id or name (repeatable); near misses get suggestions."),
    ),
]


def chosen_communities(result, city, district, community) -> list[str]:
    """The ids that ``--city``/``--district``/``--community`` choose (all without them)."""
    from cfeval.results.selection import select_communities

    return select_communities(result.communities, city=city, district=district, community=community)


def read_data(fw: Framework, survey, audit, mapping, sheet, proposals=None):
    """The data options read into a Dataset; at least one of --survey / --audit is needed."""
    if not survey and audit is None:
        w = cli_words()
        raise UsageError(w("give the data: --survey FILE and/or --audit FILE"))
    from cfeval.data.load import load_data

    return load_data(
        fw, survey=survey or None, audit=audit, mapping=mapping, sheet=sheet, proposals=proposals
    )


def console():
    """A rich console that leaves the text as it is (no guessed highlighting)."""
    from rich.console import Console

    return Console(highlight=False)


def write_text(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` atomically; a missing folder is the user's mistake."""
    folder = path.parent if str(path.parent) else Path(".")
    if not folder.is_dir():
        w = cli_words()
        raise UsageError(
            w("cannot write {path}: folder {folder} does not exist", path=path, folder=folder)
        )
    atomic_write(path, text)
