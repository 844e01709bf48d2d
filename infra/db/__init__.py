"""Durable storage: SQLite (WAL) through SQLAlchemy, schema managed by Alembic."""
