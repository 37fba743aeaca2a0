"""netsoc.provenance: hashes and versions for a result's stamp."""

from __future__ import annotations

import hashlib
import re

import pandas as pd

from analysis.demo import make_demo
from netsoc.provenance import canonical_lines, data_hash, file_hash, netsoc_version, package_versions


def test_data_hash_ignores_order_ids_and_format(instrument):
    data = make_demo(n=40, seed=5)
    digest = data_hash(data, instrument)
    assert re.fullmatch(r"[0-9a-f]{64}", digest)
    assert data_hash(data.sample(frac=1, random_state=1), instrument) == digest
    renamed = data.assign(respondent_id=[f"X{i}" for i in range(len(data))])
    assert data_hash(renamed, instrument) == digest
    item = instrument.item_ids[0]
    as_text = data.assign(
        **{item: data[item].astype("object").map(lambda v: None if pd.isna(v) else str(int(v)))}
    )
    assert data_hash(as_text, instrument) == digest  # "3" and 3 are the same answer


def test_data_hash_changes_with_one_answer(instrument):
    data = make_demo(n=40, seed=5)
    item = instrument.item_ids[0]
    lo, hi = instrument.response_range(item)
    changed = data.copy()
    first = changed.index[changed[item].notna()][0]
    changed.loc[first, item] = lo if changed.loc[first, item] != lo else hi
    assert data_hash(changed, instrument) != data_hash(data, instrument)


def test_canonical_lines_header_and_sorting(instrument):
    lines = canonical_lines(make_demo(n=10, seed=2), instrument)
    assert "respondent_id" not in lines[0].split(",")
    assert lines[1:] == sorted(lines[1:]) and len(lines) == 11


def test_file_hash(tmp_path):
    path = tmp_path / "x.bin"
    payload = bytes(range(256)) * 5000  # more than one block
    path.write_bytes(payload)
    assert file_hash(path) == hashlib.sha256(payload).hexdigest()


def test_versions():
    versions = package_versions()
    assert {"python", "netsoc", "pandas", "numpy"} <= set(versions)
    assert package_versions(["surely-not-a-package-xyz"])["surely-not-a-package-xyz"] == "not installed"
    assert netsoc_version() == versions["netsoc"]
