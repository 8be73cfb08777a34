"""The business-case builder: ``calculation`` (definitions and results, no database),
``services`` (writes) and ``selectors`` (reads)."""
