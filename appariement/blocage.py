"""Génération des paires candidates par plusieurs clés de blocage.

Chaque clé tolère qu'un champ soit faux : le nom (prénom + date), le prénom (nom + date), la date
(nom + prénom + année voisine, ou nom + prénom + jour et mois, ou nom + prénom seuls quand ce
couple est assez rare pour ne pas multiplier les paires), ou une date absente (nom + prénom) ; une
ligne sans prénom ni date, par son nom seul, quand il est assez rare.
Le nom et le prénom y entrent sans ordre, pour retrouver les inversions nom/prénom. Sous un même
toit, deux champs faux à la fois : adresse + code postal + le nom ou le prénom + année voisine, ou
adresse + code postal + date (nom et prénom faux tous deux) ; et pour un enfant qu'aucune de ces
clés ne trouve, toutes les fiches de même date et de même code postal.
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
    "nom_seul": 128,
    "date_lieu": 256,
    "date_quartier": 512,
}
"""Règles de blocage et leur bit dans la colonne ``regles`` des paires."""


def _cles(table: pl.DataFrame) -> pl.LazyFrame:
    """Une ligne par (enfant ou inscrit, partie de nom, forme du prénom) avec les clés dérivées, entières."""
    cles = (
        table.lazy()
        .select(
            "idx",
            "date",
            "annee",
            "mois",
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
        # Année et mois d'une date impossible comptent (noms_annee) ; le jour, lui, manque (noms_sans_date).
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


def _joindre(gauche: pl.LazyFrame, droite: pl.LazyFrame, cles: list[str], bit: int) -> pl.LazyFrame:
    gauche = gauche.select("idx", *cles).drop_nulls()
    droite = droite.select("idx", *cles).drop_nulls()
    return (
        gauche.join(droite, on=cles, suffix="_i")
        .select(pl.col("idx").alias("fi"), pl.col("idx_i").alias("ii"))
        .with_columns(pl.lit(bit, dtype=pl.UInt16).alias("regles"))
    )


# Au-delà de ce nombre de paires pour un même couple (nom, prénom), la règle « noms_rares » ne
# joue pas : MARTIN LÉA toutes années confondues donnerait des milliers de paires.
PAIRES_MAX_NOMS_RARES = 30


def _par_noms(familles: pl.DataFrame, inscrits: pl.DataFrame) -> pl.LazyFrame:
    """Les paires qui partagent le couple (nom, prénom), sans ordre, et ce que disent leurs dates :
    année à un an près (``noms_annee``), même jour et même mois (``noms_jour``), date absente d'un
    côté (``noms_sans_date``), ou couple porté par peu d'enfants et de fiches (``noms_rares``).

    Une seule jointure sur le couple sert les quatre règles : la date se compare ensuite, paire par
    paire. Elle réunit toutes les années d'un même couple : sur le jeu synthétique d'un million
    d'enfants, 15 M de lignes avant ce tri pour 3,9 M de paires gardées ; le couple le plus porté
    (609 enfants, 599 fiches) en donne 365 000.
    """

    def cles(table: pl.DataFrame) -> pl.LazyFrame:
        # Un même couple peut venir de deux formes (nom, prénom) et (prénom, nom) : une ligne par couple.
        cles = (
            _cles(table).select("idx", "noms", "annee", "mois", "jour").filter(pl.col("noms").is_not_null())
        )
        cles = cles.unique(["idx", "noms"])
        return cles.with_columns(pl.len().over("noms").alias("porteurs"))

    annee, mois, jour, porteurs = (pl.col(c) for c in ("annee", "mois", "jour", "porteurs"))
    annee_i, mois_i, jour_i, porteurs_i = (pl.col(f"{c}_i") for c in ("annee", "mois", "jour", "porteurs"))
    regles = (
        pl.when((annee - annee_i).abs() <= 1).then(REGLES["noms_annee"]).otherwise(0)
        | pl.when((mois == mois_i) & (jour == jour_i)).then(REGLES["noms_jour"]).otherwise(0)
        | pl.when(jour.is_null() | jour_i.is_null()).then(REGLES["noms_sans_date"]).otherwise(0)
        | pl.when(porteurs.cast(pl.Int64) * porteurs_i <= PAIRES_MAX_NOMS_RARES)
        .then(REGLES["noms_rares"])
        .otherwise(0)
    ).cast(pl.UInt16)
    return (
        cles(familles)
        .join(cles(inscrits), on="noms", suffix="_i")
        .select(pl.col("idx").alias("fi"), pl.col("idx_i").alias("ii"), regles.alias("regles"))
        .filter(pl.col("regles") > 0)
    )


# Au-delà de ce nombre de paires pour une même forme du nom, la règle « nom_seul » ne joue pas : une
# fiche MARTIN sans prénom ni date ne se compare pas à tous les MARTIN d'une grande liste.
PAIRES_MAX_NOM_SEUL = 200


def _nom_seul(familles: pl.DataFrame, inscrits: pl.DataFrame) -> pl.LazyFrame:
    """Les paires d'une ligne qui n'a ni prénom ni date (seul son nom la désigne) avec les lignes de
    l'autre liste qui portent une même forme du nom, tant que cette forme est assez rare.

    Aucune autre règle ne les trouve : toutes demandent le prénom ou la date. Ces paires ne lient
    jamais seules (``decisions.preuve_faible``) : elles évitent qu'un élève inscrit sans prénom ni date
    laisse son enfant signalé à tort, ou qu'un enfant sans prénom ni date sur la liste CAF soit jugé
    sans candidat.
    """

    def formes(table: pl.DataFrame, seules: bool) -> pl.LazyFrame:
        lignes = table.lazy()
        if seules:
            incomplete = pl.col("prenoms_ph").list.len().fill_null(0).eq(0) & pl.col("date").is_null()
            lignes = lignes.filter(incomplete)
        return (
            lignes.select("idx", pl.col("noms_ph").alias("nom_ph"))
            .explode("nom_ph")
            .drop_nulls()
            .with_columns(pl.col("nom_ph").to_physical().cast(pl.UInt64))
        )

    # Seules les lignes sans prénom ni date entrent d'un côté : peu de lignes, peu de paires.
    paires = pl.concat(
        [
            formes(familles, True).join(formes(inscrits, False), on="nom_ph", suffix="_i"),
            formes(familles, False).join(formes(inscrits, True), on="nom_ph", suffix="_i"),
        ]
    )
    return paires.filter(pl.len().over("nom_ph") <= PAIRES_MAX_NOM_SEUL).select(
        pl.col("idx").alias("fi"),
        pl.col("idx_i").alias("ii"),
        pl.lit(REGLES["nom_seul"], dtype=pl.UInt16).alias("regles"),
    )


def paires_candidates(familles: pl.DataFrame, inscrits: pl.DataFrame) -> pl.DataFrame:
    """Paires (``fi``, ``ii``) d'index de lignes, uniques, avec le masque des règles qui les ont produites."""

    def forme_et_date(liste: str, forme: str, regle: str) -> pl.LazyFrame:
        return _joindre(
            _formes(familles, liste, forme), _formes(inscrits, liste, forme), [forme, "date"], REGLES[regle]
        )

    def forme_et_adresse(table: pl.DataFrame) -> pl.LazyFrame:
        """Une ligne par (enfant ou inscrit, forme du nom ou d'un prénom) avec l'adresse et l'année :
        la faute d'un nom, un nom d'usage ou une inversion laissent l'autre forme."""
        return (
            table.lazy()
            .select(
                "idx",
                pl.concat_list("noms_ph", "prenoms_ph").list.unique().alias("forme"),
                # Adresse et code postal en un seul entier : une jointure sur deux clés au lieu de trois.
                (
                    pl.col("adresse").to_physical().cast(pl.UInt64) * (1 << 32)
                    + pl.col("code_postal").to_physical()
                ).alias("lieu"),
                "annee",
            )
            .explode("forme")
            .with_columns(pl.col("forme").to_physical().cast(pl.UInt64))
            .drop_nulls()
        )

    sous_le_meme_toit = (
        forme_et_adresse(familles)
        .join(forme_et_adresse(inscrits), on=["forme", "lieu"], suffix="_i")
        .filter((pl.col("annee") - pl.col("annee_i")).abs() <= 1)
        .select(
            pl.col("idx").alias("fi"),
            pl.col("idx_i").alias("ii"),
            pl.lit(REGLES["adresse"], dtype=pl.UInt16).alias("regles"),
        )
    )

    def date_et_lieu(table: pl.DataFrame) -> pl.LazyFrame:
        return table.lazy().select(
            "idx",
            "date",
            pl.col("adresse").to_physical().cast(pl.UInt64).alias("adresse"),
            pl.col("code_postal").to_physical().cast(pl.UInt64).alias("code_postal"),
        )

    morceaux = [
        forme_et_date("noms_ph", "nom_ph", "nom_date"),
        # Nom et prénom faux tous deux (nom d'usage et prénom d'usage, deux fautes) : même date, même toit.
        _joindre(
            date_et_lieu(familles),
            date_et_lieu(inscrits),
            ["date", "adresse", "code_postal"],
            REGLES["date_lieu"],
        ),
        forme_et_date("prenoms_ph", "prenom_ph", "prenom_date"),
        _par_noms(familles, inscrits),
        sous_le_meme_toit,
        _nom_seul(familles, inscrits),
    ]
    # Le couple (fi, ii) en un seul entier : regrouper et trier sur une clé simple est bien plus rapide.
    paire = pl.col("fi").cast(pl.UInt64) * (1 << 32) + pl.col("ii")
    trouvees = pl.concat(morceaux).collect()
    # Un enfant qu'aucune clé n'a trouvé (nom et prénom faux tous deux, ailleurs que sous le même toit) :
    # toutes les fiches de même date et de même code postal. Pour ces seuls enfants, peu nombreux :
    # pour tous, ce serait deux à trois fois plus de paires.
    orphelins = date_et_lieu(familles).join(
        trouvees.lazy().select(pl.col("fi").alias("idx")), on="idx", how="anti"
    )
    morceaux = [
        trouvees.lazy(),
        _joindre(orphelins, date_et_lieu(inscrits), ["date", "code_postal"], REGLES["date_quartier"]),
    ]
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
