"""How a complaint's text is indexed for English full-text search.

PostgreSQL keeps `Complaint.search_vector`, a stored generated column holding
`to_tsvector('english', title || ' ' || description)`, behind a GIN index (complaints
migration 0009): a search for an English word is then an index lookup whose cost does not grow
with the number of complaints containing the word. Chinese has no spaces between words, so the
English parser sees a run of Chinese characters as one token; Chinese is matched through the
trigram indexes instead (migration 0004, `tickets.selectors.search_filter`).

The expression is written out rather than built from `SearchVector`: a generated column needs
an immutable expression, and this one (`to_tsvector(regconfig, text)`) is. On any other
database it is NULL, so the same model and migration work on SQLite, where search falls back
to `icontains`.
"""

from django.db.models import F, Func

SEARCH_CONFIG = "english"


class EnglishDocument(Func):
    """`to_tsvector('english', coalesce(title, '') || ' ' || coalesce(description, ''))`."""

    function = "to_tsvector"
    arg_joiner = ", '') || ' ' || COALESCE("
    template = f"%(function)s('{SEARCH_CONFIG}'::regconfig, COALESCE(%(expressions)s, ''))"

    def __init__(self, **extra):
        super().__init__(F("title"), F("description"), **extra)

    def as_sql(self, compiler, connection, **extra_context):
        if connection.vendor != "postgresql":
            return "NULL", []
        return super().as_sql(compiler, connection, **extra_context)
