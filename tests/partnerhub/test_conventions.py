"""The conventions of CONTRIBUTING.md, checked over the source so a new page or service keeps them."""

import ast
import re
from pathlib import Path

from django.conf import settings

ROOT = Path(settings.BASE_DIR)
APPS = ["partners", "activities", "certifications", "funds", "reporting"]
VIEW_FILES = sorted(path for app in APPS for path in (ROOT / app).glob("*views.py"))
# Tables whose header is computed per table (overview.py, review.py) write it with csv_response directly.
CSV_TABLE_VIEWS = {"reporting/views.py", "reporting/review_views.py"}
POSITIONAL_ALLOWED = {"onboarding_step_may_complete"}  # a predicate the services and views share


def _relative(path: Path) -> str:
    return path.relative_to(ROOT).as_posix()


def test_there_are_views_to_check():
    assert len(VIEW_FILES) >= len(APPS)


def test_views_raise_http404_instead_of_rendering_404_html():
    offenders = [_relative(path) for path in VIEW_FILES if '"404.html"' in path.read_text(encoding="utf-8")]
    assert offenders == []


def test_views_name_the_values_they_pass_to_services():
    offenders = [_relative(path) for path in VIEW_FILES if "**form.cleaned_data" in path.read_text(encoding="utf-8")]
    assert offenders == []


def test_csv_exports_use_declared_columns():
    offenders = [
        _relative(path)
        for path in VIEW_FILES
        if "csv_response(" in path.read_text(encoding="utf-8") and _relative(path) not in CSV_TABLE_VIEWS
    ]
    assert offenders == []
    for app in APPS:
        assert (ROOT / app / "exports.py").exists(), f"{app} declares its CSV columns in {app}/exports.py"


def test_services_take_keyword_only_arguments():
    offenders = []
    for app in APPS:
        tree = ast.parse((ROOT / app / "services.py").read_text(encoding="utf-8"))
        for node in tree.body:
            if isinstance(node, ast.FunctionDef) and not node.name.startswith("_") and node.name not in POSITIONAL_ALLOWED:
                if node.args.args and node.args.args[0].arg == "sender":
                    continue  # a signal receiver: Django calls it with (sender, **kwargs)
                if node.args.args or node.args.vararg or node.args.kwarg:
                    offenders.append(f"{app}.services.{node.name}")
    assert offenders == []


def test_every_app_form_page_extends_the_one_form_page():
    pages = sorted(p for p in (ROOT / "templates").glob("*/form_page.html") if p.parent.name != "includes")
    assert len(pages) >= 4
    for page in pages:
        first = page.read_text(encoding="utf-8").splitlines()[0]
        assert re.fullmatch(r'\{% extends "includes/form_page.html" %\}', first), _relative(page)
