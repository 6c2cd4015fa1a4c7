"""Une campagne dans un vrai navigateur, de l'ouverture aux résultats : à la souris avec JavaScript
(progression suivie en direct), puis au clavier seul et sans JavaScript (bouton « Actualiser »).

Archives fabriquées comme dans ``tests/service/test_parcours.py`` (identités fictives), vrai
travailleur confiné. Les captures de docs/guide-agent.md (section Campagnes) sont écrites ici.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from service.base.connexion import session_base
from service.campagnes.boucle import traiter_un
from service.modeles import Campagne
from tests.service.fabriques import MOT_DE_PASSE, Archive, archives, jeu
from tests.web.navigateur import ServiceWeb, capturer, code, service_web, verifier_page

ATTENTE_PASSAGE_MS = 120_000
# L'examen d'une archive au dépôt lance le travailleur confiné : quelques secondes sur une machine chargée.
ATTENTE_EXAMEN_MS = 60_000


@pytest.fixture(scope="module")
def service(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServiceWeb]:
    with service_web(tmp_path_factory.mktemp("donnees")) as service:
        yield service


@pytest.fixture(scope="module")
def fichiers(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[Path, Archive]]:
    """Une liste CAF et une liste ONDE en archives 7z chiffrées, et un CSV en clair (refusé)."""
    dossier = tmp_path_factory.mktemp("recus")
    donnees = jeu(40, graine=5)
    caf, onde = archives(donnees.familles, donnees.inscrits)
    rendu = {}
    for nom, archive in (("caf-octobre.7z", caf), ("onde-octobre.7z", onde)):
        (dossier / nom).write_bytes(archive.octets)
        rendu[nom] = (dossier / nom, archive)
    (dossier / "liste-en-clair.csv").write_text("nom;prenoms\nFICTIF;LOU\n", encoding="utf-8")
    rendu["liste-en-clair.csv"] = (dossier / "liste-en-clair.csv", Archive(b"", "x", "caf-test"))
    return rendu


def _connecter(service: ServiceWeb, page: Page, identifiant: str) -> None:
    """Première connexion (enrôlement du second facteur), à la souris."""
    page.goto(service.url("/connexion"))
    page.get_by_label("Identifiant", exact=True).fill(identifiant)
    page.get_by_label("Mot de passe", exact=True).fill(MOT_DE_PASSE)
    page.get_by_role("button", name="Se connecter").click()
    secret = page.locator("#secret-totp").inner_text().replace(" ", "")
    page.get_by_label("Mot de passe", exact=True).fill(MOT_DE_PASSE)
    page.get_by_label("Code à usage unique").fill(code(secret))
    page.get_by_role("button", name="Activer et se connecter").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Tableau de bord")


def _capturer(page: Page, nom: str) -> None:
    """La capture, une fois le survol de la souris retiré : Playwright, pour figer une transition de
    survol encore en cours, poserait un style en ligne que la politique de contenu refuse."""
    page.mouse.move(0, 0)
    page.wait_for_timeout(400)
    capturer(page, nom)


def _deposer_a_la_souris(page: Page, chemin: Path, archive: Archive) -> None:
    page.locator("#champ-convention").select_option(archive.convention)
    page.locator("#champ-mot_de_passe").fill(archive.mot_de_passe)
    page.locator("#champ-archive").set_input_files(chemin)
    page.get_by_role("button", name="Déposer ce fichier").click()


def _campagne_de(page: Page) -> str:
    return page.url.split("/campagnes/", 1)[1].split("?", 1)[0].split("#", 1)[0].split("/", 1)[0]


def _passer(service: ServiceWeb) -> threading.Thread:
    """Le travailleur prend la campagne en file, comme le ferait ``cellule travailleur``."""
    fil = threading.Thread(
        target=traiter_un, args=(service.monde.bdd, service.monde.reglages, "travailleur-test"), daemon=True
    )
    fil.start()
    return fil


def test_une_campagne_a_la_souris_de_l_ouverture_aux_resultats(
    service: ServiceWeb, fichiers: dict[str, tuple[Path, Archive]]
) -> None:
    with service.page() as page:
        _connecter(service, page, "agent.a")
        page.get_by_role("link", name="Campagnes", exact=True).first.click()
        expect(page.get_by_role("heading", level=1)).to_have_text("Campagnes")
        verifier_page(service, page)
        page.get_by_role("link", name="Ouvrir une campagne").click()

        # 1. Ouvrir : un oubli est dit à côté du champ, et résumé en haut.
        page.get_by_role("button", name="Ouvrir la campagne").click()
        expect(page.locator("#resume-erreurs")).to_contain_text("2 erreurs à corriger")
        expect(page.locator("#champ-libelle")).to_have_attribute("aria-invalid", "true")
        verifier_page(service, page)
        _capturer(page, "campagne-ouvrir-erreurs")
        expect(page.get_by_label("Commune")).to_have_value("59001")
        page.get_by_label("Date de référence").fill("2026-10-01")
        page.get_by_label("Libellé").fill("Rentrée 2026")
        _capturer(page, "campagne-ouvrir")
        page.get_by_role("button", name="Ouvrir la campagne").click()

        # 2. Déposer : chaque fichier est accepté ou refusé, avec la raison.
        expect(page.locator(".fr-stepper__state")).to_have_text("Étape 2 sur 5")
        verifier_page(service, page)
        chemin, archive = fichiers["caf-octobre.7z"]
        _deposer_a_la_souris(page, chemin, archive)
        expect(page.get_by_role("status")).to_contain_text(
            "L'archive est acceptée", timeout=ATTENTE_EXAMEN_MS
        )
        expect(page.locator("#tableau-sources")).to_contain_text("caf-octobre.7z")
        expect(page.locator("#tableau-sources tbody tr").first).to_contain_text("Acceptée")
        chemin, _ = fichiers["liste-en-clair.csv"]
        _deposer_a_la_souris(page, chemin, Archive(b"", "x", "caf-test"))
        expect(page.locator("#erreur-archive")).to_contain_text("texte en clair")
        expect(page.locator("#champ-archive")).to_have_attribute("aria-invalid", "true")
        verifier_page(service, page)
        _capturer(page, "campagne-depot-refuse")
        chemin, archive = fichiers["onde-octobre.7z"]
        _deposer_a_la_souris(page, chemin, archive)
        expect(page.locator("#tableau-sources tbody tr")).to_have_count(2, timeout=ATTENTE_EXAMEN_MS)
        _capturer(page, "campagne-fichiers")

        # Retirer un fichier passe par une confirmation ; « Non » le garde.
        page.get_by_role("link", name="Retirer le fichier onde-octobre.7z").click()
        expect(page.get_by_role("heading", level=1)).to_have_text("Retirer « onde-octobre.7z » ?")
        verifier_page(service, page)
        _capturer(page, "campagne-retirer")
        page.get_by_role("link", name="Non, le garder").click()
        expect(page.locator("#tableau-sources tbody tr")).to_have_count(2)

        # 3. Vérifier avant de lancer : l'avertissement se confirme par la case à cocher.
        page.get_by_role("link", name="Étape suivante : vérifier avant de lancer").click()
        expect(page.locator(".fr-stepper__state")).to_have_text("Étape 3 sur 5")
        expect(page.get_by_role("heading", name="À confirmer (1)")).to_be_visible()
        verifier_page(service, page)
        _capturer(page, "campagne-verification")
        page.get_by_role("button", name="Lancer la comparaison").click()
        expect(page.locator("#erreur-confirmer_avertissements")).to_be_visible()
        verifier_page(service, page)
        page.locator("label[for=champ-confirmer_avertissements]").click()
        expect(page.locator("#champ-confirmer_avertissements")).to_be_checked()
        page.get_by_role("button", name="Lancer la comparaison").click()

        # 4. Lancer : la progression se met à jour seule dans la zone role="status".
        expect(page.locator(".fr-stepper__state")).to_have_text("Étape 4 sur 5")
        statut = page.locator("#progression")
        expect(statut).to_have_attribute("role", "status")
        expect(statut).to_contain_text("En file d'attente")
        verifier_page(service, page)
        _capturer(page, "campagne-progression")
        campagne_id = _campagne_de(page)
        with session_base(service.monde.bdd) as session:
            campagne = session.get(Campagne, campagne_id)
            assert campagne is not None
            campagne.etat, campagne.etape, campagne.pourcentage = "en_cours", "lecture des listes", 10
        expect(statut).to_contain_text("Étape en cours : lecture des listes — 10 %")
        expect(page.locator("#barre-progression")).to_have_attribute("value", "10")
        # Recharger la page ne perd rien : l'état vient du service.
        page.reload()
        expect(page.locator("#progression")).to_contain_text("10 %")
        fil = _passer(service)

        # 5. Résultats : la page se recharge seule quand le passage est fini.
        expect(page.get_by_role("heading", name="Comparaison terminée")).to_be_visible(
            timeout=ATTENTE_PASSAGE_MS
        )
        fil.join()
        expect(page.locator(".fr-stepper__state")).to_have_text("Étape 5 sur 5")
        expect(page.locator("#tableau-decisions")).to_contain_text("À vérifier")
        expect(page.get_by_role("link", name="Voir tous les cas de cette campagne")).to_have_attribute(
            "href", f"/cas?campagne={campagne_id}"
        )
        verifier_page(service, page)
        _capturer(page, "campagne-resultats")
        page.get_by_role("link", name="Campagnes", exact=True).first.click()
        expect(page.locator("#tableau-campagnes")).to_contain_text("Terminée")


def _tab(page: Page, selecteur: str, essais: int = 60) -> None:
    """Tab jusqu'à l'élément voulu, comme une personne au clavier ; échoue s'il n'est jamais atteint."""
    cible = page.locator(selecteur)
    for _ in range(essais):
        page.keyboard.press("Tab")
        if cible.evaluate("e => e === document.activeElement"):
            return
    pytest.fail(f"{selecteur} n'est pas atteint au clavier en {essais} tabulations")


def _deposer_au_clavier(page: Page, chemin: Path, archive: Archive, rang: int) -> None:
    _tab(page, "#champ-convention")
    for _ in range(rang):
        page.keyboard.press("ArrowDown")
    expect(page.locator("#champ-convention")).to_have_value(archive.convention)
    page.keyboard.press("Tab")
    page.keyboard.type(archive.mot_de_passe)
    page.keyboard.press("Tab")
    # Sous charge, la tabulation peut arriver après la touche suivante : attendre que le champ du
    # fichier ait le focus avant de l'ouvrir (le passage complet de CI le 7 décembre avait échoué là).
    expect(page.locator("#champ-archive")).to_be_focused()
    with page.expect_file_chooser() as choix:
        page.keyboard.press("Space")
    choix.value.set_files(chemin)
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    expect(page.locator("#tableau-sources")).to_contain_text(chemin.name, timeout=ATTENTE_EXAMEN_MS)


def test_la_meme_campagne_au_clavier_seul_et_sans_javascript(
    service: ServiceWeb, fichiers: dict[str, tuple[Path, Archive]]
) -> None:
    with service.page(javascript=False) as page:
        page.goto(service.url("/connexion"))
        _tab(page, "#champ-identifiant")
        page.keyboard.type("agent.b")
        page.keyboard.press("Tab")
        page.keyboard.type(MOT_DE_PASSE)
        page.keyboard.press("Enter")
        secret = page.locator("#secret-totp").inner_text().replace(" ", "")
        _tab(page, "#champ-mot_de_passe")
        page.keyboard.type(MOT_DE_PASSE)
        page.keyboard.press("Tab")
        page.keyboard.type(code(secret))
        page.keyboard.press("Enter")
        expect(page.get_by_role("heading", level=1)).to_have_text("Tableau de bord")

        _tab(page, "#navigation a[href='/campagnes']")
        page.keyboard.press("Enter")
        _tab(page, "main a[href='/campagnes/nouvelle']")
        page.keyboard.press("Enter")
        expect(page.get_by_role("heading", level=1)).to_have_text("Ouvrir une campagne")
        # La seule commune de l'agent est déjà choisie ; la date se tape chiffre par chiffre (1er janvier).
        _tab(page, "#champ-date_reference")
        page.keyboard.type("01012026")
        expect(page.locator("#champ-date_reference")).to_have_value("2026-01-01")
        _tab(page, "#champ-libelle")
        page.keyboard.type("Rentrée au clavier")
        page.keyboard.press("Enter")
        expect(page.locator(".fr-stepper__state")).to_have_text("Étape 2 sur 5")

        chemin, archive = fichiers["caf-octobre.7z"]
        _deposer_au_clavier(page, chemin, archive, rang=1)
        chemin, archive = fichiers["onde-octobre.7z"]
        _deposer_au_clavier(page, chemin, archive, rang=2)

        _tab(page, "a[href$='/verification']")
        page.keyboard.press("Enter")
        expect(page.locator(".fr-stepper__state")).to_have_text("Étape 3 sur 5")
        _tab(page, "#champ-confirmer_avertissements")
        page.keyboard.press("Space")
        page.keyboard.press("Tab")
        page.keyboard.press("Enter")

        # Sans JavaScript : l'état au moment du chargement, et « Actualiser » pour le relire.
        expect(page.locator("#progression")).to_contain_text("En file d'attente")
        assert traiter_un(service.monde.bdd, service.monde.reglages, "travailleur-test")
        _tab(page, "#actualiser")
        page.keyboard.press("Enter")
        expect(page.get_by_role("heading", name="Comparaison terminée")).to_be_visible()
        # axe-core a besoin de JavaScript : ces pages sont passées à axe dans le parcours à la souris.
        _tab(page, "main a[href$='&statut=a_verifier']")
