"""The README's compatibility table is the one the idioms produce now (see tests/compatibility.py)."""
from compatibility import current_table_in_readme, markdown_table


def test_readme_compatibility_table_is_current():
    assert current_table_in_readme() == markdown_table(), (
        "the README's compatibility table is out of date: run python tests/compatibility.py --write-readme"
    )
