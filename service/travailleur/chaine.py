"""La chaîne d'une campagne, dans l'enfant confiné : archives → conventions → lecture → appariement.

Importé seulement une fois le confinement en place (voir ``enfant``). Tout se passe en mémoire.
Chaque source est vérifiée et lue séparément ; si l'une est refusée, l'appariement n'a pas lieu
(une liste d'élèves manquante ferait signaler à tort tous ses élèves) et la réponse dit pourquoi.
Si la demande porte des cas suivis, ils sont ensuite appariés aux mêmes inscrits (passe de contrôle).
Une demande d'examen (au dépôt) s'arrête après la lecture : voir ``examen``.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

import polars as pl
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey
from pydantic import ValidationError

from appariement import DonneesInvalides, apparier
from appariement.apprentissage import Retour
from chiffrement import ErreurArchive, Limites, ScelleInvalide, desceller, ouvrir_archive
from conventions import COLONNES, Convention, lire
from conventions.erreurs import ErreurConvention
from service.travailleur.confinement import EtatProtections
from service.travailleur.examen import examiner
from service.travailleur.protocole import (
    SIGNATURE_DEMANDE,
    Candidat,
    Comptes,
    CompteSource,
    ControleSuivis,
    DemandeEnfant,
    EnfantSignale,
    ErreurTravail,
    IdentiteEnfant,
    IdentiteInscrit,
    LigneIllisible,
    MessageInvalide,
    ReponseEnfant,
    SourceDemande,
    lire_message,
)

#: Erreurs de lignes gardées par source dans la réponse (les suivantes sont seulement comptées).
ERREURS_PAR_SOURCE = 200
#: Lignes illisibles listées par source ; au-delà, seulement comptées (``Comptes.illisibles``).
LIGNES_ILLISIBLES_MAX = 1000
_SEPARATEUR = ":"
_SIGNALES = ("a_verifier", "non_apparie")


@dataclass
class _SourceLue:
    demande: SourceDemande
    sha256: str
    source: str = "inconnue"
    genre: str = ""
    fichiers: int = 0
    comptes: Comptes = field(default_factory=Comptes)
    refus: str | None = None
    tables: list[pl.DataFrame] = field(default_factory=list)
    illisibles: list[LigneIllisible] = field(default_factory=list)


class _Chrono:
    def __init__(self) -> None:
        self.durees: dict[str, float] = {}

    @contextmanager
    def etape(self, nom: str) -> Iterator[None]:
        debut = time.perf_counter()
        try:
            yield
        finally:
            self.durees[nom] = round(self.durees.get(nom, 0.0) + time.perf_counter() - debut, 4)


def traiter(message: bytes, etat: EtatProtections) -> ReponseEnfant:
    """De la demande brute (stdin) à la réponse ; jamais d'exception pour une entrée mauvaise."""
    try:
        trames = lire_message(SIGNATURE_DEMANDE, message)
        demande = DemandeEnfant.model_validate_json(trames[0]) if trames else None
    except (MessageInvalide, ValueError) as erreur:
        motif = str(erreur) if isinstance(erreur, MessageInvalide) else _non_conforme(erreur)
        return ReponseEnfant(statut="echec", motif=f"demande illisible ({motif})", protections=etat.actives)
    if demande is None or any(
        n >= len(trames)
        for s in demande.sources
        for n in (demande.cle_privee, demande.suivis, s.archive, s.mot_de_passe_scelle)
        if n is not None
    ):
        return ReponseEnfant(
            statut="echec", motif="demande illisible (trame manquante)", protections=etat.actives
        )
    chrono = _Chrono()
    erreurs: list[ErreurTravail] = []
    try:
        cle = X25519PrivateKey.from_private_bytes(trames[demande.cle_privee])
    except ValueError:
        return ReponseEnfant(
            statut="echec",
            motif="clé privée du travailleur invalide (32 octets attendus)",
            protections=etat.actives,
        )
    limites = Limites(**demande.limites_archive.model_dump())
    if demande.examen:
        return examiner(demande, trames, cle, limites, etat)
    lues = [_lire_source(demande, s, trames, cle, limites, chrono, erreurs) for s in demande.sources]
    familles = [s for s in lues if s.genre == "familles" and not s.refus]
    inscrits = [s for s in lues if s.genre == "inscrits" and not s.refus]
    refusees = [s for s in lues if s.refus]
    signales: list[EnfantSignale] = []
    controle: ControleSuivis | None = None
    effectue = False
    if refusees:
        erreurs.append(ErreurTravail(motif="appariement non lancé : au moins une source est refusée"))
    elif not familles:
        erreurs.append(ErreurTravail(motif="appariement non lancé : il faut au moins une liste CAF ou MSA"))
    elif not inscrits:
        erreurs.append(ErreurTravail(motif="appariement non lancé : il faut au moins une liste d'inscrits"))
    else:
        with chrono.etape("appariement"):
            table_familles = pl.concat([t for s in familles for t in s.tables], how="vertical_relaxed")
            table_inscrits = pl.concat([t for s in inscrits for t in s.tables], how="vertical_relaxed")
            # Les paires déjà tranchées par les agents de la commune : le moteur en apprend.
            retours = [Retour(r.niveaux, r.meme_enfant) for r in demande.retours]
            try:
                decisions = apparier(
                    table_familles, table_inscrits, demande.date_reference, retours=retours
                ).decisions
            except DonneesInvalides as erreur:
                # Tables canoniques non conformes : défaut d'un profil, le message ne cite que des colonnes.
                erreurs.append(ErreurTravail(motif=f"appariement impossible : {erreur}"))
                decisions = None
        if decisions is not None:
            with chrono.etape("reponse"):
                _compter_decisions(decisions, lues)
                signales = _signales(decisions, table_familles, table_inscrits)
            effectue = True
            if demande.suivis is not None:
                with chrono.etape("controle"):
                    controle = _controler(
                        trames[demande.suivis], table_inscrits, demande.date_reference, retours
                    )
    return ReponseEnfant(
        statut="termine",
        protections=etat.actives,
        raisons_protections=etat.raisons,
        appariement_effectue=effectue,
        sources=[
            CompteSource(
                identifiant=s.demande.identifiant,
                source=s.source,
                sha256=s.sha256,
                fichiers=s.fichiers,
                comptes=s.comptes,
                refus=s.refus,
                illisibles=s.illisibles,
            )
            for s in lues
        ],
        total=_total(lues),
        signales=signales,
        controle=controle,
        erreurs=erreurs,
        durees=chrono.durees,
    )


def _non_conforme(erreur: ValueError) -> str:
    """Pourquoi la demande est refusée à la validation, sans rien citer de son contenu."""
    if isinstance(erreur, ValidationError) and any(e["loc"][:1] == ("retours",) for e in erreur.errors()):
        return "retours de revue non conformes : niveaux d'accord inconnus, ou trop de retours"
    return "contenu non conforme"


def _controler(
    octets: bytes, inscrits: pl.DataFrame, date_reference: dt.date, retours: list[Retour]
) -> ControleSuivis:
    """Les cas suivis encore signalés face aux inscrits reçus : le même appariement que les familles,
    avec les mêmes retours de revue."""
    try:
        suivis = pl.read_ipc(io.BytesIO(octets))
    except (pl.exceptions.PolarsError, OSError, ValueError):
        return ControleSuivis(lignes=0, refus="cas suivis illisibles (table Arrow IPC attendue)")
    if dict(suivis.schema) != COLONNES["familles"]:
        return ControleSuivis(
            lignes=suivis.height, refus="cas suivis illisibles : colonnes de la table des familles attendues"
        )
    try:
        decisions = apparier(suivis, inscrits, date_reference, retours=retours).decisions
    except DonneesInvalides as erreur:
        return ControleSuivis(lignes=suivis.height, refus=f"appariement impossible : {erreur}")
    encore = decisions.filter(pl.col("statut").is_in(_SIGNALES)).get_column("id_famille").to_list()
    return ControleSuivis(lignes=suivis.height, encore_signales=encore)


def _lire_source(
    demande: DemandeEnfant,
    source: SourceDemande,
    trames: list[bytes],
    cle: X25519PrivateKey,
    limites: Limites,
    chrono: _Chrono,
    erreurs: list[ErreurTravail],
) -> _SourceLue:
    archive = trames[source.archive]
    lue = _SourceLue(demande=source, sha256=hashlib.sha256(archive).hexdigest())
    try:
        with chrono.etape("conventions"):
            convention = Convention.model_validate(source.convention)
            convention.verifier_usage(demande.commune, demande.jour)
        lue.source = convention.source
        lue.genre = convention.profil.table
        mot_de_passe = None
        if source.mot_de_passe_scelle is not None:
            with chrono.etape("descellement"):
                mot_de_passe = desceller(trames[source.mot_de_passe_scelle], cle).decode("utf-8")
        with chrono.etape("archives"):
            fichiers = ouvrir_archive(
                archive,
                mot_de_passe,
                limites,
                chiffrement_obligatoire=not convention.archive_non_chiffree_autorisee,
                noms_en_clair_autorises=convention.noms_de_fichiers_en_clair_autorises,
            )
        if not fichiers:
            lue.refus = "l'archive ne contient aucun fichier : demandez au partenaire de la refaire"
            return lue
        lue.fichiers = len(fichiers)
        for numero, fichier in enumerate(fichiers, start=1):
            with chrono.etape("lecture"):
                lecture = lire(fichier.octets, convention, aujourd_hui=demande.jour, commune=demande.commune)
            rapport = lecture.rapport
            lue.comptes = lue.comptes.model_copy(
                update={
                    champ: getattr(lue.comptes, champ) + getattr(rapport, champ)
                    for champ in ("lignes", "valides", "rejetees", "illisibles", "incompletes", "doublons")
                }
            )
            # Les lignes gardées incomplètes sont seulement comptées : chacune a sa décision, et sa
            # remarque va avec l'identité de l'enfant. Les lignes illisibles sont listées à part.
            place = max(ERREURS_PAR_SOURCE - sum(e.source == source.identifiant for e in erreurs), 0)
            erreurs.extend(
                ErreurTravail(
                    source=source.identifiant, fichier=numero, ligne=e.ligne, champ=e.champ, motif=e.motif
                )
                for e in [e for e in rapport.erreurs if not e.gardee and e.a_demander is None][:place]
            )
            if rapport.refus:
                lue.refus = f"fichier n° {numero} de l'archive refusé : {rapport.refus}"
                return lue
            place = max(LIGNES_ILLISIBLES_MAX - len(lue.illisibles), 0)
            lue.illisibles += [
                LigneIllisible(fichier=numero, ligne=ligne, motif=motif, a_demander=a_demander)
                for ligne, motif, a_demander in lecture.ecartees.filter(~pl.col("doublon"))
                .select("ligne", "motif", "a_demander")
                .head(place)
                .iter_rows()
            ]
            # La remarque suit l'identité d'un enfant signalé ; année et mois d'une date impossible
            # vont au moteur, qui les compare.
            lue.tables.append(
                _preparer(lecture.table_avec_remarques(), source.identifiant, numero, convention)
            )
    except ValidationError:
        lue.refus = "convention illisible ou incomplète : enregistrez-la de nouveau"
    except (ErreurConvention, ErreurArchive, ScelleInvalide) as erreur:
        lue.refus = str(getattr(erreur, "message", erreur))
    except UnicodeDecodeError:
        lue.refus = "mot de passe scellé illisible (UTF-8 attendu) : saisissez de nouveau le mot de passe"
    return lue


def _preparer(table: pl.DataFrame, identifiant: str, numero: int, convention: Convention) -> pl.DataFrame:
    """Préfixe les identifiants par la source et le fichier (uniques sur toute la campagne) ; fixe le mode.

    Une liste d'instruction déclarée (IEF, CNED…) porte le mode de sa convention.
    """
    prefixe = f"{identifiant}{_SEPARATEUR}{numero}{_SEPARATEUR}"
    table = table.with_columns(pl.lit(prefixe).add(pl.col("id")).alias("id"))
    mode = convention.mode
    if mode is None:
        return table
    colonne = pl.col("mode")
    if mode != "ecole":
        colonne = pl.when(colonne.is_null() | (colonne == "ecole")).then(pl.lit(mode)).otherwise(colonne)
    return table.with_columns(colonne.fill_null(mode).alias("mode"))


def _origine(identifiant: str) -> tuple[str, int, str]:
    source, numero, id_ligne = identifiant.split(_SEPARATEUR, 2)
    return source, int(numero), id_ligne


_CHAMP_STATUT = {
    "apparie": "apparies",
    "instruction_declaree": "instruction_declaree",
    "a_verifier": "a_verifier",
    "non_apparie": "non_apparies",
    "hors_obligation": "hors_obligation",
}


def _compter_decisions(decisions: pl.DataFrame, lues: list[_SourceLue]) -> None:
    """Comptes par statut : pour chaque liste CAF/MSA, et pour chaque liste d'inscrits rattachée."""
    par_famille = decisions.group_by(
        pl.col("id_famille").str.split(_SEPARATEUR).list.first().alias("source"), "statut"
    ).len()
    par_inscrit = (
        decisions.filter(pl.col("id_inscrit").is_not_null())
        .group_by(pl.col("id_inscrit").str.split(_SEPARATEUR).list.first().alias("source"), "statut")
        .len()
    )
    comptes: dict[str, dict[str, int]] = {}
    for ligne in pl.concat([par_famille, par_inscrit]).iter_rows(named=True):
        champ = _CHAMP_STATUT.get(ligne["statut"])
        if champ:
            par_source = comptes.setdefault(ligne["source"], {})
            par_source[champ] = par_source.get(champ, 0) + ligne["len"]
    for lue in lues:
        if lue.demande.identifiant in comptes:
            lue.comptes = lue.comptes.model_copy(update=comptes[lue.demande.identifiant])


def _total(lues: list[_SourceLue]) -> Comptes:
    """Lignes : toutes les sources ; statuts et lignes illisibles, incomplètes ou répétées : les enfants
    des listes CAF/MSA, comptés une fois."""
    lignes = ("lignes", "valides", "rejetees")
    return Comptes(
        **{
            champ: sum(getattr(s.comptes, champ) for s in lues if champ in lignes or s.genre == "familles")
            for champ in Comptes.model_fields
        }
    )


def _signales(decisions: pl.DataFrame, familles: pl.DataFrame, inscrits: pl.DataFrame) -> list[EnfantSignale]:
    """Les enfants à vérifier ou non appariés, avec leur identité reçue et celle de leurs candidats."""
    retenues = decisions.filter(pl.col("statut").is_in(_SIGNALES)).join(
        familles.rename({"id": "id_famille"}), on="id_famille", how="left"
    )
    ids_candidats = (
        retenues.select(pl.col("candidats").explode().struct.field("id_inscrit")).to_series().drop_nulls()
    )
    fiches = {
        fiche["id"]: fiche
        for fiche in inscrits.filter(pl.col("id").is_in(ids_candidats.implode())).to_dicts()
    }
    signales = []
    for ligne in retenues.iter_rows(named=True):
        source, numero, id_ligne = _origine(ligne["id_famille"])
        candidats = []
        for candidat in ligne["candidats"] or []:
            fiche = fiches.get(candidat["id_inscrit"])
            if fiche is None:
                continue
            source_c, numero_c, id_c = _origine(fiche["id"])
            candidats.append(
                Candidat(
                    source=source_c,
                    fichier=numero_c,
                    id_ligne=id_c,
                    score=candidat["score"],
                    identite=IdentiteInscrit(**{c: fiche.get(c) for c in IdentiteInscrit.model_fields}),
                )
            )
        signales.append(
            EnfantSignale(
                source=source,
                fichier=numero,
                id_ligne=id_ligne,
                statut=ligne["statut"],
                score=ligne["score"],
                explication=ligne["explication"] or "",
                identite=IdentiteEnfant(**{c: ligne.get(c) for c in IdentiteEnfant.model_fields}),
                candidats=candidats,
            )
        )
    return signales
