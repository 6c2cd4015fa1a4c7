"""Affectation un-à-un des fiches aux enfants : meilleurs choix mutuels, puis échange des liens
croisés qui y gagnent."""

from __future__ import annotations

import polars as pl


def par_rang(nombre: int, rangs: pl.Series, valeurs: pl.Series) -> pl.Series:
    """Série de ``nombre`` valeurs, nulles sauf aux ``rangs`` donnés : une table indexée par rang de
    ligne, qu'on lit ensuite par ``gather`` au lieu d'une jointure."""
    return pl.select(pl.repeat(None, nombre, dtype=valeurs.dtype)).to_series().scatter(rangs, valeurs)


def affecter(paires: pl.DataFrame, seuil: float) -> pl.DataFrame:
    """Un-à-un par meilleurs choix mutuels : chaque tour lie les paires où l'enfant et la fiche se
    préfèrent l'un l'autre, puis les retire. La meilleure paire restante est toujours mutuelle.
    Les liens croisés qui gagnent à être échangés le sont ensuite (voir ``_echanger``)."""
    ordre = ["score", "fi", "ii"]
    possibles = (
        paires.filter(pl.col("score") >= seuil)
        .select("fi", "ii", "score")
        .sort(ordre, descending=[True, False, False])
    )
    libres = possibles
    retenus = []
    while libres.height:
        # Triées par score décroissant : la première paire d'un enfant est son meilleur choix, la
        # première d'une fiche le sien.
        mutuels = libres.filter(pl.col("fi").is_first_distinct() & pl.col("ii").is_first_distinct())
        retenus.append(mutuels)
        libres = libres.filter(
            ~pl.col("fi").is_in(mutuels["fi"].implode()) & ~pl.col("ii").is_in(mutuels["ii"].implode())
        )
    if not retenus:
        return pl.DataFrame(schema={"fi": pl.UInt32, "ii": pl.UInt32, "score": pl.Float64})
    return _echanger(possibles, pl.concat(retenus))


# Un gain plus petit ne viendrait que de l'arrondi des sommes de scores : pas d'échange.
_GAIN_MIN_ECHANGE = 1e-6


def _echanger(possibles: pl.DataFrame, liens: pl.DataFrame) -> pl.DataFrame:
    """Échange deux liens croisés quand la somme des scores y gagne : a→x et b→y deviennent a→y et
    b→x si s(a,y) + s(b,x) > s(a,x) + s(b,y).

    Les meilleurs choix mutuels prennent d'abord la paire au plus haut score. Entre deux jumeaux,
    ce peut être la mauvaise : LEA a la même adresse que la fiche de LENA (11 bits) mais pas sa
    propre fiche, qui n'a pas d'adresse ; LEA prend la fiche de LENA, et LENA, reste, celle de
    LEA. L'adresse commune ne départage pas deux jumeaux ; les deux prénoms exacts, si : la
    somme des scores le dit. Chaque tour échange, parmi les couples de liens qui y gagnent,
    ceux qui sont le meilleur échange de leurs deux enfants ; les enfants liés et les fiches
    prises restent les mêmes.
    """
    # Le couple (enfant, fiche) en un seul entier : la paire (b, x) se retrouve par une jointure simple.
    cle = pl.col("fi").cast(pl.UInt64) * (1 << 32) + pl.col("ii")
    scores = possibles.select(cle.alias("_bx"), pl.col("score").alias("s_bx"))
    nb_f, nb_i = possibles.select(pl.col("fi").max() + 1, pl.col("ii").max() + 1).row(0)
    while True:
        # Lien de chaque enfant et de chaque fiche, lus par rang plutôt que par jointure.
        x, s_ax = (par_rang(nb_f, liens["fi"], liens[c]) for c in ("ii", "score"))
        b, s_by = (par_rang(nb_i, liens["ii"], liens[c]) for c in ("fi", "score"))
        echanges = (
            possibles.with_columns(
                pl.lit(x).gather(pl.col("fi")).alias("x"),
                pl.lit(s_ax).gather(pl.col("fi")).alias("s_ax"),
                pl.lit(b).gather(pl.col("ii")).alias("b"),
                pl.lit(s_by).gather(pl.col("ii")).alias("s_by"),
            )
            .filter(pl.col("x").is_not_null() & pl.col("b").is_not_null() & (pl.col("b") != pl.col("fi")))
            .with_columns((pl.col("b").cast(pl.UInt64) * (1 << 32) + pl.col("x")).alias("_bx"))
            .join(scores, on="_bx")
            .select(
                pl.col("fi").alias("a"),
                "b",
                (pl.col("score") + pl.col("s_bx") - pl.col("s_ax") - pl.col("s_by")).alias("gain"),
            )
            # Chaque échange est vu depuis ses deux enfants : on le garde une fois.
            .filter((pl.col("gain") > _GAIN_MIN_ECHANGE) & (pl.col("a") < pl.col("b")))
            .sort(["gain", "a", "b"], descending=[True, False, False])
            .with_row_index("rang")
        )
        if echanges.height == 0:
            return liens
        # Le meilleur échange de chaque enfant ; retenu s'il l'est pour ses deux enfants.
        meilleurs = (
            echanges.select("rang", pl.concat_list("a", "b").alias("enfant"))
            .explode("enfant")
            .group_by("enfant")
            .agg(pl.col("rang").min())
        )
        retenus = echanges.join(meilleurs.rename({"enfant": "a"}), on=["a", "rang"]).join(
            meilleurs.rename({"enfant": "b"}), on=["b", "rang"]
        )
        # a prend la fiche de b, b celle de a.
        fiches = liens.select("fi", "ii")
        nouveaux = pl.concat(
            [
                retenus.join(fiches, left_on="b", right_on="fi").select(pl.col("a").alias("fi"), "ii"),
                retenus.join(fiches, left_on="a", right_on="fi").select(pl.col("b").alias("fi"), "ii"),
            ]
        ).join(possibles, on=["fi", "ii"])
        liens = pl.concat([liens.filter(~pl.col("fi").is_in(nouveaux["fi"].implode())), nouveaux])
