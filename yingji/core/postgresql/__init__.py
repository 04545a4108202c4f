"""PostgreSQL database backend whose health check skips connections in use (see ``base``)."""
