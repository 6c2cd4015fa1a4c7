"""Le DSFR vendorisé : fichiers conformes au manifeste, intégrité vérifiée au rafraîchissement, le tout
embarqué dans la distribution ; sans réseau."""

from __future__ import annotations

import base64
import hashlib
import io
import json
import tarfile
import tomllib
from pathlib import Path

import pytest

from service.web import dsfr

RACINE = Path(__file__).resolve().parents[2]


def test_les_fichiers_vendorises_correspondent_au_manifeste() -> None:
    assert dsfr.ecarts() == []
    manifeste = json.loads((dsfr.DOSSIER / dsfr.MANIFESTE).read_text("utf-8"))
    assert manifeste["version"].startswith(dsfr.SERIE)
    for nom in (*dsfr.FICHIERS, "LICENSE.md", "LICENCE-CELLULE.txt", *dsfr.ICONES_DES_GABARITS):
        assert nom in manifeste["fichiers"]


def test_un_fichier_vendorise_modifie_ou_ajoute_est_signale(tmp_path: Path) -> None:
    copie = tmp_path / "dsfr"
    copie.mkdir()
    for fichier in ("dsfr.min.css", dsfr.MANIFESTE):
        (copie / fichier).write_bytes((dsfr.DOSSIER / fichier).read_bytes())
    (copie / "dsfr.min.css").write_bytes(b"body{}")
    (copie / "ajout.js").write_text("alert(1)")
    problemes = dsfr.ecarts(copie)
    assert "modifié : dsfr.min.css" in problemes
    assert "en trop : ajout.js" in problemes
    assert "manquant : dsfr.module.min.js" in problemes


def _paquet(fichiers: dict[str, bytes]) -> bytes:
    tampon = io.BytesIO()
    with tarfile.open(fileobj=tampon, mode="w:gz") as tar:
        for nom, octets in fichiers.items():
            info = tarfile.TarInfo(f"package/{nom}")
            info.size = len(octets)
            tar.addfile(info, io.BytesIO(octets))
    return tampon.getvalue()


def test_une_archive_dont_l_empreinte_differe_de_celle_du_registre_est_refusee() -> None:
    archive = _paquet({"LICENSE.md": b"licence"})
    bonne = "sha512-" + base64.b64encode(hashlib.sha512(archive).digest()).decode()
    dsfr.verifier_integrite(archive, bonne)
    with pytest.raises(dsfr.ErreurDsfr, match="empreinte du registre"):
        dsfr.verifier_integrite(archive + b"x", bonne)
    with pytest.raises(dsfr.ErreurDsfr, match="sha512 attendu"):
        dsfr.verifier_integrite(archive, "sha1-abc")


def test_l_extraction_prend_le_sous_ensemble_et_les_icones_appelees_par_la_feuille_de_style(
    tmp_path: Path,
) -> None:
    css = b".a{background:url(icons/system/close-line.svg)}.b{background:url(data:image/svg+xml;x)}"
    fichiers = {f"dist/{nom}": b"x" for nom in dsfr.FICHIERS}
    fichiers["dist/dsfr.min.css"] = css
    fichiers |= {
        f"dist/{nom}": b"<svg/>" for nom in (*dsfr.ICONES_DES_GABARITS, "icons/system/close-line.svg")
    }
    fichiers["dist/icons/system/inutile.svg"] = b"<svg/>"
    fichiers["LICENSE.md"] = b"licence"
    contenu = dsfr.extraire(_paquet(fichiers))
    assert "icons/system/close-line.svg" in contenu
    assert "icons/system/inutile.svg" not in contenu
    dsfr.ecrire(contenu, "1.15.99", "sha512-x", tmp_path / "dsfr")
    assert dsfr.ecarts(tmp_path / "dsfr") == []
    assert dsfr.version_vendorisee(tmp_path / "dsfr") == "1.15.99"
    # Un fichier attendu absent du paquet : refus, rien d'écrit à moitié.
    del fichiers["dist/dsfr.module.min.js"]
    with pytest.raises(dsfr.ErreurDsfr, match=r"dsfr\.module\.min\.js manque"):
        dsfr.extraire(_paquet(fichiers))


def test_la_distribution_embarque_les_gabarits_et_les_fichiers_statiques() -> None:
    donnees = tomllib.loads((RACINE / "pyproject.toml").read_text("utf-8"))["tool"]["setuptools"][
        "package-data"
    ]
    motifs = set(donnees["*"])
    statiques = {
        f"*{chemin.suffix}"
        for chemin in (RACINE / "service" / "web").rglob("*")
        if chemin.is_file() and chemin.suffix not in {".py", ".pyc"}
    }
    assert statiques <= motifs, statiques - motifs
