"""One error tree: every error lambdas/ raises on purpose is a PlatformError with a code and a status."""

from __future__ import annotations

import importlib
import inspect
import pkgutil

import lambdas
from lambdas.common.errors import PlatformError
from lambdas.tvm.codes import STATUS, ErrorCode
from lambdas.tvm.model import ApiError
from tests.support.imports import assert_imports_leave_out


def _exception_classes():
    for module in pkgutil.walk_packages(lambdas.__path__, "lambdas."):
        loaded = importlib.import_module(module.name)
        for name, value in vars(loaded).items():
            if inspect.isclass(value) and issubclass(value, BaseException) and value.__module__ == module.name:
                yield name, value


def test_every_exception_class_of_lambdas_derives_from_the_root():
    found = dict(_exception_classes())
    assert len(found) >= 18
    strays = sorted(name for name, cls in found.items() if not issubclass(cls, PlatformError))
    assert strays == []


def test_no_two_exception_classes_share_a_name_nor_take_a_botocore_one():
    import botocore.exceptions

    names = [name for name, _ in _exception_classes()]
    assert len(names) == len(set(names))
    assert not set(names) & set(vars(botocore.exceptions))


def test_api_errors_take_their_status_from_the_enumeration():
    for code in ErrorCode:
        error = ApiError(code, "m")
        assert (error.code, error.status) == (code, STATUS[code]) and isinstance(error, PlatformError)


def test_the_client_hints_every_tvm_code_and_imports_only_the_codes():
    from cli.tvm_credentials import HINTS, CredentialProcessError

    assert set(HINTS) == set(ErrorCode)
    assert not issubclass(CredentialProcessError, PlatformError)  # the client's own failure, not the TVM's
    assert_imports_leave_out(("lambdas.tvm.codes",), ("botocore", "pydantic"))
