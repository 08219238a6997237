"""The service's database: models, sessions, migrations, and the only code that touches the DB.

``Store`` (``db.py``) owns the engine; the modules named for what they hold (``users``,
``courses``, ``assignments``, ``submissions``, ``jobs``) are the queries, each taking a
``Session``. Errors users see are ``StoreError`` subclasses (``errors.py``) carrying an HTTP
status and a message that says what to do.
"""
