"""The participant's personal feedback page.

- :mod:`netsoc.feedback.page` - :func:`feedback_data` (score once, compare),
  :func:`feedback_html` / :func:`feedback_view` (the page), :func:`warm_up`;
- :mod:`netsoc.feedback.charts` - the inline SVG charts;
- :mod:`netsoc.feedback.reference` - the comparison sample (norms);
- :mod:`netsoc.feedback.texts` - the page's words from the instrument's ``ui:``.
"""

from netsoc.feedback.page import (
    CSS,
    FeedbackData,
    feedback_data,
    feedback_html,
    feedback_view,
    page_html,
    warm_up,
)
from netsoc.feedback.reference import Reference, reference_for

__all__ = ["CSS", "FeedbackData", "feedback_data", "feedback_html", "feedback_view", "page_html",
           "warm_up", "Reference", "reference_for"]
