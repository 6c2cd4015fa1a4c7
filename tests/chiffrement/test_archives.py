"""Ouverture des archives 7z reçues : ce que le vrai 7-Zip produit se lit, le reste est refusé clairement."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest

from chiffrement import (
    TAILLE_DEBUT_7Z,
    ArchiveIllisible,
    ArchiveRefusee,
    Limites,
    fabriquer_archive,
    ouvrir_archive,
    taille_annoncee_7z,
)
from tests.chiffrement.outils import (
    CODECS,
    CSV_FAMILLES,
    MOT_DE_PASSE,
    changer_cout_de_derivation,
    fabriquer,
    renommer_dans_entete,
)

ILLISIBLE = "mot de passe incorrect ou archive corrompue"
GRAND_CSV = "".join(
    f"F-{i:05d};ESSAI-{i % 97};Prénom{i % 31};2014-05-{1 + i % 28:02d};F\n" for i in range(20_000)
)


FICHIERS = {"élèves_caf.csv": CSV_FAMILLES, "inscrits.csv": GRAND_CSV.encode()}


@pytest.fixture(scope="module")
def archives_par_codec(tmp_path_factory: pytest.TempPathFactory) -> Callable[[str, bool], bytes]:
    """Une archive par (codec, noms chiffrés), fabriquée une fois pour tout le module."""
    faites: dict[tuple[str, bool], bytes] = {}

    def archive(codec: str, entetes_chiffres: bool) -> bytes:
        if (codec, entetes_chiffres) not in faites:
            dossier = tmp_path_factory.mktemp(f"{codec}-{entetes_chiffres}")
            faites[codec, entetes_chiffres] = fabriquer(
                dossier, FICHIERS, codec=codec, entetes_chiffres=entetes_chiffres
            )
        return faites[codec, entetes_chiffres]

    return archive


@pytest.mark.parametrize("entetes_chiffres", [True, False], ids=["noms-chiffres", "noms-en-clair"])
@pytest.mark.parametrize("codec", CODECS)
def test_une_archive_du_vrai_7zip_se_lit_pour_chaque_codec(
    archives_par_codec: Callable[[str, bool], bytes], codec: str, entetes_chiffres: bool
) -> None:
    lus = ouvrir_archive(
        archives_par_codec(codec, entetes_chiffres),
        MOT_DE_PASSE,
        noms_en_clair_autorises=not entetes_chiffres,
    )

    assert {f.nom: f.octets for f in lus} == FICHIERS


@pytest.mark.parametrize("entetes_chiffres", [True, False], ids=["noms-chiffres", "noms-en-clair"])
@pytest.mark.parametrize("codec", CODECS)
def test_un_mauvais_mot_de_passe_donne_une_seule_erreur_claire(
    archives_par_codec: Callable[[str, bool], bytes], codec: str, entetes_chiffres: bool
) -> None:
    with pytest.raises(ArchiveIllisible) as erreur:
        ouvrir_archive(
            archives_par_codec(codec, entetes_chiffres),
            "Mauvais-Mot-De-Passe",
            noms_en_clair_autorises=not entetes_chiffres,
        )

    assert erreur.value.message.startswith(ILLISIBLE)
    assert erreur.value.__cause__ is None


def test_une_archive_chiffree_sans_mot_de_passe_le_demande(tmp_path: Path) -> None:
    archive = fabriquer(tmp_path, {"liste.csv": CSV_FAMILLES})

    with pytest.raises(ArchiveIllisible, match="donnez son mot de passe"):
        ouvrir_archive(archive, None)


@pytest.mark.parametrize("garde", [0.5, 0.9, 40])
def test_une_archive_tronquee_est_illisible(tmp_path: Path, garde: float) -> None:
    archive = fabriquer(tmp_path, {"liste.csv": GRAND_CSV.encode()}, entetes_chiffres=False)
    longueur = int(len(archive) * garde) if garde < 1 else int(garde)

    with pytest.raises(ArchiveIllisible, match=ILLISIBLE):
        ouvrir_archive(archive[:longueur], MOT_DE_PASSE)


def test_un_octet_abime_au_milieu_des_donnees_est_detecte(tmp_path: Path) -> None:
    archive = bytearray(fabriquer(tmp_path, {"liste.csv": GRAND_CSV.encode()}, codec="copy"))
    archive[len(archive) // 2] ^= 0x01

    with pytest.raises(ArchiveIllisible, match=ILLISIBLE):
        ouvrir_archive(bytes(archive), MOT_DE_PASSE)


def test_les_fichiers_d_un_sous_dossier_gardent_leur_chemin(tmp_path: Path) -> None:
    archive = fabriquer(tmp_path, {"envoi/caf.csv": CSV_FAMILLES, "lisez-moi.txt": b"x"})

    lus = ouvrir_archive(archive, MOT_DE_PASSE)

    assert sorted(f.nom for f in lus) == ["envoi/caf.csv", "lisez-moi.txt"]


def test_un_chemin_absolu_est_refuse(tmp_path: Path) -> None:
    absolu = tmp_path / "source" / "absolu.csv"
    absolu.parent.mkdir()
    absolu.write_bytes(CSV_FAMILLES)
    archive = fabriquer(tmp_path, {"caf.csv": CSV_FAMILLES}, options=["-spf"], chemins_en_plus=[str(absolu)])

    with pytest.raises(ArchiveRefusee, match="chemin dangereux"):
        ouvrir_archive(archive, MOT_DE_PASSE)


def test_un_chemin_qui_remonte_avec_deux_points_est_refuse(tmp_path: Path) -> None:
    archive = fabriquer(tmp_path, {"XX/caf.csv": CSV_FAMILLES}, entetes_chiffres=False, options=["-mhc=off"])
    piegee = renommer_dans_entete(archive, "XX/caf", "../caf")

    with pytest.raises(ArchiveRefusee, match="chemin dangereux"):
        ouvrir_archive(piegee, MOT_DE_PASSE)


def test_un_lien_symbolique_est_refuse(tmp_path: Path) -> None:
    source = tmp_path / "source"
    source.mkdir()
    (source / "lien").symlink_to("/etc/passwd")
    archive = fabriquer(tmp_path, {"caf.csv": CSV_FAMILLES}, options=["-snl"], chemins_en_plus=["lien"])

    with pytest.raises(ArchiveRefusee, match="lien"):
        ouvrir_archive(archive, MOT_DE_PASSE)


def test_une_archive_dans_l_archive_n_est_pas_ouverte(tmp_path: Path) -> None:
    interieure = fabriquer(tmp_path / "dedans", {"caf.csv": CSV_FAMILLES})
    archive = fabriquer(tmp_path / "dehors", {"envoi.7z": interieure})

    with pytest.raises(ArchiveRefusee, match="lui-même une archive"):
        ouvrir_archive(archive, MOT_DE_PASSE)


def test_trop_d_entrees_est_refuse(tmp_path: Path) -> None:
    archive = fabriquer(tmp_path, {f"liste_{i}.csv": CSV_FAMILLES for i in range(5)})

    with pytest.raises(ArchiveRefusee, match="5 entrées, au plus 4"):
        ouvrir_archive(archive, MOT_DE_PASSE, Limites(entrees_max=4))
    assert len(ouvrir_archive(archive, MOT_DE_PASSE, Limites(entrees_max=5))) == 5


def test_une_archive_trop_grande_est_refusee_avant_d_etre_ouverte(tmp_path: Path) -> None:
    archive = fabriquer(tmp_path, {"liste.csv": GRAND_CSV.encode()}, codec="copy")

    with pytest.raises(ArchiveRefusee, match="archive trop grande"):
        ouvrir_archive(archive, MOT_DE_PASSE, Limites(taille_archive_max=len(archive) - 1))


def test_un_fichier_trop_gros_une_fois_decompresse_est_refuse(tmp_path: Path) -> None:
    archive = fabriquer(tmp_path, {"petit.csv": CSV_FAMILLES, "gros.csv": GRAND_CSV.encode()})

    with pytest.raises(ArchiveRefusee, match="par fichier"):
        ouvrir_archive(archive, MOT_DE_PASSE, Limites(taille_entree_max=100_000))


def test_un_total_decompresse_trop_gros_est_refuse(tmp_path: Path) -> None:
    archive = fabriquer(tmp_path, {"a.csv": GRAND_CSV.encode(), "b.csv": GRAND_CSV.encode()})
    taille = len(GRAND_CSV.encode())

    with pytest.raises(ArchiveRefusee, match="décompressée dépasse"):
        ouvrir_archive(archive, MOT_DE_PASSE, Limites(taille_totale_max=taille + taille // 2))


def test_un_taux_de_compression_anormal_est_refuse(tmp_path: Path) -> None:
    archive = fabriquer(tmp_path, {"zeros.csv": bytes(16 * 1024 * 1024)})

    with pytest.raises(ArchiveRefusee, match="taux de compression anormal"):
        ouvrir_archive(archive, MOT_DE_PASSE)


def test_une_archive_zip_est_refusee_avec_la_marche_a_suivre() -> None:
    tampon = io.BytesIO()
    with zipfile.ZipFile(tampon, "w") as archive_zip:
        archive_zip.writestr("caf.csv", CSV_FAMILLES)

    with pytest.raises(ArchiveRefusee, match=r"archive ZIP, pas une archive 7z.*7-Zip"):
        ouvrir_archive(tampon.getvalue(), MOT_DE_PASSE)


def test_un_csv_en_clair_est_refuse_comme_tel() -> None:
    with pytest.raises(ArchiveRefusee, match=r"texte en clair.*ne doit jamais circuler en clair"):
        ouvrir_archive(CSV_FAMILLES, MOT_DE_PASSE)


def test_des_octets_quelconques_ne_sont_pas_une_archive() -> None:
    with pytest.raises(ArchiveRefusee, match="n'est pas une archive 7z"):
        ouvrir_archive(bytes(range(256)) * 4, MOT_DE_PASSE)


def test_une_archive_non_chiffree_est_refusee_sauf_si_la_convention_l_autorise(tmp_path: Path) -> None:
    archive = fabriquer(tmp_path, {"caf.csv": CSV_FAMILLES}, mot_de_passe=None)

    with pytest.raises(ArchiveRefusee, match="archive non chiffrée"):
        ouvrir_archive(archive, None)
    with pytest.raises(ArchiveRefusee, match="archive non chiffrée"):
        ouvrir_archive(archive, "un mot de passe ne la rend pas chiffrée")
    lus = ouvrir_archive(archive, None, chiffrement_obligatoire=False)
    assert [(f.nom, f.octets) for f in lus] == [("caf.csv", CSV_FAMILLES)]


def test_des_limites_nulles_ou_negatives_sont_rejetees() -> None:
    with pytest.raises(ValueError, match="entrees_max"):
        Limites(entrees_max=0)


def test_le_tampon_de_decompression_leve_au_lieu_de_tronquer() -> None:
    # Défense en profondeur si un en-tête mentait sur les tailles : py7zr tronquerait en silence
    # avec BytesIOFactory ; notre tampon arrête tout.
    from chiffrement.archives import _FabriqueBornee

    tampon = _FabriqueBornee(Limites(taille_entree_max=10)).create("liste.csv")
    tampon.write(b"12345")
    with pytest.raises(ArchiveRefusee, match="décompressée dépasse"):
        tampon.write(b"678901")


def test_une_methode_non_prise_en_charge_est_refusee_avec_la_marche_a_suivre(tmp_path: Path) -> None:
    archive = fabriquer(tmp_path, {"caf.csv": CSV_FAMILLES}, codec="ARM64", options=["-m1=LZMA2"])

    with pytest.raises(ArchiveRefusee, match="LZMA2, le réglage par défaut"):
        ouvrir_archive(archive, MOT_DE_PASSE)


@pytest.mark.parametrize(
    ("entetes_chiffres", "options"),
    [(True, []), (False, ["-mhc=off"])],
    ids=["noms-chiffres", "noms-en-clair"],
)
def test_une_derivation_de_cle_demesuree_est_refusee_sans_la_calculer(
    tmp_path: Path, entetes_chiffres: bool, options: list[str]
) -> None:
    archive = fabriquer(
        tmp_path, {"caf.csv": CSV_FAMILLES}, entetes_chiffres=entetes_chiffres, options=options
    )
    assert ouvrir_archive(archive, MOT_DE_PASSE, noms_en_clair_autorises=True)[0].octets == CSV_FAMILLES
    # py7zr ne s'en garde que par un assert, ôté sous « python -O » : 2**62 tours bloqueraient pour toujours.
    piegee = changer_cout_de_derivation(archive, 25)

    with pytest.raises(ArchiveRefusee, match="dérivation de clé démesurée"):
        ouvrir_archive(piegee, MOT_DE_PASSE)


@pytest.mark.parametrize(
    ("cycles", "sel"), [(0, b""), (5, b"\x01\x02"), (13, b""), (19, b""), (19, b"sel-16-octets!!!")]
)
def test_la_derivation_de_cle_rapide_donne_la_cle_de_reference(cycles: int, sel: bytes) -> None:
    from py7zr.helpers import calculate_key

    from chiffrement.hazmat import cle_7zaes

    mot_de_passe = "Mot-de-passe-é".encode("utf-16-le")
    assert cle_7zaes(mot_de_passe, cycles, sel) == calculate_key(mot_de_passe, cycles, sel, "sha256")


def test_une_archive_sans_aucune_donnee_est_refusee_comme_vide(tmp_path: Path) -> None:
    archive = fabriquer(tmp_path, {"vide.csv": b""})

    with pytest.raises(ArchiveRefusee, match="aucune donnée"):
        ouvrir_archive(archive, MOT_DE_PASSE)


@pytest.mark.parametrize("codec", ["lzma2", "bzip2", "deflate", "copy"])
def test_une_archive_alteree_ne_donne_jamais_un_contenu_faux_ni_une_autre_erreur(
    archives_par_codec: Callable[[str, bool], bytes], codec: str
) -> None:
    # PPMd est exclu : pyppmd peut planter sur un flux altéré (voir test_cli) ; on ne l'ouvre
    # que dans un processus jetable.
    archive = archives_par_codec(codec, True)
    for position in range(0, len(archive), max(len(archive) // 40, 1)):
        alteree = bytearray(archive)
        alteree[position] ^= 1 << (position % 8)
        try:
            lus = ouvrir_archive(bytes(alteree), MOT_DE_PASSE)
        except (ArchiveIllisible, ArchiveRefusee):
            continue
        assert {f.nom: f.octets for f in lus} == FICHIERS


@pytest.mark.parametrize("options", [[], ["-mhc=off"]], ids=["en-tete-compresse", "en-tete-brut"])
def test_une_archive_aux_noms_en_clair_est_refusee_sauf_si_sa_convention_le_permet(
    tmp_path: Path, options: list[str]
) -> None:
    # 7z -mhe=off : les données sont chiffrées, mais les noms des fichiers se lisent sans mot de passe.
    archive = fabriquer(tmp_path, {"caf.csv": CSV_FAMILLES}, entetes_chiffres=False, options=options)

    with pytest.raises(ArchiveRefusee, match=r"noms des fichiers .* se lisent sans le mot de passe"):
        ouvrir_archive(archive, MOT_DE_PASSE)
    with pytest.raises(ArchiveRefusee, match="-mhe=on"):
        ouvrir_archive(archive, "Mauvais-Mot-De-Passe")

    assert ouvrir_archive(archive, MOT_DE_PASSE, noms_en_clair_autorises=True)[0].octets == CSV_FAMILLES
    # Une convention qui permet l'archive non chiffrée permet, à plus forte raison, des noms lisibles.
    assert ouvrir_archive(archive, MOT_DE_PASSE, chiffrement_obligatoire=False)[0].octets == CSV_FAMILLES
    chiffree = fabriquer(tmp_path, {"caf.csv": CSV_FAMILLES}, entetes_chiffres=True)
    assert ouvrir_archive(chiffree, MOT_DE_PASSE)[0].octets == CSV_FAMILLES


def test_une_archive_fabriquee_en_memoire_s_ouvre_avec_son_mot_de_passe_et_cache_ses_noms() -> None:
    archive = fabriquer_archive({"liste.csv": b"id;nom\n1;FICTIF\n"}, "Mot-de-passe-fictif-1")

    assert taille_annoncee_7z(archive[:TAILLE_DEBUT_7Z]) == len(archive)
    assert b"liste.csv" not in archive
    [fichier] = ouvrir_archive(archive, "Mot-de-passe-fictif-1")
    assert fichier.octets == b"id;nom\n1;FICTIF\n"
    with pytest.raises(ArchiveIllisible):
        ouvrir_archive(archive, "Autre-mot-de-passe-1")
