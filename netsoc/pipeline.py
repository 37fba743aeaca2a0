"""The demo pipeline behind ``make demo`` / ``netsoc demo``.

Draw seeded synthetic respondents, score them, print a short summary and write
a self-contained HTML summary.  Each step reports progress through a callback.
"""

from __future__ import annotations

import base64
import html
import io
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from netsoc.resources import asset_text
from survey.schema import MIN_GROUP_SIZE

if TYPE_CHECKING:
    from survey.instrument import Instrument

__all__ = ["run_demo", "terminal_summary", "summary_html", "next_steps"]


def _balance_by_role(
    responses: pd.DataFrame, scores: pd.DataFrame, labels: dict[str, str] | None = None
) -> tuple[pd.DataFrame, list[str]]:
    """Mean balance per role, roles named in the participants' words; roles with
    fewer than MIN_GROUP_SIZE people are left out (and named in the list)."""
    from analysis.summary import group_means

    table = group_means(scores.join(responses[["role"]]), dv="balance", group="role")
    table["group"] = [(labels or {}).get(str(g), str(g)) for g in table["group"]]
    small = table["n"] < MIN_GROUP_SIZE
    return table[~small].reset_index(drop=True), table.loc[small, "group"].astype(str).tolist()


def _labelled_tables(
    responses: pd.DataFrame, scores: pd.DataFrame, instrument: Instrument | None
) -> tuple[pd.DataFrame, list[str], pd.DataFrame]:
    """The summary's two tables with the questionnaire's words instead of codes."""
    from analysis.summary import profile_counts
    from survey.instrument import load_instrument

    inst = instrument or load_instrument()
    by_role, hidden = _balance_by_role(responses, scores, inst.value_labels("role"))
    by_role = by_role.rename(
        columns={"group": "Role", "mean": "Mean", "sd": "SD", "ci_low": "CI low", "ci_high": "CI high"}
    )
    profiles = profile_counts(scores)
    names = {p.id: p.label for p in inst.profiles}
    profiles["profile"] = [names.get(str(p), str(p)) for p in profiles["profile"]]
    return by_role, hidden, profiles.rename(columns={"profile": "Profile", "share": "Share"})


def _fmt_table(df: pd.DataFrame) -> str:
    return df.to_string(index=False, float_format=lambda v: f"{v:.3f}")


def terminal_summary(
    responses: pd.DataFrame, scores: pd.DataFrame, instrument: Instrument | None = None
) -> str:
    """The text ``make demo`` prints: N, mean balance by role, profile counts."""
    by_role, hidden, profiles = _labelled_tables(responses, scores, instrument)
    lines = [
        f"N = {len(responses)} respondents ({int(scores['balance'].notna().sum())} with a balance score)",
        "",
        "Mean balance (networking - socializing, -1..1) by role, 95 % CI:",
        _fmt_table(by_role),
        *([f"(not shown, fewer than {MIN_GROUP_SIZE} respondents: {', '.join(hidden)})"] if hidden else []),
        "",
        "Profiles:",
        _fmt_table(profiles),
    ]
    return "\n".join(lines)


def _figure_png(data: pd.DataFrame) -> str:
    import matplotlib

    matplotlib.use("agg")
    import matplotlib.pyplot as plt
    import seaborn as sns

    fig, ax = plt.subplots(figsize=(7, 4), layout="constrained")
    sns.pointplot(
        data=data, y="role", x="balance", errorbar=("ci", 95), linestyle="none", ax=ax, color="#0072B2"
    )
    ax.axvline(0, color="grey", lw=1, ls="--")
    ax.set(xlabel="Balance (negative: socializing, positive: networking)", ylabel="Role")
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=110)
    plt.close(fig)
    return base64.b64encode(buf.getvalue()).decode("ascii")


def summary_html(
    responses: pd.DataFrame, scores: pd.DataFrame, *, title: str, instrument: Instrument | None = None
) -> str:
    """A self-contained HTML page with the summary tables and one figure."""
    by_role, hidden, profiles = _labelled_tables(responses, scores, instrument)
    by_role, profiles = by_role.round(3), profiles.round(3)
    labels = (instrument or _instrument()).value_labels("role")
    role = responses["role"].astype("string").map(lambda v: labels.get(v, v))
    data = scores.join(role.rename("role"))
    png = _figure_png(data[data["role"].isin(by_role["Role"])])
    note = (
        f"<p>Not shown, fewer than {MIN_GROUP_SIZE} respondents: {html.escape(', '.join(hidden))}.</p>"
        if hidden
        else ""
    )
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{html.escape(title)}</title>
<style>{asset_text("demo", "summary.css")}</style>
</head><body>
<h1>{html.escape(title)}</h1>
<p>N = {len(responses)} respondents.</p>
<h2>Mean balance by role (95&nbsp;% CI)</h2>
{by_role.to_html(index=False)}
{note}
<img alt="Mean balance by role with 95 % confidence intervals" src="data:image/png;base64,{png}">
<h2>Profiles</h2>
{profiles.to_html(index=False)}
</body></html>
"""


def _instrument() -> Instrument:
    from survey.instrument import load_instrument

    return load_instrument()


def _demo_db() -> Path:
    from survey.config import DATA_DIR

    return DATA_DIR / "demo" / "demo.sqlite"


def fresh_sqlite(path: Path) -> Path:
    """Delete a SQLite file and its WAL/SHM companions so the next open starts empty."""
    for suffix in ("", "-wal", "-shm", "-journal"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    path.parent.mkdir(parents=True, exist_ok=True)
    return path


def run_demo(
    *,
    n: int = 600,
    seed: int = 2026,
    out: Path = Path("reports"),
    db: Path | None = None,
    progress: Callable[[str], None] = lambda s: None,
) -> Path:
    """Run the demo pipeline and return the path of the HTML summary.

    The demo respondents go into a fresh, separate SQLite store (``db``) and
    are read back from it, so the main job exercises the real store.
    """
    from analysis.demo import make_demo
    from analysis.scoring import score
    from survey.instrument import load_instrument
    from survey.store import open_store

    db = Path(db) if db is not None else _demo_db()
    inst = load_instrument()
    progress(f"instrument {inst.id} {inst.version} loaded")
    drawn = make_demo(n=n, seed=seed, instrument=inst)
    progress(f"{len(drawn)} demo respondents drawn (seed {seed})")
    with open_store(fresh_sqlite(db), instrument=inst) as store:
        store.import_frame(drawn, source="demo data")
        responses = store.to_frame()
    progress(f"stored in {db} and read back ({len(responses)} responses)")
    scores = score(responses, inst)
    progress("scored")
    print(terminal_summary(responses, scores, inst), flush=True)
    out.mkdir(parents=True, exist_ok=True)
    path = out / "demo_summary.html"
    path.write_text(
        summary_html(responses, scores, title="netsoc demo summary", instrument=inst), encoding="utf-8"
    )
    progress(f"wrote {path}")
    from netsoc.report import build_report

    info = build_report(db=str(db), out=out / "report.html", seed=seed)
    print(f"full analysis report: {info['out']} (data sha256 {info['data_sha256'][:12]})", flush=True)
    return path


def next_steps(out: Path, db: Path | None) -> str:
    """What to do after the demo: the files it wrote and the commands that come next."""
    store = Path(db) if db is not None else _demo_db()
    return "\n".join(
        [
            "",
            "Next:",
            f"  open {out / 'report.html'} (the full analysis) and {out / 'demo_summary.html'}",
            "  make lab                      the notebooks: take the survey, analyse, run a workshop",
            "  make workshop COHORT=WS-TRY   a live room: phones join, the projector shows the results",
            f"  .venv/bin/netsoc report --db {store} --format docx   the report as a Word manuscript",
            "  README.md, section 'Quick start', says more about each.",
        ]
    )
