"""A self-describing study bundle (``netsoc export --bundle study.zip``).

The zip holds, at its top level::

    datapackage.json          Frictionless Data Package: responses + codebook,
                              table schema with types, value labels
                              (``categories``), missing values; instrument SHA-256
    ro-crate-metadata.json    RO-Crate 1.1: the files, the software and package
                              versions, the run's parameters and times
    README.txt                what is where, how to reproduce
    data/responses.csv        submitted responses (no respondent ids)
    data/codebook.csv         one row per variable (Instrument.codebook)
    instrument/<file>.yaml    the questionnaire (and the norms file it names)
    report/report.html        the analysis report (netsoc report)
    report/02_analysis.ipynb  the executed analysis notebook

``netsoc report --data data/responses.csv`` on the unpacked bundle gives
the same data hash and the same numbers.  :func:`build_bundle` checks the
Data Package with frictionless before anything is written, writes the zip to
a temporary name and renames it, so a failure leaves nothing behind.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import tempfile
import zipfile
from pathlib import Path
from typing import Any

import pandas as pd

from netsoc.report.datapackage import DATETIME_FORMAT, table_schema, write_datapackage
from netsoc.report.inputs import sha256_file
from survey.codebook import codebook
from survey.errors import DataError
from survey.instrument import Instrument, load_instrument

__all__ = ["build_bundle", "table_schema", "DATETIME_FORMAT"]


def _ro_crate(
    stage: Path,
    final: Path,
    *,
    instrument: Instrument,
    info: dict[str, Any],
    instrument_files: dict[str, str],
    started: str,
    ended: str,
) -> None:
    from rocrate.rocrate import ROCrate

    crate = ROCrate()
    crate.name = f"{instrument.title}: study bundle"
    crate.description = (
        "Responses, codebook, instrument, executed analysis notebook and report of one netsoc analysis run."
    )
    crate.root_dataset["datePublished"] = ended
    crate.root_dataset["license"] = "https://creativecommons.org/licenses/by/4.0/"
    files = _crate_files(crate, stage, instrument, instrument_files)
    crate.add_action(
        _crate_software(crate, info),
        identifier="#analysis-run",
        object=[files["responses"], *files["instrument"], *_crate_parameters(crate, info)],
        result=[files["report"], files["notebook"]],
        properties={
            "name": "netsoc report: analysis of the responses",
            "startTime": started,
            "endTime": ended,
            "description": (
                f"data sha256 {info['data_sha256']}; {info['n_responses']} responses; seed {info['seed']}"
            ),
        },
    )
    for e in (files["codebook"], files["package"], files["readme"]):
        e["about"] = files["responses"]
    crate.write(final)


def _crate_files(crate: Any, stage: Path, instrument: Instrument, instrument_files: dict[str, str]) -> dict:
    """Every file of the bundle as a crate entity with its size and sha256 (instrument files a list)."""

    def add(rel: str, name: str, fmt: str, **props: Any):
        src = stage / rel
        return crate.add_file(
            src,
            dest_path=rel,
            properties={
                "name": name,
                "encodingFormat": fmt,
                "contentSize": str(src.stat().st_size),
                "sha256": sha256_file(src),
                **props,
            },
        )

    spec = "https://specs.frictionlessdata.io/"
    return {
        "responses": add(
            "data/responses.csv", "Responses", "text/csv", conformsTo={"@id": spec + "tabular-data-resource/"}
        ),
        "codebook": add("data/codebook.csv", "Codebook", "text/csv"),
        "package": add(
            "datapackage.json",
            "Frictionless Data Package",
            "application/json",
            conformsTo={"@id": spec + "data-package/"},
        ),
        "readme": add("README.txt", "How to read and reproduce this bundle", "text/plain"),
        "instrument": [
            add(rel, f"Instrument file {Path(rel).name}", "application/yaml", version=instrument.version)
            for rel in instrument_files
        ],
        "report": add("report/report.html", "Analysis report", "text/html"),
        "notebook": add("report/02_analysis.ipynb", "Executed analysis notebook", "application/x-ipynb+json"),
    }


def _crate_software(crate: Any, info: dict[str, Any]) -> Any:
    """netsoc as the run's instrument, with every package it ran on as a requirement."""
    from rocrate.model.contextentity import ContextEntity

    packages = info.get("packages", {})
    deps = [
        crate.add(
            ContextEntity(
                crate,
                f"#software-{name}",
                properties={"@type": "SoftwareApplication", "name": name, "version": ver},
            )
        )
        for name, ver in sorted(packages.items())
        if name != "netsoc"
    ]
    properties = {
        "@type": "SoftwareApplication",
        "name": "netsoc",
        "version": packages.get("netsoc", info.get("software", "")),
        "description": "Networking vs socializing survey toolkit",
        "softwareRequirements": deps,
    }
    return crate.add(ContextEntity(crate, "#netsoc", properties=properties))


def _crate_parameters(crate: Any, info: dict[str, Any]) -> list[Any]:
    """The report's parameters as property values."""
    from rocrate.model.contextentity import ContextEntity

    return [
        crate.add(
            ContextEntity(
                crate,
                f"#parameter-{k}",
                properties={
                    "@type": "PropertyValue",
                    "name": k,
                    "value": json.dumps(v) if not isinstance(v, str) else v,
                },
            )
        )
        for k, v in sorted(info.get("parameters", {}).items())
    ]


_README = """netsoc study bundle
====================

{title} ({inst_id} {version}), {n} submitted responses, bundled {when}.

datapackage.json          Frictionless Data Package (check: frictionless validate datapackage.json)
ro-crate-metadata.json    RO-Crate record of the analysis run (software, versions, parameters, times)
data/responses.csv        one row per respondent, answer codes; no respondent ids
data/codebook.csv         every variable: text, scale, facet, keying, value labels
{inst_lines}
report/report.html        the analysis report
report/02_analysis.ipynb  the executed analysis notebook

Reproduce the report (same data hash, same numbers):

    pip install netsoc=={netsoc_version}
    netsoc report --data data/responses.csv --out report-again.html

data sha256 (netsoc's canonical table hash): {digest}
"""


def build_bundle(
    out: str | os.PathLike[str],
    *,
    db: str | None = None,
    data: str | os.PathLike[str] | None = None,
    cohort: str | None = None,
    force: bool = False,
    instrument: Instrument | None = None,
    timeout: int = 600,
    **report_options: Any,
) -> dict[str, Any]:
    """Write a study bundle (zip) of the submitted responses.

    Parameters
    ----------
    out : path
        The ``.zip`` to write.
    db, data, cohort
        Where the responses come from (:func:`netsoc.report.load_responses`).
    force : bool
        Overwrite an existing ``out``.
    instrument : Instrument, optional
        Default: the shipped instrument (the report runs on it, so another
        instrument must have the same id and version).
    timeout : int
        Seconds per notebook cell of the report.
    **report_options
        Passed to :func:`netsoc.report.build_report` (``group_fields``,
        ``exclusion``, ``alpha``, ``correction``, ``min_group_size``, ``seed``).

    Returns
    -------
    dict
        The report's stamp plus ``out``, ``files`` (path -> sha256) and
        ``instrument_sha256``.

    Raises
    ------
    DataError
        No responses, an existing ``out`` without ``force``, an instrument
        the report cannot use, or a Data Package that does not validate;
        nothing is written then.
    """
    from netsoc.report.build import build_report
    from netsoc.report.inputs import load_responses
    from netsoc.report.norms import software

    out_path = Path(out)
    inst = _check_bundle(out_path, force, instrument)
    started = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
    responses, source = load_responses(data=data, db=db, cohort=cohort, instrument=inst)
    with tempfile.TemporaryDirectory(prefix="netsoc-bundle-") as tmp:
        stage, final = Path(tmp) / "stage", Path(tmp) / "final"
        csv, instrument_files = _stage_data(stage, responses, inst, software())
        info = build_report(
            out=stage / "report" / "report.html",
            data=str(csv),
            keep_notebook=stage / "report" / "02_analysis.ipynb",
            timeout=timeout,
            **report_options,
        )
        info["packages"] = {**info.get("packages", {}), "netsoc": software().split(" ", 1)[-1]}
        ended = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
        _write_readme(stage, inst, len(responses), ended, instrument_files, info)
        _ro_crate(
            stage,
            final,
            instrument=inst,
            info={**info, "software": software()},
            instrument_files=instrument_files,
            started=started,
            ended=ended,
        )
        files = _zip(final, out_path)
    info.update(
        out=str(out_path), files=files, source=source, instrument_sha256=next(iter(instrument_files.values()))
    )
    return info


def _check_bundle(out_path: Path, force: bool, instrument: Instrument | None) -> Instrument:
    """The instrument to bundle, after refusing a bad ``out`` or an instrument the report cannot use."""
    if out_path.suffix.lower() != ".zip":
        raise DataError(f"bundle: expected a .zip file name, got {str(out_path)!r}")
    if out_path.exists() and not force:
        raise DataError(f"bundle: {out_path} exists; use --force to overwrite it (nothing was written)")
    shipped = load_instrument()
    inst = instrument if instrument is not None else shipped
    if (inst.id, inst.version) != (shipped.id, shipped.version):
        raise DataError(
            f"instrument: {inst.id} {inst.version} given, but the analysis report "
            f"runs on the shipped {shipped.id} {shipped.version}; nothing was written"
        )
    return inst


def _stage_data(
    stage: Path, responses: pd.DataFrame, inst: Instrument, software: str
) -> tuple[Path, dict[str, str]]:
    """The responses (no ids), the codebook, the instrument files and the Data Package, staged."""
    from survey.io import write_responses

    (stage / "data").mkdir(parents=True)
    (stage / "instrument").mkdir()
    (stage / "report").mkdir()
    csv = write_responses(responses, stage / "data" / "responses.csv", inst, with_ids=False)
    book = codebook(inst)
    book.to_csv(stage / "data" / "codebook.csv", index=False)
    instrument_files: dict[str, str] = {}
    for src in (inst.source_path, inst.norms_path):
        if src and Path(src).is_file():
            rel = f"instrument/{Path(src).name}"
            shutil.copyfile(src, stage / rel)
            instrument_files[rel] = sha256_file(stage / rel)
    if not instrument_files:
        raise DataError("instrument: it has no source file to bundle (source_path is empty)")
    columns = list(pd.read_csv(csv, nrows=0).columns)
    created = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
    write_datapackage(stage, columns, book, inst, instrument_files, created, software)
    return Path(csv), instrument_files


def _write_readme(
    stage: Path, inst: Instrument, n: int, ended: str, instrument_files: dict[str, str], info: dict[str, Any]
) -> None:
    inst_lines = "\n".join(f"{rel:<26}questionnaire file, sha256 {h}" for rel, h in instrument_files.items())
    (stage / "README.txt").write_text(
        _README.format(
            title=inst.title,
            inst_id=inst.id,
            version=inst.version,
            n=n,
            when=ended,
            inst_lines=inst_lines,
            netsoc_version=info["packages"]["netsoc"],
            digest=info["data_sha256"],
        ),
        encoding="utf-8",
    )


def _zip(final: Path, out_path: Path) -> dict[str, str]:
    """Zip the crate's folder into ``out_path`` (written whole); its files' sha256 by path."""
    files = {p.relative_to(final).as_posix(): sha256_file(p) for p in sorted(final.rglob("*")) if p.is_file()}
    out_path.parent.mkdir(parents=True, exist_ok=True)
    partial = out_path.with_name(out_path.name + ".partial")
    with zipfile.ZipFile(partial, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for rel in files:
            zf.write(final / rel, rel)
    partial.replace(out_path)
    return files
