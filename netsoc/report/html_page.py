"""The report's HTML page from an executed notebook (nbconvert's lab template).

nbconvert's :class:`~nbconvert.HTMLExporter` renders the page and then parses all of it
again with BeautifulSoup's pure-Python parser to give images without a text alternative a
placeholder and to make the code inputs and the outputs keyboard-focusable
(``tabindex="0"``).  On a report of a few megabytes (embedded figures, two dozen tables)
that second pass costs about as much as the rendering.  :func:`notebook_html` renders
with the same template and filters and makes the same two changes on the tags
themselves.
"""

from __future__ import annotations

import re
from typing import Any

__all__ = ["notebook_html"]

# an opening <div> whose class list holds one of the focusable boxes, without a tabindex
_FOCUSABLE = re.compile(
    r"<div(?P<attrs>\s+class=\"(?:[^\"]*\s)?(?:jp-Cell-inputWrapper|jp-OutputArea-output)(?:\s[^\"]*)?\""
    r"(?:(?!tabindex)[^>])*)>"
)
_IMG_WITHOUT_ALT = re.compile(r"<img(?![^>]*\balt=)")
_NO_ALT = "No description has been provided for this image"


def _exporter(**config: Any) -> Any:
    """An HTMLExporter whose page skips the BeautifulSoup pass (see the module)."""
    from nbconvert import HTMLExporter
    from nbconvert.exporters.templateexporter import TemplateExporter
    from nbconvert.filters.highlight import Highlight2HTML
    from nbconvert.filters.widgetsdatatypefilter import WidgetsDataTypeFilter

    class PageExporter(HTMLExporter):
        def from_notebook_node(  # type: ignore[override]
            self, nb: Any, resources: dict[str, Any] | None = None, **kw: Any
        ) -> tuple[str, dict[str, Any]]:
            langinfo = nb.metadata.get("language_info", {})
            lexer = langinfo.get("pygments_lexer", langinfo.get("name", None))
            highlight = self.filters.get("highlight_code", Highlight2HTML(pygments_lexer=lexer, parent=self))
            resources = self._init_resources(resources)
            data_type = WidgetsDataTypeFilter(
                notebook_metadata=self._nb_metadata, parent=self, resources=resources
            )
            self.register_filter("highlight_code", highlight)
            self.register_filter("filter_data_type", data_type)
            return TemplateExporter.from_notebook_node(self, nb, resources, **kw)

    return PageExporter(**config)


def notebook_html(notebook: Any, *, show_code: bool, title: str) -> str:
    """The executed notebook as one HTML page (images embedded; prompts hidden, and the
    code unless ``show_code``), images without a text alternative given nbconvert's
    placeholder, code inputs and outputs focusable."""
    exporter = _exporter(
        exclude_input=not show_code, exclude_input_prompt=True, exclude_output_prompt=True, embed_images=True
    )
    body, _ = exporter.from_notebook_node(notebook, resources={"metadata": {"name": title}})
    body = _FOCUSABLE.sub(lambda m: f'<div{m.group("attrs")} tabindex="0">', body)
    return _IMG_WITHOUT_ALT.sub(f'<img alt="{_NO_ALT}"', body)
