"""The feedback page: words from the instrument, figures, warnings, escaping."""

from __future__ import annotations

import ipywidgets as widgets
import numpy as np
import pandas as pd

from netsoc.feedback import (
    facet_figure,
    feedback_data,
    feedback_html,
    feedback_view,
    gauge_figure,
    scores_figure,
)
from tests.helpers import keyed_answers

REL = {"networking": 0.9, "socializing": 0.9, "balance": 0.8, "intentionality": 0.7}


def answers(instrument, net, soc, intent=4, attn_ok=True):
    return keyed_answers(instrument, net, soc, intent, checks=True if attn_ok else "fail",
                         consent=True)


def test_networker_gets_the_networker_texts(instrument):
    data = feedback_data(answers(instrument, 5, 2), instrument, reliability=REL)
    text = feedback_html(data, instrument)
    prof = next(p for p in instrument.profiles if p.id == "networker")
    assert data["profile"].id == "networker" and prof.label in text["profile"]
    assert "Networking." in text["explanations"] and "Socializing." in text["explanations"]
    assert "Clear intention" in text["explanations"]  # intentionality 4 -> high
    assert text["warning"] == ""
    assert "no workshop code given" in text["table"]


def test_failed_checks_warn_and_cohort_is_escaped(instrument):
    peers = pd.DataFrame([answers(instrument, 3, 3)] * 3).drop(columns="consent")
    data = feedback_data(answers(instrument, 2, 4, attn_ok=False), instrument,
                         peers=peers, cohort="<i>W</i>", reliability=REL)
    text = feedback_html(data, instrument)
    assert instrument.feedback.attention_warning.split()[0] in text["warning"]
    assert "&lt;i&gt;W&lt;/i&gt;" in text["table"] and "<i>W" not in text["table"]
    assert "once 5 others have answered (3 so far)" in text["table"]
    assert data["profile"].id == "socializer"


def test_figures_show_the_numbers(instrument):
    data = feedback_data(answers(instrument, 4, 2), instrument, reliability=REL)
    fig = scores_figure(data["scores"])
    ax = fig.axes[0]
    assert [t.get_text() for t in ax.get_yticklabels()] == ["Networking", "Socializing", "Intentionality"]
    dots = [ln.get_xdata()[0] for ln in ax.lines if ln.get_marker() == "o"]
    assert dots == [4, 2, 4]
    gauge = gauge_figure(0.5, 0.3, 0.7)
    assert any(t.get_text() == "+0.50" for t in gauge.axes[0].texts)
    ff = facet_figure(data["facets"])
    nets = next(ln for ln in ff.axes[0].lines if ln.get_label() == "networking")
    assert np.allclose(nets.get_xdata(), 4) and len(nets.get_xdata()) == len(instrument.facets)


def test_view_has_the_hook_and_alt_texts(instrument):
    data = feedback_data(answers(instrument, 3, 3), instrument, reliability=REL)
    box = feedback_view(data, instrument)
    assert isinstance(box, widgets.VBox) and "netsoc-feedback" in box._dom_classes
    html = "".join(c.value for c in box.children)
    assert html.count("<img") == 3 and html.count('alt="') == 3
    assert "Balance gauge: +0.00" in html
