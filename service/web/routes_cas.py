"""La liste des cas (``/cas``) et la transmission de plusieurs cas à la DASEN, confirmée avant d'agir.

Mêmes fonctions que l'API : ``registre.lister`` (périmètre de la session), ``registre.appliquer_transition``
(table de la procédure, audit de chaque transmission). L'identité ne paraît qu'après le choix d'un
motif de consultation (``web/motif.py``), et chaque page qui la montre est auditée avec ce motif.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from sqlmodel import Session, col, select

from service.acteur import Acteur
from service.api.dependances import bdd_de
from service.api.routes_cas import coffre
from service.autorisation import RefusAutorisation
from service.base.connexion import jour_local, session_base
from service.journal_audit import Action, auditer
from service.modeles import Campagne, Cas, Commune
from service.registre import procedure
from service.registre import registre as reg
from service.registre.coffre import Coffre
from service.web import liste_cas as lc
from service.web import tri_des_cas as tris
from service.web.motif import CHAMP, MOTIFS, MotifChoisi, choisir, lire_motif, motif_choisi, oublier
from service.web.pages import Ariane, Erreurs, rendre
from service.web.visiteur import Visiteur, VisiteurConnecte, suite_sure, verifier_csrf

routeur = APIRouter(include_in_schema=False)

ARIANE = [Ariane("Tableau de bord", "/"), Ariane("Cas")]
SELECTION_MAX = 200
CHAMPS_IDENTITE = ("nom", "prenoms", "date_naissance")
TRANSMETTRE = procedure.PAR_ACTION[lc.TRANSMETTRE]


def _noms_des_communes(session: Session, insee: list[str]) -> dict[str, str]:
    communes = session.exec(select(Commune).where(col(Commune.insee).in_(insee)))
    return {commune.insee: commune.nom for commune in communes}


def _campagnes(session: Session, ids: list[str], noms: dict[str, str]) -> list[tuple[str, str]]:
    campagnes = session.exec(
        select(Campagne).where(col(Campagne.id).in_(ids)).order_by(col(Campagne.creee_le).desc())
    )
    return [
        (c.id, f"{c.libelle} ({noms.get(c.commune, c.commune)}, {c.date_reference:%d/%m/%Y})")
        for c in campagnes
    ]


def _identite(ouvert: Coffre, cas: Cas) -> dict[str, Any]:
    identite = ouvert.identite(cas)
    return {champ: identite.get(champ) for champ in CHAMPS_IDENTITE}


def _auditer_consultation(
    session: Session, acteur: Acteur, motif: MotifChoisi, cas: list[Cas], page: int
) -> None:
    """Comme ``GET /api/v1/cas`` avec l'en-tête : le motif et les cas dont l'identité est montrée."""
    auditer(
        session,
        acteur,
        Action.CONSULTATION,
        motif=motif.motif.value,
        details={"cas": [c.id for c in cas], "page": page},
    )


def _lignes(
    session: Session, acteur: Acteur, cas: list[Cas], motif: MotifChoisi | None, ouvert: Coffre
) -> list[lc.Ligne]:
    noms = _noms_des_communes(session, sorted({c.commune for c in cas}))
    jour = jour_local()
    return [
        lc.Ligne(
            c,
            noms.get(c.commune, c.commune),
            *lc.badge(c),
            echeance_depassee=lc.echeance_depassee(c, jour),
            transmissible=lc.transmissible(c, acteur.role),
            identite=_identite(ouvert, c) if motif else None,
        )
        for c in cas
    ]


def construire(
    session: Session, acteur: Acteur, filtres: lc.Filtres, motif: MotifChoisi | None, ouvert: Coffre
) -> lc.Liste:
    """La page demandée de la liste (la dernière si elle est plus loin), et les filtres possibles."""
    filtre = filtres.filtre_statut()

    def page(numero: int) -> reg.Page:
        return reg.lister(
            session,
            acteur,
            statuts=filtre.statuts,
            resultat=filtre.resultat,
            commune=filtres.commune,
            campagne=filtres.campagne,
            echeance_depassee=filtres.echeance_depassee,
            ordre=tris.ordre(filtres.tri, filtres.decroissant),
            page=numero,
            par_page=filtres.par_page,
        )

    trouvee = page(filtres.page)
    derniere = max(1, -(-trouvee.total // filtres.par_page))
    if filtres.page > derniere:
        filtres = replace(filtres, page=derniere)
        trouvee = page(derniere)
    communes, campagnes = reg.filtres_possibles(session, acteur)
    noms = _noms_des_communes(session, communes)
    if motif is not None and trouvee.cas:
        _auditer_consultation(session, acteur, motif, trouvee.cas, filtres.page)
    return lc.Liste(
        filtres,
        trouvee.total,
        _lignes(session, acteur, trouvee.cas, motif, ouvert),
        communes=[(insee, noms.get(insee, insee)) for insee in communes],
        campagnes=_campagnes(session, campagnes, noms),
    )


def _page_liste(
    requete: Request,
    visiteur: Visiteur,
    parametres: dict[str, str],
    *,
    erreurs: Erreurs | None = None,
    statut: int = 200,
) -> Response:
    filtres, ignores = lc.lire_filtres(parametres, visiteur.acteur.role)
    motif = motif_choisi(requete, visiteur)
    with session_base(bdd_de(requete)) as session:
        liste = construire(session, visiteur.acteur, filtres, motif, coffre(requete))
    return rendre(
        requete,
        "cas/liste.html",
        titre="Cas" if liste.filtres.page == 1 else f"Cas, page {liste.filtres.page}",
        ariane=ARIANE,
        statut=statut,
        erreurs=erreurs,
        libelles={CHAMP: "Motif de consultation", "cas": "Cas à transmettre"},
        liste=liste,
        filtres=liste.filtres,
        ignores=ignores,
        motif=motif,
        motifs=MOTIFS,
        filtres_statut=lc.filtres_de_statut(visiteur.acteur.role),
        colonnes=lc.COLONNES_TRIABLES,
        priorite=tris.PRIORITE,
        date_courte=lc.date_courte,
        retour=liste.filtres.adresse(page=liste.filtres.page),
        peut_transmettre=visiteur.acteur.role in TRANSMETTRE.roles,
    )


@routeur.get("/cas")
def liste_des_cas(requete: Request, visiteur: VisiteurConnecte) -> Response:
    return _page_liste(requete, visiteur, dict(requete.query_params))


def _retour(valeur: str | None) -> str:
    """L'adresse de la liste d'où vient un formulaire : une liste de cas, sinon la liste par défaut."""
    adresse = suite_sure(valeur)
    return adresse if urlsplit(adresse).path == "/cas" else "/cas"


def _parametres(retour: str) -> dict[str, str]:
    return dict(parse_qsl(urlsplit(retour).query))


@routeur.post("/cas")
async def choisir_un_motif(requete: Request, visiteur: VisiteurConnecte) -> Response:
    """Afficher les identités (après le choix d'un motif) ou les masquer ; puis retour à la liste."""
    champs = await verifier_csrf(requete, visiteur)
    retour = _retour(champs.get("retour"))
    if "masquer" in champs:
        reponse = RedirectResponse(retour, status_code=303)
        oublier(reponse)
        return reponse
    motif = lire_motif(champs.get(CHAMP, ""))
    if motif is None:
        erreurs = Erreurs()
        erreurs.ajouter(CHAMP, "Choisissez pourquoi vous affichez les identités, parmi les motifs proposés.")
        return _page_liste(requete, visiteur, _parametres(retour), erreurs=erreurs, statut=422)
    reponse = RedirectResponse(retour, status_code=303)
    choisir(reponse, visiteur, motif)
    return reponse


async def _selection(requete: Request, visiteur: Visiteur) -> tuple[list[str], str]:
    """Les cas cochés (identifiants bien formés, sans doublon) et la liste où revenir."""
    champs = await verifier_csrf(requete, visiteur)
    formulaire = await requete.form()
    ids: list[str] = []
    for valeur in formulaire.getlist("cas"):
        if isinstance(valeur, str) and lc.IDENTIFIANT.fullmatch(valeur) and valeur not in ids:
            ids.append(valeur)
    if len(ids) > SELECTION_MAX:
        ids = ids[:SELECTION_MAX]
    return ids, _retour(champs.get("retour"))


def _exiger_le_droit_de_transmettre(acteur: Acteur) -> None:
    if acteur.role not in TRANSMETTRE.roles:
        raise RefusAutorisation(
            "Votre rôle ne permet pas de transmettre un cas à la DASEN.",
            action=f"transition_{TRANSMETTRE.action}",
        )


def _raison_du_refus(cas: Cas, acteur: Acteur) -> str | None:
    """Pourquoi ce cas ne peut pas être transmis, dit par la table de la procédure ; ``None`` s'il le peut."""
    try:
        procedure.valider(
            TRANSMETTRE.action,
            statut=cas.statut,
            motif=cas.motif,
            resultat=cas.resultat,
            role=acteur.role,
            champs={},
        )
    except procedure.TransitionRefusee as refus:
        return str(refus)
    return None


def _visibles(session: Session, acteur: Acteur, ids: list[str]) -> tuple[list[Cas], list[tuple[str, str]]]:
    """Les cas choisis ; un cas hors du périmètre refuse tout (403 audité), un cas effacé est écarté."""
    trouves: list[Cas] = []
    absents: list[tuple[str, str]] = []
    for cas_id in ids:
        try:
            trouves.append(reg.cas_visible(session, acteur, cas_id, operation=TRANSMETTRE.action))
        except reg.CasIntrouvable as erreur:
            absents.append((cas_id, str(erreur)))
    return trouves, absents


@routeur.post("/cas/transmettre")
async def confirmer_la_transmission(requete: Request, visiteur: VisiteurConnecte) -> Response:
    """La page de confirmation : ce qui sera transmis, ce qui ne le sera pas et pourquoi (RGAA 11.12)."""
    ids, retour = await _selection(requete, visiteur)
    acteur = visiteur.acteur
    _exiger_le_droit_de_transmettre(acteur)
    if not ids:
        erreurs = Erreurs(generale="Aucun cas coché : cochez dans la liste les cas à transmettre à la DASEN.")
        return _page_liste(requete, visiteur, _parametres(retour), erreurs=erreurs, statut=422)
    motif = motif_choisi(requete, visiteur)
    with session_base(bdd_de(requete)) as session:
        trouves, refuses = _visibles(session, acteur, ids)
        a_transmettre = []
        for cas in trouves:
            raison = _raison_du_refus(cas, acteur)
            if raison is None:
                a_transmettre.append(cas)
            else:
                refuses.append((cas.id, raison))
        if motif is not None and a_transmettre:
            _auditer_consultation(session, acteur, motif, a_transmettre, 1)
        lignes = _lignes(session, acteur, a_transmettre, motif, coffre(requete))
    return rendre(
        requete,
        "cas/confirmation.html",
        titre="Confirmer la transmission à la DASEN",
        ariane=[*ARIANE[:1], Ariane("Cas", retour), Ariane("Confirmer la transmission")],
        lignes=lignes,
        refuses=refuses,
        retour=retour,
        date_courte=lc.date_courte,
    )


@routeur.post("/cas/transmettre/confirmer")
async def transmettre(requete: Request, visiteur: VisiteurConnecte) -> Response:
    """Transmet chaque cas confirmé, chacun dans sa transaction : un refus n'empêche pas les autres."""
    ids, retour = await _selection(requete, visiteur)
    acteur = visiteur.acteur
    _exiger_le_droit_de_transmettre(acteur)
    bdd = bdd_de(requete)
    with session_base(bdd) as session:
        # Tout le choix est vérifié avant le premier envoi : un cas d'ailleurs n'en laisse partir aucun.
        _, refuses = _visibles(session, acteur, ids)
    absents = {cas_id for cas_id, _ in refuses}
    transmis: list[str] = []
    ouvert = coffre(requete)
    for cas_id in (i for i in ids if i not in absents):
        try:
            with session_base(bdd) as session:
                reg.appliquer_transition(session, acteur, cas_id, TRANSMETTRE.action, {}, coffre=ouvert)
        except (procedure.TransitionRefusee, reg.CasIntrouvable) as refus:
            refuses.append((cas_id, str(refus)))
        else:
            transmis.append(cas_id)
    return rendre(
        requete,
        "cas/resultat.html",
        titre="Transmission à la DASEN : résultat",
        ariane=[*ARIANE[:1], Ariane("Cas", retour), Ariane("Résultat de la transmission")],
        transmis=transmis,
        refuses=refuses,
        retour=retour,
        vers_transmis=lc.Filtres(statut=procedure.TRANSMIS).adresse(),
    )
