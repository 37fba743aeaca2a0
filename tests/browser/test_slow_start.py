"""A browser too busy to start a widget within anywidget's two seconds still gets every page.

anywidget gives each model two seconds to load its ES module; a model that
takes longer drops every later update from Python ("[anywidget] Failed to
initialize model.").  Under load (30 participants on a 2-core machine) that
left one participant in 30 on a page that never changed.  Here the widget
modules of the first page, and the first one after consent (a question of
page 1), take 3 s to load while the participant goes on clicking, as on a
slow phone; the survey must go on as usual (:mod:`netsoc.keep_listening`).
"""

from __future__ import annotations

import numpy as np
import pytest

from survey.instrument import load_instrument
from tests.browser.test_survey_browser import choose, goto_next, open_survey, progress_is, shown_ids

pytestmark = pytest.mark.browser

#: Makes netsoc's widget modules slow to load, as on a busy phone: every
#: module source anywidget turns into a blob during the first 1.5 s after the
#: first one, and the first one after ``window.netsocStallAgain`` is set, waits
#: 3 s before it finishes (a top-level await, so the page stays responsive and
#: the participant can click meanwhile).
SLOW_MODULES = """
(() => {
  const NativeBlob = window.Blob;
  const wait = "await new Promise((resolve) => setTimeout(resolve, 3000));\\n";
  let slowUntil = null, again = false, delayed = 0;
  window.netsocDelayed = () => delayed;
  window.Blob = class extends NativeBlob {
    constructor(parts, options) {
      const ours = Array.isArray(parts) && typeof parts[0] === "string" &&
        parts[0].includes("NETSOC_PREFIX");
      let slow = false;
      if (ours) {
        const now = Date.now();
        if (slowUntil === null) slowUntil = now + 1500;
        slow = now <= slowUntil;
        if (!slow && window.netsocStallAgain && !again) { again = true; slow = true; }
      }
      if (slow) delayed += 1;
      super(slow ? [wait, ...parts] : parts, options);
    }
  };
})();
"""


def test_survey_goes_on_when_widgets_start_slowly(phone_page, served):
    page = phone_page
    inst = load_instrument()
    asked: list[int] = []  # widgets asking Python for their state again
    page.on("websocket", lambda ws: ws.on("framesent", lambda payload: asked.append(1) if (
        "request_state" in (payload if isinstance(payload, str) else payload.decode("latin-1")))
        else None))
    page.add_init_script(SLOW_MODULES)
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
    # the scenario really happened: slow modules while the participant went on
    assert page.evaluate("window.netsocDelayed()") >= 2
    assert asked, "the widgets that existed before the fix did not ask for their state again"
