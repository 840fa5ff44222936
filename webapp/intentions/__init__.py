"""Purchase intentions: pages (``views``), forms and the logic shared with the API."""
