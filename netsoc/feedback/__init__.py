"""The participant's personal feedback.

- :mod:`netsoc.feedback.data` - :func:`feedback_data` (score once, choose every
  word) and :class:`FeedbackData` (:meth:`~FeedbackData.to_json` for the form);
- :mod:`netsoc.feedback.words` - the rules: balance words agreeing with the
  profile, the facets with the largest gap;
- :mod:`netsoc.feedback.details` - "more detail" (scores, facets, explanations);
- :mod:`netsoc.feedback.page` - the HTML fragment the form shows;
- :mod:`netsoc.feedback.result` - :func:`result_html`, the page to keep;
- :mod:`netsoc.feedback.room` - :func:`room_section`, "Your workshop";
- :mod:`netsoc.feedback.change` - :func:`change_view`, the change since the pre wave;
- :mod:`netsoc.feedback.charts` - the inline SVG charts;
- :mod:`netsoc.feedback.reference` - the comparison sample (norms);
- :mod:`netsoc.feedback.texts` - the page's words from the instrument's ``ui:``.
"""

from netsoc.feedback.change import ChangeView, change_html, change_view
from netsoc.feedback.data import (
    BalanceView,
    FeedbackData,
    IntentionView,
    ProfileView,
    TryView,
    feedback_data,
)
from netsoc.feedback.details import DetailBlock
from netsoc.feedback.page import feedback_css, page_html, sections_html
from netsoc.feedback.reference import Reference, reference_for
from netsoc.feedback.result import result_filename, result_html, warm_up
from netsoc.feedback.room import room_section
from netsoc.feedback.words import balance_side

__all__ = [
    "FeedbackData",
    "ProfileView",
    "BalanceView",
    "TryView",
    "IntentionView",
    "DetailBlock",
    "feedback_data",
    "feedback_css",
    "page_html",
    "sections_html",
    "warm_up",
    "result_html",
    "result_filename",
    "room_section",
    "balance_side",
    "ChangeView",
    "change_view",
    "change_html",
    "Reference",
    "reference_for",
]
