"""Le client OpenID Connect de ProConnect : découverte, clés, autorisation, jetons, déconnexion.

Ce module ne connaît ni la base ni les comptes : il prouve *qui* est la personne (jeton d'identité et
userinfo signés, vérifiés contre les clés publiées par le fournisseur), jamais ce qu'elle peut voir.
Les signatures et les clés sont l'affaire de ``joserfc`` ; les appels sortants, de ``httpx``, sans
suivre de redirection. Un refus lève ``ProConnectRefuse`` avec une raison courte pour le journal.
"""

from __future__ import annotations

import hmac
import json
import secrets
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, Literal
from urllib.parse import urlencode

import httpx
from joserfc import errors, jws, jwt
from joserfc.jwk import KeySet

from service.parametres import adresse_permise

ALGORITHMES = ("RS256", "ES256")
SCOPES = "openid email given_name usual_name siret uid idp_id"
# Au moins 32 caractères pour ProConnect : 32 octets aléatoires en font 43.
OCTETS_ALEATOIRES = 32
DELAI_HTTP_SECONDES = 10.0
TOLERANCE_HORLOGE_SECONDES = 60
DUREE_DECOUVERTE_SECONDES = 3600
# Un jeton signé d'une clé inconnue fait relire les clés, mais pas plus d'une fois par ce délai :
# des jetons forgés en rafale ne font pas appeler le fournisseur en rafale.
RELECTURE_CLES_MIN_SECONDES = 30
TAILLE_REPONSE_MAX = 256 * 1024

Authentification = Literal["client_secret_post", "client_secret_basic"]
MESSAGE_STATE = (
    "Cette réponse de ProConnect ne correspond pas à la connexion commencée dans ce navigateur : elle est "
    "refusée. Recommencez la connexion depuis la page de connexion de cellule."
)


class ProConnectRefuse(Exception):
    """La connexion ProConnect n'aboutit pas. ``raison`` va au journal, ``message`` à la personne."""

    def __init__(self, raison: str, message: str) -> None:
        super().__init__(message)
        self.raison = raison
        self.message = message


def _indisponible(quoi: str) -> ProConnectRefuse:
    return ProConnectRefuse(
        "fournisseur_injoignable",
        f"ProConnect ne répond pas comme prévu ({quoi}). Réessayez dans quelques minutes, ou connectez-vous "
        "avec votre identifiant et votre mot de passe ; si cela dure, prévenez l'administrateur.",
    )


@dataclass(frozen=True)
class Decouverte:
    """Ce que publie le fournisseur à ``{émetteur}/.well-known/openid-configuration``."""

    emetteur: str
    autorisation: str
    jeton: str
    userinfo: str
    fin_de_session: str
    cles: str
    authentification: Authentification


@dataclass(frozen=True)
class Demande:
    """Ce que le service garde entre l'envoi vers ProConnect et le retour : à comparer au retour."""

    state: str
    nonce: str


@dataclass(frozen=True)
class Identification:
    """Une personne dont ProConnect a prouvé l'identité (jetons vérifiés)."""

    sub: str
    acr: str
    idp_id: str
    siret: str
    courriel: str
    id_token: str


def aleatoire() -> str:
    """Un ``state`` ou un ``nonce`` : 43 caractères imprévisibles."""
    return secrets.token_urlsafe(OCTETS_ALEATOIRES)


def _lire_json(reponse: httpx.Response, quoi: str) -> dict[str, Any]:
    if reponse.status_code != 200 or len(reponse.content) > TAILLE_REPONSE_MAX:
        raise _indisponible(quoi)
    try:
        contenu = reponse.json()
    except ValueError:
        raise _indisponible(quoi) from None
    if not isinstance(contenu, dict):
        raise _indisponible(quoi)
    return contenu


class ClientProConnect:
    """Un fournisseur OpenID Connect (ProConnect, ou celui des tests) vu par le service.

    Sûr entre fils : la découverte et les clés sont gardées en cache sous verrou.
    """

    def __init__(
        self,
        emetteur: str,
        client_id: str,
        client_secret: str,
        acr_acceptes: Iterable[str],
        *,
        http: httpx.Client | None = None,
        horloge: Callable[[], float] = time.time,
    ) -> None:
        if not adresse_permise(emetteur):
            raise ValueError("L'émetteur ProConnect doit être en https (http seulement sur 127.0.0.1).")
        self.emetteur = emetteur
        self.client_id = client_id
        self._secret = client_secret
        self.acr_acceptes = tuple(acr_acceptes)
        self._http = http or httpx.Client(timeout=DELAI_HTTP_SECONDES, follow_redirects=False)
        self._horloge = horloge
        self._verrou = threading.Lock()
        self._decouverte: tuple[float, Decouverte] | None = None
        self._cles: tuple[float, KeySet] | None = None

    def __repr__(self) -> str:  # le secret n'apparaît dans aucune trace
        return f"ClientProConnect(emetteur={self.emetteur!r}, client_id={self.client_id!r})"

    # --- découverte et clés ---------------------------------------------------------------------

    def _get(self, url: str, quoi: str, **options: Any) -> httpx.Response:
        try:
            return self._http.get(url, **options)
        except httpx.HTTPError:
            raise _indisponible(quoi) from None

    def decouverte(self) -> Decouverte:
        """La configuration du fournisseur, relue au plus une fois par heure."""
        with self._verrou:
            if self._decouverte and self._horloge() - self._decouverte[0] < DUREE_DECOUVERTE_SECONDES:
                return self._decouverte[1]
        url = self.emetteur.rstrip("/") + "/.well-known/openid-configuration"
        contenu = _lire_json(self._get(url, "découverte"), "découverte")
        decouverte = self._lire_decouverte(contenu)
        with self._verrou:
            self._decouverte = (self._horloge(), decouverte)
        return decouverte

    def _lire_decouverte(self, contenu: dict[str, Any]) -> Decouverte:
        # L'émetteur annoncé doit être exactement celui qu'on a réglé : sinon, un autre fournisseur
        # pourrait se faire passer pour lui (OpenID Connect Discovery, section 4.3).
        if contenu.get("issuer") != self.emetteur:
            raise _indisponible("émetteur annoncé différent de CELLULE_PROCONNECT_URL")
        adresses = {}
        for cle in (
            "authorization_endpoint",
            "token_endpoint",
            "userinfo_endpoint",
            "end_session_endpoint",
            "jwks_uri",
        ):
            valeur = contenu.get(cle)
            if not isinstance(valeur, str) or not adresse_permise(valeur):
                raise _indisponible(f"découverte sans {cle} valable")
            adresses[cle] = valeur
        methodes = contenu.get("token_endpoint_auth_methods_supported", ["client_secret_basic"])
        if not isinstance(methodes, list):
            raise _indisponible("découverte illisible")
        if "client_secret_post" in methodes:
            authentification: Authentification = "client_secret_post"
        elif "client_secret_basic" in methodes:
            authentification = "client_secret_basic"
        else:
            raise _indisponible("aucune authentification par secret proposée")
        return Decouverte(
            emetteur=self.emetteur,
            autorisation=adresses["authorization_endpoint"],
            jeton=adresses["token_endpoint"],
            userinfo=adresses["userinfo_endpoint"],
            fin_de_session=adresses["end_session_endpoint"],
            cles=adresses["jwks_uri"],
            authentification=authentification,
        )

    def _charger_cles(self) -> KeySet:
        contenu = _lire_json(self._get(self.decouverte().cles, "clés publiques"), "clés publiques")
        try:
            cles = KeySet.import_key_set(contenu)  # type: ignore[arg-type]
        except (errors.JoseError, ValueError, TypeError, KeyError):
            raise _indisponible("clés publiques illisibles") from None
        with self._verrou:
            self._cles = (self._horloge(), cles)
        return cles

    def _cles_pour(self, kid: object) -> KeySet:
        """Les clés du fournisseur ; relues si le jeton en nomme une inconnue (rotation des clés)."""
        with self._verrou:
            en_cache = self._cles
        if en_cache is None:
            return self._charger_cles()
        lu_le, cles = en_cache
        connue = isinstance(kid, str) and any(cle.kid == kid for cle in cles.keys)
        if connue or self._horloge() - lu_le < RELECTURE_CLES_MIN_SECONDES:
            return cles
        return self._charger_cles()

    # --- jetons signés --------------------------------------------------------------------------

    def verifier_jwt(self, valeur: str, quoi: str, **attendus: Any) -> dict[str, Any]:
        """Les revendications d'un JWT signé par le fournisseur (RS256 ou ES256), vérifiées.

        ``attendus`` : les revendications à exiger, au format de ``joserfc`` (``iss``, ``aud``…).
        """
        try:
            # L'en-tête, pas encore vérifié, ne sert qu'à choisir l'algorithme permis et la clé.
            entete = jws.extract_compact(valeur.encode("ascii")).protected
        except (errors.JoseError, ValueError, UnicodeError):
            raise ProConnectRefuse("signature", _message_jeton(quoi)) from None
        if entete.get("alg") not in ALGORITHMES:
            raise ProConnectRefuse("signature", _message_jeton(quoi))
        cles = self._cles_pour(entete.get("kid"))
        try:
            jeton = jwt.decode(valeur, cles, algorithms=list(ALGORITHMES))
        except errors.JoseError:
            raise ProConnectRefuse("signature", _message_jeton(quoi)) from None
        registre = jwt.JWTClaimsRegistry(
            now=lambda: int(self._horloge()), leeway=TOLERANCE_HORLOGE_SECONDES, **attendus
        )
        try:
            registre.validate(jeton.claims)
        except errors.ExpiredTokenError:
            raise ProConnectRefuse("expire", _message_jeton(quoi)) from None
        except errors.ClaimError as erreur:
            raise ProConnectRefuse(str(erreur.claim or "revendication"), _message_jeton(quoi)) from None
        except errors.JoseError:
            raise ProConnectRefuse("revendication", _message_jeton(quoi)) from None
        return dict(jeton.claims)

    # --- le parcours ----------------------------------------------------------------------------

    def adresse_autorisation(self, redirect_uri: str) -> tuple[str, Demande]:
        """L'adresse où envoyer la personne, et ce qu'il faudra vérifier à son retour."""
        demande = Demande(state=aleatoire(), nonce=aleatoire())
        parametres = {
            "response_type": "code",
            "client_id": self.client_id,
            "redirect_uri": redirect_uri,
            "scope": SCOPES,
            "state": demande.state,
            "nonce": demande.nonce,
            "claims": json.dumps(
                {"id_token": {"acr": {"essential": True, "values": list(self.acr_acceptes)}}},
                separators=(",", ":"),
            ),
        }
        return f"{self.decouverte().autorisation}?{urlencode(parametres)}", demande

    def identifier(self, code: str, state: str, redirect_uri: str, demande: Demande) -> Identification:
        """Vérifie le ``state`` rendu, échange le code, vérifie le jeton d'identité puis le userinfo
        signé : la personne prouvée."""
        if not hmac.compare_digest(state.encode(), demande.state.encode()):
            raise ProConnectRefuse("state", MESSAGE_STATE)
        decouverte = self.decouverte()
        id_token, access_token = self._echanger(decouverte, code, redirect_uri)
        revendications = self.verifier_jwt(
            id_token,
            "jeton d'identité",
            iss={"essential": True, "value": decouverte.emetteur},
            aud={"essential": True, "value": self.client_id},
            exp={"essential": True},
            iat={"essential": True},
            sub={"essential": True},
            nonce={"essential": True, "value": demande.nonce},
            acr={"essential": True, "values": list(self.acr_acceptes)},
        )
        audience = revendications.get("aud")
        if isinstance(audience, list) and len(audience) > 1 and revendications.get("azp") != self.client_id:
            raise ProConnectRefuse("aud", _message_jeton("jeton d'identité"))
        infos = self._userinfo(decouverte, access_token, str(revendications["sub"]))
        return Identification(
            sub=str(revendications["sub"]),
            acr=str(revendications["acr"]),
            idp_id=_texte(infos.get("idp_id") or revendications.get("idp_id")),
            siret=_texte(infos.get("siret")),
            courriel=_texte(infos.get("email")).strip().lower(),
            id_token=id_token,
        )

    def _echanger(self, decouverte: Decouverte, code: str, redirect_uri: str) -> tuple[str, str]:
        corps = {"grant_type": "authorization_code", "code": code, "redirect_uri": redirect_uri}
        try:
            if decouverte.authentification == "client_secret_post":
                corps |= {"client_id": self.client_id, "client_secret": self._secret}
                reponse = self._http.post(decouverte.jeton, data=corps)
            else:
                authentification = httpx.BasicAuth(self.client_id, self._secret)
                reponse = self._http.post(decouverte.jeton, data=corps, auth=authentification)
        except httpx.HTTPError:
            raise _indisponible("échange du code") from None
        if reponse.status_code in (400, 401):
            # Code expiré (30 s), déjà servi, ou client mal inscrit : recommencer suffit le plus souvent.
            raise ProConnectRefuse(
                "code_refuse",
                "ProConnect n'a pas confirmé la connexion (le délai est peut-être dépassé). Recommencez "
                "la connexion ; si cela se reproduit, prévenez l'administrateur.",
            )
        contenu = _lire_json(reponse, "échange du code")
        id_token, access_token = contenu.get("id_token"), contenu.get("access_token")
        if not isinstance(id_token, str) or not isinstance(access_token, str):
            raise _indisponible("réponse du jeton incomplète")
        return id_token, access_token

    def _userinfo(self, decouverte: Decouverte, access_token: str, sub: str) -> dict[str, Any]:
        reponse = self._get(
            decouverte.userinfo,
            "informations de la personne",
            headers={"Authorization": f"Bearer {access_token}"},
        )
        type_contenu = reponse.headers.get("content-type", "").split(";")[0].strip().lower()
        if reponse.status_code != 200 or len(reponse.content) > TAILLE_REPONSE_MAX:
            raise _indisponible("informations de la personne")
        if type_contenu != "application/jwt":
            # ProConnect rend un JWT signé ; un JSON nu ne prouverait rien.
            raise ProConnectRefuse("userinfo_non_signe", _message_jeton("informations de la personne"))
        attendus: dict[str, Any] = {"sub": {"essential": True, "value": sub}}
        revendications = self.verifier_jwt(reponse.text.strip(), "informations de la personne", **attendus)
        # Signé par le fournisseur, le userinfo porte son émetteur et notre identifiant s'il les donne :
        # ils doivent alors être les bons.
        if "iss" in revendications and revendications["iss"] != decouverte.emetteur:
            raise ProConnectRefuse("iss", _message_jeton("informations de la personne"))
        audience = revendications.get("aud")
        if audience is not None and self.client_id not in (
            audience if isinstance(audience, list) else [audience]
        ):
            raise ProConnectRefuse("aud", _message_jeton("informations de la personne"))
        return revendications

    def adresse_deconnexion(self, id_token: str, post_logout_redirect_uri: str) -> tuple[str, str]:
        """L'adresse de fin de session chez ProConnect, et le ``state`` à retrouver au retour."""
        state = aleatoire()
        parametres = {
            "id_token_hint": id_token,
            "state": state,
            "post_logout_redirect_uri": post_logout_redirect_uri,
        }
        return f"{self.decouverte().fin_de_session}?{urlencode(parametres)}", state


def _texte(valeur: object) -> str:
    return valeur if isinstance(valeur, str) else ""


def _message_jeton(quoi: str) -> str:
    return (
        f"La réponse de ProConnect ({quoi}) n'a pas pu être vérifiée : la connexion est refusée par "
        "prudence. Recommencez la connexion ; si cela se reproduit, prévenez l'administrateur."
    )
