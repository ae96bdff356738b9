"""``update_many`` (light_client/_bulk.py): results, bounded intake, keys, the journal, resume."""

from __future__ import annotations

import contextlib
import itertools
import sqlite3
import uuid
from collections.abc import AsyncGenerator, AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest

from light_client import (
    AuthenticationError,
    BulkJournal,
    BulkResult,
    LightClient,
    NotFoundError,
    SyncLightClient,
)
from light_client.mock import Faults, LightMock, RateLimit
from light_client.models import Address, Customer, CustomerCredit, UpdateCustomerRequest
from light_client.testing import instant_waits

MISSING_ID = "00000000-0000-4000-8000-000000000000"
KEY_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "https://api.light.inc/light-client/bulk")


@pytest.fixture
def mock() -> Iterator[LightMock]:
    """A mock whose rate limit no test here reaches."""
    with LightMock(rate_limit=RateLimit(1_000_000, 60.0)) as running:
        yield running


def client(mock: LightMock, **options: Any) -> LightClient:
    return LightClient(
        api_key=mock.api_key,
        base_url=mock.base_url,
        max_requests_per_minute=None,
        strict_response_validation=True,
        **options,
    )


async def collect(results: AsyncGenerator[BulkResult[Any], None]) -> dict[int, BulkResult[Any]]:
    by_index: dict[int, BulkResult[Any]] = {}
    async with contextlib.aclosing(results) as opened:
        async for result in opened:
            assert result.index not in by_index
            by_index[result.index] = result
    return by_index


async def test_one_result_per_item_and_a_bad_item_does_not_stop_the_batch(
    mock: LightMock,
) -> None:
    items: list[tuple[Any, Any]] = [
        (mock.customer_id, {"name": "Keyword", "address": Address(city="Odense")}),
        (mock.customer_id, {"vatNumber": "DK1", "email": None}),  # JSON names, null = clear
        ("not-a-uuid", {"name": "x"}),
        (mock.customer_id, {"vatNumbr": "DK2"}),
        (mock.customer_id, {"name": 5}),
        (MISSING_ID, {"name": "Nobody"}),
        (uuid.UUID(mock.customer_id), {"domain": "acme.example"}),
        (mock.customer_id, "name=Acme"),
    ]
    async with client(mock) as light:
        results = await collect(light.customers.update_many(items, concurrency=3))

    assert sorted(results) == list(range(8))
    statuses = [results[index].status for index in range(8)]
    assert statuses == [
        *("applied", "applied", "failed", "failed", "failed", "failed", "applied", "failed")
    ]
    first = results[0].model
    assert isinstance(first, Customer) and first.name == "Keyword"
    assert results[1].model is not None and results[1].model.vat_number == "DK1"
    assert [results[index].attempts for index in range(7)] == [1, 1, 0, 0, 0, 1, 1]
    assert isinstance(results[2].error, ValueError) and results[2].id == "not-a-uuid"
    assert isinstance(results[3].error, TypeError)
    assert "did you mean 'vatNumber'?" in str(results[3].error)
    assert isinstance(results[4].error, ValueError) and "name" in str(results[4].error)
    assert isinstance(results[5].error, NotFoundError) and results[5].id == MISSING_ID
    assert results[6].id == mock.customer_id
    assert isinstance(results[7].error, TypeError)
    assert str(results[7].error) == "an item's fields must be a mapping, got str"
    assert [results[index].ok for index in range(7)] == [
        True,
        True,
        False,
        False,
        False,
        False,
        True,
    ]
    # Bad items never reached the server; each item sent was applied once, under its own key.
    assert mock.stats.requests == 4
    sent = {results[index].idempotency_key for index in (0, 1, 6)}
    assert set(mock.stats.applied) == sent and set(mock.stats.applied.values()) == {1}
    stored = mock.store.get("Customer", mock.customer_id)
    assert stored is not None and stored["domain"] == "acme.example" and stored["email"] is None


async def test_input_is_read_only_as_slots_free_up() -> None:
    """An endless input: 5 results taken, and no more than the slots in flight read beyond."""
    with LightMock(rate_limit=RateLimit(1_000_000, 60.0)) as mock:
        pulled = 0

        def endless() -> Iterator[tuple[str, dict[str, Any]]]:
            nonlocal pulled
            for number in itertools.count():
                pulled += 1
                yield mock.customer_id, {"name": f"Row {number}"}

        async with client(mock) as light:
            taken = 0
            results = light.customers.update_many(endless(), concurrency=4)
            async with contextlib.aclosing(results) as opened:
                async for result in opened:
                    assert result.status == "applied"
                    assert pulled - taken <= 4  # in flight: at most `concurrency`
                    taken += 1
                    if taken == 5:
                        break
        assert 5 <= pulled <= 5 + 4 - 1


async def test_an_async_iterable_of_items(mock: LightMock) -> None:
    async def rows() -> AsyncIterator[tuple[str, dict[str, Any]]]:
        for amount in (100, 200, 300):
            yield mock.customer_credit_id, {"amount": amount}

    async with client(mock) as light:
        results = await collect(light.customer_credits.update_many(rows(), concurrency=1))
    models = [results[index].model for index in range(3)]
    assert all(isinstance(model, CustomerCredit) for model in models)
    assert [model.amount for model in models if model is not None] == [100, 200, 300]


def test_the_blocking_client(mock: LightMock) -> None:
    items = [(mock.customer_id, {"name": f"Sync {n}"}) for n in range(6)] + [(MISSING_ID, {})]
    with SyncLightClient(
        api_key=mock.api_key,
        base_url=mock.base_url,
        max_requests_per_minute=None,
        strict_response_validation=True,
    ) as light:
        results = {r.index: r for r in light.customers.update_many(items, concurrency=2)}
    assert [results[n].status for n in range(7)] == ["applied"] * 6 + ["failed"]
    assert isinstance(results[6].error, NotFoundError) and results[6].attempts == 1
    assert len(mock.stats.applied) == 6 and set(mock.stats.applied.values()) == {1}


async def test_keys_are_derived_from_the_job_and_the_item(mock: LightMock, tmp_path: Path) -> None:
    body = '{"name":"Derived"}'
    job = uuid.uuid5(KEY_NAMESPACE, "vat-sync-1")
    expected = [str(uuid.uuid5(job, f"{index}\n{mock.customer_id}\n{body}")) for index in (0, 1)]
    with BulkJournal(tmp_path / "journal.sqlite3", job_id="vat-sync-1") as journal:
        assert journal.job_id == "vat-sync-1"
        async with client(mock) as light:
            items = [(mock.customer_id.upper(), {"name": "Derived"})] * 2
            results = await collect(light.customers.update_many(items, journal=journal))
        assert [results[0].idempotency_key, results[1].idempotency_key] == expected
        assert results[0].id == mock.customer_id.upper()
        assert journal.counts() == {"applied": 2}
    assert sorted(mock.stats.applied) == sorted(expected)
    with pytest.raises(ValueError, match="is the journal of job 'vat-sync-1', not 'other'"):
        BulkJournal(tmp_path / "journal.sqlite3", job_id="other")


async def test_a_journal_resumes_the_job_without_duplicates(
    mock: LightMock, tmp_path: Path
) -> None:
    """The first run dies after 7 items (its input fails); the second applies the rest once."""
    path = tmp_path / "journal.sqlite3"
    rows = [(mock.customer_id, {"description": f"Row {n}"}) for n in range(20)]

    def dies_after(count: int) -> Iterator[tuple[str, dict[str, Any]]]:
        yield from rows[:count]
        raise OSError("the input went away")

    async with client(mock) as light:
        with pytest.raises(OSError, match="the input went away"):
            await collect(light.customers.update_many(dies_after(7), journal=path, concurrency=4))
        applied_first = set(mock.stats.applied)
        assert 0 < len(applied_first) <= 7
        second = await collect(light.customers.update_many(rows, journal=str(path)))
        third = await collect(light.customers.update_many(rows, journal=path))

    # Whatever the first run applied is skipped, journaled or not: same key, applied once.
    skipped = {index for index, result in second.items() if result.status == "skipped"}
    assert skipped and skipped <= set(range(7))
    assert all(second[index].status == "applied" for index in range(7, 20))
    assert {result.status for result in third.values()} == {"skipped"}
    assert len(mock.stats.applied) == 20 and set(mock.stats.applied.values()) == {1}
    with BulkJournal(path) as journal:
        assert journal.counts() == {"applied": 20}


async def test_in_flight_items_are_sent_again_with_their_key(
    mock: LightMock, tmp_path: Path
) -> None:
    """An item journaled as sending (the process died before its answer) is sent again with the
    same key: Light replays the first answer instead of applying it twice."""
    path = tmp_path / "journal.sqlite3"
    rows = [(mock.customer_id, {"name": "Once"})]
    async with client(mock) as light:
        first = await collect(light.customers.update_many(rows, journal=path))
        key = first[0].idempotency_key
        assert key is not None
        with BulkJournal(path) as journal:
            journal.sending(key, 0, mock.customer_id)  # as if the answer had been lost
            assert journal.state(key) == "sending"
        again = await collect(light.customers.update_many(rows, journal=path))
    assert again[0].status == "applied" and again[0].idempotency_key == key
    assert mock.stats.requests == 2 and mock.stats.applied == {key: 1}


async def test_dropped_answers_lose_nothing_and_apply_nothing_twice() -> None:
    faults = Faults(dropped=0.3, seed=3)
    with LightMock(rate_limit=RateLimit(1_000_000, 60.0), faults=faults) as mock, instant_waits():
        rows = [(mock.customer_id, {"description": f"Row {n}"}) for n in range(30)]
        async with client(mock, max_retries=8) as light:
            results = await collect(light.customers.update_many(rows))
    assert {result.status for result in results.values()} == {"applied"}
    assert max(result.attempts for result in results.values()) > 1
    assert len(mock.stats.applied) == 30 and set(mock.stats.applied.values()) == {1}


async def test_refused_credentials_end_the_batch(mock: LightMock, tmp_path: Path) -> None:
    rows = [(mock.customer_id, {"name": f"Row {n}"}) for n in range(10)]
    async with LightClient(
        api_key="sk_wrong", base_url=mock.base_url, strict_response_validation=True
    ) as light:
        with pytest.raises(AuthenticationError):
            await collect(light.customers.update_many(rows, journal=tmp_path / "j.sqlite3"))
    with BulkJournal(tmp_path / "j.sqlite3") as journal:
        assert set(journal.counts()) == {"sending"}  # to be sent again on resume


class FullDisk(BulkJournal):
    """A journal whose disk fills up after ``room`` writes: every write after fails."""

    def __init__(self, path: Path, room: int) -> None:
        super().__init__(path)
        self.room = room

    def write(self) -> None:
        self.room -= 1
        if self.room < 0:
            raise sqlite3.OperationalError("database or disk is full")

    def sending(self, key: str, index: int, resource_id: str) -> None:
        self.write()
        super().sending(key, index, resource_id)

    def finished(self, key: str, state: str, attempts: int, error: str | None) -> None:
        self.write()
        super().finished(key, state, attempts, error)


@pytest.mark.parametrize("driver", ["async", "sync"])
async def test_a_journal_that_fails_stops_the_intake_and_the_items_in_flight_finish(
    mock: LightMock, tmp_path: Path, driver: str
) -> None:
    """No item is sent unjournaled; each one sent gets its result; then the journal's error."""
    path = tmp_path / "journal.sqlite3"
    rows = [(mock.customer_id, {"description": f"Row {n}"}) for n in range(20)]
    results: dict[int, BulkResult[Customer]] = {}
    with FullDisk(path, room=9) as journal, pytest.raises(sqlite3.OperationalError, match="full"):
        if driver == "async":
            async with client(mock) as light:
                async for result in light.customers.update_many(
                    rows, concurrency=4, journal=journal
                ):
                    results[result.index] = result
        else:
            with SyncLightClient(api_key=mock.api_key, base_url=mock.base_url) as blocking:
                for result in blocking.customers.update_many(rows, concurrency=4, journal=journal):
                    results[result.index] = result
    # The items taken before the journal failed, every one answered: none cancelled in flight.
    assert 0 < len(results) < 20 and sorted(results) == list(range(len(results)))
    assert {result.status for result in results.values()} == {"applied"}
    assert {result.idempotency_key for result in results.values()} == set(mock.stats.applied)
    with BulkJournal(path) as reopened:  # unrecorded outcomes stay in flight: sent again
        counts = reopened.counts()
    assert counts.get("applied", 0) < len(results) == sum(counts.values())
    async with client(mock) as light:
        again = await collect(light.customers.update_many(rows, journal=path))
    assert sum(result.status == "skipped" for result in again.values()) == counts["applied"]
    assert len(mock.stats.applied) == 20 and set(mock.stats.applied.values()) == {1}


def test_a_transaction_that_sqlite_rolled_back_raises_its_own_error(tmp_path: Path) -> None:
    """A full disk rolls the transaction back in SQLite: its error, not "cannot rollback"."""
    from light_client._core.sqlite import SQLiteFile

    store = SQLiteFile(
        tmp_path / "file.sqlite3", "CREATE TABLE IF NOT EXISTS t (n)", busy_timeout=1, private=True
    )
    with pytest.raises(sqlite3.OperationalError, match="disk is full"), store.transaction() as db:
        db.execute("INSERT INTO t VALUES (1)")
        db.execute("ROLLBACK")  # as SQLite does on SQLITE_FULL
        raise sqlite3.OperationalError("database or disk is full")
    with store.transaction() as db:  # and the connection goes on
        db.execute("INSERT INTO t VALUES (2)")
    assert store.query("SELECT n FROM t") == [(2,)]
    store.close()


@pytest.mark.parametrize("concurrency", [0, -1, 1.5, True])
def test_concurrency_is_checked(concurrency: Any) -> None:
    with (
        SyncLightClient(api_key="sk_test", base_url="http://127.0.0.1:9") as light,
        pytest.raises(ValueError, match="concurrency must be a whole number >= 1"),
    ):
        list(light.customers.update_many([], concurrency=concurrency))


def test_the_fields_of_an_item_are_those_of_update() -> None:
    """Keywords (models, enums, UNSET) and JSON names give the same body, hence the same key."""
    from light_client import UNSET, request_body
    from light_client.bulk._update_many import _Job, _Send
    from light_client.resources.customers import UPDATE_CUSTOMER

    job: _Job[Customer] = _Job(UPDATE_CUSTOMER, None)
    id_ = "5f0c6a8e-1b7d-4c1e-9a43-7f2d9a3b6c01"
    keywords = job.start(0, (id_, {"address": Address(city="Vejle"), "type_": "CONSUMER"}))
    names = job.start(0, (id_, {"address": {"city": "Vejle"}, "type": "CONSUMER", "name": UNSET}))
    assert isinstance(keywords, _Send) and isinstance(names, _Send)
    assert keywords.key == names.key
    fields = {name: value for name, value in keywords.params.items() if name != "idempotency_key"}
    assert keywords.params["idempotency_key"] == keywords.key
    body = request_body(UpdateCustomerRequest(**fields))
    assert body == '{"address":{"city":"Vejle"},"type":"CONSUMER"}'
