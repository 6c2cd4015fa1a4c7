"""La fiche d'un cas dans un vrai navigateur (chromium de Debian) : un cas à vérifier décidé en
choisissant un élève, un cas transmis à la DASEN après confirmation — à la souris puis au clavier seul ;
axe-core sur chaque page. Les captures de docs/guide-agent.md (fiche-…) sont écrites ici.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date

import pytest
import sqlalchemy as sa
from playwright.sync_api import Page, expect
from sqlmodel import select

from service.base.connexion import session_base
from service.cles import cle_appariement
from service.modeles import Cas as LigneCas
from service.registre.registre import Signalement, enregistrer_signalements
from tests.service.fabriques import A, B, Monde, identite
from tests.service.test_explication_api import _frere_et_soeur
from tests.web.navigateur import ServiceWeb, capturer, service_web, tabuler_jusqu_a, verifier_page
from tests.web.test_navigateur import _se_connecter_une_premiere_fois


@dataclass(frozen=True)
class Cas:
    a_verifier: str
    a_transmettre: str


@pytest.fixture(scope="module")
def service(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServiceWeb]:
    with service_web(tmp_path_factory.mktemp("donnees")) as service:
        yield service


@pytest.fixture(scope="module")
def cas_a(service: ServiceWeb) -> Cas:
    """Dans la commune A : LUCAS, à vérifier face à sa sœur et à un homonyme ; NINA, non retrouvée."""
    (nina,) = service.monde.semer_cas(A, [identite("SIGNALEFICTIF", "NINA", date(2017, 4, 3))])
    return Cas(_semer_dans(service.monde, A, _frere_et_soeur()), nina)


def _semer_dans(monde: Monde, commune: str, signalement: Signalement) -> str:
    campagne = monde.campagne(commune)
    with session_base(monde.bdd) as session:
        enregistrer_signalements(
            session, campagne, [signalement], coffre=monde.coffre(), cle_hmac=cle_appariement(monde.reglages)
        )
    with session_base(monde.bdd) as session:
        return session.exec(select(LigneCas.id).where(LigneCas.campagne_origine == campagne.id)).one()


@pytest.fixture(scope="module")
def cas_b(service: ServiceWeb) -> Cas:
    """Les mêmes situations dans la commune B, pour le parcours au clavier (agent.b)."""
    (eden,) = service.monde.semer_cas(B, [identite("CLAVIERFICTIF", "EDEN", date(2016, 9, 9))])
    return Cas(_semer_dans(service.monde, B, _frere_et_soeur()), eden)


def test_un_cas_a_verifier_decide_puis_un_cas_transmis_a_la_souris(service: ServiceWeb, cas_a: Cas) -> None:
    with service.page() as page:
        _se_connecter_une_premiere_fois(service, page, "agent.a")
        page.goto(service.url(f"/cas/{cas_a.a_verifier}"))
        # Sans motif : statut, dates, commune, et le choix du motif ; aucune identité.
        expect(page.get_by_role("heading", level=1)).to_contain_text("Cas ")
        expect(page.get_by_role("heading", name="Afficher l'identité de l'enfant")).to_be_visible()
        expect(page.locator("main")).not_to_contain_text("MARTINFICTIF")
        verifier_page(service, page)
        capturer(page, "fiche-sans-motif")

        page.locator("label[for=motif-verification]").click()  # comme une personne, sur le libellé
        page.get_by_role("button", name="Afficher l'identité").click()
        expect(page.locator("#identite")).to_contain_text("LUCAS PAUL")
        cascade = page.get_by_role("table", name="Comment le score se construit, champ par champ")
        expect(cascade).to_contain_text("différent")
        expect(cascade).to_contain_text("25,36")
        candidats = page.locator("#tableau-candidats table")
        expect(candidats).to_contain_text("LEA")
        expect(candidats).to_contain_text("onde-1-8")
        verifier_page(service, page)
        capturer(page, "fiche-a-verifier")

        page.get_by_role("button", name="C'est cet élève : élève 2, fiche onde-1-8").click()
        expect(page.get_by_role("status")).to_contain_text("l'enfant est inscrit")
        expect(page.get_by_role("heading", level=1)).to_contain_text("classé")
        verifier_page(service, page)

        # Le motif choisi vaut pour la session (comme sur la liste) : l'autre fiche montre l'identité.
        page.goto(service.url(f"/cas/{cas_a.a_transmettre}"))
        expect(page.locator("#identite")).to_contain_text("SIGNALEFICTIF")
        verifier_page(service, page)
        capturer(page, "fiche-a-transmettre")
        page.get_by_role("button", name="Transmettre à la DASEN…").click()
        expect(page.get_by_role("heading", level=1)).to_have_text("Confirmer : Transmettre à la DASEN")
        expect(page.locator("#ce-qui-sera-fait")).to_contain_text("ne reçoit jamais les fiches d'élèves")
        verifier_page(service, page)
        capturer(page, "fiche-confirmation")
        page.get_by_role("button", name="Confirmer : Transmettre à la DASEN").click()
        expect(page.get_by_role("status")).to_contain_text("Le cas est transmis à la DASEN.")
        expect(page.get_by_role("heading", level=1)).to_contain_text("transmis à la DASEN")
        expect(page.locator("#frise")).to_contain_text("Transmettre à la DASEN")
        verifier_page(service, page)
        capturer(page, "fiche-transmise")


def _choisir_le_motif_au_clavier(page: Page, motif: str) -> None:
    # Un groupe de boutons radio est un seul arrêt de tabulation ; les flèches choisissent dedans.
    tabuler_jusqu_a(page, "#motif-verification")
    page.keyboard.press("Space")
    for _ in range(5):
        if page.locator(f"#motif-{motif}").is_checked():
            break
        page.keyboard.press("ArrowDown")
    expect(page.locator(f"#motif-{motif}")).to_be_checked()
    tabuler_jusqu_a(page, "main form button[type=submit]")
    page.keyboard.press("Enter")
    expect(page.locator("#identite")).to_be_visible()


def test_le_meme_parcours_au_clavier_seul(service: ServiceWeb, cas_b: Cas) -> None:
    with service.page() as page:
        _se_connecter_une_premiere_fois(service, page, "agent.b")
        page.goto(service.url(f"/cas/{cas_b.a_verifier}"))
        _choisir_le_motif_au_clavier(page, "verification")
        tabuler_jusqu_a(page, "#choisir-1", essais=80)
        page.keyboard.press("Enter")
        expect(page.get_by_role("status")).to_contain_text("l'enfant est inscrit")

        page.goto(service.url(f"/cas/{cas_b.a_transmettre}"))
        expect(page.locator("#identite")).to_be_visible()
        tabuler_jusqu_a(page, "#action-transmettre button[type=submit]", essais=80)
        page.keyboard.press("Enter")
        expect(page.get_by_role("heading", level=1)).to_have_text("Confirmer : Transmettre à la DASEN")
        tabuler_jusqu_a(page, "#confirmer")
        page.keyboard.press("Enter")
        expect(page.get_by_role("status")).to_contain_text("Le cas est transmis à la DASEN.")


def test_le_referent_enregistre_un_controle_sans_javascript_sur_petit_ecran(service: ServiceWeb) -> None:
    transmis, non_transmis = service.monde.semer_cas(
        A, [identite("CONTROLEFICTIF", "LOU", date(2018, 1, 5)), identite("SANSJSFICTIF", "NOE", None)]
    )
    with service.monde.bdd.begin() as connexion:
        connexion.execute(
            sa.update(LigneCas)
            .where(LigneCas.id == transmis)  # type: ignore[arg-type]
            .values(statut="transmis_dasen", transmis_le=LigneCas.cree_le)
        )
    with service.page(javascript=False, largeur=375) as page:
        _se_connecter_une_premiere_fois(service, page, "referent.59")
        # (axe-core a besoin de JavaScript : il passe sur ces pages dans les deux autres parcours.)
        # Un cas que la commune n'a pas transmis : refus en français, sans identité.
        page.goto(service.url(f"/cas/{non_transmis}"))
        expect(page.get_by_role("heading", level=1)).to_have_text("Accès refusé")
        expect(page.locator("main")).not_to_contain_text("SANSJSFICTIF")

        page.goto(service.url(f"/cas/{transmis}"))
        page.locator("label[for=motif-procedure]").click()
        page.get_by_role("button", name="Afficher l'identité").click()
        controle = page.locator("#action-controler")
        # Une date oubliée : l'erreur est à côté du champ et résumée en haut.
        controle.get_by_role("button").click()
        expect(page.locator("#resume-erreurs")).to_contain_text("Saisissez la date")
        expect(page.locator("#champ-controler-date")).to_have_attribute("aria-invalid", "true")
        page.locator("#champ-controler-date").fill(date.today().isoformat())
        page.locator("#action-controler").get_by_role("button").click()
        expect(page.get_by_role("status")).to_contain_text("contrôle de l'instruction")
        expect(page.get_by_role("heading", level=1)).to_contain_text("contrôle de l'instruction")
