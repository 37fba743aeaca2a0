"""Every model of the report is fitted once and reused across its sections (issue 33
point 3): the ML CFA (the fit table, the structure note, the ML-WLSMV comparison and the
methods), every invariance ladder (its table, the note, the methods) and the reliability
(its table, the intercorrelations, the methods) come from one call each."""

from __future__ import annotations

import functools

import pandas as pd

import analysis
import analysis.psychometrics
import analysis.structure
from analysis.demo import make_demo
from netsoc.report import build_report

FITS = {
    analysis.structure: ("cfa", "invariance"),
    analysis.psychometrics: ("reliability",),
    analysis: ("omega_categorical",),
}


def _key(value: object) -> object:
    if isinstance(value, pd.DataFrame):
        return (tuple(value.columns), int(pd.util.hash_pandas_object(value, index=False).sum()))
    return repr(value)


def test_each_model_is_fitted_once_per_report(tmp_path, monkeypatch):
    calls: list[tuple] = []

    def recorded(name, fn):
        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            calls.append((name, *map(_key, args), *sorted((k, _key(v)) for k, v in kwargs.items())))
            return fn(*args, **kwargs)

        return wrapper

    for module, names in FITS.items():
        for name in names:
            monkeypatch.setattr(module, name, recorded(name, getattr(module, name)))
    data = tmp_path / "r.csv"
    make_demo(n=400, seed=5).to_csv(data, index=False)
    build_report(data=data, out=tmp_path / "r.html", engine="inprocess")
    names = [c[0] for c in calls]
    assert names.count("cfa") == 2, names  # ML (FIML) and WLSMV: two models
    assert "invariance" in names and "reliability" in names and "omega_categorical" in names
    repeated = [c[0] for c in calls if calls.count(c) > 1]
    assert not repeated, f"fitted again with the same data and options: {sorted(set(repeated))}"
