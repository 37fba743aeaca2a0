"""The reference list (every method the report cites), the table of contents
and the codebook appendix."""

from __future__ import annotations

import pandas as pd

import netsoc.report.apa as apa
from netsoc.report.study import Study
from netsoc.report.tables import ReportTable
from survey.codebook import codebook

__all__ = ["REFERENCES", "references_markdown", "contents_markdown", "codebook_table", "SECTIONS"]

#: APA 7 entries, keyed by the short citation used in the text.
REFERENCES: dict[str, str] = {
    "Benjamini & Hochberg, 1995": "Benjamini, Y., & Hochberg, Y. (1995). Controlling the false "
    "discovery rate: A practical and powerful approach to multiple testing. *Journal of the Royal "
    "Statistical Society: Series B, 57*(1), 289–300.",
    "Chen, 2007": "Chen, F. F. (2007). Sensitivity of goodness of fit indexes to lack of "
    "measurement invariance. *Structural Equation Modeling, 14*(3), 464–504.",
    "Cronbach, 1951": "Cronbach, L. J. (1951). Coefficient alpha and the internal structure of "
    "tests. *Psychometrika, 16*(3), 297–334.",
    "Curran, 2016": "Curran, P. G. (2016). Methods for the detection of carelessly invalid "
    "responses in survey data. *Journal of Experimental Social Psychology, 66*, 4–19.",
    "Enders & Bandalos, 2001": "Enders, C. K., & Bandalos, D. L. (2001). The relative "
    "performance of full information maximum likelihood estimation for missing data in "
    "structural equation models. *Structural Equation Modeling, 8*(3), 430–457.",
    "Feldt, 1965": "Feldt, L. S. (1965). The approximate sampling distribution of Kuder-"
    "Richardson reliability coefficient twenty. *Psychometrika, 30*(3), 357–370.",
    "Games & Howell, 1976": "Games, P. A., & Howell, J. F. (1976). Pairwise multiple comparison "
    "procedures with unequal n's and/or variances: A Monte Carlo study. *Journal of Educational "
    "Statistics, 1*(2), 113–125.",
    "Green & Yang, 2009": "Green, S. B., & Yang, Y. (2009). Reliability of summed item scores "
    "using structural equation modeling: An alternative to coefficient alpha. *Psychometrika, "
    "74*(1), 155–167.",
    "Li, 2016": "Li, C.-H. (2016). Confirmatory factor analysis with ordinal data: Comparing "
    "robust maximum likelihood and diagonally weighted least squares. *Behavior Research "
    "Methods, 48*(3), 936–949.",
    "Muthén et al., 1997": "Muthén, B. O., du Toit, S. H. C., & Spisic, D. (1997). *Robust "
    "inference using weighted least squares and quadratic estimating equations in latent "
    "variable modeling with categorical and continuous outcomes* [Unpublished technical report].",
    "Satorra, 2000": "Satorra, A. (2000). Scaled and adjusted restricted tests in multi-sample "
    "analysis of moment structures. In R. D. H. Heijmans, D. S. G. Pollock, & A. Satorra (Eds.), "
    "*Innovations in multivariate statistical analysis* (pp. 233–247). Kluwer.",
    "Jacobson & Truax, 1991": "Jacobson, N. S., & Truax, P. (1991). Clinical significance: A "
    "statistical approach to defining meaningful change in psychotherapy research. *Journal of "
    "Consulting and Clinical Psychology, 59*(1), 12–19.",
    "Shrout & Fleiss, 1979": "Shrout, P. E., & Fleiss, J. L. (1979). Intraclass correlations: Uses "
    "in assessing rater reliability. *Psychological Bulletin, 86*(2), 420–428.",
    "Wu & Estabrook, 2016": "Wu, H., & Estabrook, R. (2016). Identification of confirmatory "
    "factor analysis models of different levels of invariance for ordered categorical outcomes. "
    "*Psychometrika, 81*(4), 1014–1045.",
    "Hedges, 1981": "Hedges, L. V. (1981). Distribution theory for Glass's estimator of effect "
    "size and related estimators. *Journal of Educational Statistics, 6*(2), 107–128.",
    "Holm, 1979": "Holm, S. (1979). A simple sequentially rejective multiple test procedure. "
    "*Scandinavian Journal of Statistics, 6*(2), 65–70.",
    "Hu & Bentler, 1999": "Hu, L., & Bentler, P. M. (1999). Cutoff criteria for fit indexes in "
    "covariance structure analysis: Conventional criteria versus new alternatives. *Structural "
    "Equation Modeling, 6*(1), 1–55.",
    "Long & Ervin, 2000": "Long, J. S., & Ervin, L. H. (2000). Using heteroscedasticity "
    "consistent standard errors in the linear regression model. *The American Statistician, "
    "54*(3), 217–224.",
    "McDonald, 1999": "McDonald, R. P. (1999). *Test theory: A unified treatment*. Lawrence Erlbaum.",
    "Meade & Craig, 2012": "Meade, A. W., & Craig, S. B. (2012). Identifying careless responses "
    "in survey data. *Psychological Methods, 17*(3), 437–455.",
    "Olejnik & Algina, 2003": "Olejnik, S., & Algina, J. (2003). Generalized eta and omega "
    "squared statistics: Measures of effect size for some common research designs. "
    "*Psychological Methods, 8*(4), 434–447.",
    "Rosseel, 2012": "Rosseel, Y. (2012). lavaan: An R package for structural equation "
    "modeling. *Journal of Statistical Software, 48*(2), 1–36.",
    "Welch, 1951": "Welch, B. L. (1951). On the comparison of several mean values: An "
    "alternative approach. *Biometrika, 38*(3/4), 330–336.",
}

#: The report's sections: heading text -> anchor (nbconvert's id of the heading).
SECTIONS = (
    "Sample and exclusions",
    "Missing data",
    "Item descriptives",
    "Reliability",
    "Structure",
    "Measurement invariance",
    "Intercorrelations",
    "Score distributions",
    "Group comparisons",
    "Regression",
    "Methods",
    "References",
    "Appendix: codebook",
)


def _anchor(heading: str) -> str:
    return heading.replace(" ", "-")


def contents_markdown(study: Study | None = None) -> str:
    """A numbered table of contents linking every section (with a ``study`` of two waves,
    the "Change" section of :mod:`netsoc.report.change` before the methods)."""
    from netsoc.report.change import has_waves

    shown = list(SECTIONS)
    if study is not None and has_waves(study):
        shown.insert(shown.index("Methods"), "Change")
    lines = ["**Contents**", ""]
    lines += [f"{i}. [{h}](#{_anchor(h)})" for i, h in enumerate(shown, 1)]
    return "\n".join(lines)


def references_markdown(study: Study) -> str:
    """The reference list, alphabetical (APA), with the software used."""
    entries = sorted(REFERENCES.values())
    entries.append(
        f"netsoc {study.instrument.version} questionnaire and netsoc software "
        "(analysis package; numbers checked against lavaan 0.6 and R psych)."
    )
    return "\n".join(f"- {e}" for e in entries)


def codebook_table(study: Study) -> ReportTable:
    """Every variable of the response table: code, kind, text, scale, keying, value labels."""
    book = codebook(study.instrument)
    raw = book[["variable", "kind", "text", "scale", "facet", "keying", "value_labels"]]
    shown = apa.format_columns(
        raw.rename(
            columns={
                "variable": "Variable",
                "kind": "Kind",
                "text": "Text",
                "scale": "Scale",
                "facet": "Facet",
                "keying": "Keying",
                "value_labels": "Codes",
            }
        ),
        {},
    )
    note = (
        "The questionnaire as participants saw it in its original language (codes are "
        "the values stored in the response file); reverse-keyed items are reflected "
        f"before scoring. Instrument {study.instrument.id} {study.instrument.version}."
    )
    return study.table(shown, "Codebook", note, pd.DataFrame(raw))
