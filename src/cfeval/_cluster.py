"""The Dask cluster a command may run on: one address policy and one way to connect.

``cfeval score --scheduler ...`` and ``cfeval report --all --scheduler ...`` (and the
library functions behind them) share this module, so the option and the environment
variable mean the same everywhere:

- an explicit address wins; otherwise ``CFEVAL_SCHEDULER``; otherwise no cluster (the
  work runs in this process, as before);
- ``tcp://host:8786`` (or ``tls://``, ``ws://``, ``wss://``, ``ucx://``, ``inproc://``) is
  an existing Dask distributed scheduler, whose workers must see the same files (shared
  storage, docs/scale.md);
- ``local`` or ``local:N`` starts a throw-away ``LocalCluster`` of N worker processes on
  this machine (default: one per core) and stops it afterwards.

Dask is imported only inside :func:`connect`: ``cfeval --help`` never pays for it.

>>> scheduler_address("tcp://10.0.0.5:8786")
'tcp://10.0.0.5:8786'
>>> with connect("local:2") as client:  # doctest: +SKIP
...     client.submit(sum, [1, 2]).result()
3
"""

from __future__ import annotations

import contextlib
import os
import re
from collections.abc import Iterator
from typing import TYPE_CHECKING

from cfeval.errors import UsageError
from cfeval.i18n import Msg

if TYPE_CHECKING:
    from distributed import Client

__all__ = ["ENV_VAR", "scheduler_address", "connect", "CONNECT_TIMEOUT"]

#: The environment variable naming the scheduler when no ``--scheduler`` is given.
ENV_VAR = "CFEVAL_SCHEDULER"
#: Seconds to wait for a scheduler before saying it cannot be reached.
CONNECT_TIMEOUT = 10.0

_REMOTE = re.compile(r"^(tcp|tls|ws|wss|ucx|inproc)://[^\s/]+(/[^\s]*)?$")
_LOCAL = re.compile(r"^local(?::(\d{1,3}))?$")


def scheduler_address(given: str | None = None) -> str | None:
    """The scheduler to use: ``given``, else ``$CFEVAL_SCHEDULER``, else None (no cluster).

    A blank value means no cluster. Anything that is neither ``local[:N]`` nor a
    ``scheme://host:port`` address is refused with a :class:`~cfeval.errors.UsageError`.
    """
    address = given if given is not None else os.environ.get(ENV_VAR)
    address = (address or "").strip()
    if not address:
        return None
    if _REMOTE.match(address):
        return address
    m = _LOCAL.match(address)
    if m and (m.group(1) is None or int(m.group(1)) > 0):
        return address
    raise UsageError(
        Msg(
            "scheduler {address!r} is not an address: give tcp://host:8786 (a running Dask "
            "scheduler) or local:N (N workers on this machine)",
            address=address,
        )
    )


@contextlib.contextmanager
def connect(address: str, timeout: float = CONNECT_TIMEOUT) -> Iterator[Client]:
    """A Dask ``Client`` on ``address`` (see :func:`scheduler_address`), closed afterwards.

    ``local[:N]`` starts a ``LocalCluster`` of N single-threaded worker processes and stops
    it on leaving. A scheduler that does not answer within ``timeout`` seconds is a
    :class:`~cfeval.errors.UsageError` (exit code 2), not a traceback.
    """
    address = scheduler_address(address) or ""
    try:
        from distributed import Client, LocalCluster
    except ImportError:  # pragma: no cover - dask[distributed] is a dependency
        raise UsageError(
            Msg("running on a cluster needs Dask: pip install 'dask[distributed]'")
        ) from None
    m = _LOCAL.match(address)
    if m:
        workers = int(m.group(1)) if m.group(1) else (os.cpu_count() or 1)
        with (
            LocalCluster(
                n_workers=workers,
                threads_per_worker=1,
                processes=True,
                dashboard_address=None,
                silence_logs=40,  # logging.ERROR: the command's own output stays readable
            ) as cluster,
            Client(cluster, timeout=timeout) as client,
        ):
            yield client
        return
    try:
        client = Client(address, timeout=timeout)
    except (OSError, TimeoutError) as exc:
        raise UsageError(
            Msg(
                "cannot reach the Dask scheduler at {address} ({error}); start it with "
                "`dask scheduler` and its workers with `dask worker {address}`",
                address=address,
                error=str(exc) or type(exc).__name__,
            )
        ) from None
    try:
        yield client
    finally:
        client.close()
