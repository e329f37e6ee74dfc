"""Docs you can navigate: Markdown that parses, links that resolve, a short front page, a CLI
reference that is current."""

from __future__ import annotations

from conftest import REPO
from markdown_check import markdown_files, problems


def test_every_markdown_file_has_closed_fences_and_links_that_resolve():
    assert [p for path in markdown_files() for p in problems(path)] == []


def test_the_checker_sees_an_unclosed_fence_and_a_dead_link(tmp_path, monkeypatch):
    import markdown_check

    monkeypatch.setattr(markdown_check, "REPO", tmp_path)
    page = tmp_path / "page.md"
    page.write_text("See [x](missing.md).\n\n```yaml\na: 1\n``` trailing text\n")
    found = problems(page)
    assert any("points at nothing" in p for p in found)
    assert any("text after a closing code fence" in p or "never closed" in p for p in found)


def test_the_readme_is_a_front_page_linking_every_doc():
    readme = (REPO / "README.md").read_text()
    assert len(readme.splitlines()) <= 200
    for page in sorted((REPO / "docs").glob("*.md")):
        assert f"(docs/{page.name})" in readme, f"README does not link docs/{page.name}"


def test_the_cli_reference_is_current():
    from coralogix_pack.cli.reference import reference

    assert (REPO / "docs" / "cli.md").read_text() == reference(), (
        "run python -m coralogix_pack.cli.reference docs/cli.md"
    )
