"""Search tables: the embedded index's document rows, the outbox, rebuild checkpoints and events.

The embedded backend keeps its term index next to `IndexedDocument` (an FTS5 virtual table on
SQLite; a tsvector column, a GIN index and a term table on PostgreSQL). Those are created by this
app's migrations through `search.backends.database.create_schema` and only ever touched by that
backend.
"""

from __future__ import annotations

import hashlib

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Kind(models.TextChoices):
    ARTICLE = "article", _("Article")
    TOPIC = "topic", _("Forum topic")


class IndexedDocument(models.Model):
    """One searchable document as the embedded backend stores it (display fields and ranking
    signals; the analysed terms live in the backend's own index tables, keyed by this row's id)."""

    doc_id = models.CharField(max_length=40, unique=True)  # "kb:12", "topic:34"
    kind = models.CharField(max_length=10, choices=Kind.choices)
    object_id = models.BigIntegerField()
    language = models.CharField(max_length=8, db_index=True)
    title = models.TextField()
    url = models.CharField(max_length=500)
    forum_id = models.IntegerField(null=True, blank=True)
    solved = models.BooleanField(default=False)
    votes = models.IntegerField(default=0)
    helpful_ratio = models.FloatField(null=True, blank=True)
    views = models.IntegerField(default=0)
    promoted_to = models.CharField(max_length=40, blank=True)
    # Translations of one article share a group ("kbt:<translation key>") and are listed as one
    # result; a topic's group is its own doc_id.
    group_key = models.CharField(max_length=60, db_index=True, default="")
    # What the document's vector must be made from: a hash of the embedder and the text
    # (search/backends/database/vectors.py). A vector whose hash differs is stale.
    embed_hash = models.CharField(max_length=16, blank=True, default="")
    updated_at = models.DateTimeField()
    indexed_at = models.DateTimeField(default=timezone.now)
    generation = models.IntegerField(default=0)  # rebuild generation that last wrote the row
    length = models.IntegerField(default=0)  # number of indexed terms (BM25 length norm on PG)

    class Meta:
        db_table = "search_document"
        indexes = [models.Index(fields=["kind", "language"], name="search_doc_kind_lang")]

    def __str__(self) -> str:
        return self.doc_id


class IndexedText(models.Model):
    """A document's plain-text body, for snippets. Kept out of `search_document` so ranking, which
    reads that table's row for every match, never wades through long texts."""

    document = models.OneToOneField(
        IndexedDocument, primary_key=True, on_delete=models.CASCADE, related_name="text", db_column="id"
    )
    body = models.TextField(blank=True)

    class Meta:
        db_table = "search_document_text"

    def __str__(self) -> str:
        return str(self.document_id)


class DocumentVector(models.Model):
    """A document's embedding (float32 bytes) as the embedded backend stores it. `text_hash` says
    what it was made from (embedder and text: equal to the document's `embed_hash` while current);
    `stamp` is the vector clock's value when it was written, so a process's in-memory matrix loads
    only what changed since its last look (search/backends/database/vectors.py)."""

    document = models.OneToOneField(
        IndexedDocument, primary_key=True, on_delete=models.CASCADE, related_name="vector", db_column="id"
    )
    model = models.CharField(max_length=100)
    text_hash = models.CharField(max_length=16)
    stamp = models.BigIntegerField(db_index=True)
    vector = models.BinaryField()

    class Meta:
        db_table = "search_vector"

    def __str__(self) -> str:
        return f"{self.document_id} ({self.model})"


class VectorClock(models.Model):
    """One row: bumped by every transaction that writes vectors, inside it. The row lock orders
    writers by commit, so a reader that has seen stamp N has seen every vector stamped <= N."""

    stamp = models.BigIntegerField(default=0)

    class Meta:
        db_table = "search_vector_clock"

    def __str__(self) -> str:
        return f"vector clock {self.stamp}"


class OutboxEntry(models.Model):
    """"Document X may have changed": written in the same transaction as the change.

    Rows are append-only; the worker re-reads the document's current state, applies it, and deletes
    the rows it has seen. A failed apply keeps the rows with a growing back-off: never dropped.
    """

    doc_id = models.CharField(max_length=40, db_index=True)
    reason = models.CharField(max_length=40, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(default=timezone.now, db_index=True)
    last_error = models.TextField(blank=True)

    class Meta:
        db_table = "search_outbox"
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.doc_id} ({self.reason})"


class RebuildState(models.Model):
    """Checkpoint of `search_reindex`: a rebuild interrupted at any point resumes from here."""

    backend = models.CharField(max_length=100, unique=True)
    generation = models.IntegerField(default=0)
    running = models.BooleanField(default=False)
    phase = models.CharField(max_length=10, blank=True)  # "article" or "topic"
    last_object_id = models.BigIntegerField(default=0)
    processed = models.IntegerField(default=0)
    total = models.IntegerField(default=0)
    analysis_version = models.IntegerField(default=0)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        db_table = "search_rebuild"

    def __str__(self) -> str:
        return f"{self.backend} generation {self.generation}"


class SearchEvent(models.Model):
    """An analytics event: rows, not log lines (the staff dashboard is built on them).

    Every search writes a `search` row. The other types are for the deflection flow: a suggestion
    list was shown, one was clicked, the reader said it solved the problem, or they opened a ticket
    or posted a forum topic anyway; `doc_id` names the document concerned and `session_hash` ties a
    visit together.
    """

    class Type(models.TextChoices):
        SEARCH = "search", _("Search")
        SUGGESTIONS_SHOWN = "shown", _("Suggestions shown")
        CLICK = "click", _("Result clicked")
        SOLVED = "solved", _("Solved my problem")
        TICKET_OPENED = "ticket", _("Ticket opened")
        TOPIC_CREATED = "topic", _("Topic posted")

    class Source(models.TextChoices):
        SEARCH_PAGE = "search_page", _("Search page")
        HEADER = "header", _("Header search box")
        ASK_FORM = "ask_form", _("Ask the community form")
        TICKET_FORM = "ticket_form", _("Ticket form")
        API = "api", _("API")

    event_type = models.CharField(max_length=10, choices=Type.choices, default=Type.SEARCH)
    query = models.CharField(max_length=500, blank=True)
    normalized_query = models.CharField(max_length=500, blank=True, db_index=True)
    language = models.CharField(max_length=8, blank=True)
    source = models.CharField(max_length=20, choices=Source.choices, default=Source.API)
    result_count = models.IntegerField(null=True, blank=True)
    doc_id = models.CharField(max_length=40, blank=True)
    session_hash = models.CharField(max_length=64, blank=True, db_index=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        db_table = "search_event"
        indexes = [models.Index(fields=["event_type", "created_at"], name="search_event_type_time")]

    def __str__(self) -> str:
        return f"{self.event_type}: {self.query!r}"

    @staticmethod
    def hash_session(session_key: str | None) -> str:
        """A stable, non-reversible id for a session (the raw key would let a DB reader hijack it)."""
        if not session_key:
            return ""
        salted = f"{settings.SECRET_KEY}:search-event:{session_key}"
        return hashlib.sha256(salted.encode()).hexdigest()[:40]
