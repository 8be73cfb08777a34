"""Partner scorecards: weighted templates, quarterly snapshots per partner, channel account
manager ratings, the vendor's own obligations and the focus view."""
