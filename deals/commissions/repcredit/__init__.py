"""Internal rep credit: partner-sourced won deals credited to the vendor's direct rep in whose
territory the customer sits, so direct sellers are paid for working with partners.

``models`` (``RepTerritory``, the table ops maintain), ``regions`` (a country's sales region),
``services`` (editing territories, audited), ``selectors`` (who gets the credit; the report).
"""
