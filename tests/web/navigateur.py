"""Le harnais des tests navigateur : un vrai service sur 127.0.0.1, le chromium de Debian, axe-core.

Un seul serveur par module de test (base SQLite, comptes du monde de test) ; chaque test ouvre un
contexte de navigateur neuf (cookies vides). Toute requête du navigateur vers une autre adresse que
127.0.0.1 est bloquée et fait échouer le test. ``verifier_page`` passe axe-core sur la page : aucune
violation « serious » ou « critical » n'est admise ; les autres sont notées pour docs/accessibilite.md.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pyotp
import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Browser, Page, Route, sync_playwright

from service.api.application import creer_application
from service.parametres import parametres
from tests.service.fabriques import MOT_DE_PASSE, Monde, construire_monde
from tests.service.serveur_reel import serveur_reel

CHROMIUM = Path("/usr/bin/chromium")
RACINE = Path(__file__).resolve().parents[2]
# Les captures des guides ne sont réécrites dans docs/captures que sur demande
# (``CELLULE_CAPTURES=docs/captures .venv/bin/pytest tests/web``) : elles changent à chaque passage
# (code QR, heures), et une suite ordinaire ne doit pas salir l'arbre de travail.
CAPTURES = RACINE / os.environ.get("CELLULE_CAPTURES", str(Path(tempfile.gettempdir()) / "cellule-captures"))
LARGEURS = (1280, 375)
IMPACTS_BLOQUANTS = frozenset({"serious", "critical"})


def raison_sans_navigateur() -> str | None:
    if not CHROMIUM.exists():
        return f"{CHROMIUM} absent : apt-get install -y chromium (fait par .ci/run)"
    return None


@dataclass
class ServiceWeb:
    """Le service servi sur 127.0.0.1 et le monde de test derrière lui."""

    monde: Monde
    adresse: str
    navigateur: Browser
    hors_origine: list[str] = field(default_factory=list)
    remarques_axe: dict[str, set[str]] = field(default_factory=dict)
    titres: dict[str, str] = field(default_factory=dict)

    def url(self, chemin: str) -> str:
        return self.adresse + chemin

    @contextmanager
    def page(self, *, largeur: int = 1280, javascript: bool = True) -> Iterator[Page]:
        """Un onglet neuf (cookies vides) ; une requête hors de 127.0.0.1 est bloquée puis signalée."""
        contexte = self.navigateur.new_context(
            viewport={"width": largeur, "height": 900},
            java_script_enabled=javascript,
            locale="fr-FR",
            timezone_id="Europe/Paris",
        )

        def filtrer(route: Route) -> None:
            adresse = route.request.url
            if urlsplit(adresse).hostname == "127.0.0.1":
                route.continue_()
            else:
                self.hors_origine.append(adresse)
                route.abort()

        contexte.route("**/*", filtrer)
        onglet = contexte.new_page()
        erreurs_console: list[str] = []
        onglet.on("console", lambda m: erreurs_console.append(m.text) if m.type == "error" else None)
        try:
            yield onglet
        finally:
            contexte.close()
        assert self.hors_origine == [], f"requêtes hors de 127.0.0.1 : {self.hors_origine}"
        # Une violation de la politique de contenu (script ou style bloqué) se lit dans la console.
        assert [e for e in erreurs_console if "Content Security Policy" in e] == []


def verifier_page(service: ServiceWeb, page: Page) -> None:
    """axe-core sur la page : pas de violation grave ; titre propre, un seul main#contenu, lang=fr."""
    assert page.locator("html").get_attribute("lang") == "fr"
    chemin = urlsplit(page.url).path
    assert service.titres.setdefault(page.title(), chemin) == chemin, f"titre déjà pris : {page.title()}"
    assert page.locator("main").count() == 1
    assert page.locator("main#contenu").count() == 1
    resultat: Any = Axe().run(page)
    violations = resultat.response["violations"]
    graves = [
        f"{v['id']} ({v['impact']}) : {v['help']} — {[n['target'] for n in v['nodes']]}"
        for v in violations
        if v.get("impact") in IMPACTS_BLOQUANTS
    ]
    assert graves == [], f"{page.title()} : " + json.dumps(graves, ensure_ascii=False, indent=1)
    for violation in violations:
        service.remarques_axe.setdefault(f"{violation['id']} ({violation['impact']})", set()).add(
            page.title()
        )


def capturer(page: Page, nom: str) -> None:
    """Captures d'écran de la page entière à 1280 et 375 px de large, pour les guides (docs/guide-*.md)."""
    CAPTURES.mkdir(parents=True, exist_ok=True)
    # Un bouton encore survolé pendant la capture recevrait un style en ligne, que la CSP refuse.
    page.mouse.move(0, 0)
    hauteur = page.viewport_size["height"] if page.viewport_size else 900
    for largeur in LARGEURS:
        page.set_viewport_size({"width": largeur, "height": hauteur})
        page.screenshot(path=str(CAPTURES / f"{nom}-{largeur}.png"), full_page=True, animations="disabled")
    page.set_viewport_size({"width": 1280, "height": hauteur})


def tabuler_jusqu_a(page: Page, selecteur: str, essais: int = 80) -> None:
    """Tab jusqu'à l'élément voulu, comme une personne au clavier ; échoue s'il n'est jamais atteint."""
    cible = page.locator(selecteur)
    for _ in range(essais):
        page.keyboard.press("Tab")
        if cible.evaluate_all("(elements) => elements.includes(document.activeElement)"):
            return
    pytest.fail(f"{selecteur} n'est pas atteint au clavier en {essais} tabulations")


def secret_affiche(page: Page) -> str:
    """Le secret TOTP affiché en clair sous le code QR de l'activation."""
    return page.locator("#secret-totp").inner_text().replace(" ", "")


def enroler_au_clavier(page: Page, identifiant: str) -> None:
    """Sur la page de connexion, au clavier seul : identifiant et mot de passe, puis, sur la page
    d'activation de la double authentification, le mot de passe et le code du secret affiché."""
    tabuler_jusqu_a(page, "#champ-identifiant")
    page.keyboard.type(identifiant)
    page.keyboard.press("Tab")
    page.keyboard.type(MOT_DE_PASSE)
    page.keyboard.press("Enter")
    secret = secret_affiche(page)
    tabuler_jusqu_a(page, "#champ-mot_de_passe")
    page.keyboard.type(MOT_DE_PASSE)
    page.keyboard.press("Tab")
    page.keyboard.type(code(secret))
    page.keyboard.press("Enter")


def code(secret: str, decalage: int = 0) -> str:
    """Le code TOTP du moment (ou du pas suivant : un code ne sert qu'une fois)."""
    import time

    return pyotp.TOTP(secret).at(time.time() + 30 * decalage)


@contextmanager
def service_web(dossier: Path) -> Iterator[ServiceWeb]:
    """Le service (monde de test, SQLite) sur un vrai serveur uvicorn, et un chromium sans tête."""
    raison = raison_sans_navigateur()
    if raison:
        pytest.skip(raison)
    dossier.chmod(0o700)
    with pytest.MonkeyPatch.context() as reglages:
        reglages.setenv("CELLULE_DONNEES", str(dossier))
        reglages.setenv("CELLULE_BASE", f"sqlite:///{dossier / 'cellule.sqlite'}")
        reglages.setenv("CELLULE_ARGON2_LEGER", "1")
        parametres.cache_clear()
        monde = construire_monde(parametres())
        try:
            with serveur_reel(creer_application(monde.bdd)) as (hote, port), sync_playwright() as pw:
                navigateur = pw.chromium.launch(executable_path=str(CHROMIUM))
                service = ServiceWeb(monde, f"http://{hote}:{port}", navigateur)
                try:
                    yield service
                finally:
                    navigateur.close()
                    # Les remarques d'axe moins graves, à reporter dans docs/accessibilite.md (pytest -s).
                    for remarque, pages in sorted(service.remarques_axe.items()):
                        print(f"axe : {remarque} — {sorted(pages)}")
        finally:
            monde.fermer()
            parametres.cache_clear()
