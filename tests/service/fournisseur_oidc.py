"""Un fournisseur OpenID Connect de test, qui se comporte comme ProConnect, sur 127.0.0.1 dans un fil.

De vraies clés (RSA 2048 pour RS256, P-256 pour ES256, tirées par ``cryptography``) ; il sert la
découverte, les clés publiques, ``authorize`` (qui renvoie aussitôt vers le service avec un code,
sans page), ``token``, ``userinfo`` en JWT signé (``application/jwt``) et ``session/end``. Comme
ProConnect, il refuse un paramètre inconnu, un ``state`` ou un ``nonce`` de moins de 32 caractères,
une adresse de retour non inscrite, un code rejoué.

Chaque défaut de ``defauts`` fausse une réponse, pour vérifier que le service la refuse. Toutes les
identités sont fictives.
"""

from __future__ import annotations

import base64
import json
import secrets
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from functools import cache
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from joserfc import jwt
from joserfc.jwk import ECKey, KeySet, OctKey, RSAKey

ACR_2FA = "https://proconnect.gouv.fr/assurance/self-asserted-2fa"
CLIENT_ID = "cellule-test"
CLIENT_SECRET = "secret-du-client-de-test-" + "x" * 20
PARAMETRES_AUTORISATION = frozenset(
    {"response_type", "client_id", "redirect_uri", "scope", "state", "nonce", "claims", "prompt", "idp_hint"}
)
DEFAUTS_CONNUS = frozenset(
    {
        "signature",  # jeton d'identité signé par une autre clé qui prend le nom d'une des siennes
        "nonce",
        "aud",
        "iss",
        "expire",
        "sans_acr",
        "userinfo_json",  # userinfo en JSON nu, non signé
        "userinfo_signature",
        "userinfo_sub",  # userinfo d'une autre personne
        "userinfo_iss",
        "hs256",  # jeton signé avec le secret du client (HS256), refusé par le service
    }
)


def _pem(cle: rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey) -> bytes:
    return cle.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )


@cache
def _cle_rsa(kid: str) -> RSAKey:
    return RSAKey.import_key(
        _pem(rsa.generate_private_key(public_exponent=65537, key_size=2048)),
        parameters={"kid": kid, "use": "sig", "alg": "RS256"},
    )


@cache
def _cle_ec(kid: str) -> ECKey:
    return ECKey.import_key(
        _pem(ec.generate_private_key(ec.SECP256R1())), parameters={"kid": kid, "use": "sig", "alg": "ES256"}
    )


def cle_pirate(alg: str, kid: str) -> RSAKey | ECKey:
    """Une clé que le fournisseur ne publie pas, sous le nom d'une des siennes."""
    return _cle_rsa(f"pirate-{kid}") if alg == "RS256" else _cle_ec(f"pirate-{kid}")


@dataclass(frozen=True)
class Personne:
    """L'identité que le fournisseur prouvera (fictive)."""

    sub: str = "sub-0001-fictif"
    email: str = "camille.fictif@mairie-ablainville.example"
    siret: str = "21590001000012"
    idp_id: str = "fi-test-mairies"
    acr: str = ACR_2FA
    given_name: str = "Camille"
    usual_name: str = "Fictif"
    uid: str = "uid-0001"


@dataclass
class Fournisseur:
    """L'état du fournisseur : ce qu'il prouvera, ses défauts, ce qu'il a reçu."""

    emetteur: str = ""
    alg: str = "RS256"
    personne: Personne = field(default_factory=Personne)
    defauts: set[str] = field(default_factory=set)
    authentification: str = "client_secret_post"
    redirections: set[str] = field(default_factory=set)
    retours_deconnexion: set[str] = field(default_factory=set)
    kid_rsa: str = "rsa-1"
    kid_ec: str = "ec-1"
    autorisations: list[dict[str, str]] = field(default_factory=list)
    fins_de_session: list[dict[str, str]] = field(default_factory=list)
    lectures_cles: int = 0
    _codes: dict[str, dict[str, Any]] = field(default_factory=dict)
    _jetons: dict[str, dict[str, Any]] = field(default_factory=dict)
    _verrou: threading.Lock = field(default_factory=threading.Lock)

    def prouver(self, **changements: str) -> None:
        """Change l'identité prouvée aux prochaines connexions."""
        self.personne = replace(self.personne, **changements)

    def cles(self) -> KeySet:
        return KeySet([_cle_rsa(self.kid_rsa), _cle_ec(self.kid_ec)])

    def signer(self, revendications: dict[str, Any], *, pirate: bool = False) -> str:
        if "hs256" in self.defauts:
            return jwt.encode({"alg": "HS256"}, revendications, OctKey.import_key(CLIENT_SECRET))
        kid = self.kid_rsa if self.alg == "RS256" else self.kid_ec
        cle = cle_pirate(self.alg, kid) if pirate else self.cles().get_by_kid(kid)
        return jwt.encode({"alg": self.alg, "kid": kid}, revendications, cle, algorithms=[self.alg])

    # --- les points de terminaison ------------------------------------------------------------------

    def decouverte(self) -> dict[str, Any]:
        methodes = [self.authentification]
        return {
            "issuer": self.emetteur,
            "authorization_endpoint": f"{self.emetteur}/authorize",
            "token_endpoint": f"{self.emetteur}/token",
            "userinfo_endpoint": f"{self.emetteur}/userinfo",
            "end_session_endpoint": f"{self.emetteur}/session/end",
            "jwks_uri": f"{self.emetteur}/jwks",
            "response_types_supported": ["code"],
            "id_token_signing_alg_values_supported": ["RS256", "ES256"],
            "userinfo_signing_alg_values_supported": ["RS256", "ES256"],
            "token_endpoint_auth_methods_supported": methodes,
            "acr_values_supported": ["eidas1", ACR_2FA],
        }

    def autoriser(self, parametres: dict[str, str]) -> tuple[int, str]:
        """Le statut et l'adresse de renvoi (ou le motif du refus)."""
        self.autorisations.append(parametres)
        inconnus = set(parametres) - PARAMETRES_AUTORISATION
        if inconnus:
            return 400, f"Y000400 parametres inconnus {sorted(inconnus)}"
        if parametres.get("response_type") != "code" or parametres.get("client_id") != CLIENT_ID:
            return 400, "client ou response_type"
        if parametres.get("redirect_uri") not in self.redirections:
            return 400, "redirect_uri non inscrite"
        if "openid" not in parametres.get("scope", "").split():
            return 400, "scope sans openid"
        if len(parametres.get("state", "")) < 32 or len(parametres.get("nonce", "")) < 32:
            return 400, "state ou nonce trop court"
        code = secrets.token_urlsafe(24)
        with self._verrou:
            self._codes[code] = {
                "nonce": parametres["nonce"],
                "redirect_uri": parametres["redirect_uri"],
                "personne": self.personne,
                "expire": time.time() + 30,
            }
        return 302, f"{parametres['redirect_uri']}?{urlencode({'code': code, 'state': parametres['state']})}"

    def jeton(self, corps: dict[str, str], autorisation: str | None) -> tuple[int, dict[str, Any]]:
        if self.authentification == "client_secret_basic":
            attendu = "Basic " + base64.b64encode(f"{CLIENT_ID}:{CLIENT_SECRET}".encode()).decode()
            client_ok = autorisation == attendu and "client_secret" not in corps
        else:
            client_ok = corps.get("client_id") == CLIENT_ID and corps.get("client_secret") == CLIENT_SECRET
        if not client_ok:
            return 401, {"error": "invalid_client"}
        with self._verrou:
            donne = self._codes.pop(corps.get("code", ""), None)
        if (
            corps.get("grant_type") != "authorization_code"
            or donne is None
            or donne["expire"] < time.time()
            or donne["redirect_uri"] != corps.get("redirect_uri")
        ):
            return 400, {"error": "invalid_grant"}
        personne: Personne = donne["personne"]
        maintenant = int(time.time())
        revendications: dict[str, Any] = {
            "iss": "https://autre-fournisseur.example/api/v2" if "iss" in self.defauts else self.emetteur,
            "aud": "un-autre-service" if "aud" in self.defauts else CLIENT_ID,
            "sub": personne.sub,
            "iat": maintenant - (7200 if "expire" in self.defauts else 0),
            "exp": maintenant + (-3600 if "expire" in self.defauts else 60),
            "auth_time": maintenant,
            "nonce": "un-autre-nonce-" + "z" * 32 if "nonce" in self.defauts else donne["nonce"],
            "acr": personne.acr,
            "amr": ["pwd"],
            "idp_id": personne.idp_id,
        }
        if "sans_acr" in self.defauts:
            del revendications["acr"]
        id_token = self.signer(revendications, pirate="signature" in self.defauts)
        access_token = secrets.token_urlsafe(24)
        with self._verrou:
            self._jetons[access_token] = {"personne": personne, "expire": time.time() + 60}
        return 200, {
            "access_token": access_token,
            "token_type": "Bearer",
            "expires_in": 60,
            "id_token": id_token,
        }

    def userinfo(self, autorisation: str | None) -> tuple[int, str, str]:
        jeton = (autorisation or "").removeprefix("Bearer ")
        with self._verrou:
            donne = self._jetons.get(jeton)
        if donne is None or donne["expire"] < time.time():
            return 401, "application/json", json.dumps({"error": "invalid_token"})
        personne: Personne = donne["personne"]
        revendications = {
            "iss": "https://autre-fournisseur.example/api/v2"
            if "userinfo_iss" in self.defauts
            else self.emetteur,
            "aud": CLIENT_ID,
            "sub": "sub-9999-autre" if "userinfo_sub" in self.defauts else personne.sub,
            "email": personne.email,
            "given_name": personne.given_name,
            "usual_name": personne.usual_name,
            "uid": personne.uid,
            "siret": personne.siret,
            "idp_id": personne.idp_id,
            "iat": int(time.time()),
        }
        if "userinfo_json" in self.defauts:
            return 200, "application/json", json.dumps(revendications)
        return (
            200,
            "application/jwt",
            self.signer(revendications, pirate="userinfo_signature" in self.defauts),
        )

    def fin_de_session(self, parametres: dict[str, str]) -> tuple[int, str]:
        self.fins_de_session.append(parametres)
        retour = parametres.get("post_logout_redirect_uri", "")
        if retour not in self.retours_deconnexion or not parametres.get("state"):
            return 400, "post_logout_redirect_uri non inscrite ou state absent"
        try:
            revendications = jwt.decode(parametres.get("id_token_hint", ""), self.cles()).claims
        except Exception:
            return 400, "id_token_hint invalide"
        if revendications.get("aud") != CLIENT_ID:
            return 400, "id_token_hint d'un autre client"
        return 302, f"{retour}?{urlencode({'state': parametres['state']})}"


class _Gestionnaire(BaseHTTPRequestHandler):
    server: _Serveur

    def log_message(self, format: str, *args: Any) -> None:
        """Silencieux : les tests lisent l'état du fournisseur, pas ses journaux."""

    def _repondre(self, statut: int, type_contenu: str, corps: str, lieu: str | None = None) -> None:
        octets = corps.encode("utf-8")
        self.send_response(statut)
        self.send_header("Content-Type", type_contenu)
        self.send_header("Content-Length", str(len(octets)))
        self.send_header("Cache-Control", "no-store")
        if lieu:
            self.send_header("Location", lieu)
        self.end_headers()
        self.wfile.write(octets)

    def _chemin(self) -> tuple[str, dict[str, str]]:
        decoupe = urlsplit(self.path)
        return decoupe.path, {cle: valeurs[-1] for cle, valeurs in parse_qs(decoupe.query).items()}

    def do_GET(self) -> None:
        fournisseur = self.server.fournisseur
        chemin, parametres = self._chemin()
        if chemin == "/api/v2/.well-known/openid-configuration":
            self._repondre(200, "application/json", json.dumps(fournisseur.decouverte()))
        elif chemin == "/api/v2/jwks":
            fournisseur.lectures_cles += 1
            self._repondre(200, "application/json", json.dumps(fournisseur.cles().as_dict(private=False)))
        elif chemin == "/api/v2/authorize":
            statut, texte = fournisseur.autoriser(parametres)
            self._repondre(
                statut, "text/plain", "" if statut == 302 else texte, texte if statut == 302 else None
            )
        elif chemin == "/api/v2/userinfo":
            statut, type_contenu, corps = fournisseur.userinfo(self.headers.get("Authorization"))
            self._repondre(statut, type_contenu, corps)
        elif chemin == "/api/v2/session/end":
            statut, texte = fournisseur.fin_de_session(parametres)
            self._repondre(
                statut, "text/plain", "" if statut == 302 else texte, texte if statut == 302 else None
            )
        else:
            self._repondre(404, "text/plain", "inconnu")

    def do_POST(self) -> None:
        chemin, _ = self._chemin()
        longueur = int(self.headers.get("Content-Length", "0"))
        corps = {cle: v[-1] for cle, v in parse_qs(self.rfile.read(longueur).decode()).items()}
        if chemin != "/api/v2/token":
            self._repondre(404, "text/plain", "inconnu")
            return
        statut, reponse = self.server.fournisseur.jeton(corps, self.headers.get("Authorization"))
        self._repondre(statut, "application/json", json.dumps(reponse))


class _Serveur(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, fournisseur: Fournisseur) -> None:
        super().__init__(("127.0.0.1", 0), _Gestionnaire)
        self.fournisseur = fournisseur


@contextmanager
def fournisseur_en_marche() -> Iterator[Fournisseur]:
    """Un fournisseur neuf qui écoute sur 127.0.0.1 (port libre) le temps du bloc."""
    fournisseur = Fournisseur()
    serveur = _Serveur(fournisseur)
    fournisseur.emetteur = f"http://127.0.0.1:{serveur.server_address[1]}/api/v2"
    fil = threading.Thread(target=serveur.serve_forever, name="fournisseur-oidc", daemon=True)
    fil.start()
    try:
        yield fournisseur
    finally:
        serveur.shutdown()
        serveur.server_close()
        fil.join(timeout=5)
