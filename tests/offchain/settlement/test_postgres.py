"""The statement from a PostgreSQL index is the same bytes as from SQLite (the `pg` fixture: a
`svc db`-style local cluster; skipped, saying why, only where the server package is missing)."""

from servicecoin.settlement.document import canonical
from tests.offchain.index.test_postgres import pg, pg_url  # noqa: F401  (fixtures)
from tests.offchain.settlement.test_clearing import statement_of, worked_history


def test_postgres_statement_is_byte_identical(token, vault, alliance, house, merchant, merchant2, alice, bob, pg,
                                              db, index_into):
    worked_history(token, vault, alliance, house, merchant, merchant2, alice, bob)
    index_into(pg)
    index_into(db)
    for epoch in (0, 3):
        assert canonical(statement_of(pg, epoch)) == canonical(statement_of(db, epoch))
