"""« Mon compte » : changer son mot de passe, renouveler son second facteur, voir ses sessions."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from service.api.dependances import bdd_de
from service.base.connexion import session_base
from service.comptes import mots_de_passe
from service.comptes import utilisateurs as comptes
from service.web.formulaires import Champ, libelles, lire
from service.web.pages import Ariane, Erreurs, rendre
from service.web.visiteur import Visiteur, VisiteurConnecte, verifier_csrf

routeur = APIRouter(include_in_schema=False)

CHAMPS_MOT_DE_PASSE = [
    Champ("ancien", "Mot de passe actuel", 1024),
    Champ("nouveau", "Nouveau mot de passe", 1024),
    Champ("confirmation", "Nouveau mot de passe, de nouveau", 1024),
]
MESSAGES = {
    "mot_de_passe": "Votre mot de passe est changé. Vos autres sessions ont été fermées.",
}


def _page(
    requete: Request,
    visiteur: Visiteur,
    *,
    erreurs: Erreurs | None = None,
    statut: int = 200,
    message: str = "",
) -> Response:
    return rendre(
        requete,
        "compte.html",
        titre="Mon compte",
        ariane=[Ariane("Tableau de bord", "/"), Ariane("Mon compte")],
        statut=statut,
        erreurs=erreurs,
        libelles=libelles(CHAMPS_MOT_DE_PASSE),
        initial=visiteur.mot_de_passe_a_changer,
        message=message,
    )


@routeur.get("/compte")
def mon_compte(requete: Request, visiteur: VisiteurConnecte, fait: str = "") -> Response:
    return _page(requete, visiteur, message=MESSAGES.get(fait, ""))


@routeur.post("/compte/mot-de-passe")
async def changer_mot_de_passe(requete: Request, visiteur: VisiteurConnecte) -> Response:
    champs = await verifier_csrf(requete, visiteur)
    valeurs, erreurs = lire(champs, CHAMPS_MOT_DE_PASSE)
    if not erreurs and valeurs["nouveau"] != valeurs["confirmation"]:
        erreurs.ajouter("confirmation", "Les deux saisies du nouveau mot de passe diffèrent : retapez-le.")
    if erreurs:
        return _page(requete, visiteur, erreurs=erreurs, statut=422)
    with session_base(bdd_de(requete)) as session:
        try:
            comptes.changer_mot_de_passe(session, visiteur.acteur, valeurs["ancien"], valeurs["nouveau"])
        except comptes.CompteInvalide as erreur:
            # Un ancien mot de passe faux est compté et audité : l'échec reste écrit.
            session.commit()
            champ = "nouveau" if isinstance(erreur.__cause__, mots_de_passe.MotDePasseRefuse) else "ancien"
            erreurs.ajouter(champ, str(erreur))
    if erreurs:
        return _page(requete, visiteur, erreurs=erreurs, statut=422)
    destination = "/" if visiteur.mot_de_passe_a_changer else "/compte?fait=mot_de_passe"
    return RedirectResponse(destination, status_code=303)
