"""The store: SQLAlchemy 2 tables mapped onto the domain, repositories, unit of work, Alembic."""
