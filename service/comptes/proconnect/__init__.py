"""La connexion ProConnect des agents publics (issue n° 20).

``fournisseur`` parle OpenID Connect avec ProConnect et prouve l'identité ; ``entree`` décide quel
compte cellule s'ouvre (ou pourquoi aucun) ; ``temoin`` scelle ce que le navigateur garde entre
l'aller et le retour. ``client_du_service`` rend le client des réglages ``CELLULE_PROCONNECT_*``.
"""

from __future__ import annotations

import threading

from service.comptes.proconnect.fournisseur import ClientProConnect
from service.parametres import ReglagesService

_verrou = threading.Lock()
_clients: dict[tuple[str, str, str, tuple[str, ...]], ClientProConnect] = {}


def client_du_service(reglages: ReglagesService) -> ClientProConnect | None:
    """Le client ProConnect des réglages (gardé : découverte et clés restent en cache) ; ``None``
    quand ProConnect n'est pas réglé."""
    if not reglages.proconnect_configure() or reglages.proconnect_client_secret is None:
        return None
    secret = reglages.proconnect_client_secret.get_secret_value()
    cle = (reglages.proconnect_url, reglages.proconnect_client_id, secret, tuple(reglages.proconnect_acr))
    with _verrou:
        if cle not in _clients:
            _clients[cle] = ClientProConnect(
                reglages.proconnect_url, reglages.proconnect_client_id, secret, reglages.proconnect_acr
            )
        return _clients[cle]
