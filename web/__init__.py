"""The web dashboard's views: the page, its JSON, /metrics and /healthz (`pm-trader dashboard`,
or the running bot with `dashboard.serve`). Every figure comes from the services the command
line uses, read from the book read-only."""
