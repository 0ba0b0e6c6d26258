"""The package surface: exports, typing marker, and the constructor's runtime signature."""

from __future__ import annotations

import inspect
import pathlib

import splants
from splants import _splants


def test_exports_and_typing_marker() -> None:
    assert splants.__version__ == _splants.__version__ == "0.1.0"
    for name in splants.__all__:
        assert hasattr(splants, name), name
    package = pathlib.Path(splants.__file__).parent
    assert (package / "py.typed").is_file()
    assert (package / "_splants.pyi").is_file()


def test_constructor_signature_matches_the_stub_and_wrapper() -> None:
    # stubtest cannot check ContentEngine.__new__ (pyo3 shows the `Some(100.0)` default as
    # `...`), so compare names, kinds and the other defaults with the public wrapper here.
    runtime = inspect.signature(_splants.ContentEngine)
    wrapper = inspect.signature(splants.ContentEngine.__init__)
    wrapper_params = [p for p in wrapper.parameters.values() if p.name != "self"]
    assert [p.name for p in runtime.parameters.values()] == [p.name for p in wrapper_params]
    for rt, py in zip(runtime.parameters.values(), wrapper_params):
        assert rt.kind is inspect.Parameter.KEYWORD_ONLY and py.kind is inspect.Parameter.KEYWORD_ONLY
        if rt.default is not Ellipsis:
            assert rt.default == py.default, rt.name
    assert wrapper.parameters["monthly_budget"].default == 100.0
    assert wrapper.parameters["database_url"].default == "memory://"
