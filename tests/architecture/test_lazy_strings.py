"""Flask-Babel's lazy strings carry ``__html__``: Jinja trusts them as markup, so a lazy
string formatted with a value at request time (a user's input in a validator's message)
would be shown unescaped — a reflected XSS. Lazy strings are for texts fixed when a module
loads; a message built while serving a request uses ``gettext``. This finds every lazy
call inside a function given a value that is not a constant (a literal or an UPPER_CASE
module constant, as field factories called at import give), in every module of the app."""

from __future__ import annotations

import ast

from tests.factories import ROOT

LAZY = {"_l", "lazy_gettext", "lazy_ngettext"}


def _lazy_calls_in_functions(tree: ast.AST):
    for function in ast.walk(tree):
        if not isinstance(function, ast.FunctionDef | ast.AsyncFunctionDef):
            continue
        for node in ast.walk(function):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Name)
                and node.func.id in LAZY
                and any(
                    not _constant(v) for v in [*node.args[1:], *(k.value for k in node.keywords)]
                )
            ):
                yield node


def _constant(value: ast.expr) -> bool:
    return isinstance(value, ast.Constant) or (isinstance(value, ast.Name) and value.id.isupper())


def test_no_lazy_string_is_formatted_while_serving():
    found = []
    for path in sorted((ROOT / "webapp").rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        found += [f"{path.relative_to(ROOT)}:{n.lineno}" for n in _lazy_calls_in_functions(tree)]
    assert found == [], "use gettext for messages built with values: " + ", ".join(found)


def test_a_typed_cpv_code_is_shown_escaped(client, make_user):
    from tests.factories import intention_form, sign_in

    sign_in(client, make_user("buyer"))
    data = intention_form(client, "/intentions/nouvelle", cpv_codes="<b>x</b>1234")
    page = client.post("/intentions/nouvelle", data=data)
    text = page.get_data(as_text=True)
    assert page.status_code == 400
    assert "<b>x</b>" not in text and "&lt;b&gt;x&lt;/b&gt;" in text
