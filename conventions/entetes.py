"""Les en-têtes d'un fichier, classés : lus, connus et non lus, inconnus, interdits.

Seuls les noms des en-têtes sont examinés ici, jamais une cellule : le rapport qui en sort peut
citer un en-tête, jamais une valeur.
"""

from __future__ import annotations

from dataclasses import dataclass

from conventions.brut import Brut, colonne
from conventions.erreurs import FichierRefuse
from conventions.profil import CHAMPS_TECHNIQUES, Profil
from conventions.texte import normaliser

# Mots (en-tête normalisé, découpé en mots) qui désignent une donnée que la loi interdit de
# transmettre pour ce contrôle : identifiant de sécurité sociale, nationalité, santé, handicap,
# religion, aides sociales.
_MOTS_SENSIBLES = frozenset(
    {
        "nir",
        "nss",
        "secu",
        "nationalite",
        "nationalites",
        "sante",
        "medical",
        "medicale",
        "medicaux",
        "maladie",
        "maladies",
        "handicap",
        "handicaps",
        "handicape",
        "handicapee",
        "religion",
        "religions",
        "religieux",
        "religieuse",
        "confession",
        "culte",
        "pai",
        "mdph",
        "aesh",
        "avs",
        "allergie",
        "allergies",
        "allergique",
        "bourse",
        "bourses",
        "boursier",
        "boursiere",
    }
)
_EXPRESSIONS_SENSIBLES = ("securite sociale", "pays de nationalite", "numero insee", "dossier medical")


@dataclass(frozen=True)
class Entetes:
    """Ce que la lecture fera de chaque en-tête.

    ``par_champ`` : pour chaque colonne canonique lue, les positions des colonnes du fichier qui la
    donnent. ``non_lues`` : en-têtes connus du profil présents dans le fichier et jamais lus (classe,
    autorisations…, ou champ que la convention n'autorise pas). ``inconnues`` : en-têtes que le
    profil ne connaît pas, ignorés (export officiel) et signalés dans le rapport.
    """

    par_champ: dict[str, list[int]]
    non_lues: list[str]
    inconnues: list[str]


def sensible(entete: str) -> bool:
    """Vrai quand le nom d'une colonne suggère une donnée interdite (« NIR », « Santé »…)."""
    cle = normaliser(entete)
    return bool(_MOTS_SENSIBLES.intersection(cle.split())) or any(
        expression in cle for expression in _EXPRESSIONS_SENSIBLES
    )


def _citer(noms: list[str]) -> str:
    return ", ".join(f"« {nom} »" for nom in noms)


def classer(
    brut: Brut, profil: Profil, *, champs_autorises: tuple[str, ...] | None, convention: str | None
) -> Entetes:
    """Classe les en-têtes ; lève ``FichierRefuse`` pour un en-tête inacceptable."""
    cibles = {normaliser(entete): cible for entete, cible in profil.colonnes.items()}
    rangs = {normaliser(entete): rang for rang, entete in enumerate(profil.colonnes)}
    ignorees = {normaliser(entete) for entete in profil.colonnes_ignorees}
    vues: set[str] = set()
    non_lues: list[str] = []
    inconnues: list[str] = []
    doubles: list[str] = []
    par_champ: dict[str, list[int]] = {}
    for position, entete in enumerate(brut.entetes):
        cle = normaliser(entete)
        if not cle:
            if brut.donnees.get_column(colonne(position)).str.strip_chars().fill_null("").eq("").all():
                continue
            raise FichierRefuse(
                f"La colonne n° {position + 1} n'a pas d'en-tête mais contient des valeurs. Donnez-lui "
                "son nom dans la première ligne du fichier, ou retirez-la, puis déposez-le à nouveau."
            )
        if cle in vues:
            doubles.append(entete.strip())
            continue
        vues.add(cle)
        if cle in cibles:
            par_champ.setdefault(cibles[cle], []).append(position)
        elif cle in ignorees:
            non_lues.append(entete.strip())
        else:
            inconnues.append(entete.strip())
    for entete in brut.non_extraites:
        (non_lues if normaliser(entete) in ignorees else inconnues).append(entete.strip())
    if not par_champ:
        # Sans aucun en-tête connu, la première ligne est sans doute une ligne de données :
        # ne jamais la citer, elle porterait une identité.
        raise FichierRefuse(
            f"La première ligne du fichier ne contient aucun des en-têtes du profil « {profil.nom} » "
            f"(par exemple {_citer(list(profil.colonnes)[:4])}). Le fichier n'a peut-être pas de ligne "
            "d'en-tête, ou ce n'est pas le bon profil : ajoutez la ligne d'en-tête ou choisissez le "
            "profil qui correspond au fichier."
        )
    if doubles:
        raise FichierRefuse(
            f"Les colonnes {_citer(doubles)} apparaissent deux fois dans l'en-tête. Gardez-en une "
            "seule de chaque, puis déposez le fichier à nouveau."
        )
    interdites = [entete for entete in inconnues if sensible(entete)]
    if interdites:
        raise FichierRefuse(
            f"Fichier refusé en entier : il contient {_citer(interdites)}, une donnée que la loi "
            "interdit de transmettre pour ce contrôle (numéro de sécurité sociale, nationalité, santé, "
            "handicap, religion, bourse…). Supprimez ce fichier et demandez au partenaire un nouvel "
            "export sans cette colonne."
        )
    if inconnues and profil.colonnes_inconnues == "refuser":
        raise FichierRefuse(
            f"Fichier refusé en entier : les colonnes {_citer(inconnues)} ne sont pas prévues par le "
            f"profil « {profil.nom} ». Un fichier qui porte plus que les champs autorisés n'est pas "
            "lu : demandez au partenaire un export sans ces colonnes, ou faites-les ajouter au profil "
            "de la convention si elles sont légitimes."
        )
    if champs_autorises is not None:
        hors_convention = [
            champ for champ in par_champ if champ not in champs_autorises and champ not in CHAMPS_TECHNIQUES
        ]
        interdits = [
            brut.entetes[position].strip() for champ in hors_convention for position in par_champ[champ]
        ]
        if interdits and profil.colonnes_inconnues == "refuser":
            raise FichierRefuse(
                f"Fichier refusé en entier : les colonnes {_citer(interdits)} ne font pas partie des "
                f"champs autorisés par la convention « {convention} » "
                f"({', '.join(champs_autorises)}). Demandez au partenaire un export sans ces "
                "colonnes, ou faites modifier la convention."
            )
        # Un export officiel porte toujours ses colonnes (l'adresse d'ONDE) : celles que la
        # convention n'autorise pas ne sont pas lues.
        for champ in hors_convention:
            del par_champ[champ]
        non_lues += interdits
    manquants = [champ for champ in profil.obligatoires if champ not in par_champ]
    if manquants:
        attendus = [
            f"{champ} (en-tête {' ou '.join(f'« {e} »' for e, c in profil.colonnes.items() if c == champ)})"
            for champ in manquants
        ]
        conseil = (
            "Vérifiez qu'il s'agit d'un export SIECLE des élèves complet."
            if profil.format == "siecle"
            else "Vérifiez la ligne d'en-tête (première ligne) et le séparateur du fichier, puis "
            "déposez-le à nouveau."
        )
        raise FichierRefuse(f"Colonnes obligatoires absentes : {'; '.join(attendus)}. {conseil}")
    return Entetes(
        par_champ={
            champ: sorted(positions, key=lambda p: rangs[normaliser(brut.entetes[p])])
            for champ, positions in par_champ.items()
        },
        non_lues=non_lues,
        inconnues=inconnues,
    )
