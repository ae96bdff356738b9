"""Bulk updates: ``update_many`` (many updates at the client's pace, one result each, resumable
with a ``BulkJournal``) and the rows of a CSV or JSON Lines file as its items.

- ``_update_many``: the async and the blocking driver, and the job they share;
- ``_journal``: where a job records each item's key and outcome (SQLite);
- ``_rows``: reading and checking a file's rows (the ``light-client`` command line).
"""

from ._journal import BulkJournal
from ._update_many import BulkResult, BulkStatus

__all__ = ["BulkJournal", "BulkResult", "BulkStatus"]
