"""Data imports: each source is a pure parser (file -> records + rejected rows) and a loader.

Parsers never touch the database; loaders write in one transaction and report what they did.
"""
