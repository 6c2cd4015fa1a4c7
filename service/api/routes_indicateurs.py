"""Les indicateurs mensuels : agent (ses communes), référent (son département), pilotage (tout)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, HTTPException, Query, Response, status

from service.api.dependances import ActeurCourant, Base
from service.indicateurs import TYPES_MIME, Mois, MoisInvalide, exporter, vers_json
from service.indicateurs.production import produire
from service.referentiel import CODE_INSEE

routeur = APIRouter(tags=["indicateurs"])


@routeur.get(
    "/indicateurs",
    summary="Indicateurs d'un mois, par commune et par département",
    response_model=None,
    responses={200: {"content": {m: {} for m in TYPES_MIME.values()}}},
)
def indicateurs(
    acteur: ActeurCourant,
    session: Base,
    mois: Annotated[str, Query(description="Mois, AAAA-MM.", examples=["2026-10"])],
    commune: Annotated[
        str | None,
        # Une commune hors périmètre est refusée, et le refus écrit au journal avec ce code : un code
        # INSEE, jamais un texte libre.
        Query(pattern=f"^{CODE_INSEE.pattern}$", description="Code INSEE d'une commune de votre périmètre."),
    ] = None,
    format: Annotated[Literal["json", "csv", "xlsx", "ods"], Query(description="Format de sortie.")] = "json",
    masquage: Annotated[
        int | None,
        Query(ge=2, le=100, description="Masque les effectifs inférieurs à ce seuil (documents publiés)."),
    ] = None,
) -> dict[str, Any] | Response:
    try:
        periode = Mois.lire(mois)
    except MoisInvalide as erreur:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, str(erreur)) from erreur
    tableau = produire(session, acteur, periode, format=format, commune=commune, seuil_masquage=masquage)
    session.commit()
    if format == "json":
        return vers_json(tableau)
    return Response(
        exporter(tableau, format),
        media_type=TYPES_MIME[format],
        headers={"Content-Disposition": f'attachment; filename="indicateurs-{periode}.{format}"'},
    )
