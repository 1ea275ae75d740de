"""Django 4.2's SQLite backend with BEGIN IMMEDIATE, which 5.1+ has as the
``transaction_mode`` option: write transactions take the lock at BEGIN and wait for it
(``timeout``) instead of failing with "database is locked" when a read upgrades."""
