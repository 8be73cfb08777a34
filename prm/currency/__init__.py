"""Exchange rates to the program currency and the one conversion used wherever amounts in
several currencies are summed (``conversion.convert`` and ``conversion.sum_converted``).

Modules: ``models`` (``ExchangeRate``), ``conversion`` (the conversion and its named error),
``services`` (entering and importing rates, audited), ``selectors`` (reads).
"""
