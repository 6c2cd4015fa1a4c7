"""Normalisation des identités françaises, colonne par colonne (polars).

Accents, casse, ponctuation et apostrophes disparaissent ; tiret, espace ou rien entre deux
parties d'un nom ne comptent plus ; les particules (DE, LA, D', BEN, EL, AIT…) sont retirées des
formes « sans particules » ; les prénoms et les mots des noms passent par la table de
translittération ; les abréviations des adresses (R, BD, AV…) reprennent leur forme longue ; chaque
forme a sa clé phonétique. Le moteur travaille ensuite uniquement sur ces formes.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field

import polars as pl

from appariement.equivalences import CANONIQUE
from appariement.phonetique import expr_phonetique
from conventions.profil import NAISSANCE_PARTIELLE

PARTICULES: frozenset[str] = frozenset(
    {
        "D", "DE", "DU", "DES", "L", "LE", "LA", "LES", "DA", "DAS", "DO", "DOS", "DI", "DEL", "DELLA",
        "DELLE", "VAN", "VON", "DER", "DEN", "TER", "TEN", "BEN", "BENT", "BINT", "IBN", "EL", "AL",
        "AIT", "OULD", "MAC", "MC", "SAINT", "STE", "ST",
    }
)  # fmt: skip


ABREVIATIONS_VOIE: dict[str, str] = {
    "R": "RUE", "AV": "AVENUE", "AVE": "AVENUE", "BD": "BOULEVARD", "BLD": "BOULEVARD",
    "BLVD": "BOULEVARD", "BVD": "BOULEVARD", "ALL": "ALLEE", "IMP": "IMPASSE", "CH": "CHEMIN",
    "CHE": "CHEMIN", "CHEM": "CHEMIN", "PL": "PLACE", "RTE": "ROUTE", "RES": "RESIDENCE",
    "RESID": "RESIDENCE", "SQ": "SQUARE", "FG": "FAUBOURG", "FBG": "FAUBOURG", "QU": "QUAI",
    "CRS": "COURS", "PROM": "PROMENADE", "LOT": "LOTISSEMENT", "HAM": "HAMEAU", "CTRE": "CENTRE",
    "GAL": "GENERAL", "GEN": "GENERAL", "MAL": "MARECHAL", "PDT": "PRESIDENT", "DR": "DOCTEUR",
    "PR": "PROFESSEUR", "CDT": "COMMANDANT", "ST": "SAINT", "STE": "SAINTE", "BAT": "BATIMENT",
    "APT": "APPARTEMENT", "APPT": "APPARTEMENT", "IMM": "IMMEUBLE", "ESC": "ESCALIER",
}  # fmt: skip
"""Abréviations courantes des adresses (types de voie, titres, compléments), vers la forme longue."""

INDICES_REPETITION: tuple[str, ...] = ("BIS", "TER", "QUATER")
"""Indices de répétition d'un numéro, souvent omis d'un côté."""


LETTRES_SANS_DECOMPOSITION: dict[str, str] = {
    "Œ": "OE", "Æ": "AE", "Đ": "D", "Ð": "D", "Ø": "O", "Ł": "L", "Ħ": "H", "Þ": "TH", "Ŧ": "T",
}  # fmt: skip
"""Lettres majuscules que la décomposition Unicode ne ramène pas à A-Z (ĐỨC vietnamien, ŁUKASZ…)."""


def expr_texte(colonne: pl.Expr, *, chiffres: bool = False) -> pl.Expr:
    """Majuscules A-Z (et chiffres si demandé), espaces simples ; accents et ponctuation disparaissent.

    Un texte vide devient null.
    """
    autres = r"[^A-Z0-9]+" if chiffres else r"[^A-Z]+"
    texte = (
        colonne.str.to_uppercase()
        .str.replace_many(LETTRES_SANS_DECOMPOSITION)
        .str.normalize("NFKD")
        .str.replace_all(r"\p{M}", "")
        .str.replace_all(autres, " ")
        .str.strip_chars()
    )
    # ``texte`` ne paraît qu'une fois : répété, il serait recalculé.
    return texte.replace("", None)


def mots_utiles(mots: pl.DataFrame) -> pl.DataFrame:
    """Table (``r``, ``mot``) des mots de chaque texte ``r`` sans ses particules ; un texte fait
    seulement de particules les garde toutes."""
    particule = pl.col("mot").is_in(list(PARTICULES))
    garde = ~particule | particule.all().over("r")
    return mots.filter(garde)


def _mots(valeurs: pl.DataFrame) -> pl.DataFrame:
    """Une ligne par (rang ``r`` de la valeur, position, mot) : le travail mot à mot se fait à plat."""
    return (
        valeurs.select(
            pl.int_range(pl.len(), dtype=pl.UInt32).alias("r"), pl.col("t").str.split(" ").alias("mot")
        )
        .explode("mot")
        .filter(pl.col("mot").is_not_null() & (pl.col("mot") != ""))
    )


def _regrouper(mots: pl.DataFrame, nb: int, colonnes: list[pl.Expr]) -> pl.DataFrame:
    """Ramène des agrégats par ``r`` sur les ``nb`` valeurs, dans leur ordre (null si aucun mot).

    Les autres colonnes de ``mots`` deviennent des listes par ``r`` (dans l'ordre des lignes), d'où
    ``colonnes`` tire les agrégats avec les opérations ``list`` : bien plus rapides qu'un
    ``str.join`` dans le regroupement.
    """
    agregats = mots.group_by("r").agg(pl.exclude("r")).select("r", *colonnes)
    return pl.DataFrame({"r": pl.int_range(nb, dtype=pl.UInt32, eager=True)}).join(
        agregats, on="r", how="left", maintain_order="left"
    )


@dataclass
class Contexte:
    """Ce que partagent les deux tables d'un même appariement, jeté ensuite.

    ``categories`` : dictionnaire des valeurs textuelles (une égalité de textes devient une égalité
    d'entiers) ; ``phonetiques`` : clés phonétiques déjà calculées (colonnes ``texte`` et ``cle``).
    Les deux tables peuvent être préparées en même temps, dans deux fils d'exécution : le
    dictionnaire de polars le permet, et un verrou protège les clés phonétiques.
    """

    categories: pl.Categories = field(default_factory=pl.Categories.random)
    phonetiques: pl.DataFrame = field(
        default_factory=lambda: pl.DataFrame(schema={"texte": pl.String, "cle": pl.String})
    )
    _verrou: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def phonetique(self, textes: pl.Series) -> pl.Series:
        """Clés phonétiques de ``textes`` (null reste null) : seules les valeurs encore jamais vues
        sont calculées, les mêmes noms revenant d'une colonne et d'une table à l'autre."""
        with self._verrou:
            valeurs = textes.drop_nulls().unique()
            nouvelles = pl.DataFrame(
                {"texte": valeurs.filter(~valeurs.is_in(self.phonetiques["texte"].implode()))}
            )
            self.phonetiques = connues = pl.concat(
                [self.phonetiques, nouvelles.with_columns(expr_phonetique(pl.col("texte")).alias("cle"))]
            )
        return (
            textes.to_frame("texte")
            .join(connues, on="texte", how="left", maintain_order="left")["cle"]
            .alias(textes.name)
        )


def _formes_nom(prefixe: str, contexte: Contexte) -> Callable[[pl.DataFrame], pl.DataFrame]:
    def formes(valeurs: pl.DataFrame) -> pl.DataFrame:
        valeurs = valeurs.select(expr_texte(pl.col("v")).alias("t"))
        # Un nom tiré d'un prénom a les mêmes translittérations (SAHIN / CHAHINE, MOHAMMED / MOHAMED).
        tous = _mots(valeurs).with_columns(pl.col("mot").replace(CANONIQUE))
        utiles = mots_utiles(tous)
        table = _regrouper(tous, valeurs.height, [pl.col("mot").list.join("").alias(f"{prefixe}_c")]).join(
            _regrouper(
                utiles,
                valeurs.height,
                [
                    pl.col("mot").list.join("").alias(f"{prefixe}_cs"),
                    pl.col("mot").list.join(" ").alias(f"{prefixe}_t"),
                ],
            ),
            on="r",
            maintain_order="left",
        )
        # Clés de blocage : chaque partie du nom, et le nom entier avec et sans particules.
        blocs = (
            pl.concat(
                [
                    utiles.select("r", "mot"),
                    table.select("r", pl.col(f"{prefixe}_c").alias("mot")),
                    table.select("r", pl.col(f"{prefixe}_cs").alias("mot")),
                ]
            )
            .drop_nulls()
            .unique()
        )
        blocs = blocs.with_columns(contexte.phonetique(blocs["mot"]).alias("ph"))
        table = table.join(
            _regrouper(
                blocs.select("r", "ph"),
                valeurs.height,
                [pl.col("ph").list.unique().alias(f"{prefixe}_blocs")],
            ),
            on="r",
            maintain_order="left",
        )
        return table.select(
            f"{prefixe}_c",
            f"{prefixe}_cs",
            f"{prefixe}_t",
            contexte.phonetique(table[f"{prefixe}_cs"]).alias(f"{prefixe}_ph"),
            f"{prefixe}_blocs",
        )

    return formes


def _formes_prenoms(contexte: Contexte) -> Callable[[pl.DataFrame], pl.DataFrame]:
    def formes(valeurs: pl.DataFrame) -> pl.DataFrame:
        # Une apostrophe lie les lettres d'un prénom (N'DEYE → NDEYE) au lieu de le couper en deux.
        valeurs = valeurs.select(expr_texte(pl.col("v").str.replace_all(r"['’‘`´]", "")).alias("t"))
        # Chaque prénom ramené à sa forme canonique de translittération (MOHAMMED → MOHAMED).
        mots = _mots(valeurs).with_columns(pl.col("mot").replace(CANONIQUE).alias("canon"))
        table = _regrouper(
            mots,
            valeurs.height,
            [
                pl.col("canon").list.first().alias("prenom1"),
                # Tel qu'écrit : une faute de frappe dans une variante (ABDOULAYYE) la laisse hors
                # de la table, loin de la forme canonique de l'autre côté.
                pl.col("mot").list.first().alias("prenom1_brut"),
                pl.col("canon").list.get(1, null_on_oob=True).alias("prenom2"),
                pl.col("canon").list.join(" ").alias("prenoms_t"),
                pl.col("mot").list.join("").alias("prenoms_c"),
                # Prénom composé en deux mots d'un côté, en un seul de l'autre (JEAN PIERRE / JEANPIERRE).
                pl.col("mot").list.head(2).list.join("").alias("prenom12"),
            ],
        )

        def sons(formes: pl.DataFrame, nom: str) -> pl.DataFrame:
            """Les clés phonétiques distinctes des ``formes`` (colonnes ``r``, ``forme``) de chaque valeur."""
            formes = formes.drop_nulls()
            cles = formes.select("r", contexte.phonetique(formes["forme"]).alias("ph"))
            return _regrouper(cles, valeurs.height, [pl.col("ph").list.unique().alias(nom)])

        # Le son de chaque prénom suivant le premier : l'école peut connaître l'enfant sous un prénom
        # secondaire écrit autrement (EMMA CLOE / Chloé).
        seconds = mots.filter(~pl.col("r").is_first_distinct()).select("r", pl.col("canon").alias("forme"))
        # Clés de blocage : le premier prénom, et les deux premiers accolés.
        blocs = pl.concat([table.select("r", pl.col(c).alias("forme")) for c in ("prenom1", "prenom12")])
        table = table.join(sons(seconds, "seconds_ph"), on="r", maintain_order="left").join(
            sons(blocs, "prenoms_ph"), on="r", maintain_order="left"
        )
        return table.select(
            "prenom1",
            "prenom1_brut",
            "prenom2",
            "prenoms_t",
            "prenoms_c",
            "prenom12",
            contexte.phonetique(table["prenom1"]).alias("prenom_ph"),
            "prenoms_ph",
            "seconds_ph",
        )

    return formes


def _formes_lieu(valeurs: pl.DataFrame) -> pl.DataFrame:
    # « 3BIS, R. DU GAL » et « 3 RUE DU GENERAL » : numéro détaché de ses lettres, indice de
    # répétition (BIS, TER…) retiré, abréviations de La Poste ramenées à la forme longue, mot à mot.
    mots = (
        expr_texte(pl.col("v"), chiffres=True)
        .str.replace_all(r"(\d)([A-Z])", "${1} ${2}")
        .str.split(" ")
        .list.eval(pl.element().filter(~pl.element().is_in(INDICES_REPETITION)).replace(ABREVIATIONS_VOIE))
        .list.join(" ")
    )
    return valeurs.select(mots.replace("", None).alias("adresse"))


def _formes_commune(valeurs: pl.DataFrame) -> pl.DataFrame:
    return valeurs.select(expr_texte(pl.col("v")).str.replace_all(" ", "", literal=True).alias("commune"))


def _formes_allocataire(valeurs: pl.DataFrame) -> pl.DataFrame:
    valeurs = valeurs.select(expr_texte(pl.col("v")).alias("t"))
    utiles = mots_utiles(_mots(valeurs))
    return _regrouper(utiles, valeurs.height, [pl.col("mot").list.join("").alias("alloc_cs")]).select(
        "alloc_cs"
    )


def _formes_prenom_allocataire(valeurs: pl.DataFrame) -> pl.DataFrame:
    return valeurs.select(
        expr_texte(pl.col("v")).str.replace_all(" ", "", literal=True).alias("alloc_prenom")
    )


def _foyer() -> pl.Expr:
    """Numéro du foyer de chaque enfant de la liste CAF : même allocataire, nom et prénom, à la même
    adresse et au même code postal. Null sans adresse ou sans nom et prénom d'allocataire.

    L'école peut connaître l'enfant sous le nom de l'allocataire ou sous celui d'un frère ou d'une
    sœur du foyer (``comparaisons.noms._du_foyer``) : un enfant inscrit à la CAF sous le nom de sa mère l'est
    souvent à l'école sous celui de son père, que portent ses frères et sœurs. L'adresse est dans la
    clé : sans elle, deux allocataires homonymes d'une grande ville mêleraient leurs enfants, et le nom
    d'un enfant d'une autre famille ferait lier un enfant absent à la fiche d'un homonyme.
    """
    cle = ("alloc_cs", "alloc_prenom", "adresse", "code_postal")
    connu = pl.all_horizontal(pl.col(c).is_not_null() for c in cle[:3])
    return pl.when(connu).then(pl.struct(cle).rank("dense")).alias("foyer")


def _par_valeur(
    serie: pl.Series,
    formes: Callable[[pl.DataFrame], pl.DataFrame],
    contexte: Contexte,
    identifiant: str | None = None,
) -> pl.DataFrame:
    """Calcule ``formes`` une fois par valeur distincte de ``serie`` (les noms se répètent beaucoup),
    puis redistribue le résultat ligne à ligne (une valeur absente donne une ligne de nulls).

    Les textes calculés deviennent catégoriels avant d'être redistribués : chaque valeur distincte
    n'est ainsi rangée qu'une fois dans le dictionnaire. Avec ``identifiant``, une colonne de ce nom
    donne le numéro de la valeur de chaque ligne dans la table : deux lignes de même numéro ont
    toutes leurs formes égales (``comparaisons.outils.par_valeurs`` compare alors une fois par couple).
    """
    valeurs = pl.DataFrame({"v": serie.cast(pl.String).drop_nulls().unique().sort()})
    calcul = formes(valeurs)
    categorie = pl.Categorical(contexte.categories)
    calcul = calcul.with_columns(
        [pl.col(c).cast(categorie) for c, type_ in calcul.schema.items() if type_ == pl.String]
        + [
            pl.col(c).cast(pl.List(categorie))
            for c, type_ in calcul.schema.items()
            if type_ == pl.List(pl.String)
        ]
    )
    calcul = pl.concat([calcul, calcul.clear(1)])
    # Rang de chaque ligne dans ``valeurs`` par jointure (bien moins cher qu'un rang de chaînes).
    codes = (
        serie.cast(pl.String)
        .to_frame("v")
        .join(valeurs.with_row_index("code"), on="v", how="left", maintain_order="left")["code"]
        .fill_null(valeurs.height)
    )
    formes_par_ligne = calcul[codes]
    return formes_par_ligne.with_columns(codes.alias(identifiant)) if identifiant else formes_par_ligne


def _sexe(colonne: pl.Expr) -> pl.Expr:
    initiale = colonne.str.strip_chars().str.to_uppercase().str.slice(0, 1)
    return pl.when(initiale.is_in(["M", "F"])).then(initiale).otherwise(None)


COLONNES_COMPAREES: tuple[str, ...] = (
    "nom_c", "nom_cs", "nom_t", "nom_ph", "usage_c", "usage_cs", "usage_t", "usage_ph",
    "prenom1", "prenom1_brut", "prenom2", "prenoms_t", "prenoms_c", "prenom12", "prenom_ph", "adresse",
    "code_postal",
    "commune",
)  # fmt: skip
"""Colonnes textuelles comparées entre les deux côtés : catégorielles sur un même dictionnaire."""


def _naissance_partielle(table: pl.DataFrame, date: pl.Expr) -> list[pl.Expr]:
    """``annee`` et ``mois`` de la date, ou, sans date, ceux qu'une date impossible a laissés lisibles."""
    annee, mois = date.dt.year().cast(pl.Int32), date.dt.month().cast(pl.Int8)
    colonne_annee, colonne_mois = NAISSANCE_PARTIELLE
    if colonne_annee in table.columns and colonne_mois in table.columns:
        annee = pl.coalesce(annee, pl.col(colonne_annee).cast(pl.Int32))
        mois = pl.coalesce(mois, pl.col(colonne_mois).cast(pl.Int8))
    return [annee.alias("annee"), mois.alias("mois")]


def preparer(table: pl.DataFrame, *, inscrits: bool, contexte: Contexte) -> pl.DataFrame:
    """Formes normalisées d'une table canonique (familles ou inscrits), une ligne par ligne, index ``idx``.

    Les textes comparés deviennent catégoriels sur le dictionnaire du ``contexte``, partagé par les
    deux tables : une égalité de textes devient une égalité d'entiers.
    """
    date = pl.col("date_naissance").cast(pl.Date)
    parties = [
        table.select(
            pl.int_range(pl.len(), dtype=pl.UInt32).alias("idx"),
            pl.col("id").cast(pl.String),
            date.alias("date"),
            *_naissance_partielle(table, date),
            _sexe(pl.col("sexe")).alias("sexe"),
            pl.col("code_postal").str.replace_all(r"\D", "").alias("code_postal"),
        ),
        _par_valeur(table["commune"], _formes_commune, contexte),
        _par_valeur(table["nom"], _formes_nom("nom", contexte), contexte, "nom_id"),
        _par_valeur(table["prenoms"], _formes_prenoms(contexte), contexte, "prenoms_id"),
        _par_valeur(table["adresse"], _formes_lieu, contexte),
    ]
    categorie = pl.Categorical(contexte.categories)
    if inscrits:
        parties += [
            _par_valeur(table["nom_usage"], _formes_nom("usage", contexte), contexte, "usage_id"),
            table.select(pl.col("mode").str.strip_chars().str.to_lowercase().fill_null("ecole")),
        ]
    else:
        parties += [
            _par_valeur(table["nom_allocataire"], _formes_allocataire, contexte),
            _par_valeur(table["prenom_allocataire"], _formes_prenom_allocataire, contexte),
        ]
    prepare = pl.concat(parties, how="horizontal")
    if not inscrits:
        prepare = prepare.with_columns(_foyer())
    # Les clés de blocage d'un nom sont déjà distinctes et sans null : seul l'ajout de celles du nom
    # d'usage demande de dédoublonner.
    noms_ph = pl.col("nom_blocs")
    if inscrits:
        usage = pl.col("usage_blocs").fill_null(pl.lit([], dtype=pl.List(categorie)))
        noms_ph = pl.concat_list(noms_ph, usage).list.unique().list.drop_nulls()
    return prepare.select(
        "idx",
        "id",
        "date",
        "annee",
        "mois",
        *[c for c in ("nom_id", "prenoms_id", "usage_id") if c in prepare.columns],
        pl.col("sexe").cast(categorie),
        *[pl.col(c).cast(categorie) for c in COLONNES_COMPAREES if c in prepare.columns],
        *(["mode"] if inscrits else ["foyer", pl.col("alloc_cs").cast(categorie)]),
        noms_ph.cast(pl.List(categorie)).alias("noms_ph"),
        pl.col("prenoms_ph").cast(pl.List(categorie)),
        pl.col("seconds_ph").cast(pl.List(categorie)),
    )
