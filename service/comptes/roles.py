"""Les rôles et ce que chacun peut voir (DOMAINE.md). Tout ce qui n'est pas permis est refusé."""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    AGENT_COMMUNE = "agent_commune"
    REFERENT_DSDEN = "referent_dsden"
    DPO = "dpo"
    ADMINISTRATEUR = "administrateur"
    PILOTE = "pilote"


LIBELLES: dict[Role, str] = {
    Role.AGENT_COMMUNE: "agent communal désigné par le maire",
    Role.REFERENT_DSDEN: "référent de la DSDEN",
    Role.DPO: "délégué à la protection des données",
    Role.ADMINISTRATEUR: "administrateur technique",
    Role.PILOTE: "pilotage (indicateurs seulement)",
}
