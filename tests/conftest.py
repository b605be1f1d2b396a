"""Fixtures shared by the test folders: fake AWS settings, and a TVM in moto."""

from __future__ import annotations

import boto3
import pytest
from moto import mock_aws

from lambdas.authorizer import handler as authorizer
from lambdas.tvm import handler as tvm
from tests.lambdas.tvm_world import REGION, World, build_world


@pytest.hookimpl(tryfirst=True)  # before -m deselects
def pytest_collection_modifyitems(items):
    """Every test that uses the MariaDB server fixture is a ``mariadb`` test (``-m "not mariadb"``)."""
    for item in items:
        if "server" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.mariadb)


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
    """A TVM in moto for one test (``tests/lambdas/tvm_world.py``); the TVM and the
    authorizer forget their clients afterwards."""
    with mock_aws():
        yield build_world(monkeypatch, session=boto_session)
    tvm.reset_state()
    authorizer.reset_state()
