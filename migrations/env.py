"""Alembic environment: run by `infra.db.migrate`, which passes the connection to use.

There is no alembic.ini; `infra.db.migrate.alembic_config()` builds the configuration in code.
To write a new revision, autogenerate it against a database at head, for example::

    from alembic import command
    from infra.db.migrate import alembic_config, migrate
    from infra.db.engine import create_engine_for

    migrate(path)
    engine = create_engine_for(path)
    with engine.connect() as connection:
        config = alembic_config()
        config.attributes["connection"] = connection
        command.revision(config, "what changed", autogenerate=True)
"""

from typing import Any, Literal

from alembic import context
from sqlalchemy.types import TypeDecorator

from infra.db.tables import Base

config = context.config
target_metadata = Base.metadata


def render_item(kind: str, obj: Any, _context: Any) -> str | Literal[False]:
    """Write the app's column types as their storage types, so migrations never import app code."""
    if kind == "type" and isinstance(obj, TypeDecorator):
        return f"sa.{obj.impl!r}"
    return False


def run_migrations_offline() -> None:
    """Render SQL for `sqlalchemy.url` (default: SQLite) without a database."""
    context.configure(
        url=config.get_main_option("sqlalchemy.url", "sqlite://"),
        target_metadata=target_metadata,
        literal_binds=True,
        render_as_batch=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is None:
        raise RuntimeError(
            "no connection in config.attributes['connection']; run migrations through "
            "infra.db.migrate.migrate()"
        )
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=True,
        render_item=render_item,
    )
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
