"""Program-ops commission pages: plans and rules, spiffs, overrides, runs, statements and
payouts, rep territories and the rep credit report. Each view reads through selectors (ops
only, 404 otherwise) and writes through one service call; refusals come back as form errors."""
