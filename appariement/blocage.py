"""Génération des paires candidates par plusieurs clés de blocage.

Chaque clé tolère qu'un champ soit faux : le nom (prénom + date), le prénom (nom + date), la date
(nom + prénom + année voisine, ou nom + prénom + jour et mois, ou nom + prénom seuls quand ce
couple est assez rare pour ne pas multiplier les paires), ou une date absente (nom + prénom).
Le nom et le prénom y entrent sans ordre, pour retrouver les inversions nom/prénom. Sous un même
toit, deux champs faux à la fois : adresse + code postal + le nom ou le prénom + année voisine.
Tout se fait par jointures polars : jamais de produit cartésien.
"""

from __future__ import annotations

import polars as pl

REGLES: dict[str, int] = {
    "nom_date": 1,
    "prenom_date": 2,
    "noms_annee": 4,
    "noms_jour": 8,
    "noms_sans_date": 16,
    "noms_rares": 32,
    "adresse": 64,
}
"""Règles de blocage et leur bit dans la colonne ``regles`` des paires."""


def _cles(table: pl.DataFrame) -> pl.LazyFrame:
    """Une ligne par (enfant ou inscrit, partie de nom, forme du prénom) avec les clés dérivées, entières."""
    cles = (
        table.lazy()
        .select(
            "idx",
            "date",
            pl.col("prenoms_ph").alias("prenom_ph"),
            pl.col("noms_ph").alias("nom_ph"),
        )
        .explode("nom_ph")
        .explode("prenom_ph")
        .with_columns(
            pl.col("nom_ph").to_physical().cast(pl.UInt64), pl.col("prenom_ph").to_physical().cast(pl.UInt64)
        )
    )
    # Nom et prénom sans ordre : une seule clé pour (nom, prénom) et (prénom, nom).
    paire = pl.min_horizontal("nom_ph", "prenom_ph") * (1 << 32) + pl.max_horizontal("nom_ph", "prenom_ph")
    return cles.with_columns(
        pl.when(pl.col("nom_ph").is_not_null() & pl.col("prenom_ph").is_not_null()).then(paire).alias("noms"),
        pl.col("date").dt.year().cast(pl.Int32).alias("annee"),
        pl.col("date").dt.month().alias("mois"),
        pl.col("date").dt.day().alias("jour"),
    )


def _formes(table: pl.DataFrame, liste: str, nom: str) -> pl.LazyFrame:
    """Une ligne par (enfant ou inscrit, forme d'une seule liste) avec la date : les formes d'une
    liste sont déjà distinctes, ces lignes n'ont pas à être dédoublonnées."""
    return (
        table.lazy()
        .select("idx", "date", pl.col(liste).alias(nom))
        .explode(nom)
        .with_columns(pl.col(nom).to_physical().cast(pl.UInt64))
    )


def _joindre(
    gauche: pl.LazyFrame, droite: pl.LazyFrame, cles: list[str], bit: int, *, dedoublonner: bool = True
) -> pl.LazyFrame:
    gauche = gauche.select("idx", *cles).drop_nulls()
    droite = droite.select("idx", *cles).drop_nulls()
    if dedoublonner:
        gauche, droite = gauche.unique(), droite.unique()
    return (
        gauche.join(droite, on=cles, suffix="_i")
        .select(pl.col("idx").alias("fi"), pl.col("idx_i").alias("ii"))
        .with_columns(pl.lit(bit, dtype=pl.UInt8).alias("regles"))
    )


# Au-delà de ce nombre de paires pour un même couple (nom, prénom), la règle « noms_rares » ne
# joue pas : MARTIN LÉA toutes années confondues donnerait des milliers de paires.
PAIRES_MAX_NOMS_RARES = 30


def _joindre_rares(gauche: pl.LazyFrame, droite: pl.LazyFrame, bit: int) -> pl.LazyFrame:
    """Jointure sur le couple (nom, prénom) seul, limitée aux couples qui donnent peu de paires."""
    gauche = gauche.select("idx", "noms").drop_nulls().unique()
    droite = droite.select("idx", "noms").drop_nulls().unique()
    tailles = (
        gauche.group_by("noms")
        .len()
        .join(droite.group_by("noms").len(), on="noms", suffix="_i")
        .filter(pl.col("len").cast(pl.Int64) * pl.col("len_i") <= PAIRES_MAX_NOMS_RARES)
        .select("noms")
    )
    return _joindre(gauche.join(tailles, on="noms", how="semi"), droite, ["noms"], bit, dedoublonner=False)


def paires_candidates(familles: pl.DataFrame, inscrits: pl.DataFrame) -> pl.DataFrame:
    """Paires (``fi``, ``ii``) d'index de lignes, uniques, avec le masque des règles qui les ont produites."""
    f = _cles(familles)
    i = _cles(inscrits)
    # Année voisine : l'inscrit est présenté sous son année et les deux années autour.
    i_annees = i.with_columns(pl.int_ranges(pl.col("annee") - 1, pl.col("annee") + 2).alias("annee")).explode(
        "annee"
    )

    def forme_et_date(liste: str, forme: str, regle: str) -> pl.LazyFrame:
        gauche, droite = _formes(familles, liste, forme), _formes(inscrits, liste, forme)
        return _joindre(gauche, droite, [forme, "date"], REGLES[regle], dedoublonner=False)

    def forme_et_adresse(table: pl.DataFrame, annees: int) -> pl.LazyFrame:
        """Une ligne par (enfant ou inscrit, forme du nom ou d'un prénom, année à ``annees`` près) avec
        l'adresse : la faute d'un nom, un nom d'usage ou une inversion laissent l'autre forme."""
        annee = pl.col("date").dt.year().cast(pl.Int32)
        return (
            table.lazy()
            .select(
                "idx",
                pl.concat_list("noms_ph", "prenoms_ph").list.unique().alias("forme"),
                pl.col("adresse").to_physical().cast(pl.UInt64),
                "code_postal",
                pl.int_ranges(annee - annees, annee + annees + 1).alias("annee"),
            )
            .explode("forme")
            .explode("annee")
            .with_columns(pl.col("forme").to_physical().cast(pl.UInt64))
        )

    morceaux = [
        forme_et_date("noms_ph", "nom_ph", "nom_date"),
        forme_et_date("prenoms_ph", "prenom_ph", "prenom_date"),
        _joindre(f, i_annees, ["noms", "annee"], REGLES["noms_annee"]),
        _joindre(f, i, ["noms", "mois", "jour"], REGLES["noms_jour"]),
        _joindre(f.filter(pl.col("date").is_null()), i, ["noms"], REGLES["noms_sans_date"]),
        _joindre(f, i.filter(pl.col("date").is_null()), ["noms"], REGLES["noms_sans_date"]),
        _joindre_rares(f, i, REGLES["noms_rares"]),
        _joindre(
            forme_et_adresse(familles, 0),
            forme_et_adresse(inscrits, 1),
            ["forme", "adresse", "code_postal", "annee"],
            REGLES["adresse"],
            dedoublonner=False,
        ),
    ]
    # Le couple (fi, ii) en un seul entier : regrouper et trier sur une clé simple est bien plus rapide.
    paire = pl.col("fi").cast(pl.UInt64) * (1 << 32) + pl.col("ii")
    return (
        pl.concat(morceaux)
        .group_by(paire.alias("_paire"))
        .agg(pl.col("regles").bitwise_or())
        .sort("_paire")
        .select(
            (pl.col("_paire") // (1 << 32)).cast(pl.UInt32).alias("fi"),
            (pl.col("_paire") % (1 << 32)).cast(pl.UInt32).alias("ii"),
            "regles",
        )
        .collect()
    )
