"""Concurrent writers: exactly one wins per version, and read-modify-write loses no update.

Threads drive the service layer, one ItemService and DynamoDB client per thread, as separate
Lambda instances would: Powertools' resolver keeps the current event in class state because a
Lambda process serves one request at a time, so the handler itself is not called from threads.
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable
from typing import Any

import botocore.session
import pytest
from cursor import CursorCodec
from errors import ConflictError, NotFoundError
from items_harness import TEST_ENV, USER_A, items_app
from models import ItemFields, parse_list_query
from repository import ItemRepository
from service import ItemService

THREADS = 8


def _instance() -> ItemService:
    client = botocore.session.get_session().create_client(
        "dynamodb", region_name=TEST_ENV["AWS_REGION"]
    )
    return ItemService(
        ItemRepository(client, TEST_ENV["TABLE_NAME"]),
        CursorCodec(TEST_ENV["CURSOR_SECRET"].encode()),
        items_app.sign_upload,
        upload_max_bytes=1024,
    )


def _race(instances: list[ItemService], work: Callable[[int, ItemService], Any]) -> list[Any]:
    """Run `work` on every instance at once; return each result or the exception it raised."""
    barrier = threading.Barrier(len(instances))
    results: list[Any] = [None] * len(instances)

    def run(index: int) -> None:
        barrier.wait()
        try:
            results[index] = work(index, instances[index])
        except Exception as error:  # collected and asserted on by the test
            results[index] = error

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(instances))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results


@pytest.fixture
def instances(aws, atomic_moto_writes) -> list[ItemService]:
    return [_instance() for _ in range(THREADS)]


def test_concurrent_replaces_of_one_version_have_exactly_one_winner(instances):
    item, _ = instances[0].create(USER_A, str(uuid.uuid4()), ItemFields(name="start"))
    for version in range(1, 6):
        results = _race(
            instances,
            lambda i, svc, v=version: svc.replace(
                USER_A, item.id, ItemFields(name=f"writer {i} at v{v}"), v
            ),
        )
        winners = [r for r in results if not isinstance(r, Exception)]
        losers = [r for r in results if isinstance(r, Exception)]
        assert len(winners) == 1, f"version {version}: {len(winners)} writers won"
        assert all(isinstance(r, ConflictError) for r in losers), losers
        assert all(r.extra["current"]["version"] == version + 1 for r in losers)
        stored = instances[0].get(USER_A, item.id)
        assert stored.version == version + 1
        assert stored.name == winners[0].name


def test_read_modify_write_loops_lose_no_update(instances):
    item, _ = instances[0].create(USER_A, str(uuid.uuid4()), ItemFields(name="n", description="0"))
    increments = 6

    def bump(_: int, svc: ItemService) -> int:
        conflicts = 0
        done = 0
        while done < increments:
            current = svc.get(USER_A, item.id)
            try:
                svc.patch(
                    USER_A,
                    item.id,
                    {"description": str(int(current.description) + 1)},
                    current.version,
                )
                done += 1
            except ConflictError:
                conflicts += 1
        return conflicts

    results = _race(instances, bump)
    assert not [r for r in results if isinstance(r, Exception)], results
    final = instances[0].get(USER_A, item.id)
    assert int(final.description) == THREADS * increments
    assert final.version == THREADS * increments + 1


def test_concurrent_retries_of_one_create_make_one_item(instances):
    key = str(uuid.uuid4())
    fields = ItemFields(name="retried", tags=("x",))
    results = _race(instances, lambda _i, svc: svc.create(USER_A, key, fields))
    assert not [r for r in results if isinstance(r, Exception)], results
    assert sum(created for _, created in results) == 1
    assert len({item.id for item, _ in results}) == 1
    items, _ = instances[0].list(USER_A, parse_list_query({}))
    assert len(items) == 1


def test_concurrent_deletes_of_one_version_have_exactly_one_winner(instances):
    item, _ = instances[0].create(USER_A, str(uuid.uuid4()), ItemFields(name="doomed"))
    results = _race(instances, lambda _i, svc: svc.delete(USER_A, item.id, 1))
    assert results.count(None) == 1
    assert all(isinstance(r, NotFoundError) for r in results if r is not None), results
