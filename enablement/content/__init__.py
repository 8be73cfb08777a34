"""The content library: ``uploads`` (checked files), ``services`` (writes) and ``selectors``
(reads)."""
