"""Fixtures shared by the test folders: fake AWS settings, a TVM in moto (tests/lambdas, tests/cli),
and the ``mariadb`` and ``analyzer`` markers kept true."""

from __future__ import annotations

import subprocess
import sys

import boto3
import pytest
from moto import mock_aws

from lambdas.authorizer import handler as authorizer
from lambdas.tvm import handler as tvm
from tests.support.constants import REGION
from tests.support.tvm_world import World, build_world


@pytest.hookimpl(tryfirst=True)  # before -m deselects
def pytest_collection_modifyitems(items):
    """Every test that uses the MariaDB server fixture is a ``mariadb`` test (``-m "not mariadb"``)."""
    for item in items:
        if "server" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.mariadb)


class _UnmarkedAnalyzer:
    """Stands for ``subprocess`` in preview.transports in a test without the ``analyzer`` marker."""

    def __getattr__(self, name):
        return getattr(subprocess, name)

    @staticmethod
    def Popen(*args, **kwargs):  # noqa: N802 - the name it stands for
        pytest.fail("this test starts the analyzer subprocess: mark it @pytest.mark.analyzer")


@pytest.fixture(autouse=True)
def _analyzer_tests_are_marked(request, monkeypatch):
    """A test that starts the analyzer without the marker fails (``-m "not analyzer"`` must start none)."""
    transports = sys.modules.get("preview.transports")
    if transports is not None and request.node.get_closest_marker("analyzer") is None:
        monkeypatch.setattr(transports, "subprocess", _UnmarkedAnalyzer())


@pytest.fixture
def aws_env(monkeypatch):
    """Fake credentials and a region, so no test can reach a real account."""
    for name, value in {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_SESSION_TOKEN": "testing",
        "AWS_DEFAULT_REGION": REGION,
        "AWS_REGION": REGION,
    }.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("AWS_PROFILE", raising=False)


@pytest.fixture(scope="module")
def boto_session():
    """One boto3 session per test module; its clients are made inside each test's moto."""
    return boto3.session.Session(region_name=REGION)


@pytest.fixture
def tvm_world(aws_env, monkeypatch, boto_session) -> World:
    """A TVM in moto for one test (``tests/support/tvm_world.py``); the TVM and the
    authorizer forget their clients afterwards."""
    with mock_aws():
        yield build_world(monkeypatch, session=boto_session)
    tvm.reset_state()
    authorizer.reset_state()
