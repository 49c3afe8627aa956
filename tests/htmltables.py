"""Read the body cells of one HTML table by id — what a person sees in it, for tests that compare
a page with a command's JSON or a download. (Shared by the review tests, which had two copies.)"""

from __future__ import annotations

from html.parser import HTMLParser


class _BodyCells(HTMLParser):
    def __init__(self, table_id: str) -> None:
        super().__init__()
        self.table_id = table_id
        self.rows: list[list[str]] = []
        self.depth = 0
        self.body = False
        self.cell: list[str] | None = None

    def handle_starttag(self, tag, attrs):  # type: ignore[no-untyped-def]
        if tag == "table" and dict(attrs).get("id") == self.table_id:
            self.depth = 1
        elif self.depth and tag == "tbody":
            self.body = True
        elif self.depth and self.body and tag == "tr":
            self.rows.append([])
        elif self.depth and self.body and tag in ("td", "th"):
            self.cell = []

    def handle_endtag(self, tag):  # type: ignore[no-untyped-def]
        if self.depth and tag in ("td", "th") and self.cell is not None:
            self.rows[-1].append(" ".join("".join(self.cell).split()))
            self.cell = None
        elif self.depth and tag == "table":
            self.depth, self.body = 0, False

    def handle_data(self, data):  # type: ignore[no-untyped-def]
        if self.cell is not None:
            self.cell.append(data)


def body_cells(html: str, table_id: str) -> list[list[str]]:
    """Text of every body cell (th and td) of the table with ``id=table_id``, row by row, whitespace collapsed."""
    reader = _BodyCells(table_id)
    reader.feed(html)
    return reader.rows
