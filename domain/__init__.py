"""Pure domain: values, messages and rules. Imports nothing from actors/ or infra/."""
