"""Paper trading: real market data, simulated orders, an account of its own (no keys)."""
