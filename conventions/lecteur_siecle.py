"""Lecteur SIECLE : ElevesSansAdresses.xml / ElevesAvecAdresses.xml, par defusedxml.

Les octets sont donnés tels quels à l'analyseur, qui suit l'encodage déclaré dans le prologue.
Toute DTD, toute entité et toute référence externe sont refusées (XXE, « billion laughs »).
"""

from __future__ import annotations

from datetime import date, datetime
from xml.etree.ElementTree import Element, ParseError

import defusedxml
import polars as pl
from defusedxml import ElementTree

from conventions.brut import LIGNE, Brut, colonne, refuser_si_vide_ou_binaire
from conventions.erreurs import FichierRefuse
from conventions.profil import Profil

_ILLISIBLE = "_sortie_illisible"


def _analyser(octets: bytes) -> Element:
    try:
        return ElementTree.fromstring(octets, forbid_dtd=True)
    except (defusedxml.DTDForbidden, defusedxml.EntitiesForbidden, defusedxml.ExternalReferenceForbidden):
        raise FichierRefuse(
            "Le fichier XML contient une déclaration DTD ou des entités, interdites par sécurité "
            "(un export SIECLE n'en a jamais). Ne l'utilisez pas : demandez un nouvel export à "
            "l'établissement."
        ) from None
    except ParseError as erreur:
        ligne = erreur.position[0] if erreur.position else 0
        raise FichierRefuse(
            f"Le fichier n'est pas un XML lisible (erreur vers la ligne {ligne}). Vérifiez qu'il "
            "s'agit bien de ElevesSansAdresses.xml ou ElevesAvecAdresses.xml, exporté de SIECLE "
            "sans modification."
        ) from None
    except (LookupError, ValueError):
        raise FichierRefuse(
            "L'encodage déclaré en tête du fichier XML n'est pas reconnu. Demandez un nouvel export "
            "SIECLE (encodage ISO-8859-15 ou UTF-8)."
        ) from None


def _champs(eleve: Element) -> dict[str, str | None]:
    """Les éléments enfants et les attributs (préfixés « @ ») d'un élève, en un seul parcours."""
    champs: dict[str, str | None] = {f"@{nom}": valeur for nom, valeur in eleve.attrib.items()}
    for enfant in eleve:
        champs.setdefault(enfant.tag, enfant.text or "")
    return champs


def _date(texte: str, formats: tuple[str, ...]) -> date | None:
    for format_date in formats:
        try:
            return datetime.strptime(texte, format_date).date()
        except ValueError:
            continue
    return None


def extraire_siecle(octets: bytes, profil: Profil, aujourd_hui: date) -> Brut:
    """Les élèves présents d'un export SIECLE ; les élèves sortis sont seulement comptés."""
    refuser_si_vide_ou_binaire(octets, "fichier XML SIECLE")
    racine = _analyser(octets)
    if racine.tag != "BEE_ELEVES":
        raise FichierRefuse(
            f"Ce fichier XML n'est pas un export SIECLE des élèves (racine « {racine.tag} », "
            "« BEE_ELEVES » attendue). Déposez ElevesSansAdresses.xml ou ElevesAvecAdresses.xml."
        )
    eleves = racine.findall("DONNEES/ELEVES/ELEVE")
    cles = list(profil.colonnes)
    valeurs: dict[str, list[str | None]] = {cle: [] for cle in cles}
    lignes: list[int] = []
    illisibles: list[bool] = []
    # Les noms des éléments de chaque élève (jamais leurs valeurs), pour classer ceux du profil
    # et les autres ; un dict garde l'ordre du fichier.
    noms: dict[str, None] = {}
    sortis = 0
    for rang, eleve in enumerate(eleves, start=1):
        champs = _champs(eleve)
        noms.update(dict.fromkeys(champs))
        sortie_texte = (champs.get(profil.colonne_sortie) or "").strip() if profil.colonne_sortie else ""
        sortie = _date(sortie_texte, profil.formats_date) if sortie_texte else None
        if sortie is not None and sortie <= aujourd_hui:
            sortis += 1
            continue
        lignes.append(rang)
        illisibles.append(bool(sortie_texte) and sortie is None)
        for cle in cles:
            valeurs[cle].append(champs.get(cle))
    presentes = [cle for cle in cles if any(valeur is not None for valeur in valeurs[cle])]
    donnees = pl.DataFrame(
        {
            LIGNE: pl.Series(lignes, dtype=pl.Int64),
            _ILLISIBLE: pl.Series(illisibles, dtype=pl.Boolean),
            **{
                colonne(position): pl.Series(valeurs[cle], dtype=pl.Utf8)
                for position, cle in enumerate(presentes)
            },
        }
    )
    anomalies = []
    if profil.colonne_sortie:
        anomalies.append((pl.col(_ILLISIBLE), profil.colonne_sortie, "date de sortie illisible"))
    uai = (racine.findtext("PARAMETRES/UAJ") or "").strip()
    extraits = {*cles, profil.colonne_sortie}
    return Brut(
        donnees=donnees,
        entetes=presentes,
        anomalies=anomalies,
        fixes={"uai": uai} if uai else {},
        sortis=sortis,
        non_extraites=[nom for nom in noms if nom not in extraits],
    )
