"""Ingestion: reading providers' files, checking every value against the schema, landing rows in raw."""
