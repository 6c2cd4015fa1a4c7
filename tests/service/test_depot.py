"""Le dépôt d'une source : seul un 7z est gardé, et un envoi trop gros est refusé avant d'être lu."""

from __future__ import annotations

from collections.abc import Iterator

from sqlmodel import select

from service.base.moteur import session_base
from service.modeles import Source
from tests.service.fabriques import A, Monde


def _campagne(monde: Monde, entetes: dict[str, str]) -> str:
    reponse = monde.client.post(
        "/api/v1/campagnes",
        headers=entetes,
        json={"commune": A, "date_reference": "2026-10-01", "libelle": "Rentrée"},
    )
    campagne: str = reponse.json()["id"]
    return campagne


def test_une_liste_en_clair_est_refusee_au_depot_et_n_est_pas_gardee(monde_sqlite: Monde) -> None:
    agent = monde_sqlite.entetes("agent.a")
    campagne = _campagne(monde_sqlite, agent)
    reponse = monde_sqlite.client.post(
        f"/api/v1/campagnes/{campagne}/sources",
        headers=agent,
        files={"archive": ("caf.7z", b"nom;prenoms\nMARTIN-FICTIF;LOU\n")},
        data={"convention": "caf-test", "mot_de_passe": "Mot-de-passe-CAF-1"},
    )
    assert reponse.status_code == 422
    assert "pas une archive 7z" in reponse.json()["detail"]
    with session_base(monde_sqlite.moteur) as session:
        assert session.exec(select(Source)).all() == []


def test_un_envoi_plus_gros_que_la_limite_est_refuse_avant_d_etre_lu(monde_sqlite: Monde) -> None:
    agent = monde_sqlite.entetes("agent.a")
    campagne = _campagne(monde_sqlite, agent)
    limite = monde_sqlite.reglages.limites_archive().taille_archive_max
    trop = monde_sqlite.client.post(
        f"/api/v1/campagnes/{campagne}/sources",
        headers={**agent, "Content-Length": str(limite + 2 * 1_048_576)},
        content=b"--x--",
    )
    assert trop.status_code == 413
    assert "trop gros" in trop.json()["detail"]
    assert trop.headers["X-Frame-Options"] == "DENY"

    # Hors dépôt d'archive, un corps de plus d'un Mio n'est jamais lu.
    json_geant = monde_sqlite.client.post(
        f"/api/v1/cas/{campagne}/transitions",
        headers={**agent, "Content-Length": str(2 * 1_048_576), "Content-Type": "application/json"},
        content=b"{}",
    )
    assert json_geant.status_code == 413

    def morceaux() -> Iterator[bytes]:
        yield b"--x--"

    sans_longueur = monde_sqlite.client.post(
        f"/api/v1/campagnes/{campagne}/sources", headers=agent, content=morceaux()
    )
    assert sans_longueur.status_code == 411
    with session_base(monde_sqlite.moteur) as session:
        assert session.exec(select(Source)).all() == []
