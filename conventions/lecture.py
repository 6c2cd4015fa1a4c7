"""Point d'entrée de la lecture : des octets et un profil (ou une convention) vers une ``Lecture``."""

from __future__ import annotations

from datetime import date

from conventions.brut import Brut
from conventions.canonique import Cadre, canoniser, table_vide
from conventions.convention import Convention
from conventions.erreurs import FichierRefuse, UsageRefuse
from conventions.lecteur_csv import extraire_csv
from conventions.lecteur_siecle import extraire_siecle
from conventions.profil import Profil
from conventions.rapport import Lecture, Rapport


def _cadre(source: Profil | Convention, aujourd_hui: date) -> Cadre:
    if isinstance(source, Convention):
        return Cadre(
            profil=source.profil,
            aujourd_hui=aujourd_hui,
            mode=source.mode,
            champs_autorises=source.champs_autorises,
            convention=source.identifiant,
            source=source.source,
        )
    return Cadre(profil=source, aujourd_hui=aujourd_hui, mode=source.mode)


def lire(
    octets: bytes,
    source: Profil | Convention,
    *,
    aujourd_hui: date,
    commune: str | None = None,
) -> Lecture:
    """Lit un fichier donné en octets (jamais un chemin) en table canonique et rapport.

    Avec une convention, le fichier est refusé si ``aujourd_hui`` est hors de ses dates de
    validité, ou si ``commune`` est donnée et n'est pas couverte. Ne lève pas pour un fichier
    mauvais : le refus est dans ``Lecture.rapport.refus``, en français, sans aucune valeur lue.
    """
    cadre = _cadre(source, aujourd_hui)
    try:
        if isinstance(source, Convention):
            if commune is None:
                source.verifier_validite(aujourd_hui)
            else:
                source.verifier_usage(commune, aujourd_hui)
        brut: Brut
        if cadre.profil.format == "siecle":
            brut = extraire_siecle(octets, cadre.profil, aujourd_hui)
        else:
            brut = extraire_csv(octets, cadre.profil)
        return canoniser(brut, cadre)
    except (FichierRefuse, UsageRefuse) as refus:
        return Lecture(table=table_vide(cadre.profil.table), rapport=Rapport(refus=refus.message))
