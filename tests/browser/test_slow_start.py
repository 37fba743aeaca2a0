"""A browser too busy to start a widget within anywidget's two seconds still gets every page.

anywidget gives each model two seconds to load its ES module; a model that
takes longer drops every later update from Python ("[anywidget] Failed to
initialize model.").  Under load (30 participants on a 2-core machine) that
left one participant in 30 on a page that never changed.  Here the page's
main thread is blocked for 2.5 s while the first widget module loads, and
again for the first module after consent (a question of page 1), which is
what a slow phone does; the survey must go on as usual
(:mod:`netsoc.keep_listening`).
"""

from __future__ import annotations

import numpy as np
import pytest

from survey.instrument import load_instrument
from tests.browser.test_survey_browser import choose, goto_next, open_survey, progress_is, shown_ids

pytestmark = pytest.mark.browser

#: Blocks the main thread for 2.5 s when the first JavaScript module is turned
#: into a blob URL (anywidget's way to load one), and again for the first one
#: after ``window.netsocStallAgain`` is set.
STALL = """
(() => {
  const original = URL.createObjectURL.bind(URL);
  let stalls = 0;
  window.netsocStalls = () => stalls;
  URL.createObjectURL = (blob) => {
    const url = original(blob);
    const module = blob && String(blob.type).includes("javascript");
    if (module && (stalls === 0 || (stalls === 1 && window.netsocStallAgain))) {
      stalls += 1;
      const end = Date.now() + 2500;
      while (Date.now() < end) { /* a busy phone */ }
    }
    return url;
  };
})();
"""


def test_survey_goes_on_when_widgets_start_slowly(phone_page, served):
    page = phone_page
    inst = load_instrument()
    warnings: list[str] = []
    page.on("console", lambda m: warnings.append(m.text) if m.type == "warning" else None)
    page.add_init_script(STALL)
    server = served("survey")
    open_survey(page, server.url)
    page.evaluate("window.netsocStallAgain = true")
    page.locator(".netsoc-consent").click()
    progress_is(page, 1)
    rng = np.random.default_rng(11)
    for f in inst.choice_fields.values():
        code = str(rng.choice(list(f.options)))
        page.locator(f".netsoc-item-{f.id} select").select_option(label=f.options[code])
    goto_next(page, 1)
    for qid in shown_ids(page):
        if qid in inst.question_ids:
            group = choose(page, inst, qid, int(rng.choice(list(inst.value_labels(qid)))))
            assert group.get_attribute("aria-invalid") is None
    goto_next(page, 2)
    # the scenario really happened: two stalls, and models that anywidget timed out
    assert page.evaluate("window.netsocStalls()") == 2
    assert any("started after anywidget's time-out" in w for w in warnings), warnings
