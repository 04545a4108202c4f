"""SQLite database backend with a fair write lock (see ``base``)."""
