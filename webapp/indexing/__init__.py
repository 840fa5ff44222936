"""What turns the database into search documents and keeps the index current.

The engine (``search``) knows documents, not models; this package reads the models
(``records``: plain SQL rows for speed), builds one document per enterprise
(``documents``), names the places a query may ask about (``places``) and drains the
outbox into the engine (``sync``).
"""
