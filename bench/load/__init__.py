"""The load test: ``python -m bench.load`` (``make loadtest``). See ``__main__`` and the README."""
