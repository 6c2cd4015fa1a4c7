"""Les écarts de saisie entre la CAF et l'école : accents, particules, noms composés,
translittérations, fautes de frappe, dates, sexe, adresse.
"""

from __future__ import annotations

import random
from datetime import date, timedelta
from typing import Any

import numpy as np
import numpy.typing as npt
import polars as pl

from fictif.listes import CLAVIER, PARTICULES
from fictif.taux import Taux
from fictif.tirages import VARIANTES_NOMS, VARIANTES_PRENOMS, cle_caf


def _style(modele: str, valeur: str) -> str:
    """Écrit ``valeur`` comme est écrit ``modele`` (majuscules sans accents à la CAF, par exemple)."""
    if modele.isupper():
        return cle_caf(valeur) if modele.isascii() else valeur.upper()
    return valeur


def _frappe(texte: str, hasard: random.Random) -> str:
    if len(texte) < 3:
        return texte
    i = hasard.randrange(1, len(texte) - 1)
    geste = hasard.randrange(4)
    if geste == 0:  # touche voisine
        c = cle_caf(texte[i])
        for rangee in CLAVIER:
            j = rangee.find(c)
            if j >= 0:
                voisin = rangee[j - 1] if j > 0 and hasard.random() < 0.5 else rangee[(j + 1) % len(rangee)]
                voisin = voisin if texte[i].isupper() else voisin.lower()
                return texte[:i] + voisin + texte[i + 1 :]
        return texte[:i] + texte[i + 1 :]
    if geste == 1:  # lettre oubliée
        return texte[:i] + texte[i + 1 :]
    if geste == 2:  # lettre doublée
        return texte[:i] + texte[i] + texte[i:]
    i = max(i, 2)  # interversion, jamais avec l'initiale
    return texte[: i - 1] + texte[i] + texte[i - 1] + texte[i + 1 :]


def _date_decalee(jours: int | None, ecart: str, hasard: random.Random, jour: date) -> int | None:
    """Date déplacée selon ``ecart`` ; jamais après ``jour`` (un lecteur refuserait une naissance future)."""
    if jours is None:
        return None
    d = date(1970, 1, 1) + timedelta(days=int(jours))
    nouvelle: date | None = None
    if ecart == "date_inversee" and d.day <= 12 and d.day != d.month:
        nouvelle = date(d.year, d.day, d.month)
    elif ecart == "date_chiffre":
        for _ in range(4):
            position = hasard.randrange(3)
            chiffre = hasard.randrange(10)
            try:
                if position == 0:
                    nouvelle = d.replace(day=d.day // 10 * 10 + chiffre)
                elif position == 1:
                    nouvelle = d.replace(month=d.month // 10 * 10 + chiffre)
                else:
                    nouvelle = d.replace(year=d.year // 10 * 10 + chiffre)
            except ValueError:
                nouvelle = None
            if nouvelle is not None and d != nouvelle <= jour:
                break
    elif ecart == "date_jours":
        nouvelle = d + timedelta(days=hasard.choice([-5, -4, -3, -2, -1, 1, 2, 3, 4, 5]))
    elif ecart == "date_annee":
        annee = d.year + hasard.choice([-1, 1])
        nouvelle = d.replace(year=annee, day=28) if (d.month, d.day) == (2, 29) else d.replace(year=annee)
    if nouvelle is None or nouvelle == d or nouvelle > jour:
        return jours
    return (nouvelle - date(1970, 1, 1)).days


def _retirer_particule(nom: str, hasard: random.Random) -> str | None:
    cle = cle_caf(nom)
    for particule in PARTICULES:
        p = cle_caf(particule)
        if cle.startswith(p) and len(cle) > len(p) + 1:
            reste = nom[len(particule) :]
            colle = nom[: len(particule)].replace(" ", "").replace("'", "")
            return reste if hasard.random() < 0.6 else colle + reste
    return None


def _variante(texte: str, hasard: random.Random, variantes: dict[str, tuple[str, ...]]) -> str | None:
    """Remplace le premier mot qui a d'autres écritures par l'une d'elles."""
    mots = texte.split(" ")
    for i, mot in enumerate(mots):
        groupe = variantes.get(cle_caf(mot))
        if groupe:
            autres = [v for v in groupe if cle_caf(v) != cle_caf(mot)]
            mots[i] = _style(mot, hasard.choice(autres))
            return " ".join(mots)
    groupe = variantes.get(cle_caf(texte))
    if groupe:
        autres = [v for v in groupe if cle_caf(v) != cle_caf(texte)]
        return _style(texte, hasard.choice(autres))
    return None


EN_BLOC = ("date_manquante", "sexe_manquant", "sexe_faux", "adresse_autre")
COLONNES_ECARTS = (
    "caf_nom", "caf_prenoms", "caf_naissance",
    "eco_nom", "eco_nom_usage", "eco_prenoms", "eco_naissance",
    "nom_pere", "nom_mere", "double_nom",
)  # fmt: skip


def ecarter(df: pl.DataFrame, jour: date, taux: Taux, rng: np.random.Generator, graine: int) -> pl.DataFrame:
    """Introduit les écarts de saisie entre la CAF et l'école ; note lesquels dans ``ecarts``."""
    n = df.height
    t = taux.ecarts
    compose = df["nom"].str.contains(r"[ \-']").to_numpy() | df["prenoms"].str.contains("-").to_numpy()
    particule = (
        df["caf_nom"]
        .str.contains("^(?:" + "|".join(cle_caf(p).replace(" ", r"\s") for p in PARTICULES) + ")")
        .to_numpy()
    )
    double = df["double_nom"].to_numpy()
    cles_prenoms = pl.Series(list(VARIANTES_PRENOMS), dtype=pl.Utf8).implode()
    cles_noms = pl.Series(list(VARIANTES_NOMS), dtype=pl.Utf8).implode()
    variantes = (
        df["caf_prenoms"].str.split(" ").list.eval(pl.element().is_in(cles_prenoms)).list.any()
        | df["caf_nom"].str.split(" ").list.eval(pl.element().is_in(cles_noms)).list.any()
        | df["caf_nom"].is_in(cles_noms)
    ).to_numpy()
    tirages: dict[str, npt.NDArray[np.bool_]] = {}
    for ecart, p in t.items():
        eligibles = {
            "tiret_espace": compose,
            "particule": particule,
            "nom_compose_ordre": double,
            "nom_compose_partiel": double,
            "translitteration": variantes,
        }.get(ecart, np.ones(n, dtype=bool))
        tirages[ecart] = eligibles & (rng.random(n) < p)
    cote_caf = rng.random(n) < 0.5
    une_par_une = {e: tire for e, tire in tirages.items() if e not in EN_BLOC}
    matrice = np.stack(list(une_par_une.values()), axis=1)
    touches = np.flatnonzero(matrice.any(axis=1))
    sous = df[touches].select(COLONNES_ECARTS).to_dict(as_series=False)
    hasard = random.Random(graine)
    noms = list(une_par_une)
    notes: list[str | None] = []
    for k, (tires, caf) in enumerate(zip(matrice[touches].tolist(), cote_caf[touches].tolist(), strict=True)):
        cote = "caf" if caf else "eco"
        faits = [
            e
            for e, tire in zip(noms, tires, strict=True)
            if tire and _appliquer(e, sous, k, cote, hasard, jour)
        ]
        notes.append(",".join(faits) or None)
    colonnes = [df[c].scatter(touches, pl.Series(sous[c], dtype=df[c].dtype)) for c in COLONNES_ECARTS]
    df = df.with_columns(*colonnes, pl.Series("ecarts", [None] * n, dtype=pl.Utf8).scatter(touches, notes))
    # Les écarts qui ne dépendent pas du texte s'appliquent en bloc.
    bloc = pl.DataFrame({e: tirages[e] for e in EN_BLOC}).with_columns(pl.Series("cote_caf", cote_caf))
    df = pl.concat([df, bloc], how="horizontal")
    faux = pl.when(pl.col("sexe") == "M").then(pl.lit("F")).otherwise(pl.lit("M"))
    # Famille qui a déménagé : l'école a l'adresse d'une autre ligne.
    ailleurs = rng.integers(0, n, n)
    autre = {c: df[c].gather(ailleurs) for c in ("eco_adresse", "eco_code_postal", "eco_commune")}
    return (
        df.with_columns(
            pl.when(pl.col("date_manquante"))
            .then(None)
            .otherwise(pl.col("caf_naissance"))
            .alias("caf_naissance"),
            pl.when(pl.col("sexe_manquant"))
            .then(None)
            .when(pl.col("sexe_faux") & pl.col("cote_caf"))
            .then(faux)
            .otherwise(pl.col("caf_sexe"))
            .alias("caf_sexe"),
            pl.when(pl.col("sexe_faux") & ~pl.col("cote_caf"))
            .then(faux)
            .otherwise(pl.col("eco_sexe"))
            .alias("eco_sexe"),
            *(
                pl.when(pl.col("adresse_autre")).then(valeurs).otherwise(pl.col(c)).alias(c)
                for c, valeurs in autre.items()
            ),
            pl.concat_str(
                [pl.col("ecarts"), *(pl.when(pl.col(e)).then(pl.lit(e)) for e in EN_BLOC)],
                separator=",",
                ignore_nulls=True,
            ).alias("ecarts"),
        )
        .with_columns(pl.when(pl.col("ecarts") == "").then(None).otherwise(pl.col("ecarts")).alias("ecarts"))
        .drop(*EN_BLOC, "cote_caf")
    )


def _appliquer(
    ecart: str, sous: dict[str, list[Any]], k: int, cote: str, hasard: random.Random, jour: date
) -> bool:
    """Applique un écart à la ligne ``k`` du côté ``cote`` ; faux s'il ne change rien."""
    nom, prenoms = f"{cote}_nom", f"{cote}_prenoms"
    if ecart == "inversion":
        sous[nom][k], sous[prenoms][k] = sous[prenoms][k], sous[nom][k]
        return True
    if ecart == "nom_usage":
        pere, mere = sous["nom_pere"][k], sous["nom_mere"][k]
        autre = mere if cle_caf(sous["caf_nom"][k]) != cle_caf(mere) else pere
        if hasard.random() < 0.7:
            sous["eco_nom_usage"][k] = autre
        return _remplacer(sous, "caf_nom", k, cle_caf(autre))
    if ecart.startswith("date_"):
        colonne = f"{cote}_naissance"
        return _remplacer(sous, colonne, k, _date_decalee(sous[colonne][k], ecart, hasard, jour))
    colonne, valeur = _ecart_de_texte(ecart, sous, k, nom, prenoms, hasard)
    return _remplacer(sous, colonne, k, valeur)


def _remplacer(sous: dict[str, list[Any]], colonne: str, k: int, valeur: Any) -> bool:
    if valeur is None or valeur == sous[colonne][k]:
        return False
    sous[colonne][k] = valeur
    return True


def _ecart_de_texte(
    ecart: str, sous: dict[str, list[Any]], k: int, nom: str, prenoms: str, hasard: random.Random
) -> tuple[str, str | None]:
    """La colonne touchée et sa nouvelle valeur (None : l'écart ne s'applique pas à cette ligne)."""
    valeur, mots = sous[nom][k], sous[prenoms][k]
    if ecart == "tiret_espace":
        if any(c in valeur for c in " -"):
            variantes = [
                valeur.replace(" ", "-").replace("'", " "),
                valeur.replace(" ", ""),
                valeur.replace("-", " "),
            ]
            return nom, hasard.choice(variantes)
        return prenoms, mots.replace("-", hasard.choice([" ", ""]), 1)
    if ecart == "particule":
        return nom, _retirer_particule(valeur, hasard)
    if ecart == "nom_compose_ordre":
        pere, mere = sous["nom_pere"][k], sous["nom_mere"][k]
        parties = (mere, pere) if cle_caf(valeur).startswith(cle_caf(pere)) else (pere, mere)
        return nom, _style(valeur, " ".join(parties))
    if ecart == "nom_compose_partiel":
        return nom, _style(valeur, sous["nom_pere"][k] if hasard.random() < 0.7 else sous["nom_mere"][k])
    if ecart == "prenom_usuel":
        tous = sous["caf_prenoms"][k].split(" ")
        return "eco_prenoms", _style(sous["eco_prenoms"][k], tous[1].title()) if len(tous) > 1 else None
    if ecart == "translitteration":
        nouveau = _variante(mots, hasard, VARIANTES_PRENOMS)
        return (prenoms, nouveau) if nouveau else (nom, _variante(valeur, hasard, VARIANTES_NOMS))
    if hasard.random() < 0.5:  # faute de frappe dans le nom ou le premier prénom
        return nom, _frappe(valeur, hasard)
    premier, _, reste = mots.partition(" ")
    return prenoms, " ".join(filter(None, (_frappe(premier, hasard), reste)))
