"""cfeval._cluster: one scheduler-address policy (option, then $CFEVAL_SCHEDULER) and
one way to connect, shared by `score` and `report --all`."""

from __future__ import annotations

import pytest

from cfeval._cluster import ENV_VAR, connect, scheduler_address
from cfeval.errors import UsageError


def test_given_address_wins_over_the_environment(monkeypatch):
    monkeypatch.setenv(ENV_VAR, "tcp://env-host:8786")
    assert scheduler_address("tcp://given:8786") == "tcp://given:8786"
    assert scheduler_address(None) == "tcp://env-host:8786"


def test_no_address_means_no_cluster(monkeypatch):
    monkeypatch.delenv(ENV_VAR, raising=False)
    assert scheduler_address(None) is None
    monkeypatch.setenv(ENV_VAR, "  ")
    assert scheduler_address(None) is None
    # An explicit blank switches a cluster named in the environment off.
    monkeypatch.setenv(ENV_VAR, "tcp://env-host:8786")
    assert scheduler_address("") is None


@pytest.mark.parametrize("address", ["local", "local:4", "tls://a.b:9000", "inproc://x/1"])
def test_accepted_addresses(address):
    assert scheduler_address(address) == address


@pytest.mark.parametrize("address", ["host:8786", "local:0", "http://x:1", "tcp://a b", "lokal"])
def test_refused_addresses_are_usage_errors(address):
    with pytest.raises(UsageError, match="not an address") as err:
        scheduler_address(address)
    assert err.value.exit_code == 2
    assert "调度器" in err.value.text("zh")


def test_unreachable_scheduler_is_a_usage_error():
    with (
        pytest.raises(UsageError, match="cannot reach the Dask scheduler"),
        connect("tcp://127.0.0.1:9", timeout=1),
    ):
        pass


def test_local_cluster_runs_a_task():
    with connect("local:1", timeout=30) as client:
        assert client.submit(sum, [1, 2, 3]).result(timeout=30) == 6
        assert len(client.scheduler_info()["workers"]) == 1
