"""MDF portal pages: the partner's funds, requests and claims (``partner``), the vendor's
decision queues (``review``), program operations' configuration and payments (``ops``) and the
program view with its export (``program``). Each view reads through the selectors (out of
scope → 404) and writes through one service call; refusals come back as form errors."""
