"""Program analytics: the dashboard's set-based figures (``selectors``), its filters
(``filters``), and the quarterly business review and program summary PDFs (``reports``)."""
