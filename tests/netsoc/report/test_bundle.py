"""Study bundle: ``netsoc export --bundle`` on a real SQLite store.

The unpacked bundle validates as a Frictionless Data Package (frictionless'
own validator), its RO-Crate loads with rocrate, the instrument's SHA-256 in
the metadata is the file's, and ``netsoc report`` on the unpacked bundle alone
gives the same data hash and the same tables as the bundled report.
"""

from __future__ import annotations

import hashlib
import json
import re
import zipfile
from pathlib import Path

import pytest

from analysis.demo import make_demo
from netsoc.cli import main
from survey.instrument import load_instrument
from survey.store import open_store

pytestmark = pytest.mark.slow

_STAMP = re.compile(r'<script type="application/json" id="netsoc-stamp">(.*?)</script>', re.S)
_TABLE = re.compile(r"<table.*?</table>", re.S)


def _stamp(html: str) -> dict:
    return json.loads(_STAMP.search(html).group(1).replace("<\\/", "</"))


@pytest.fixture(scope="module")
def store_db(tmp_path_factory: pytest.TempPathFactory) -> str:
    db = str(tmp_path_factory.mktemp("bundle-db") / "s.sqlite")
    data = make_demo(160, seed=8)
    data.loc[data.index[:3], "comment"] = ['=HYPERLINK("x")', "plain, with comma", "line\nbreak"]
    with open_store(db) as store:
        store.import_frame(data.drop(columns=["respondent_id"]), source="test")
    return db


@pytest.fixture(scope="module")
def bundle(store_db: str, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("bundle") / "study.zip"
    assert main(["export", "--db", store_db, "--bundle", str(out)]) == 0
    unpacked = out.parent / "unpacked"
    with zipfile.ZipFile(out) as zf:
        zf.extractall(unpacked)
    return unpacked


def test_bundle_contents(bundle: Path) -> None:
    names = {p.relative_to(bundle).as_posix() for p in bundle.rglob("*") if p.is_file()}
    assert names == {
        "datapackage.json",
        "ro-crate-metadata.json",
        "README.txt",
        "data/responses.csv",
        "data/codebook.csv",
        "instrument/netsoc.yaml",
        "instrument/netsoc-norms.yaml",
        "report/report.html",
        "report/02_analysis.ipynb",
    }
    header = (bundle / "data" / "responses.csv").read_text(encoding="utf-8").splitlines()[0]
    assert "respondent_id" not in header  # no ids in an archive


def test_datapackage_validates_with_frictionless(bundle: Path) -> None:
    from frictionless import Package, validate

    report = validate(str(bundle / "datapackage.json"))
    assert report.valid, report.flatten(["type", "note"])
    package = Package(str(bundle / "datapackage.json"))
    responses = package.get_resource("responses")
    fields = {f.name: f for f in responses.schema.fields}
    inst = load_instrument()
    item = inst.item_ids[0]
    assert fields[item].type == "integer"
    desc = fields[item].to_descriptor()
    assert desc["categories"] == [{"value": int(k), "label": v} for k, v in inst.value_labels(item).items()]
    assert desc["constraints"]["enum"] == [int(k) for k in inst.value_labels(item)]
    role = fields["role"].to_descriptor()
    assert [c["value"] for c in role["categories"]] == list(inst.choice_fields["role"].options)
    assert fields["submitted_at"].type == "datetime"
    assert responses.schema.missing_values == [""]
    rows = responses.read_rows()
    assert len(rows) == 160 and isinstance(rows[0][item], int)
    book = package.get_resource("codebook").read_rows()
    assert {r["variable"] for r in book} >= set(inst.item_ids)
    meta = json.loads((bundle / "datapackage.json").read_text())
    files = meta["netsoc:instrument"]["files"]
    assert files[0]["path"] == "instrument/netsoc.yaml"
    digest = hashlib.sha256((bundle / "instrument" / "netsoc.yaml").read_bytes()).hexdigest()
    shipped = hashlib.sha256(Path(inst.source_path).read_bytes()).hexdigest()
    assert files[0]["sha256"] == digest == shipped
    assert meta["netsoc:instrument"]["version"] == inst.version


def test_ro_crate_describes_the_run(bundle: Path) -> None:
    from rocrate.rocrate import ROCrate

    crate = ROCrate(str(bundle))
    run = crate.get("#analysis-run")
    assert run.type == "CreateAction" and run["startTime"] <= run["endTime"]
    objects = {e.id for e in run["object"]}
    assert {
        "data/responses.csv",
        "instrument/netsoc.yaml",
        "#parameter-seed",
        "#parameter-exclusion",
    } <= objects
    assert {e.id for e in run["result"]} == {"report/report.html", "report/02_analysis.ipynb"}
    software = run["instrument"]
    assert software["name"] == "netsoc" and software["version"]
    versions = {e["name"]: e["version"] for e in software["softwareRequirements"]}
    import pandas

    assert versions["pandas"] == pandas.__version__ and "python" in versions
    inst_file = crate.get("instrument/netsoc.yaml")
    assert (
        inst_file["sha256"]
        == hashlib.sha256((bundle / "instrument" / "netsoc.yaml").read_bytes()).hexdigest()
    )
    stamp = _stamp((bundle / "report" / "report.html").read_text(encoding="utf-8"))
    assert stamp["data_sha256"] in run["description"]
    assert crate.get("#parameter-seed")["value"] == str(stamp["seed"])


def test_report_on_the_unpacked_bundle_reproduces_it(bundle: Path, tmp_path: Path) -> None:
    again = tmp_path / "again.html"
    assert main(["report", "--data", str(bundle / "data" / "responses.csv"), "--out", str(again)]) == 0
    first = (bundle / "report" / "report.html").read_text(encoding="utf-8")
    second = again.read_text(encoding="utf-8")
    s1, s2 = _stamp(first), _stamp(second)
    assert s1["data_sha256"] == s2["data_sha256"] and s1["file_sha256"] == s2["file_sha256"]
    assert s1["n_responses"] == s2["n_responses"] == 160
    t1, t2 = _TABLE.findall(first), _TABLE.findall(second)
    assert len(t1) >= 5 and t1 == t2  # every table of numbers, identical
    # the bundled executed notebook is the one the report came from
    nb = json.loads((bundle / "report" / "02_analysis.ipynb").read_text(encoding="utf-8"))
    assert any(s1["data_sha256"] in "".join(c.get("source", "")) for c in nb["cells"])


def test_export_bundle_bad_input(store_db: str, tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    from survey.store import open_store

    out = tmp_path / "study.zip"
    with open_store(tmp_path / "empty.sqlite"):
        pass  # an existing store without responses
    assert main(["export", "--db", str(tmp_path / "empty.sqlite"), "--bundle", str(out)]) == 1
    err = capsys.readouterr().err
    assert "no responses" in err and err.count("\n") == 1 and not out.exists()
    assert main(["export", "--db", str(tmp_path / "missing.sqlite"), "--bundle", str(out)]) == 1
    assert "no such store" in capsys.readouterr().err and not out.exists()
    assert not list(tmp_path.glob("*.zip*"))
    out.write_bytes(b"keep")
    assert main(["export", "--db", store_db, "--bundle", str(out)]) == 1
    assert "exists; use --force" in capsys.readouterr().err and out.read_bytes() == b"keep"
    assert main(["export", "--db", store_db]) == 1
    assert "give one of --out FILE or --bundle ZIP" in capsys.readouterr().err
    assert main(["export", "--db", store_db, "--bundle", str(tmp_path / "x.tar")]) == 1
    assert "expected a .zip" in capsys.readouterr().err
