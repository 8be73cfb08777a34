"""Leads the vendor passes to partners: ``services`` (writes) and ``selectors`` (reads)."""
