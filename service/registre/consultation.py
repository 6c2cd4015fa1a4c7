"""Pourquoi une identité est affichée : un motif pris dans une liste fermée, seul écrit au journal.

Le journal d'audit est indélébile : un texte libre (« vérifier Jade Martin ») y ferait entrer une
identité pour toute sa durée de conservation. On n'y écrit donc que le code du motif ; ce qu'une
personne voudrait préciser n'a pas sa place dans le journal.
"""

from __future__ import annotations

from enum import StrEnum

ENTETE_MOTIF = "X-Motif-Consultation"


class MotifConsultation(StrEnum):
    """Les motifs admis pour afficher une identité (fiche, liste, droit d'accès)."""

    VERIFICATION = "verification"
    PROCEDURE = "procedure"
    DEMANDE_FAMILLE = "demande_famille"
    CONTROLE_DPO = "controle_dpo"

    @property
    def libelle(self) -> str:
        return LIBELLES[self]


LIBELLES: dict[MotifConsultation, str] = {
    MotifConsultation.VERIFICATION: "Vérifier la situation de l'enfant (tri du cas, listes à contrôler)",
    MotifConsultation.PROCEDURE: "Faire avancer la procédure (transmission, contrôle, mise en demeure…)",
    MotifConsultation.DEMANDE_FAMILLE: "Répondre à une demande de la famille (droit d'accès, réclamation)",
    MotifConsultation.CONTROLE_DPO: "Contrôle par le délégué à la protection des données",
}


def motifs_admis() -> str:
    """La liste des codes et de leur sens, pour les messages d'erreur et la documentation."""
    return " ; ".join(f"{motif.value} ({motif.libelle})" for motif in MotifConsultation)
