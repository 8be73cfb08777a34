"""The vendor's customer accounts and opportunities: ``services`` (writes) and
``selectors`` (reads)."""
