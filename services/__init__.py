"""Application services: what the commands ask for, built from the domain and the adapters.

Evaluation on the simulator, the forecaster's set-up and the data behind `status` live here,
apart from the adapters in `infra/` (venues, the database, the LLM SDKs) and from the views in
`commands/`.
"""
