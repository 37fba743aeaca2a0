"""Reference norms: intervals pinned to hand-worked values and direct binomial sums,
the norms file round trip, the instrument check, and ``netsoc norms`` on a real
SQLite store, bad input included (nothing written)."""

from __future__ import annotations

import math
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from analysis.demo import make_demo
from analysis.norms import (
    norm_cdf,
    percentile_table,
    quantile_ci,
    room_over_norms,
    room_over_norms_figure,
    score_summary,
)
from netsoc.cli import main
from netsoc.report.norms import build_norms, synthetic_norms
from survey.errors import DataError, InstrumentError
from survey.instrument import load_instrument
from survey.norms import (
    SIGNIFICANT_DIGITS,
    SYNTHETIC_NOTE,
    NormsFile,
    dump_norms,
    load_norms,
    norms_for,
    norms_from_dict,
    round_significant,
    wilson_interval,
)
from survey.store import open_store

SHIPPED = Path(__file__).resolve().parents[2] / "survey" / "instruments" / "netsoc-norms.yaml"


# ------------------------------------------------------------------ intervals
def test_wilson_hand_worked_and_statsmodels() -> None:
    low, high = wilson_interval(50, 100)
    # hand-worked in survey/norms.py: 50 +- 100 * 1.959964 * sqrt(0.0025 + 0.00009604) / 1.038415
    assert low == pytest.approx(40.383, abs=1e-3) and high == pytest.approx(59.617, abs=1e-3)
    from statsmodels.stats.proportion import proportion_confint

    for k, n in [(0, 40), (3, 40), (37, 120), (600, 600)]:
        ref = proportion_confint(k, n, alpha=0.05, method="wilson")
        got = wilson_interval(100 * k / n, n)
        assert got == pytest.approx((100 * ref[0], 100 * ref[1]), abs=1e-6)


def test_quantile_ci_hand_worked_median_of_20() -> None:
    lo, hi, cov = quantile_ci(20, 0.5)
    assert (lo[0], hi[0]) == (6, 15)  # the textbook interval [X_(6), X_(15)]
    assert cov[0] == pytest.approx(0.9586, abs=5e-5)


@pytest.mark.parametrize("n", [100, 137, 600])
def test_quantile_ci_equals_direct_binomial_sums(n: int) -> None:
    """l: smallest r with P(B <= r) >= 0.025; u: smallest r with P(B <= r) >= 0.975, plus 1."""
    ps = np.arange(5, 100, 5) / 100
    lo, hi, cov = quantile_ci(n, ps)
    for p, l_, u_, c in zip(ps, lo, hi, cov):
        cdf = np.cumsum([math.comb(n, k) * p**k * (1 - p) ** (n - k) for k in range(n + 1)])
        ref_l = max(int(np.argmax(cdf >= 0.025 - 1e-12)), 1)
        ref_u = min(int(np.argmax(cdf >= 0.975 - 1e-12)) + 1, n)
        assert (l_, u_) == (ref_l, ref_u)
        assert c >= 0.95
        assert c == pytest.approx(cdf[u_ - 1] - cdf[l_ - 1], abs=1e-9)


def test_quantile_ci_bad_input() -> None:
    with pytest.raises(DataError, match="n: expected at least 1"):
        quantile_ci(0, 0.5)
    with pytest.raises(DataError, match="strictly between 0 and 1"):
        quantile_ci(10, [0.5, 1.0])


# ------------------------------------------------------------ computed norms
@pytest.fixture(scope="module")
def demo() -> pd.DataFrame:
    return make_demo(300, seed=11)


def test_percentile_table_is_type7_with_order_statistics(demo: pd.DataFrame) -> None:
    from analysis import score

    table = percentile_table(demo)
    bal = np.sort(score(demo)["balance"].dropna().to_numpy())
    rows = table[table["score"] == "balance"]
    assert list(rows["p"]) == list(range(5, 100, 5))
    n = len(bal)
    for r in rows.itertuples():
        h = (n - 1) * r.p / 100  # R type 7: x[floor(h)] + (h - floor(h)) (x[floor(h)+1] - x[floor(h)])
        f = int(math.floor(h))
        assert r.value == pytest.approx(bal[f] + (h - f) * (bal[min(f + 1, n - 1)] - bal[f]))
        lo, hi, _ = quantile_ci(n, r.p / 100)
        assert (r.low, r.high) == (bal[lo[0] - 1], bal[hi[0] - 1])
        assert r.low <= r.value <= r.high
    assert set(table["score"]) >= {
        "networking",
        "socializing",
        "balance",
        "intentionality",
        "networking_purpose",
        "socializing_context",
    }


def test_score_summary_matches_reliability_and_pandas(demo: pd.DataFrame) -> None:
    from analysis import reliability, score

    s = score_summary(demo).set_index("score")
    rel = reliability(demo)
    net = rel[(rel["scale"] == "networking") & rel["facet"].isna()].iloc[0]
    bal = rel[rel["scale"] == "balance"].iloc[0]
    assert s.loc["networking", "reliability"] == pytest.approx(net["alpha"])
    assert s.loc["networking", "omega"] == pytest.approx(net["omega_total"])
    assert s.loc["balance", "reliability"] == pytest.approx(bal["alpha"])
    assert math.isnan(s.loc["balance", "omega"])
    scores = score(demo)
    assert s.loc["balance", "mean"] == pytest.approx(scores["balance"].mean())
    assert s.loc["balance", "sd"] == pytest.approx(scores["balance"].std())
    assert s.loc["balance", "n"] == scores["balance"].notna().sum()


# -------------------------------------------------------------- the model
def _tiny_norms(**meta: object) -> NormsFile:
    pct = [
        {"p": p, "value": v, "low": v, "high": v}
        for p, v in [(5, 1.0), (10, 1.0), (15, 1.2), (20, 1.4)]
        + [(p, 1.4 + (p - 20) / 50) for p in range(25, 100, 5)]
    ]
    return norms_from_dict(
        {
            "format": "netsoc-norms/1",
            "meta": {
                "instrument_id": "netsoc",
                "instrument_version": load_instrument().version,
                "n": 100,
                "population": "test people",
                **meta,
            },
            "scores": {
                "networking": {
                    "n": 100,
                    "mean": 2.5,
                    "sd": 0.5,
                    "reliability": 0.9,
                    "min": 0.9,
                    "max": 3.5,
                    "percentiles": pct,
                }
            },
        }
    )


def test_rank_and_percentile_hand_worked() -> None:
    norms = _tiny_norms()
    # between q15 = 1.2 and q20 = 1.4: 15 + 5 * (1.3 - 1.2) / 0.2 = 17.5
    assert norms.rank("networking", 1.3) == pytest.approx(17.5)
    # tie: q5 = q10 = 1.0 -> mid-rank 7.5
    assert norms.rank("networking", 1.0) == pytest.approx(7.5)
    # between min 0.9 (0) and q5 1.0 (5): 2.5
    assert norms.rank("networking", 0.95) == pytest.approx(2.5)
    assert norms.rank("networking", 0.5) == 0.0 and norms.rank("networking", 9) == 100.0
    # q50 = 1.4 + 30/50 = 2.0 -> 50, Wilson at n = 100 (hand-worked: 40.38 .. 59.62)
    pct, low, high = norms.percentile("networking", 2.0)
    assert (
        pct == pytest.approx(50)
        and low == pytest.approx(40.383, abs=1e-3)
        and high == pytest.approx(59.617, abs=1e-3)
    )
    assert all(math.isnan(v) for v in norms.percentile("networking", float("nan")))
    with pytest.raises(DataError, match="score: 'balance' has no norms"):
        norms.percentile("balance", 0.1)


def test_describe_names_the_sample() -> None:
    norms = _tiny_norms(
        n=1240, collected_from="2026-01-05", collected_to="2026-03-30", population="career workshops"
    )
    assert norms.describe() == (
        "compared with 1,240 participants of career workshops, collected 2026-01-05 to 2026-03-30"
    )
    assert _tiny_norms(synthetic=True).describe().endswith(f" - {SYNTHETIC_NOTE}")
    assert "too small" in _tiny_norms(too_small=True).describe()


def test_file_round_trip_and_bad_files(tmp_path: Path) -> None:
    norms = _tiny_norms(synthetic=True, seed=3)
    path = tmp_path / "n.yaml"
    text = dump_norms(norms, path)
    back = load_norms(path)
    # written rounded to SIGNIFICANT_DIGITS: the same numbers to that precision, and the
    # text is a fixed point (writing what was read gives the same file)
    assert dump_norms(back) == text
    for name, score in norms.scores.items():
        assert back.scores[name].mean == pytest.approx(score.mean, rel=1e-5)
        assert [q.value for q in back.scores[name].percentiles] == pytest.approx(
            [q.value for q in score.percentiles], rel=1e-5
        )
    assert "SYNTHETIC" in path.read_text()
    (tmp_path / "bad.yaml").write_text("format: netsoc-norms/1\nmeta: {n: 3}\nscores: {}\n")
    with pytest.raises(DataError, match="not a valid norms file") as exc:
        load_norms(tmp_path / "bad.yaml")
    assert any("instrument_id" in str(p) for p in exc.value.problems)
    (tmp_path / "other.yaml").write_text("format: other\n")
    with pytest.raises(DataError, match="format: expected 'netsoc-norms/1'"):
        load_norms(tmp_path / "other.yaml")
    with pytest.raises(DataError, match="norms file not found"):
        load_norms(tmp_path / "missing.yaml")


def test_norms_for_another_instrument_version_is_refused(tmp_path: Path) -> None:
    src = Path(load_instrument().source_path)
    text = src.read_text(encoding="utf-8")
    assert "\nnorms: netsoc-norms.yaml\n" in text  # the shipped instrument points at its norms
    inst_path = tmp_path / "inst.yaml"
    inst_path.write_text(
        text.replace("\nnorms: netsoc-norms.yaml\n", "\nnorms: my-norms.yaml\n"), encoding="utf-8"
    )
    inst = load_instrument(inst_path)
    dump_norms(_tiny_norms(instrument_version="0.9.0"), tmp_path / "my-norms.yaml")
    expected = re.escape(f"expected 'netsoc' version '{inst.version}'")  # from the instrument
    with pytest.raises(
        InstrumentError, match="norms are for instrument 'netsoc' version '0.9.0'; " + expected
    ):
        norms_for(inst)
    with pytest.raises(InstrumentError):
        load_norms(tmp_path / "my-norms.yaml", inst)
    dump_norms(_tiny_norms(), tmp_path / "my-norms.yaml")
    assert norms_for(inst).n == 100
    shipped = norms_for(load_instrument())
    assert isinstance(shipped, NormsFile) and shipped.synthetic and shipped.source_path == str(SHIPPED)


def test_shipped_synthetic_norms_are_reproducible() -> None:
    shipped = load_norms(SHIPPED, load_instrument())
    assert shipped.synthetic and shipped.meta.seed == 2026 and not shipped.meta.too_small
    assert SYNTHETIC_NOTE in shipped.describe()
    assert dump_norms(synthetic_norms()) == SHIPPED.read_text(encoding="utf-8"), (
        "regenerate: python -c 'from netsoc.report.norms import synthetic_norms; from survey.norms import "
        'dump_norms; dump_norms(synthetic_norms(), "survey/instruments/netsoc-norms.yaml")\''
    )


def _perturbed(data: object, relative: float) -> object:
    """Every float of a nested structure multiplied by ``1 + relative`` (order kept)."""
    if isinstance(data, float):
        return data * (1 + relative)
    if isinstance(data, dict):
        return {key: _perturbed(item, relative) for key, item in data.items()}
    if isinstance(data, list):
        return [_perturbed(item, relative) for item in data]
    return data


def test_norms_text_does_not_depend_on_the_last_digits() -> None:
    # machines differ in the last one or two of 16 digits (BLAS kernels per CPU);
    # the written file must not: every float moved by 1e-12 relative gives the same text
    norms = synthetic_norms()
    text = dump_norms(norms)
    for relative in (1e-12, -1e-12, 3e-13):
        moved = norms_from_dict(_perturbed(norms.model_dump(mode="json"), relative))
        assert dump_norms(moved) == text
    # and the numbers are written to SIGNIFICANT_DIGITS, not 16
    assert "0.9319084976" not in text
    numbers = re.findall(r"(?<![\w.-])-?\d+\.\d+(?:e-?\d+)?", text)
    assert numbers and all(
        len(n.lstrip("-").replace(".", "").lstrip("0").split("e")[0]) <= SIGNIFICANT_DIGITS for n in numbers
    )


def test_round_significant() -> None:
    assert round_significant(0.9319084976165695) == round_significant(0.9319084976164519) == 0.931908
    assert round_significant(-1234.5678, 3) == -1230.0
    assert round_significant(0.0) == 0.0 and math.isnan(round_significant(float("nan")))


# ------------------------------------------------------------ room over norms
def test_room_over_norms_suppresses_small_bins() -> None:
    norms = load_norms(SHIPPED)
    bal = norms.scores["balance"]
    table = pd.DataFrame([q.model_dump() for q in bal.percentiles])
    room = pd.DataFrame({"balance": [0.05] * 6 + [0.31, 0.33] + [-0.5]})
    bins = room_over_norms(room, table, lower=bal.min, upper=bal.max, bins=10, min_group_size=5)
    assert bins["norm_share"].sum() == pytest.approx(1.0)
    assert bins.attrs["n_room"] == 9
    at = bins.set_index("bin_low")["room_share"]
    assert at.loc[0.0] == pytest.approx(6 / 9)  # 6 >= k: shown
    assert math.isnan(bins.loc[6, "room_share"])  # two people in 0.2..0.4: hidden
    assert math.isnan(bins.loc[2, "room_share"])  # one person at -0.5: hidden
    assert (bins.loc[~bins["suppressed"], "room_share"].fillna(0) >= 0).all()
    # norm share per bin = differences of the interpolated CDF
    cdf = norm_cdf(np.array([0.0, 0.2]), table, bal.min, bal.max)
    assert bins.loc[5, "norm_share"] == pytest.approx(cdf[1] - cdf[0])
    few = room_over_norms(room.head(3), table, lower=bal.min, upper=bal.max, min_group_size=5)
    assert few.attrs["n_room"] is None and few["room_share"].isna().all()
    fig = room_over_norms_figure(few)
    assert "room hidden" in fig.axes[0].get_title()
    with pytest.raises(DataError, match="min_group_size"):
        room_over_norms(room, table, lower=-1, upper=1, min_group_size=0)


# ------------------------------------------------------------------ the CLI
@pytest.fixture(scope="module")
def store_db(tmp_path_factory: pytest.TempPathFactory) -> str:
    db = str(tmp_path_factory.mktemp("norms") / "s.sqlite")
    data = make_demo(260, seed=5)
    data["cohort"] = np.where(np.arange(len(data)) < 60, "SMALL", "BIG")
    with open_store(db) as store:
        store.import_frame(data.drop(columns=["respondent_id"]), source="test")
    return db


def test_cli_writes_norms(store_db: str, tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    out = tmp_path / "norms.yaml"
    assert main(["norms", "--db", store_db, "--population", "demo people", "--out", str(out)]) == 0
    norms = load_norms(out, load_instrument())
    with open_store(store_db) as store:
        data = store.to_frame()
    ref = build_norms(data, population="demo people")
    assert norms.n == ref.n and norms.meta.n_excluded == ref.meta.n_excluded > 0
    for got, want in zip(
        norms.scores["balance"].percentiles, ref.scores["balance"].percentiles, strict=True
    ):  # the file holds SIGNIFICANT_DIGITS digits
        assert [got.p, got.value, got.low, got.high] == pytest.approx(
            [want.p, want.value, want.low, want.high], rel=1e-5, abs=1e-9
        )
    assert norms.meta.collected_from == pd.to_datetime(data["submitted_at"]).min().date().isoformat()
    assert "careless" in norms.meta.exclusions and norms.meta.population == "demo people"
    assert not norms.synthetic
    assert "wrote norms of" in capsys.readouterr().out


def test_cli_empty_store_writes_nothing(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    out, db = tmp_path / "norms.yaml", tmp_path / "empty.sqlite"
    open_store(str(db)).close()
    assert main(["norms", "--db", str(db), "--out", str(out)]) == 1
    assert "no submitted responses" in capsys.readouterr().err and not out.exists()


def test_cli_missing_store_is_refused_not_created(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    out, db = tmp_path / "norms.yaml", tmp_path / "typo.sqlite"
    assert main(["norms", "--db", str(db), "--out", str(out)]) == 1
    err = capsys.readouterr().err
    assert "no such store" in err and err.count("\n") == 1  # one line, no traceback
    assert not db.exists() and not out.exists()


def test_cli_below_min_n(store_db: str, tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    out = tmp_path / "norms.yaml"
    assert main(["norms", "--db", store_db, "--cohort", "SMALL", "--out", str(out)]) == 1
    err = capsys.readouterr().err
    assert "norms need at least min_n = 100" in err and err.count("\n") == 1
    assert not out.exists() and not list(tmp_path.iterdir())
    assert main(["norms", "--db", store_db, "--cohort", "SMALL", "--allow-small", "--out", str(out)]) == 0
    small = load_norms(out)
    assert small.meta.too_small and small.meta.cohort == "SMALL" and small.n < 60
    assert "too small" in small.describe()
    assert (
        main(["norms", "--db", store_db, "--cohort", "SMALL", "--min-n", "20", "--force", "--out", str(out)])
        == 0
    )
    assert not load_norms(out).meta.too_small


def test_cli_existing_output_needs_force(
    store_db: str, tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    out = tmp_path / "norms.yaml"
    out.write_text("keep me")
    assert main(["norms", "--db", store_db, "--out", str(out)]) == 1
    assert "exists; use --force" in capsys.readouterr().err
    assert out.read_text() == "keep me"


def test_build_norms_refuses_another_instrument_version() -> None:
    data = make_demo(150, seed=2)
    data["instrument_version"] = "0.9.0"
    with pytest.raises(DataError, match="instrument_version: responses of version.s. 0.9.0"):
        build_norms(data)


def test_cli_is_registered(capsys: pytest.CaptureFixture) -> None:
    with pytest.raises(SystemExit):
        main(["norms", "--help"])
    assert "--min-n" in capsys.readouterr().out
