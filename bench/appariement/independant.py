"""Jeu « indépendant » : des identités et des erreurs que le moteur n'a jamais vues.

Rien n'y vient du générateur ``fictif`` : ni listes de noms, ni fréquences, ni types d'écart.

**Identités.** Noms et prénoms viennent des listes de Faker (fournisseurs ``person`` de plusieurs
pays, transcrites en majuscules sans accents par endroits), tirés selon une loi de Zipf sur un ordre
mélangé par la graine (exposant 0,5 pour les noms, 0,7 pour les prénoms) ; 6 % de noms doubles
(deux noms de la même origine). Origines : France (fr_FR, fr_BE, fr_CH, fr_QC) 62 %, Algérie
(fr_DZ) 12 %, Afrique de l'Ouest (yo_NG, tw_GH) 6 %, Portugal et Brésil 5 %, Espagne, Italie,
Turquie et Azerbaïdjan, Europe centrale (sk_SK, hr_HR), Allemagne 3 % chacune. Foyers de 1 à 4
enfants (45, 35, 15, 5 %), 2 % de jumeaux parmi les foyers de deux enfants ou plus, 15 % d'enfants
qui portent un autre nom que l'allocataire. Adresses : ``street_address`` de Faker fr_FR, un code
postal par tranche de 15 000 enfants (codes 00xxx, qui n'existent pas). Écoles : 90 % des élèves
vont à une école de leur code postal, les autres n'importe où ; 8 % des familles ont déménagé
(l'école a l'ancienne adresse) ; l'école a l'adresse pour 70 % des moins de 11 ans, 35 % des autres.

**Population.** 1 % des enfants de la liste CAF hors de l'âge de l'obligation ; 1 % des enfants
soumis sur aucune liste (les absents) ; 0,5 % en instruction déclarée (liste à part, ``mode`` ief) ;
5 % d'élèves de plus sur les listes, absents de la liste CAF (autres foyers).

**Erreurs** (taux par fiche, côté école / côté CAF, tirés indépendamment ; une fiche peut en cumuler ;
``*`` : ``nom`` / ``prenom``, taux donnés dans cet ordre) :

| famille | ce qu'elle fait | école | CAF |
|---|---|---|---|
| ``clavier_*`` | lettre voisine AZERTY, ajoutée, ôtée ; voisines échangées | 2 / 1,5 % | 1 / 1 % |
| ``ocr_*`` | lecture : M/RN, D/CL, O/Q, I/L, E/F, U/V, H/LI, N/II | 0,5 / 0,3 % | 0,5 / 0,3 % |
| ``phonetique_*`` | même son : PH/F, Y/I, EAU/O, AI/E, QU/K, C/K, SS/S, LL/L… | 1,5 / 1 % | 1 / 1 % |
| ``troncature_*`` | nom coupé à 8-12 lettres, prénom à 5-8 | 0,5 / 0,3 % | 0,5 / 0,3 % |
| ``nom_partiel`` | un nom double réduit à une de ses parties | 35 % des doubles | 10 % |
| ``particule`` | particule (DE, LE, DA, DOS, DI, VAN, EL…) ôtée ou collée | 30 % de ces noms | 10 % |
| ``nom_parent`` | l'enfant connu sous le nom de l'allocataire | 2 % si distinct | — |
| (prénoms) | la CAF donne tous les prénoms à 70 %, l'école le premier seul à 60 % | — | — |
| ``prenom_usuel`` | l'école n'a que le second prénom | 1 % | — |
| ``echange`` | nom et prénom échangés | 0,5 % | 0,2 % |
| ``date_chiffre`` | un chiffre de JJMMAAAA remplacé | 1 % | 0,5 % |
| ``date_mois`` | le mois remplacé par un autre | 0,4 % | 0,2 % |
| ``date_jours`` | 1 à 10 jours d'écart | 0,5 % | 0,3 % |
| ``date_annee`` | un an d'écart | 0,3 % | 0,2 % |
| ``date_transposee`` | deux chiffres voisins de JJMMAAAA échangés | 0,3 % | 0,2 % |
| ``date_inversee`` | jour et mois échangés (jour ≤ 12) | 0,3 % | 0,2 % |
| ``date_manquante`` | date vide | 0,2 % | 0,3 % |
| ``sexe_manquant`` / ``sexe_faux`` | sexe vide / contraire | 2 / 0,3 % | 0,5 / 0,2 % |
| ``adresse`` | faute de frappe, ou abréviation (RUE → R, AVENUE → AV…) | 5 % | 5 % |

Une date faussée doit rester valide, entre 1990 et la date de référence (sinon l'erreur n'est pas
appliquée) : les logiciels des deux côtés refusent une date impossible ou à venir.

Les taux s'inspirent des ordres de grandeur publiés pour les corrupteurs de FEBRL et GeCo (fautes de
frappe et de lecture, variantes phonétiques, valeurs manquantes, champs échangés, troncatures),
sans reprendre leur code ni leurs tables. La vérité a la même forme que celle de ``fictif.generer``
(``ecarts`` : les familles d'erreurs des deux fiches, côté préfixé ``ecole:`` ou ``caf:``).
"""

from __future__ import annotations

import importlib
import random
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np
import polars as pl
from faker import Faker

from appariement.age import est_soumis

# Origine : (part, locales Faker des noms et prénoms).
ORIGINES: dict[str, tuple[float, tuple[str, ...]]] = {
    "france": (0.62, ("fr_FR", "fr_BE", "fr_CH", "fr_QC")),
    "algerie": (0.12, ("fr_DZ",)),
    "afrique_ouest": (0.06, ("yo_NG", "tw_GH")),
    "lusophone": (0.05, ("pt_PT", "pt_BR")),
    "espagne": (0.03, ("es_ES",)),
    "italie": (0.03, ("it_IT",)),
    "turquie": (0.03, ("tr_TR", "az_AZ")),
    "europe_centrale": (0.03, ("sk_SK", "hr_HR")),
    "allemagne": (0.03, ("de_DE",)),
}
PARTICULES = ("DE", "DU", "DES", "LE", "LA", "DA", "DOS", "DAS", "DI", "DEL", "VAN", "VON", "EL", "AL", "BEN")

# Taux (école, CAF) de chaque famille d'erreurs, par fiche.
TAUX: dict[str, tuple[float, float]] = {
    "clavier_nom": (0.02, 0.01),
    "clavier_prenom": (0.015, 0.01),
    "ocr_nom": (0.005, 0.005),
    "ocr_prenom": (0.003, 0.003),
    "phonetique_nom": (0.015, 0.01),
    "phonetique_prenom": (0.01, 0.01),
    "troncature_nom": (0.005, 0.005),
    "troncature_prenom": (0.003, 0.003),
    "nom_partiel": (0.35, 0.10),
    "particule": (0.30, 0.10),
    "nom_parent": (0.02, 0.0),
    "prenom_usuel": (0.01, 0.0),
    "echange": (0.005, 0.002),
    "date_chiffre": (0.01, 0.005),
    "date_mois": (0.004, 0.002),
    "date_jours": (0.005, 0.003),
    "date_annee": (0.003, 0.002),
    "date_transposee": (0.003, 0.002),
    "date_inversee": (0.003, 0.002),
    "date_manquante": (0.002, 0.003),
    "sexe_manquant": (0.02, 0.005),
    "sexe_faux": (0.003, 0.002),
    "adresse": (0.05, 0.05),
}

AZERTY = ("AZERTYUIOP", "QSDFGHJKLM", "WXCVBN")
OCR = (("M", "RN"), ("RN", "M"), ("D", "CL"), ("CL", "D"), ("O", "Q"), ("I", "L"), ("L", "I"),
       ("E", "F"), ("U", "V"), ("H", "LI"), ("N", "II"))  # fmt: skip
PHONETIQUE = (("PH", "F"), ("F", "PH"), ("Y", "I"), ("I", "Y"), ("EAU", "O"), ("AU", "O"), ("AI", "E"),
              ("QU", "K"), ("C", "K"), ("K", "C"), ("TH", "T"), ("SS", "S"), ("LL", "L"), ("TT", "T"),
              ("NN", "N"), ("S", "SS"), ("L", "LL"), ("T", "TT"), ("OU", "U"), ("EI", "E"))  # fmt: skip
ABREVIATIONS = (("RUE", "R"), ("AVENUE", "AV"), ("BOULEVARD", "BD"), ("PLACE", "PL"), ("CHEMIN", "CH"),
                ("IMPASSE", "IMP"), ("ALLEE", "ALL"), ("ROUTE", "RTE"), ("SAINT", "ST"))  # fmt: skip


def _sans_accents(texte: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFD", texte) if not unicodedata.combining(c))


def _latin(texte: str) -> bool:
    return all(c in " -'" or unicodedata.name(c, "").startswith("LATIN") for c in texte)


def _liste(locales: tuple[str, ...], attribut: str) -> list[str]:
    vus: dict[str, None] = {}
    for locale in locales:
        fournisseur = importlib.import_module(f"faker.providers.person.{locale}").Provider
        valeurs = getattr(fournisseur, attribut, ())
        for valeur in valeurs:
            propre = valeur.strip().upper()
            if propre and _latin(propre):
                vus.setdefault(propre, None)
    return list(vus)


@dataclass(frozen=True)
class _Noms:
    valeurs: list[str]
    cumul: np.ndarray


def _zipf(valeurs: list[str], exposant: float, rng: np.random.Generator) -> _Noms:
    melange = [valeurs[k] for k in rng.permutation(len(valeurs))]
    poids = 1.0 / np.arange(1, len(melange) + 1) ** exposant
    return _Noms(melange, np.cumsum(poids / poids.sum()))


@dataclass
class _Enfant:
    enfant: int
    foyer: int
    origine: str
    nom: str
    prenoms: list[str]
    naissance: date
    sexe: str
    nom_allocataire: str
    prenom_allocataire: str
    adresse: str
    code_postal: str
    jumeau: bool


class _Tireur:
    """Tire les noms et prénoms d'une origine."""

    def __init__(self, rng: np.random.Generator) -> None:
        self.rng = rng
        self.origines = list(ORIGINES)
        self.parts = np.array([ORIGINES[o][0] for o in self.origines])
        self.parts = self.parts / self.parts.sum()
        self.listes_noms = {o: _zipf(_liste(ORIGINES[o][1], "last_names"), 0.5, rng) for o in self.origines}
        self.listes_prenoms = {
            (o, s): _zipf(_liste(ORIGINES[o][1], attribut), 0.7, rng)
            for o in self.origines
            for s, attribut in (("M", "first_names_male"), ("F", "first_names_female"))
        }

    def origine(self) -> str:
        return self.origines[int(self.rng.choice(len(self.origines), p=self.parts))]

    def _un(self, liste: _Noms) -> str:
        rang = int(np.searchsorted(liste.cumul, self.rng.random(), side="right"))
        return liste.valeurs[min(rang, len(liste.valeurs) - 1)]

    def nom(self, origine: str) -> str:
        nom = self._un(self.listes_noms[origine])
        if self.rng.random() < 0.06:
            autre = self._un(self.listes_noms[origine])
            if autre != nom:
                nom = f"{nom}{'-' if self.rng.random() < 0.5 else ' '}{autre}"
        return nom

    def prenoms(self, origine: str, sexe: str) -> list[str]:
        nombre = int(self.rng.choice([1, 2, 3], p=[0.35, 0.45, 0.20]))
        tires: list[str] = []
        while len(tires) < nombre:
            prenom = self._un(self.listes_prenoms[(origine, sexe)])
            if prenom not in tires:
                tires.append(prenom)
        return tires


def _population(
    nb_enfants: int, date_reference: date, tireur: _Tireur, faux: Faker, codes: list[str], premier: int
) -> list[_Enfant]:
    """Des foyers jusqu'à ``nb_enfants`` enfants, nés pour 99 % d'entre eux dans l'âge de l'obligation ;
    enfants et foyers numérotés à partir de ``premier``."""
    rng = tireur.rng
    nb_codes = len(codes)
    debut = date(date_reference.year - 16, date_reference.month, 1) + timedelta(days=15)
    etendue = (date(date_reference.year - 3, 12, 31) - debut).days
    enfants: list[_Enfant] = []
    foyer = premier
    while len(enfants) < nb_enfants:
        origine = tireur.origine()
        nom_famille = tireur.nom(origine)
        sexe_parent = "F" if rng.random() < 0.8 else "M"
        allocataire = (nom_famille, tireur.prenoms(origine, sexe_parent)[0])
        if sexe_parent == "F" and rng.random() < 0.15:
            # L'allocataire porte son nom de naissance, les enfants celui de l'autre parent.
            allocataire = (tireur.nom(origine), allocataire[1])
        adresse, code = faux.street_address().upper(), codes[int(rng.integers(nb_codes))]
        taille = int(rng.choice([1, 2, 3, 4], p=[0.45, 0.35, 0.15, 0.05]))
        naissances = [debut + timedelta(days=int(rng.integers(etendue))) for _ in range(taille)]
        jumeaux = taille >= 2 and rng.random() < 0.02
        if jumeaux:
            naissances[1] = naissances[0]
        deja: set[str] = set()
        for rang in range(taille):
            sexe = "F" if rng.random() < 0.49 else "M"
            prenoms = tireur.prenoms(origine, sexe)
            while prenoms[0] in deja:
                prenoms = tireur.prenoms(origine, sexe)
            deja.add(prenoms[0])
            naissance = naissances[rang]
            if rng.random() < 0.01:
                # Hors de l'âge : un peu trop jeune ou un peu trop âgé.
                naissance = (
                    date(date_reference.year - 2, 1, 1) + timedelta(days=int(rng.integers(300)))
                    if rng.random() < 0.5
                    else date(date_reference.year - 17, 1, 1) + timedelta(days=int(rng.integers(300)))
                )
            enfants.append(
                _Enfant(
                    premier + len(enfants),
                    foyer,
                    origine,
                    nom_famille,
                    prenoms,
                    naissance,
                    sexe,
                    allocataire[0],
                    allocataire[1],
                    adresse,
                    code,
                    jumeaux and rang < 2,
                )
            )
        foyer += 1
    return enfants[:nb_enfants]


# --- Corruptions : chacune rend le texte changé, ou None si elle ne s'applique pas. ---


def _clavier(texte: str, h: random.Random) -> str | None:
    lettres = [k for k, c in enumerate(texte) if c.isalpha()]
    if len(lettres) < 2:
        return None
    k = h.choice(lettres)
    c = texte[k]
    geste = h.random()
    if geste < 0.5:
        voisines = [r[j + d] for r in AZERTY for j in range(len(r)) if r[j] == c for d in (-1, 1)
                    if 0 <= j + d < len(r)]  # fmt: skip
        return texte[:k] + h.choice(voisines) + texte[k + 1 :] if voisines else None
    if geste < 0.7:
        return texte[:k] + c + texte[k:]
    if geste < 0.85:
        return texte[:k] + texte[k + 1 :]
    if k + 1 < len(texte) and texte[k + 1].isalpha() and texte[k + 1] != c:
        return texte[:k] + texte[k + 1] + c + texte[k + 2 :]
    return None


def _remplacement(paires: tuple[tuple[str, str], ...]) -> Callable[[str, random.Random], str | None]:
    def corrompre(texte: str, h: random.Random) -> str | None:
        possibles = [(a, b) for a, b in paires if a in texte]
        if not possibles:
            return None
        a, b = h.choice(possibles)
        positions = [k for k in range(len(texte)) if texte.startswith(a, k)]
        k = h.choice(positions)
        return texte[:k] + b + texte[k + len(a) :]

    return corrompre


_ocr = _remplacement(OCR)
_phonetique = _remplacement(PHONETIQUE)


def _troncature(texte: str, h: random.Random, courte: int, longue: int) -> str | None:
    coupe = h.randint(courte, longue)
    return texte[:coupe].strip(" -") if len(texte) > coupe else None


def _nom_partiel(nom: str, h: random.Random) -> str | None:
    parties = [p for p in nom.replace("-", " ").split() if p not in PARTICULES and len(p) >= 3]
    return h.choice(parties) if len(parties) >= 2 else None


def _particule(nom: str, h: random.Random) -> str | None:
    mots = nom.split()
    if len(mots) < 2 or mots[0] not in PARTICULES:
        return None
    return " ".join(mots[1:]) if h.random() < 0.6 else mots[0] + "".join(mots[1:])


def _date_valide(annee: int, mois: int, jour: int) -> date | None:
    try:
        return date(annee, mois, jour)
    except ValueError:
        return None


def _chiffres(jour: date) -> str:
    return jour.strftime("%d%m%Y")


def _depuis_chiffres(texte: str) -> date | None:
    return _date_valide(int(texte[4:]), int(texte[2:4]), int(texte[:2]))


def _date_chiffre(jour: date, h: random.Random) -> date | None:
    texte = _chiffres(jour)
    for _ in range(10):
        k = h.randrange(8)
        nouveau = _depuis_chiffres(texte[:k] + str(h.randrange(10)) + texte[k + 1 :])
        if nouveau is not None and nouveau != jour:
            return nouveau
    return None


def _date_transposee(jour: date, h: random.Random) -> date | None:
    texte = _chiffres(jour)
    for _ in range(10):
        k = h.randrange(7)
        nouveau = _depuis_chiffres(texte[:k] + texte[k + 1] + texte[k] + texte[k + 2 :])
        if nouveau is not None and nouveau != jour:
            return nouveau
    return None


def _date_mois(jour: date, h: random.Random) -> date | None:
    mois = h.choice([m for m in range(1, 13) if m != jour.month])
    return _date_valide(jour.year, mois, jour.day)


def _date_inversee(jour: date, h: random.Random) -> date | None:
    return (
        _date_valide(jour.year, jour.day, jour.month) if jour.day <= 12 and jour.day != jour.month else None
    )


def _date_jours(jour: date, h: random.Random) -> date | None:
    return jour + timedelta(days=h.choice([-1, 1]) * h.randint(1, 10))


def _date_annee(jour: date, h: random.Random) -> date | None:
    return _date_valide(jour.year + h.choice([-1, 1]), jour.month, jour.day)


_DATES: dict[str, Callable[[date, random.Random], date | None]] = {
    "date_chiffre": _date_chiffre,
    "date_mois": _date_mois,
    "date_jours": _date_jours,
    "date_annee": _date_annee,
    "date_transposee": _date_transposee,
    "date_inversee": _date_inversee,
}


def _adresse(adresse: str, h: random.Random) -> str | None:
    abregees = [(a, b) for a, b in ABREVIATIONS if f" {a} " in f" {adresse} "]
    if abregees and h.random() < 0.5:
        a, b = h.choice(abregees)
        return f" {adresse} ".replace(f" {a} ", f" {b} ", 1).strip()
    return _clavier(adresse, h)


def _style(texte: str, h: random.Random, sans_accents: float) -> str:
    return _sans_accents(texte) if h.random() < sans_accents else texte


@dataclass
class _Fiche:
    nom: str | None
    prenoms: str | None
    naissance: date | None
    sexe: str | None
    adresse: str | None
    ecarts: list[str]


def _corrompre(enfant: _Enfant, cote: int, h: random.Random, ecole: bool, jour_max: date) -> _Fiche:
    """La fiche de ``enfant`` telle qu'une source la saisit (``cote`` : 0 école, 1 CAF). Une date
    faussée reste entre 1990 et ``jour_max`` : les deux logiciels refusent une date à venir ou absurde."""
    ecarts: list[str] = []

    def tire(famille: str) -> bool:
        return h.random() < TAUX[famille][cote]

    nom = enfant.nom
    if ecole and enfant.nom_allocataire != nom and tire("nom_parent"):
        nom = enfant.nom_allocataire
        ecarts.append("nom_parent")
    for famille, sur_nom in (("nom_partiel", _nom_partiel), ("particule", _particule)):
        if tire(famille) and (nouveau := sur_nom(nom, h)) is not None:
            nom = nouveau
            ecarts.append(famille)
    prenoms = list(enfant.prenoms)
    if ecole:
        if len(prenoms) > 1 and tire("prenom_usuel"):
            prenoms = prenoms[1:2]
            ecarts.append("prenom_usuel")
        elif h.random() < 0.6:
            prenoms = prenoms[:1]
    elif h.random() < 0.3:
        prenoms = prenoms[:1]
    prenom = " ".join(prenoms) if h.random() < 0.7 else ", ".join(prenoms)
    corruptions: tuple[tuple[str, Callable[[str, random.Random], str | None]], ...] = (
        ("clavier", _clavier),
        ("ocr", _ocr),
        ("phonetique", _phonetique),
    )
    for famille, corruption in corruptions:
        if tire(f"{famille}_nom") and (nouveau := corruption(nom, h)) is not None:
            nom = nouveau
            ecarts.append(f"{famille}_nom")
        if tire(f"{famille}_prenom") and (nouveau := corruption(prenom, h)) is not None:
            prenom = nouveau
            ecarts.append(f"{famille}_prenom")
    if tire("troncature_nom") and (nouveau := _troncature(nom, h, 8, 12)) is not None:
        nom = nouveau
        ecarts.append("troncature_nom")
    if tire("troncature_prenom") and (nouveau := _troncature(prenom, h, 5, 8)) is not None:
        prenom = nouveau
        ecarts.append("troncature_prenom")
    if tire("echange"):
        nom, prenom = prenom, nom
        ecarts.append("echange")
    naissance: date | None = enfant.naissance
    for famille, corruption_date in _DATES.items():
        nouvelle = corruption_date(naissance, h) if naissance is not None and tire(famille) else None
        if nouvelle is not None and date(1990, 1, 1) <= nouvelle <= jour_max:
            naissance = nouvelle
            ecarts.append(famille)
    if tire("date_manquante"):
        naissance = None
        ecarts.append("date_manquante")
    sexe: str | None = enfant.sexe
    if tire("sexe_manquant"):
        sexe = None
        ecarts.append("sexe_manquant")
    elif tire("sexe_faux"):
        sexe = "M" if sexe == "F" else "F"
        ecarts.append("sexe_faux")
    adresse = enfant.adresse
    if tire("adresse") and (autre := _adresse(adresse, h)) is not None:
        adresse = autre
        ecarts.append("adresse")
    prefixe = "ecole:" if ecole else "caf:"
    return _Fiche(
        _style(nom, h, 0.6 if ecole else 0.3),
        _style(prenom, h, 0.6 if ecole else 0.3),
        naissance,
        sexe,
        adresse,
        [prefixe + e for e in ecarts],
    )


@dataclass(frozen=True)
class JeuIndependant:
    familles: pl.DataFrame
    inscrits: pl.DataFrame
    verite: pl.DataFrame


def generer_independant(
    nb_enfants: int,
    *,
    graine: int,
    date_reference: date,
    saisie: int = 0,
    date_population: date | None = None,
) -> JeuIndependant:
    """Un jeu de ``nb_enfants`` enfants sur la liste CAF, les listes d'inscrits et la vérité.

    ``saisie`` > 0 : la même population (mêmes enfants, foyers, adresses), d'autres listes — d'autres
    erreurs de saisie, d'autres absents, d'autres déménagements —, comme à une campagne suivante ;
    ``date_population`` : la date de référence de la campagne où la population a été tirée (par
    défaut ``date_reference``), pour une campagne un an plus tard."""
    rng = np.random.default_rng(10_000 + graine)
    h = random.Random(20_000 + graine + 1_000_003 * saisie)
    faux = Faker("fr_FR")
    faux.seed_instance(30_000 + graine)
    tireur = _Tireur(rng)
    codes = [f"00{100 + 7 * k:03d}" for k in range(max(1, nb_enfants // 15_000))]
    naissances = date_population or date_reference
    caf = _population(nb_enfants, naissances, tireur, faux, codes, 0)
    # Élèves absents de la liste CAF : d'autres foyers, numérotés à la suite.
    autres = _population(max(1, nb_enfants // 19), naissances, tireur, faux, codes, 2 * nb_enfants)
    ecoles_par_code = {code: [f"0{k:03d}{n:03d}X" for n in range(6)] for k, code in enumerate(codes)}
    toutes_ecoles = [u for liste in ecoles_par_code.values() for u in liste]
    demenage = {f: h.random() < 0.08 for f in {e.foyer for e in caf} | {e.foyer for e in autres}}
    anciennes = {f: faux.street_address().upper() for f, oui in demenage.items() if oui}
    lignes_f, lignes_i, verite = [], [], []
    numero_inscrit = 0
    ordre_inscrits = []
    for enfant in [*caf, *autres]:
        sur_caf = enfant.enfant < len(caf)
        soumis = est_soumis(enfant.naissance, date_reference)
        situation = "hors_obligation" if not soumis else "apparie"
        if soumis and sur_caf:
            tirage = h.random()
            situation = (
                "non_apparie" if tirage < 0.01 else "instruction_declaree" if tirage < 0.015 else "apparie"
            )
        id_inscrit = None
        if situation in ("apparie", "instruction_declaree") or (not sur_caf and soumis):
            fiche = _corrompre(enfant, 0, h, ecole=True, jour_max=date_reference)
            age = (date_reference - enfant.naissance).days / 365.25
            declare = situation == "instruction_declaree"
            avec_adresse = declare or h.random() < (0.7 if age < 11 else 0.35)
            adresse = anciennes.get(enfant.foyer, fiche.adresse)
            uai = (
                None
                if declare
                else h.choice(ecoles_par_code[enfant.code_postal] if h.random() < 0.9 else toutes_ecoles)
            )
            id_inscrit = f"E{numero_inscrit:07d}"
            numero_inscrit += 1
            ordre_inscrits.append(h.random())
            lignes_i.append(
                (id_inscrit, fiche.nom, None, fiche.prenoms, fiche.naissance, fiche.sexe, None, uai,
                 adresse if avec_adresse else None, enfant.code_postal if avec_adresse else None,
                 "VILLE-ESSAI" if avec_adresse else None, "ief" if declare else "ecole")
            )  # fmt: skip
            ecarts_ecole = fiche.ecarts
        else:
            ecarts_ecole = []
        if not sur_caf:
            continue
        fiche_caf = _corrompre(enfant, 1, h, ecole=False, jour_max=date_reference)
        id_famille = f"C{enfant.enfant:07d}"
        lignes_f.append(
            (id_famille, fiche_caf.nom, fiche_caf.prenoms, fiche_caf.naissance, fiche_caf.sexe,
             enfant.nom_allocataire, enfant.prenom_allocataire, fiche_caf.adresse, enfant.code_postal,
             "VILLE-ESSAI")
        )  # fmt: skip
        ecarts = ",".join(ecarts_ecole + fiche_caf.ecarts) or None
        verite.append((id_famille, id_inscrit, situation, enfant.jumeau, ecarts))
    familles = pl.DataFrame(
        lignes_f,
        schema={"id": pl.String, "nom": pl.String, "prenoms": pl.String, "date_naissance": pl.Date,
                "sexe": pl.String, "nom_allocataire": pl.String, "prenom_allocataire": pl.String,
                "adresse": pl.String, "code_postal": pl.String, "commune": pl.String},
        orient="row",
    )  # fmt: skip
    inscrits = pl.DataFrame(
        lignes_i,
        schema={"id": pl.String, "nom": pl.String, "nom_usage": pl.String, "prenoms": pl.String,
                "date_naissance": pl.Date, "sexe": pl.String, "ine": pl.String, "uai": pl.String,
                "adresse": pl.String, "code_postal": pl.String, "commune": pl.String, "mode": pl.String},
        orient="row",
    )  # fmt: skip
    # Les listes arrivent dans un ordre sans rapport avec la liste CAF.
    inscrits = inscrits.with_columns(pl.Series("_ordre", ordre_inscrits)).sort("_ordre").drop("_ordre")
    verite_table = pl.DataFrame(
        verite,
        schema={"id_famille": pl.String, "id_inscrit": pl.String, "statut": pl.String, "jumeau": pl.Boolean,
                "ecarts": pl.String},
        orient="row",
    )  # fmt: skip
    return JeuIndependant(familles, inscrits, verite_table)
