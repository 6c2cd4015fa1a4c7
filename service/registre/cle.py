"""La clé pseudonyme d'un enfant : HMAC de son identité normalisée.

Elle retrouve le même enfant d'une campagne à l'autre (même cas), et permet au DPO de chercher
une personne pour le droit d'accès, sans que l'identité soit lisible dans la base.
"""

from __future__ import annotations

import hashlib
import hmac
from datetime import date

from conventions.texte import normaliser


def cle_enfant(
    cle: bytes,
    *,
    nom: str | None,
    prenoms: str | None,
    date_naissance: date | None,
    complements: tuple[str | None, ...] = (),
) -> str:
    """Nom normalisé, premier prénom normalisé, date de naissance : même enfant, même clé.

    ``complements`` (sexe, allocataire, adresse…) s'ajoutent à la forme quand l'identité est
    incomplète : deux enfants d'une liste sans prénom ni date ne se confondent pas en un seul cas.
    Sans eux, la clé est celle d'avant (les cas déjà ouverts sont retrouvés).
    """
    premier_prenom = normaliser(prenoms or "").split(" ")[0]
    forme = "|".join(
        (
            normaliser(nom or "").replace(" ", ""),
            premier_prenom,
            date_naissance.isoformat() if date_naissance else "",
            *(normaliser(complement or "") for complement in complements),
        )
    )
    return hmac.new(cle, forme.encode("utf-8"), hashlib.sha256).hexdigest()
