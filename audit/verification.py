"""Vérification complète du journal : chaîne, numérotation, heures, points de contrôle, purges,
compteur d'écritures.

Tout est recalculé depuis le contenu des lignes ; rien de ce que la base affirme n'est cru sur
parole, sauf ce qui est signé par une clé de confiance. La première anomalie (dans l'ordre des
entrées) est nommée.
"""

from __future__ import annotations

import json
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa

from audit.canonique import ORIGINE, chainer, contenu_entree, segment_de
from audit.erreurs import CleInvalide
from audit.evenement import Action
from audit.installation import RETENTION_MIN_MOIS
from audit.signature import PointDeControle
from audit.tables import journal, points_de_controle, purges, verrou

_LOT = 10_000
_COMPTEUR = sa.select(verrou.c.ecritures).where(verrou.c.id == 1)


@dataclass(frozen=True)
class Anomalie:
    """La première entrée fautive et ce qui lui est arrivé."""

    sequence: int
    motif: str


@dataclass(frozen=True)
class Rapport:
    """Le résultat d'une vérification."""

    entrees: int
    premiere: int | None
    taille: int
    tete: str
    points_verifies: int
    segments_purges: tuple[str, ...]
    anomalie: Anomalie | None
    remarques: tuple[str, ...] = field(default=())

    @property
    def intact(self) -> bool:
        """Vrai si aucune altération n'a été trouvée."""
        return self.anomalie is None

    def resume(self) -> str:
        """Le résumé lisible par le DPO."""
        if self.anomalie is not None:
            lignes = [f"JOURNAL ALTÉRÉ — entrée n° {self.anomalie.sequence} : {self.anomalie.motif}"]
        elif self.entrees:
            lignes = [
                f"Journal intact : {self.entrees} entrées (n° {self.premiere} à n° {self.taille}), "
                f"tête {self.tete[:16]}…, {self.points_verifies} point(s) de contrôle signé(s) concordant(s)."
            ]
        else:
            lignes = ["Journal intact : aucune entrée."]
        if self.segments_purges:
            lignes.append(
                f"Segments purgés (fin de conservation, attestés par point signé) : "
                f"{', '.join(self.segments_purges)}."
            )
        lignes += list(self.remarques)
        return "\n".join(lignes)


_ENTREES = sa.select(
    journal.c.sequence,
    journal.c.heure,
    journal.c.segment,
    journal.c.acteur,
    journal.c.role,
    journal.c.action,
    journal.c.cible_type,
    journal.c.cible_id,
    journal.c.motif,
    journal.c.resultat,
    journal.c.requete,
    journal.c.details,
    journal.c.hachage,
).order_by(journal.c.sequence)


class _Parcours:
    """La chaîne recalculée entrée par entrée, dans l'ordre des numéros."""

    def __init__(self, par_taille: dict[int, list[PointDeControle]]) -> None:
        self.par_taille = par_taille
        self.premiere: int | None = None
        self.attendue = 1
        self.precedente = ORIGINE
        self.heure_precedente = ""
        self.entrees = 0
        self.concordants = 0
        self.dernier_point_concordant = 0
        self.purges_tracees: list[tuple[int, str, str | None, dict[str, Any]]] = []

    def repartir(self, sequence: int, tete: str) -> None:
        """La chaîne reprend à ``sequence``, après la tête ``tete`` attestée par un point signé."""
        self.attendue = sequence
        self.precedente = tete
        self.dernier_point_concordant = sequence - 1

    def examiner(self, ligne: Sequence[Any]) -> Anomalie | None:
        """Vérifie une ligne de ``_ENTREES`` ; renvoie l'anomalie trouvée, sinon avance la chaîne."""
        sequence, heure, segment, acteur, role, action, cible_type, cible_id, *suite = ligne
        motif, resultat, requete, details, hachage = suite
        if self.premiere is None:
            self.premiere = sequence
        if sequence != self.attendue:
            return Anomalie(self.attendue, f"l'entrée n° {self.attendue} manque (supprimée)")
        try:
            donnees = json.loads(details)
            contenu = contenu_entree(
                sequence=sequence,
                heure=heure,
                acteur=acteur,
                role=role,
                action=action,
                cible_type=cible_type,
                cible_id=cible_id,
                motif=motif,
                resultat=resultat,
                requete=requete,
                details=donnees,
            )
        except (ValueError, TypeError):
            return Anomalie(sequence, "entrée illisible (détails qui ne sont plus du JSON)")
        empreinte = chainer(self.precedente, contenu)
        if empreinte != hachage:
            return Anomalie(
                sequence,
                "empreinte incohérente : l'entrée a été modifiée, insérée ou déplacée "
                "(ou l'entrée précédente a été réécrite)",
            )
        if heure < self.heure_precedente or segment != segment_de(heure):
            return Anomalie(sequence, "heure ou segment incohérent avec l'ordre des entrées")
        for point in self.par_taille.get(sequence, ()):
            if point.tete != empreinte:
                return Anomalie(
                    self.dernier_point_concordant + 1,
                    f"journal réécrit entre l'entrée n° {self.dernier_point_concordant + 1} et "
                    f"l'entrée n° {sequence} : la tête ne correspond plus au point de contrôle signé "
                    f"du {point.heure}",
                )
            self.concordants += 1
            self.dernier_point_concordant = sequence
        if action == Action.PURGE_JOURNAL.value:
            self.purges_tracees.append((sequence, heure, cible_id, donnees))
        self.precedente = empreinte
        self.heure_precedente = heure
        self.attendue = sequence + 1
        self.entrees += 1
        return None


def _points_de_confiance(
    connexion: sa.Connection, cles: Collection[str], anomalies: list[Anomalie]
) -> list[PointDeControle]:
    points = [
        PointDeControle(ligne.taille, ligne.tete, ligne.heure, ligne.cle_publique, ligne.signature)
        for ligne in connexion.execute(sa.select(points_de_controle).order_by(points_de_controle.c.taille))
    ]
    if points and not cles:
        raise CleInvalide(
            "Aucune clé de confiance pour vérifier les points de contrôle signés : "
            "donnez le point de contrôle gardé par le DPO (--point-de-controle) ou restaurez la clé."
        )
    valides = []
    for point in points:
        if point.cle_publique not in cles:
            anomalies.append(
                Anomalie(point.taille, f"point de contrôle du {point.heure} signé par une clé inconnue")
            )
        elif not point.signature_valide():
            anomalies.append(
                Anomalie(point.taille, f"point de contrôle du {point.heure} à la signature invalide (forgé)")
            )
        else:
            valides.append(point)
    return valides


def verifier(
    connexion: sa.Connection, *, cles: Collection[str], point_externe: PointDeControle | None = None
) -> Rapport:
    """Recalcule tout le journal.

    ``cles`` : clés publiques de confiance (hexadécimal). ``point_externe`` : un point de contrôle
    gardé hors du système (par le DPO) ; sa signature doit être valide et sa clé de confiance.
    """
    anomalies: list[Anomalie] = []
    remarques: list[str] = []
    points = _points_de_confiance(connexion, cles, anomalies)
    if point_externe is not None:
        if point_externe.cle_publique not in cles or not point_externe.signature_valide():
            anomalies.append(
                Anomalie(
                    point_externe.taille,
                    "le point de contrôle fourni a une signature invalide ou une clé non reconnue "
                    "(fichier retouché ?)",
                )
            )
        else:
            points.append(point_externe)
    par_taille: dict[int, list[PointDeControle]] = {}
    for point in points:
        par_taille.setdefault(point.taille, []).append(point)
    lignes_purges = connexion.execute(sa.select(purges).order_by(purges.c.derniere_sequence)).all()
    # Compteur lu avant et après le parcours : des ajouts concurrents le font seulement avancer.
    compteur_avant = connexion.execute(_COMPTEUR).scalar()

    parcours = _Parcours(par_taille)
    rompu = False
    a_justifier: tuple[int, str, str] | None = None
    resultat = connexion.execute(_ENTREES, execution_options={"stream_results": True, "yield_per": _LOT})
    for ligne in resultat:
        if parcours.premiere is None and ligne[0] > 1:
            # Le début du journal a été purgé : la chaîne repart d'un point signé.
            depart, tete, segment = _depart_apres_purge(
                ligne[0], ligne[1], par_taille, lignes_purges, anomalies
            )
            parcours.repartir(depart, tete)
            if segment is not None:
                a_justifier = (depart - 1, tete, segment)
        anomalie = parcours.examiner(ligne)
        if anomalie is not None:
            anomalies.append(anomalie)
            rompu = True
            break
    resultat.close()
    taille, tete = parcours.attendue - 1, parcours.precedente
    if parcours.premiere is None and lignes_purges:
        # Journal vide : une vraie purge laisse toujours son propre événement, qui n'expire pas avec
        # les segments qu'elle supprime.
        taille, tete = int(lignes_purges[-1].derniere_sequence), str(lignes_purges[-1].tete)
        anomalies.append(_disparues(lignes_purges, taille))
    if not rompu and a_justifier is not None and not _purge_tracee(parcours, *a_justifier):
        anomalies.append(_disparues(lignes_purges, a_justifier[0]))
    if not rompu:
        anomalies += _comparer_compteur(taille, compteur_avant, connexion.execute(_COMPTEUR).scalar())
        for point in points:
            if point.taille > taille:
                anomalies.append(
                    Anomalie(
                        taille + 1,
                        f"journal tronqué : le point de contrôle signé du {point.heure} atteste "
                        f"{point.taille} entrées, il n'en reste que {taille} "
                        f"(entrées n° {taille + 1} à n° {point.taille} disparues)",
                    )
                )
    premiere = parcours.premiere
    if point_externe is not None and premiere is not None and point_externe.taille < premiere - 1:
        remarques.append(
            "Le point de contrôle fourni précède les segments purgés depuis : il ne peut plus être "
            "comparé ; gardez un point de contrôle plus récent."
        )
    return Rapport(
        entrees=parcours.entrees,
        premiere=premiere,
        taille=taille,
        tete=tete,
        points_verifies=parcours.concordants,
        segments_purges=tuple(str(ligne.segment) for ligne in lignes_purges),
        anomalie=min(anomalies, key=lambda anomalie: anomalie.sequence, default=None),
        remarques=tuple(remarques),
    )


def _comparer_compteur(taille: int, avant: int | None, apres: int | None) -> list[Anomalie]:
    """Le numéro de la dernière entrée doit être celui du compteur d'écritures (purges comprises,
    puisqu'une purge ne renumérote rien) : moins, la fin du journal a été coupée ; plus, des entrées
    ont été ajoutées sans passer par le journal."""
    if avant is None or apres is None:
        return [
            Anomalie(
                taille + 1,
                "le compteur d'écritures du journal a disparu (ligne audit_verrou supprimée) : "
                "la fin du journal ne peut plus être contrôlée",
            )
        ]
    if taille < avant:
        return [
            Anomalie(
                taille + 1,
                f"journal tronqué : le compteur d'écritures compte {avant} entrées, le journal s'arrête "
                f"à l'entrée n° {taille} (entrées n° {taille + 1} à n° {avant} disparues)",
            )
        ]
    if taille > apres:
        ajoutees = (
            f"entrée n° {taille} ajoutée"
            if taille == apres + 1
            else (f"entrées n° {apres + 1} à n° {taille} ajoutées")
        )
        return [
            Anomalie(
                apres + 1,
                f"{ajoutees} hors du journal : le compteur d'écritures n'en compte que {apres}",
            )
        ]
    return []


def _depart_apres_purge(
    premiere: int,
    heure_premiere: str,
    par_taille: dict[int, list[PointDeControle]],
    lignes_purges: Sequence[sa.Row[Any]],
    anomalies: list[Anomalie],
) -> tuple[int, str, str | None]:
    """(numéro attendu, empreinte précédente, segment purgé) pour une chaîne qui commence après des purges.

    Les entrées avant ``premiere`` ne sont excusées que par une purge enregistrée dont la borne
    est attestée par un point de contrôle signé de confiance, signé au plus tôt à l'heure de la
    première entrée restante (``heure_premiere``) : c'est le cas du point écrit à la clôture du
    mois ou lors de la purge, jamais celui d'un point périodique signé en cours de mois, qu'un
    attaquant pourrait sinon prendre pour borne d'une purge inventée. La purge doit aussi être
    tracée dans le journal restant (voir ``_purge_tracee``) ; le segment rendu sert à le vérifier.
    """
    borne = premiere - 1
    purge = next((ligne for ligne in lignes_purges if int(ligne.derniere_sequence) == borne), None)
    attestations = {point.tete for point in par_taille.get(borne, []) if point.heure >= heure_premiere}
    if purge is not None and len(attestations) == 1 and str(purge.segment) < segment_de(heure_premiere):
        return premiere, attestations.pop(), str(purge.segment)
    anomalie = _disparues(lignes_purges, borne)
    anomalies.append(anomalie)
    return anomalie.sequence, ORIGINE, None


def _disparues(lignes_purges: Sequence[sa.Row[Any]], borne: int) -> Anomalie:
    debut = max(
        (int(b.derniere_sequence) for b in lignes_purges if int(b.derniere_sequence) < borne), default=0
    )
    return Anomalie(
        debut + 1,
        f"les entrées n° {debut + 1} à n° {borne} ont disparu sans purge attestée "
        "par un point de contrôle signé",
    )


def _purge_tracee(parcours: _Parcours, borne: int, tete: str, segment: str) -> bool:
    """Vrai si le journal restant contient l'événement de cette purge, couvert par un point signé
    concordant, et daté d'au moins ``RETENTION_MIN_MOIS`` mois après le segment purgé.

    Sans cela, un attaquant effacerait le début du journal jusqu'à n'importe quelle clôture de mois
    récente ; un événement qu'il ajouterait en fin de journal n'est couvert par aucun point signé.
    """
    for sequence, heure, cible_id, details in parcours.purges_tracees:
        if (
            sequence <= parcours.dernier_point_concordant
            and cible_id == segment
            and details.get("derniere_sequence") == borne
            and details.get("tete") == tete
            and segment < _mois_avant(segment_de(heure), RETENTION_MIN_MOIS)
        ):
            return True
    return False


def _mois_avant(segment: str, mois: int) -> str:
    rang = int(segment[:4]) * 12 + int(segment[5:7]) - 1 - mois
    return f"{rang // 12:04d}-{rang % 12 + 1:02d}"
