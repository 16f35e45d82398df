"""The function serves exactly the contract's routes, with its CORS values, and ships the contract
in its zip (the component, the local gateway and these tests import the same module)."""

from __future__ import annotations

import re

from items_harness import FUNCTION_ROOT, items_app

import functions.items.contract as shared
from components.api import FUNCTION_CODE, code_assets


def test_the_function_routes_are_the_contracts_routes():
    resolver = items_app.app
    served = {
        (r.method, re.sub(r"<[^>]+>", "{id}", r.path))
        for r in resolver._static_routes + resolver._dynamic_routes
    }
    assert served == {(r.method, r.path) for r in shared.ROUTES}


def test_the_functions_cors_config_is_the_contracts():
    cors = items_app.app._cors
    assert set(shared.CORS_ALLOW_HEADERS) <= set(cors.allow_headers)
    assert cors.expose_headers == list(shared.CORS_EXPOSE_HEADERS)
    assert cors.max_age == shared.CORS_MAX_AGE_SECONDS


def test_the_zip_ships_the_contract_the_component_imports():
    assert FUNCTION_CODE == FUNCTION_ROOT
    assert "contract.py" in code_assets(FUNCTION_CODE)
    # The function imports it as a top-level module of its zip: the same file.
    import contract

    assert contract.__file__ == shared.__file__
