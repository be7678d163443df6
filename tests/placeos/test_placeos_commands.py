"""Every seed command, through the method (sync and async) and through ``execute``."""

from __future__ import annotations

import json

import pytest
from placeos_support import CASES, Case, python_kwargs

from graphlink.placeos import AsyncPlaceOSDriver, PlaceOSDriver
from graphlink.testing import FakeGraph

IDS = [case.command for case in CASES]


def _checked(case: Case, result: object, fake: FakeGraph) -> None:
    json.dumps(result)  # every answer is JSON
    case.check(result, fake)


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_method_sync(case: Case, fake: FakeGraph, driver: PlaceOSDriver) -> None:
    result = getattr(driver, case.command)(**python_kwargs(case.args(fake)))
    _checked(case, result, fake)


@pytest.mark.parametrize("case", CASES, ids=IDS)
async def test_method_async(case: Case, fake: FakeGraph, adriver: AsyncPlaceOSDriver) -> None:
    result = await getattr(adriver, case.command)(**python_kwargs(case.args(fake)))
    _checked(case, result, fake)


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_execute_sync(case: Case, fake: FakeGraph, driver: PlaceOSDriver) -> None:
    _checked(case, driver.execute(case.command, case.args(fake)), fake)


@pytest.mark.parametrize("case", CASES, ids=IDS)
async def test_execute_async(case: Case, fake: FakeGraph, adriver: AsyncPlaceOSDriver) -> None:
    _checked(case, await adriver.execute(case.command, case.args(fake)), fake)
