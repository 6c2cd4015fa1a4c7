"""Les indicateurs se testent dans le même monde que le service : communes, comptes par rôle."""

from tests.service.conftest import monde, reglages

__all__ = ["monde", "reglages"]
