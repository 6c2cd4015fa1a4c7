"""Mise en forme canonique : des cellules en texte à la table canonique et au rapport.

Tout se calcule par expressions polars sur la table entière (aucune boucle par ligne) : chaque
contrôle est une condition qui, vraie, signale la ligne avec son champ et son motif. Une ligne qui
nomme encore quelqu'un (un nom ou un prénom) est gardée, le champ en défaut laissé vide et une
remarque lisible jointe (``Lecture.remarques``) : l'enfant sera apparié sur le reste, ou mis à
vérifier. Seule une ligne qui ne nomme personne est rejetée, avec ce qu'il faut demander au partenaire.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

import polars as pl

from conventions.brut import LIGNE, Brut, colonne
from conventions.controles import (
    DEMANDER_ID,
    DEMANDER_ID_DOUBLE,
    DEMANDER_LIGNE,
    DEMANDER_MODE,
    DEMANDER_NOMS,
    Controle,
    lignes_ecartees,
    remarque,
    signalees,
    table_des_erreurs,
)
from conventions.entetes import classer
from conventions.erreurs import FichierRefuse
from conventions.profil import COLONNES, NAISSANCE_PARTIELLE, Mode, Profil, Table
from conventions.rapport import ERREURS_MAX, ErreurLigne, Lecture, Rapport
from conventions.texte import normaliser_expr

TOUTE_LA_LIGNE = "toute la ligne"
#: Colonne de ``Lecture.remarques`` : ce qui manque ou ne va pas dans une ligne gardée, pour l'agent.
REMARQUE = "remarque"
_TEXTES_LIBRES = ("nom", "nom_usage", "nom_allocataire", "prenom_allocataire", "adresse", "commune")
_CODES = ("ine", "uai", "code_postal")
_HEURE = r"[ T]\d{1,2}:\d{2}(:\d{2}(\.\d+)?)?$"
# Les suites d'espaces (de séparateurs pour les prénoms) deviennent une espace seule. Une espace
# déjà seule n'est pas « remplacée » par elle-même : même texte, bien moins de remplacements
# (une adresse en compte plusieurs) qu'avec r"\s+" et r"[\s,;/]+".
_ESPACES = r"\s{2,}|[^\S ]"
_SEPARATEURS_PRENOMS = r"[\s,;/]{2,}|[\s,;/&&[^ ]]"
_NOTATION_DATE = {"%d": "JJ", "%m": "MM", "%Y": "AAAA"}


@dataclass(frozen=True)
class Cadre:
    """Ce qui, hors du fichier, règle sa lecture : profil, champs autorisés, mode, jour."""

    profil: Profil
    aujourd_hui: date
    mode: Mode | None = None
    champs_autorises: tuple[str, ...] | None = None
    convention: str | None = None
    source: str | None = None


def table_vide(table: Table) -> pl.DataFrame:
    """La table canonique sans ligne, avec toutes ses colonnes."""
    return pl.DataFrame(schema=COLONNES[table])


def _non_vide(expr: pl.Expr) -> pl.Expr:
    # Pas de pl.when(propre != "").then(propre) : polars y calculerait deux fois strip_chars.
    return expr.str.strip_chars().replace("", None)


def _valeur_brute(champ: str, positions: list[int]) -> pl.Expr:
    cellules = [_non_vide(pl.col(colonne(position))) for position in positions]
    # Un seul en-tête de prénoms : ses cellules, déjà sans espaces autour, n'ont rien à réunir.
    if champ == "prenoms" and len(positions) > 1:
        return _non_vide(pl.concat_str(cellules, separator=" ", ignore_nulls=True))
    return pl.coalesce(cellules)


def _par_valeur(reunies: pl.DataFrame, brute: str, mise_en_forme: pl.Expr) -> pl.Expr:
    """``mise_en_forme`` de la colonne ``brute``, calculée une fois par valeur distincte puis reportée.

    Même résultat, bien moins de travail pour une colonne de peu de valeurs (un million de dates de
    naissance n'en ont que quelques milliers de distinctes ; sexe et mode, une poignée).
    """
    distinctes = reunies.get_column(brute).unique().drop_nulls()
    formees = distinctes.to_frame().select(mise_en_forme).to_series()
    return pl.col(brute).replace_strict(distinctes, formees, default=None, return_dtype=formees.dtype)


def _notation(format_date: str) -> str:
    for code, notation in _NOTATION_DATE.items():
        format_date = format_date.replace(code, notation)
    return format_date


_MODE_ABSENT = (
    "Le mode d'instruction n'est donné ni par une colonne « Mode » du fichier ni par la "
    "convention. Vérifiez ce fichier avec une convention dont la source est ief, cned, "
    "hors_contrat ou medico_social, ou ajoutez une colonne « Mode »."
)


def _libelle(brut: Brut, positions: list[int]) -> str:
    """Le nom d'une colonne canonique dans le rapport : les en-têtes du fichier qui la donnent."""
    return " / ".join(brut.entetes[position].strip() for position in positions)


def _brute(champ: str) -> str:
    return f"_brut_{champ}"


def _liste(cadre: Cadre) -> str:
    """Comment nommer le fichier dans une remarque : « de la liste CAF », « du fichier »."""
    return f"de la liste {cadre.source.upper()}" if cadre.source else "du fichier"


def _naissance_partielle(cadre: Cadre, brute: pl.Expr, naissance: pl.Expr) -> list[pl.Expr]:
    """L'année et le mois encore lisibles d'une date impossible (29/02/2011, 31/04/2015), selon les
    formats du profil ; rien si la date est lue, ou si l'année ou le mois eux-mêmes sont impossibles."""
    annees, mois = [], []
    for format_date in cadre.profil.formats_date:
        motif = re.escape(format_date)
        for code, groupe in (("%d", r"\d{1,2}"), ("%m", r"(?P<m>\d{1,2})"), ("%Y", r"(?P<a>\d{4})")):
            motif = motif.replace(re.escape(code), groupe)
        parties = brute.str.strip_chars().str.extract_groups(f"^{motif}$")
        annees.append(parties.struct.field("a").cast(pl.Int32, strict=False))
        mois.append(parties.struct.field("m").cast(pl.Int8, strict=False))
    annee, mois_lu = pl.coalesce(annees), pl.coalesce(mois)
    plausible = (
        naissance.is_null() & annee.is_between(1900, cadre.aujourd_hui.year) & mois_lu.is_between(1, 12)
    )
    colonne_annee, colonne_mois = NAISSANCE_PARTIELLE
    return [
        pl.when(plausible).then(annee).alias(colonne_annee),
        pl.when(plausible).then(mois_lu).alias(colonne_mois),
    ]


def _preparer(
    brut: Brut, cadre: Cadre, sources: dict[str, list[int]]
) -> tuple[pl.DataFrame, list[Controle], pl.DataFrame]:
    """Les colonnes canoniques mises en forme, les contrôles qui signalent une ligne, et la remarque
    (numéro de ligne, texte) de chaque ligne que signale un contrôle qui la garde.

    Trois étapes pour que chaque valeur ne soit calculée qu'une fois : cellules réunies par
    colonne canonique, puis mise en forme, puis contrôles sur les valeurs mises en forme. Les
    cellules réunies sont calculées d'abord : date, sexe et mode sont mis en forme par valeur
    distincte.
    """
    profil = cadre.profil
    libelles = {champ: _libelle(brut, positions) for champ, positions in sources.items()}
    anomalies = [
        (condition.alias(f"_anomalie{rang}"), champ, motif)
        for rang, (condition, champ, motif) in enumerate(brut.anomalies)
    ]
    reunies = brut.donnees.select(
        pl.col(LIGNE),
        *(condition for condition, _, _ in anomalies),
        *(_valeur_brute(champ, positions).alias(_brute(champ)) for champ, positions in sources.items()),
    )
    bruts = {champ: pl.col(_brute(champ)) for champ in sources}
    controles = [
        Controle(pl.col(condition.meta.output_name()), champ, motif, DEMANDER_LIGNE)
        for condition, champ, motif in anomalies
    ]
    valeurs: dict[str, pl.Expr] = {}

    for champ in _TEXTES_LIBRES:
        if champ in bruts:
            valeurs[champ] = bruts[champ].str.replace_all(_ESPACES, " ")
    for champ in _CODES:
        if champ in bruts:
            valeurs[champ] = bruts[champ].str.replace_all(r"\s+", "").str.to_uppercase()
    valeurs["prenoms"] = _non_vide(bruts["prenoms"].str.replace_all(_SEPARATEURS_PRENOMS, " "))

    if "id" in bruts:
        valeurs["id"] = bruts["id"]
        controles.append(
            Controle(pl.col("id").is_null(), libelles["id"], "identifiant manquant", DEMANDER_ID)
        )
    else:
        valeurs["id"] = pl.format("L{}", pl.col(LIGNE))
    liste = _liste(cadre)
    nom, prenoms = pl.col("nom").is_null(), pl.col("prenoms").is_null()
    controles += [
        Controle(
            nom & prenoms,
            f"{libelles['nom']} / {libelles['prenoms']}",
            "ni nom ni prénom : la ligne ne désigne personne",
            DEMANDER_NOMS,
        ),
        Controle(
            nom & ~prenoms,
            libelles["nom"],
            "nom manquant (ligne gardée)",
            remarque=remarque(f"nom absent {liste}"),
        ),
        Controle(
            prenoms & ~nom,
            libelles["prenoms"],
            "prénoms manquants (ligne gardée)",
            remarque=remarque(f"prénom absent {liste}"),
        ),
    ]

    # Un tableur ajoute souvent une heure nulle (« 14/03/2015 00:00:00 ») : elle est ignorée.
    jour_seul = bruts["date_naissance"].str.replace(_HEURE, "")
    lue = pl.coalesce(
        [jour_seul.str.strptime(pl.Date, format_date, strict=False) for format_date in profil.formats_date]
    )
    reunies = reunies.with_columns(_par_valeur(reunies, _brute("date_naissance"), lue).alias("_date_lue"))
    # Une date lue mais impossible (future, d'avant 1900) est laissée vide, comme une date illisible.
    naissance = pl.col("_date_lue")
    future, ancienne = naissance > pl.lit(cadre.aujourd_hui), naissance.dt.year() < 1900
    valeurs["date_naissance"] = pl.when(future | ancienne).then(None).otherwise(naissance)
    notations = " ou ".join(_notation(format_date) for format_date in profil.formats_date)
    date_brute = bruts["date_naissance"]
    controles += [
        Controle(
            date_brute.is_not_null() & naissance.is_null(),
            libelles["date_naissance"],
            f"date illisible (attendu {notations} ; ligne gardée)",
            remarque=remarque("date de naissance impossible", date_brute),
        ),
        Controle(
            future,
            libelles["date_naissance"],
            "date dans le futur (ligne gardée)",
            remarque=remarque("date de naissance dans le futur", date_brute),
        ),
        Controle(
            ancienne,
            libelles["date_naissance"],
            "date invraisemblable (avant 1900 ; l'année s'écrit sur 4 chiffres ; ligne gardée)",
            remarque=remarque("date de naissance invraisemblable", date_brute),
        ),
    ]

    lu = normaliser_expr(bruts["sexe"]).str.to_uppercase().replace_strict(profil.sexe, default=None)
    valeurs["sexe"] = _par_valeur(reunies, _brute("sexe"), lu)
    codes_sexe = ", ".join(dict.fromkeys(profil.sexe))
    controles.append(
        Controle(
            bruts["sexe"].is_not_null() & pl.col("sexe").is_null(),
            libelles["sexe"],
            f"sexe illisible (attendu {codes_sexe} ou vide ; ligne gardée)",
            remarque=remarque("sexe illisible", bruts["sexe"]),
        )
    )

    if profil.table == "inscrits":
        defaut = pl.lit(cadre.mode, dtype=pl.Utf8)
        if "mode" in bruts:
            lu = normaliser_expr(bruts["mode"]).replace_strict(profil.modes, default=None)
            reunies = reunies.with_columns(_par_valeur(reunies, _brute("mode"), lu).alias("_mode_lu"))
            valeurs["mode"] = pl.coalesce(pl.col("_mode_lu"), defaut)
            controles.append(
                Controle(
                    bruts["mode"].is_not_null() & pl.col("_mode_lu").is_null(),
                    libelles["mode"],
                    "mode d'instruction inconnu (attendu ecole, ief, cned, hors_contrat ou medico_social)",
                    DEMANDER_MODE,
                )
            )
            if cadre.mode is None:
                controles.append(
                    Controle(
                        bruts["mode"].is_null(),
                        libelles["mode"],
                        "mode d'instruction manquant",
                        DEMANDER_MODE,
                    )
                )
        elif cadre.mode is None:
            raise FichierRefuse(_MODE_ABSENT)
        else:
            valeurs["mode"] = defaut

    schema = COLONNES[profil.table]
    colonnes_canoniques = [
        (valeurs[champ] if champ in valeurs else pl.lit(brut.fixes.get(champ), dtype=schema[champ]))
        .cast(schema[champ])
        .alias(champ)
        for champ in schema
    ]
    drapeaux = [
        controle.condition.fill_null(False).alias(f"_c{rang}") for rang, controle in enumerate(controles)
    ]
    gardees = {
        f"_c{rang}": controle.remarque
        for rang, controle in enumerate(controles)
        if controle.remarque is not None
    }
    ecrites = [
        pl.concat_str(
            [pl.when(pl.col(drapeau)).then(texte) for drapeau, texte in gardees.items()],
            separator=" ; ",
            ignore_nulls=True,
        ).alias(REMARQUE),
        *_naissance_partielle(cadre, jour_seul, pl.col("date_naissance")),
    ]
    # Les cellules brutes que citent les remarques sont gardées le temps de les écrire.
    citees = sorted({racine for expr in ecrites for racine in expr.meta.root_names()} - {*schema, *gardees})
    drapeaux_noms = [f"_c{rang}" for rang in range(len(controles))]
    preparee = (
        reunies.lazy()
        .with_columns(colonnes_canoniques)
        .with_columns(drapeaux)
        .select(pl.col(LIGNE), *schema, *drapeaux_noms, *citees)
        .collect()
    )
    # Les remarques ne s'écrivent que pour les lignes qui en ont : peu de lignes, peu de textes formés.
    remarques = preparee.lazy().filter(pl.any_horizontal(list(gardees))).select(LIGNE, *ecrites).collect()
    return preparee.drop(citees), controles, remarques


def canoniser(brut: Brut, cadre: Cadre) -> Lecture:
    """La table canonique et le rapport ; lève ``FichierRefuse`` pour un en-tête inacceptable."""
    profil = cadre.profil
    lues = brut.donnees.height
    if lues + brut.sortis == 0:
        contenu = "aucun élève" if profil.format == "siecle" else "que sa ligne d'en-tête"
        raise FichierRefuse(
            f"Le fichier ne contient {contenu} : aucun enfant à lire. Vérifiez l'export chez le "
            "partenaire puis déposez le fichier complet."
        )
    entetes = classer(brut, profil, champs_autorises=cadre.champs_autorises, convention=cadre.convention)
    sources = entetes.par_champ
    preparee, controles, remarques = _preparer(brut, cadre, sources)
    drapeaux = [f"_c{rang}" for rang in range(len(controles))]
    erreurs = signalees(preparee, drapeaux, controles)
    rejet = [
        drapeau for drapeau, controle in zip(drapeaux, controles, strict=True) if controle.remarque is None
    ]
    valides = preparee.filter(~pl.any_horizontal(rejet))
    rejetees = illisibles = lues - valides.height

    # Doublon : mêmes valeurs canoniques qu'une ligne précédente (l'identifiant généré ne compte pas).
    cles = [champ for champ in COLONNES[profil.table] if not (champ == "id" and "id" not in sources)]
    # Identifiants tous distincts : l'identifiant étant une des clés, chaque ligne est la première
    # de son groupe, sans calcul par groupe (≈ 0,3 s sur 1 M de lignes pour les deux ci-dessous).
    seules = "id" in sources and valides.get_column("id").n_unique() == valides.height
    premiere = pl.col(LIGNE) if seules else pl.col(LIGNE).min().over(cles)
    valides = valides.with_columns(premiere.alias("_premiere"))
    doublons = valides.filter(pl.col("_premiere") != pl.col(LIGNE))
    erreurs.append(
        doublons.select(
            LIGNE,
            pl.lit(TOUTE_LA_LIGNE).alias("champ"),
            pl.format("doublon de la ligne {}", pl.col("_premiere")).alias("motif"),
            pl.lit(False).alias("gardee"),
            pl.lit(None, dtype=pl.Utf8).alias("a_demander"),
        )
    )
    valides = valides.filter(pl.col("_premiere") == pl.col(LIGNE))
    rejetees += doublons.height
    if "id" in sources:
        premiere = pl.col(LIGNE) if seules else pl.col(LIGNE).min().over("id")
        valides = valides.with_columns(premiere.alias("_premiere"))
        repris = valides.filter(pl.col("_premiere") != pl.col(LIGNE))
        erreurs.append(
            repris.select(
                LIGNE,
                pl.lit(_libelle(brut, sources["id"])).alias("champ"),
                pl.format("identifiant déjà utilisé à la ligne {}", pl.col("_premiere")).alias("motif"),
                pl.lit(False).alias("gardee"),
                pl.lit(DEMANDER_ID_DOUBLE).alias("a_demander"),
            )
        )
        valides = valides.filter(pl.col("_premiere") == pl.col(LIGNE))
        rejetees += repris.height
        illisibles += repris.height

    toutes = table_des_erreurs(erreurs)
    refus = None
    if lues and illisibles / lues > profil.seuil_rejets:
        refus = (
            f"Fichier refusé : {illisibles} lignes sur {lues} ({illisibles / lues:.0%}) sont "
            f"illisibles, au-delà du seuil de {profil.seuil_rejets:.0%}. Corrigez l'export d'après "
            "les erreurs listées (numéro de ligne, colonne, motif), puis déposez-le à nouveau."
        )
    remarquees = valides.select(LIGNE, "id").join(remarques, on=LIGNE, maintain_order="left")
    rapport = Rapport(
        lignes=lues + brut.sortis,
        valides=valides.height,
        rejetees=rejetees,
        illisibles=illisibles,
        incompletes=remarquees.height,
        sortis=brut.sortis,
        doublons=doublons.height,
        erreurs=[
            ErreurLigne(ligne=ligne, champ=champ, motif=motif, gardee=gardee, a_demander=a_demander)
            for ligne, champ, motif, gardee, a_demander in toutes.head(ERREURS_MAX).iter_rows()
        ],
        erreurs_omises=max(0, toutes.height - ERREURS_MAX),
        refus=refus,
        colonnes_non_lues=entetes.non_lues,
        colonnes_inconnues=entetes.inconnues,
    )
    if refus:
        return Lecture(table=table_vide(profil.table), rapport=rapport)
    return Lecture(
        table=valides.select(list(COLONNES[profil.table])),
        rapport=rapport,
        remarques=remarquees.select("id", REMARQUE, *NAISSANCE_PARTIELLE),
        ecartees=lignes_ecartees(toutes, preparee.select(LIGNE, "id"), doublons.get_column(LIGNE)),
    )
