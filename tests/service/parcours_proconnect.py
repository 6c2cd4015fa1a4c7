"""Le parcours ProConnect vu des tests : le fournisseur de test en marche, le service réglé pour lui,
et les allers-retours d'un navigateur (sans page : le fournisseur renvoie aussitôt avec un code)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from sqlmodel import Session, select

from service.base.connexion import maintenant
from service.comptes import rattachement
from service.comptes.proconnect import entree
from service.comptes.proconnect.fournisseur import ClientProConnect
from service.comptes.sessions import Connexion
from service.modeles import Utilisateur
from service.parametres import parametres
from tests.service.fabriques import Monde
from tests.service.fournisseur_oidc import CLIENT_ID, CLIENT_SECRET, Fournisseur, fournisseur_en_marche

URL_PUBLIQUE = "http://127.0.0.1:8765"


@dataclass
class Parcours:
    monde: Monde
    fournisseur: Fournisseur
    client: ClientProConnect

    def rattacher(
        self, identifiant: str, courriel: str | None, siret: str | None, delier: bool = False
    ) -> None:
        with Session(self.monde.bdd) as session:
            rattachement.rattacher(
                session,
                identifiant,
                courriel=courriel,
                siret=siret,
                par=self.monde.acteur("admin.test"),
                delier=delier,
            )
            session.commit()

    def totp_active(self, identifiant: str, active: bool = True) -> None:
        """Comme si la personne avait déjà activé son code à usage unique (première connexion locale)."""
        with Session(self.monde.bdd) as session:
            utilisateur = session.exec(
                select(Utilisateur).where(Utilisateur.identifiant == identifiant)
            ).one()
            utilisateur.totp_confirme_le = maintenant() if active else None
            session.add(utilisateur)
            session.commit()

    def compte(self, identifiant: str) -> Utilisateur:
        with Session(self.monde.bdd) as session:
            return session.exec(select(Utilisateur).where(Utilisateur.identifiant == identifiant)).one()

    def aller(self) -> tuple[str, str, str]:
        """Le clic sur le bouton puis le passage chez le fournisseur : code, state et témoin."""
        adresse, temoin = entree.commencer(self.client)
        reponse = httpx.get(adresse, follow_redirects=False)
        assert reponse.status_code == 302, reponse.text
        retour = urlsplit(reponse.headers["location"])
        assert f"{retour.scheme}://{retour.netloc}{retour.path}" == entree.redirect_uri()
        parametres_retour = {cle: v[-1] for cle, v in parse_qs(retour.query).items()}
        return parametres_retour["code"], parametres_retour["state"], temoin

    def terminer(self, code: str, state: str, temoin: str | None) -> Connexion | entree.SecondFacteurDemande:
        """Le retour chez le service ; le journal est écrit même en cas de refus (levé ensuite)."""
        with Session(self.monde.bdd, expire_on_commit=False) as session:
            try:
                return entree.terminer(
                    session,
                    self.client,
                    code=code,
                    state=state,
                    temoin_connexion=temoin,
                    jeton_precedent=None,
                    ip="127.0.0.1",
                )
            finally:
                session.commit()

    def connecter(self) -> Connexion | entree.SecondFacteurDemande:
        return self.terminer(*self.aller())

    def confirmer(self, attente: str, code_totp: str) -> Connexion:
        with Session(self.monde.bdd, expire_on_commit=False) as session:
            try:
                return entree.confirmer_second_facteur(
                    session, temoin_attente=attente, code_totp=code_totp, jeton_precedent=None, ip="127.0.0.1"
                )
            finally:
                session.commit()


def preparer(monde: Monde, monkeypatch: pytest.MonkeyPatch) -> Iterator[Parcours]:
    """Le fournisseur de test en marche et le service réglé pour lui ; agent.a rattaché à l'identité
    que prouve le fournisseur."""
    with fournisseur_en_marche() as fournisseur:
        monkeypatch.setenv("CELLULE_PROCONNECT_URL", fournisseur.emetteur)
        monkeypatch.setenv("CELLULE_PROCONNECT_CLIENT_ID", CLIENT_ID)
        monkeypatch.setenv("CELLULE_PROCONNECT_CLIENT_SECRET", CLIENT_SECRET)
        monkeypatch.setenv("CELLULE_URL_PUBLIQUE", URL_PUBLIQUE)
        parametres.cache_clear()
        fournisseur.redirections.add(entree.redirect_uri())
        fournisseur.retours_deconnexion.add(entree.post_logout_redirect_uri())
        client = ClientProConnect(fournisseur.emetteur, CLIENT_ID, CLIENT_SECRET, parametres().proconnect_acr)
        parcours = Parcours(monde, fournisseur, client)
        parcours.rattacher("agent.a", fournisseur.personne.email, fournisseur.personne.siret)
        parcours.totp_active("agent.a")
        yield parcours
        parametres.cache_clear()
