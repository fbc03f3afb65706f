"""History: one run report per commit in a folder (``store``), the series it holds
(``series``), a static dashboard of them (``dashboard``, ``pages``, ``sparkline``), the commit
that changed a metric (``bisect``), and the pull request's comment (``comment``).

Import the module you need: ``comment`` loads pandas, the others do not."""
