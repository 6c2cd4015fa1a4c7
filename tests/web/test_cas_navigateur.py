"""La liste des cas dans un vrai navigateur : filtrer, trier, paginer, choisir un motif, cocher deux
cas, confirmer leur transmission — à la souris, puis au clavier seul ; axe-core sur chaque page.

Les captures de la section « Les cas » de docs/guide-agent.md sont écrites ici.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

import pytest
from playwright.sync_api import Page, expect

from tests.service.fabriques import A, B, identite
from tests.web.navigateur import ServiceWeb, capturer, service_web, tabuler_jusqu_a, verifier_page
from tests.web.test_navigateur import _se_connecter_une_premiere_fois

NOMS = ("MARTINVERT", "DUPONTFICTIF", "ROSEFICTIF", "LEBLANCFICTIF", "FAUXNOM", "IMAGINAIRE")
PRENOMS = ("LOU", "ALIX", "NOA", "SACHA", "EDEN", "CAMILLE")


def _enfants(nombre: int, decalage: int = 0) -> list[dict[str, object]]:
    """Des enfants fictifs tous différents (nom, prénom et date de naissance)."""
    return [
        identite(
            NOMS[(n + decalage) % len(NOMS)],
            PRENOMS[(n // len(NOMS) + decalage) % len(PRENOMS)],
            date(2012 + n % 8, 1 + n % 12, 1 + n % 27),
        )
        for n in range(nombre)
    ]


@pytest.fixture(scope="module")
def service(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServiceWeb]:
    with service_web(tmp_path_factory.mktemp("donnees")) as service:
        # Commune A : 3 cas à vérifier, puis 25 non retrouvés (plus récents) : deux pages de 25.
        service.monde.semer_cas(A, _enfants(3, decalage=3), resultat="a_verifier")
        service.monde.semer_cas(A, _enfants(25))
        # Commune B : de quoi transmettre au clavier.
        service.monde.semer_cas(B, _enfants(4, decalage=1))
        yield service


def _lignes(page: Page) -> list[str]:
    return page.locator("#tableau-cas tbody th[scope=row]").all_inner_texts()


def test_filtrer_trier_paginer_afficher_les_identites_puis_transmettre_deux_cas_a_la_souris(
    service: ServiceWeb,
) -> None:
    with service.page() as page:
        _se_connecter_une_premiere_fois(service, page, "agent.a")
        page.get_by_role("link", name="À classer ou à transmettre : 25 cas").click()
        expect(page.get_by_role("heading", level=1)).to_have_text("Cas")
        expect(page.get_by_role("link", name="À classer ou à transmettre (filtre choisi)")).to_have_attribute(
            "aria-current", "true"
        )
        expect(page.locator("#compte-cas")).to_contain_text("25 cas")

        # La liste en cours, à vérifier d'abord, sur deux pages ; aucune identité sans motif.
        page.get_by_role("link", name="En cours", exact=True).click()
        expect(page.locator("#compte-cas")).to_have_text("28 cas — page 1 sur 2")
        premieres = page.locator("#tableau-cas tbody tr").first
        expect(premieres).to_contain_text("À vérifier")
        expect(page.locator("#tableau-cas")).not_to_contain_text("MARTINVERT")
        verifier_page(service, page)
        capturer(page, "cas-liste")

        page.get_by_role("link", name="Page suivante").click()
        expect(page.locator("#compte-cas")).to_have_text("28 cas — page 2 sur 2")
        expect(page.get_by_role("link", name="2", exact=True)).to_have_attribute("aria-current", "page")
        verifier_page(service, page)

        # Trier par date de repérage : l'en-tête le dit (aria-sort), le tri est fait par le serveur.
        page.get_by_role("link", name="Trier par repéré le, ordre croissant").click()
        entete = page.locator("th[aria-sort]")
        expect(entete).to_have_attribute("aria-sort", "ascending")
        expect(entete).to_contain_text("Repéré le")
        expect(page).to_have_url(service.url("/cas?tri=cree_le&sens=asc"))
        page.get_by_role("link", name="Trier par repéré le, ordre décroissant").click()
        expect(page.locator("th[aria-sort]")).to_have_attribute("aria-sort", "descending")
        page.get_by_role("link", name="Revenir à l'ordre habituel : à vérifier d'abord").click()

        # Afficher les identités : il faut dire pourquoi.
        page.get_by_role("button", name="Afficher les identités").click()
        expect(page.locator("#erreur-motif_consultation")).to_be_visible()
        verifier_page(service, page)
        page.locator("label[for=motif-verification]").click()
        page.get_by_role("button", name="Afficher les identités").click()
        expect(page.get_by_role("columnheader", name="Nom", exact=True)).to_be_visible()
        expect(page.locator(".fr-notice")).to_contain_text("Identités affichées jusqu'à")
        verifier_page(service, page)
        capturer(page, "cas-liste-identites")

        # Cocher deux cas non retrouvés, puis transmettre : la confirmation dit ce qui partira.
        page.get_by_role("link", name="À classer ou à transmettre", exact=True).click()
        cases = page.locator("#tableau-cas tbody input[type=checkbox]")
        premiers = [cases.nth(0).get_attribute("value"), cases.nth(1).get_attribute("value")]
        cases.nth(0).check(force=True)
        cases.nth(1).check(force=True)
        page.get_by_role("button", name="Transmettre à la DASEN").click()
        expect(page.get_by_role("heading", level=1)).to_have_text("Confirmer la transmission à la DASEN")
        expect(page.locator("caption")).to_have_text("2 cas seront transmis à la DASEN")
        expect(page.get_by_role("columnheader", name="Nom", exact=True)).to_be_visible()
        verifier_page(service, page)
        capturer(page, "cas-transmission-confirmation")
        page.get_by_role("button", name="Confirmer la transmission de 2 cas").click()

        expect(page.get_by_role("status")).to_contain_text("2 cas transmis à la DASEN")
        for cas_id in premiers:
            assert cas_id
            expect(page.get_by_role("link", name=f"Cas {cas_id[:8]}")).to_be_visible()
        verifier_page(service, page)
        capturer(page, "cas-transmission-resultat")
        page.get_by_role("link", name="Voir les cas transmis").click()
        expect(page.locator("#compte-cas")).to_have_text("2 cas")
        expect(page.locator("#tableau-cas")).to_contain_text("Transmis à la DASEN")
        # Déjà transmis : plus rien à cocher.
        expect(page.locator("#tableau-cas tbody input[type=checkbox]")).to_have_count(0)


def test_la_meme_chose_au_clavier_seul(service: ServiceWeb) -> None:
    with service.page() as page:
        _se_connecter_une_premiere_fois(service, page, "agent.b")
        page.goto(service.url("/cas"))
        # Filtrer : le tag « À classer ou à transmettre ».
        tabuler_jusqu_a(page, "a.fr-tag[href='/cas?statut=a_classer_ou_transmettre']", essais=80)
        page.keyboard.press("Enter")
        expect(page).to_have_url(service.url("/cas?statut=a_classer_ou_transmettre"))
        # Trier par commune.
        tabuler_jusqu_a(page, "a.fr-btn--sort[href*='tri=commune']", essais=80)
        page.keyboard.press("Enter")
        expect(page.locator("th[aria-sort]")).to_contain_text("Commune")
        # Choisir un motif : premier bouton radio du groupe, espace, puis le bouton.
        tabuler_jusqu_a(page, "#motif-verification", essais=80)
        page.keyboard.press("Space")
        tabuler_jusqu_a(page, "form[action='/cas'] button[type=submit]", essais=10)
        page.keyboard.press("Enter")
        expect(page.get_by_role("columnheader", name="Nom", exact=True)).to_be_visible()
        expect(page.locator("th[aria-sort]")).to_contain_text("Commune")
        # Cocher deux cas à l'espace, puis transmettre.
        cases = page.locator("#tableau-cas tbody input[type=checkbox]")
        for rang in (0, 1):
            valeur = cases.nth(rang).get_attribute("value")
            tabuler_jusqu_a(page, f"#choisir-{valeur}", essais=80)
            page.keyboard.press("Space")
            expect(cases.nth(rang)).to_be_checked()
        page.keyboard.press("Shift+Tab")
        tabuler_jusqu_a(page, "#formulaire-transmission button[type=submit]", essais=80)
        page.keyboard.press("Enter")
        expect(page.get_by_role("heading", level=1)).to_have_text("Confirmer la transmission à la DASEN")
        tabuler_jusqu_a(page, "form[action='/cas/transmettre/confirmer'] button[type=submit]", essais=80)
        page.keyboard.press("Enter")
        expect(page.get_by_role("status")).to_contain_text("2 cas transmis à la DASEN")


def test_sans_javascript_sur_petit_ecran_le_referent_voit_la_liste_sans_case_a_cocher(
    service: ServiceWeb,
) -> None:
    with service.page(javascript=False, largeur=375) as page:
        _se_connecter_une_premiere_fois(service, page, "referent.59")
        page.goto(service.url("/cas"))
        expect(page.get_by_role("heading", level=1)).to_have_text("Cas")
        # Le référent voit les cas transmis de son département, sans case à cocher ; filtres et tri
        # sont des liens, qui marchent sans JavaScript.
        expect(page.locator("#tableau-cas tbody input[type=checkbox]")).to_have_count(0)
        page.get_by_role("link", name="Trier par commune, ordre croissant").click()
        expect(page.locator("th[aria-sort]")).to_contain_text("Commune")
