"""Les indicateurs mensuels (``/indicateurs``) : tableau du mois, douze derniers mois, téléchargements.

Un agent voit ses communes, un référent son département, le pilotage tout le territoire ; le DPO et
l'administrateur reçoivent une page 403 qui dit pourquoi. Les téléchargements sont les exports de
l'API (mêmes fichiers, même audit).
"""

from __future__ import annotations

from typing import Annotated, Literal
from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from service.api.dependances import bdd_de
from service.base.connexion import jour_local, session_base
from service.indicateurs import TYPES_MIME, Mois, MoisInvalide, exporter
from service.indicateurs.production import produire
from service.referentiel import CODE_INSEE
from service.web.erreurs import page_erreur
from service.web.graphique import POINT_DE_LEGENDE
from service.web.indicateurs import SERIES, communes_visibles, de_mois, mois_proposes, nom_du_mois, vue
from service.web.pages import Ariane, Erreurs, rendre
from service.web.visiteur import VisiteurConnecte

routeur = APIRouter(include_in_schema=False)

LIBELLES = {"mois": "Mois", "commune": "Commune"}
SEUILS_DE_MASQUAGE = (3, 5, 10, 11)
FICHIERS = (
    ("csv", "CSV", "texte séparé par des « ; », pour tout tableur"),
    ("xlsx", "XLSX", "classeur Excel mis en page"),
    ("ods", "ODS", "classeur LibreOffice mis en page"),
)


def adresse_du_fichier(periode: Mois, commune: str | None, format: str) -> str:
    parametres = {"mois": str(periode), **({"commune": commune} if commune else {}), "format": format}
    return "/indicateurs/telecharger?" + urlencode(parametres)


def _lire(mois: str | None, commune: str | None) -> tuple[Mois, str | None, Erreurs]:
    """Le mois (par défaut le mois en cours) et la commune demandés, ou l'erreur de chaque champ."""
    erreurs = Erreurs()
    aujourd_hui = jour_local()
    periode = Mois(aujourd_hui.year, aujourd_hui.month)
    if mois:
        try:
            periode = Mois.lire(mois)
        except MoisInvalide as erreur:
            erreurs.ajouter("mois", str(erreur))
    if commune and not CODE_INSEE.fullmatch(commune):
        erreurs.ajouter("commune", "Choisissez une commune dans la liste.")
    return periode, commune or None, erreurs


@routeur.get("/indicateurs")
def indicateurs(
    requete: Request,
    visiteur: VisiteurConnecte,
    mois: Annotated[str | None, Query(max_length=20)] = None,
    commune: Annotated[str | None, Query(max_length=20)] = None,
) -> Response:
    periode, insee, erreurs = _lire(mois, commune)
    with session_base(bdd_de(requete)) as session:
        communes = communes_visibles(session, visiteur.acteur)
        resultat = None if erreurs else vue(session, visiteur.acteur, periode, insee)
    return rendre(
        requete,
        "indicateurs/page.html",
        titre=f"Indicateurs {de_mois(periode)}" if resultat else "Indicateurs",
        ariane=[Ariane("Tableau de bord", "/"), Ariane("Indicateurs")],
        statut=422 if erreurs else 200,
        erreurs=erreurs,
        libelles=LIBELLES,
        vue=resultat,
        periode=periode,
        choix_mois=mois_proposes(jour_local(), periode),
        nom_du_mois=nom_du_mois,
        de_mois=de_mois,
        communes=communes,
        commune=insee,
        valeurs={"mois": mois or "", "commune": commune or ""},
        series=SERIES,
        seuils=SEUILS_DE_MASQUAGE,
        point_de_legende=POINT_DE_LEGENDE,
        fichiers=[(adresse_du_fichier(periode, insee, f), nom, detail) for f, nom, detail in FICHIERS],
    )


@routeur.get("/indicateurs/telecharger")
def telecharger(
    requete: Request,
    visiteur: VisiteurConnecte,
    mois: Annotated[str, Query(max_length=20)],
    format: Literal["csv", "xlsx", "ods"],
    commune: Annotated[str | None, Query(pattern=f"^{CODE_INSEE.pattern}$")] = None,
    masquage: Annotated[int | None, Query(ge=2, le=100)] = None,
) -> Response:
    """Le fichier du mois, tel que le sert l'API : téléchargement inscrit au journal d'audit."""
    try:
        periode = Mois.lire(mois)
    except MoisInvalide as erreur:
        return page_erreur(requete, 422, str(erreur))
    with session_base(bdd_de(requete)) as session:
        tableau = produire(
            session, visiteur.acteur, periode, format=format, commune=commune, seuil_masquage=masquage
        )
    nom = f"indicateurs-{periode}{f'-{commune}' if commune else ''}.{format}"
    return Response(
        exporter(tableau, format),
        media_type=TYPES_MIME[format],
        headers={"Content-Disposition": f'attachment; filename="{nom}"'},
    )
