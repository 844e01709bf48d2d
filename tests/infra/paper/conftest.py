from tests.infra.sim.conftest import auth, http, rsa_key, sim

__all__ = ["auth", "http", "rsa_key", "sim"]
