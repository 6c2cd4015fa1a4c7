"""Conventions de partage : chargement, validation, usage, et lecture d'un fichier sous convention."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from conventions import (
    PROFILS_INTEGRES,
    Convention,
    ConventionInvalide,
    Profil,
    ProfilInconnu,
    UsageRefuse,
    charger_convention,
    charger_profil,
    lire,
    profil_integre,
)
from tests.conventions.fabrique import AUJOURD_HUI, ENTETES_ONDE, csv_caf, csv_texte, lignes_onde

EXEMPLES = Path(__file__).resolve().parents[2] / "docs" / "exemples"

CONVENTION_CAF = """
identifiant = "caf-test"
titre = "Liste des enfants allocataires"
partenaire = "CAF fictive"
source = "caf"
communes = ["59350", "59009"]
date_signature = 2025-06-01
debut = 2025-09-01
fin = 2026-08-31
signataires = ["Le maire", "La directrice de la CAF"]
finalite = "Contrôle de l'obligation d'instruction"
conservation = "Jusqu'au 31 août de l'année des 16 ans"
champs_autorises = ["nom", "prenoms", "date_naissance", "sexe", "nom_allocataire"]
profil = "caf"
"""


def _convention(**remplacements: str) -> Convention:
    texte = CONVENTION_CAF
    for cle, valeur in remplacements.items():
        lignes = [ligne for ligne in texte.splitlines() if not ligne.startswith(f"{cle} =")]
        texte = "\n".join([*lignes, f"{cle} = {valeur}"])
    return charger_convention(texte)


@pytest.mark.parametrize("nom", PROFILS_INTEGRES)
def test_chaque_profil_integre_se_charge_et_survit_a_un_aller_retour_json(nom: str) -> None:
    profil = profil_integre(nom)
    assert profil.nom == nom
    assert Profil.model_validate_json(profil.model_dump_json()) == profil


def test_un_profil_inconnu_est_signale_avec_la_liste_des_profils() -> None:
    with pytest.raises(ProfilInconnu, match="pivot-familles"):
        profil_integre("cafe")


def test_une_convention_se_charge_et_survit_a_un_aller_retour_json() -> None:
    convention = _convention()
    assert convention.profil == profil_integre("caf")
    assert convention.archive_non_chiffree_autorisee is False
    assert Convention.model_validate_json(convention.model_dump_json()) == convention


@pytest.mark.parametrize("exemple", sorted(p.name for p in EXEMPLES.glob("*.toml")))
def test_les_exemples_de_la_documentation_sont_des_conventions_valides(exemple: str) -> None:
    convention = charger_convention((EXEMPLES / exemple).read_text(encoding="utf-8"))
    assert convention.communes


def test_un_profil_derive_d_un_profil_integre_garde_ce_qu_il_ne_remplace_pas() -> None:
    convention = charger_convention((EXEMPLES / "caf-nord.toml").read_text(encoding="utf-8"))
    assert convention.profil.nom == "caf-nord"
    assert convention.profil.separateur == ";"
    assert convention.profil.id_par_ligne is True
    assert convention.profil.colonnes["Numéro enfant"] == "id"


@pytest.mark.parametrize(
    ("texte", "indice"),
    [
        ("identifiant = [", "pas un TOML valide"),
        (CONVENTION_CAF.replace('partenaire = "CAF fictive"\n', ""), "partenaire : champ obligatoire absent"),
        (CONVENTION_CAF + "\ncouleur = 'bleu'\n", "couleur : champ inconnu"),
        (CONVENTION_CAF.replace('source = "caf"', 'source = "impots"'), "source : valeur non permise"),
        (CONVENTION_CAF.replace("fin = 2026-08-31", "fin = 2025-01-01"), "début de validité est après"),
        (CONVENTION_CAF.replace('"59009"', '"Lille"'), "codes INSEE invalides : Lille"),
        (CONVENTION_CAF.replace('profil = "caf"', 'profil = "inconnu"'), "Profil « inconnu » inconnu"),
        (CONVENTION_CAF.replace('"sexe", ', ""), "exige les champs sexe"),
        (CONVENTION_CAF.replace('"nom_allocataire"', '"nir"'), "champs_autorises inconnus : nir"),
        (CONVENTION_CAF.replace('source = "caf"', 'source = "onde"'), "se lit en table inscrits"),
        (CONVENTION_CAF.replace("debut = 2025-09-01", 'debut = "bientôt"'), "debut : date attendue"),
    ],
)
def test_une_convention_mal_ecrite_est_refusee_avec_un_message_francais(texte: str, indice: str) -> None:
    with pytest.raises(ConventionInvalide) as erreur:
        charger_convention(texte)
    assert indice in str(erreur.value)


def test_une_convention_ne_sert_que_pour_ses_communes_et_ses_dates() -> None:
    convention = _convention()

    convention.verifier_usage("59350", date(2025, 9, 1))
    convention.verifier_usage("59009", date(2026, 8, 31))
    with pytest.raises(UsageRefuse, match="ne couvre pas la commune 59512"):
        convention.verifier_usage("59512", date(2025, 10, 1))
    with pytest.raises(UsageRefuse, match="ne prend effet que le 01/09/2025"):
        convention.verifier_usage("59350", date(2025, 8, 31))
    with pytest.raises(UsageRefuse, match="a pris fin le 31/08/2026"):
        convention.verifier_usage("59350", date(2026, 9, 1))


def test_un_fichier_lu_sous_une_convention_expiree_ou_hors_commune_est_refuse() -> None:
    convention = _convention(
        champs_autorises='["nom", "prenoms", "date_naissance", "sexe", "nom_allocataire", "adresse"]'
    )
    octets = csv_caf().encode()

    valable = lire(octets, convention, aujourd_hui=AUJOURD_HUI, commune="59350")
    expiree = lire(octets, convention, aujourd_hui=date(2027, 1, 1))
    ailleurs = lire(octets, convention, aujourd_hui=AUJOURD_HUI, commune="75056")

    assert valable.accepte, valable.rapport.refus
    assert "a pris fin" in (expiree.rapport.refus or "")
    assert "ne couvre pas la commune 75056" in (ailleurs.rapport.refus or "")
    assert expiree.table.height == ailleurs.table.height == 0


def test_une_colonne_que_la_convention_n_autorise_pas_refuse_le_fichier() -> None:
    lecture = lire(csv_caf().encode(), _convention(), aujourd_hui=AUJOURD_HUI)
    refus = lecture.rapport.refus or ""
    assert "« Adresse »" in refus
    assert "convention « caf-test »" in refus


def test_une_liste_ief_prend_son_mode_de_la_convention() -> None:
    convention = charger_convention((EXEMPLES / "ief.toml").read_text(encoding="utf-8"))
    texte = csv_texte(["Nom", "Prénoms", "Date de naissance", "Sexe"], [["A", "Un", "14/03/2015", "M"]])

    lecture = lire(texte.encode(), convention, aujourd_hui=AUJOURD_HUI)

    assert lecture.table.get_column("mode").to_list() == ["ief"]


PROFIL_MINIMAL = """
nom = "essai"
table = "familles"
id_par_ligne = true
[colonnes]
"Nom" = "nom"
"Prénoms" = "prenoms"
"Naissance" = "date_naissance"
"Sexe" = "sexe"
"""


@pytest.mark.parametrize(
    ("remplacement", "indice"),
    [
        (('"Sexe" = "sexe"', '"Sexe" = "sexe"\n"SEXE " = "sexe"'), "se confondent"),
        (('"Sexe" = "sexe"', '"Sexe" = "sexe"\n"--" = "commune"'), "est vide"),
        (('"Sexe" = "sexe"', '"Sexe" = "sexe"\n"NIR" = "nir"'), "colonnes canoniques inconnues"),
        (('"Sexe" = "sexe"', ""), "colonnes obligatoires : sexe"),
        (("id_par_ligne = true", 'id_par_ligne = true\nseparateur = "|"'), "séparateur"),
        (("id_par_ligne = true", 'id_par_ligne = true\nencodages = ["ebcdic-martien"]'), "encodage inconnu"),
        (
            ("id_par_ligne = true", 'id_par_ligne = true\nformats_date = ["%d/%m"]'),
            "doit contenir %d, %m et %Y",
        ),
        (("id_par_ligne = true", 'id_par_ligne = true\nmode = "ecole"'), "table d'inscrits"),
        (("id_par_ligne = true", "id_par_ligne = true\nseuil_rejets = 2"), "nombre trop grand"),
    ],
)
def test_un_profil_incoherent_est_refuse_avec_un_message_francais(
    remplacement: tuple[str, str], indice: str
) -> None:
    with pytest.raises(ConventionInvalide) as erreur:
        charger_profil(PROFIL_MINIMAL.replace(*remplacement))
    assert indice in str(erreur.value)


def test_un_profil_minimal_se_charge() -> None:
    profil = charger_profil(PROFIL_MINIMAL)
    assert profil.obligatoires == ("nom", "prenoms", "date_naissance", "sexe")
    assert profil.separateur is None


def test_un_export_onde_est_lu_sans_ses_adresses_sous_une_convention_qui_ne_les_autorise_pas() -> None:
    # ONDE exporte toujours l'adresse : la refuser rendrait la convention inutilisable. Elle n'est
    # simplement pas lue, et le rapport le dit.
    texte = (EXEMPLES / "onde.toml").read_text(encoding="utf-8")
    sans_adresse = charger_convention(
        texte.replace(', "adresse", "code_postal", "commune"]', "]").replace(
            "dsden59-onde-2025", "onde-sans-adresse"
        )
    )
    octets = csv_texte(ENTETES_ONDE, lignes_onde()).encode()

    avec = lire(octets, charger_convention(texte), aujourd_hui=AUJOURD_HUI, commune="59350")
    sans = lire(octets, sans_adresse, aujourd_hui=AUJOURD_HUI, commune="59350")

    assert avec.accepte, avec.rapport.refus
    assert avec.table.get_column("mode").unique().to_list() == ["ecole"]
    assert avec.table.get_column("commune").to_list() == ["Lille"] * 4
    assert sans.accepte, sans.rapport.refus
    assert sans.table.height == 4
    for champ in ("adresse", "code_postal", "commune"):
        assert sans.table.get_column(champ).null_count() == 4
    assert {"Adresse1", "Cp1", "Commune1"} <= set(sans.rapport.colonnes_non_lues)
    assert "Adresse1" not in avec.rapport.colonnes_non_lues


def test_une_liste_caf_avec_une_colonne_hors_des_champs_autorises_reste_refusee_en_entier() -> None:
    octets = csv_caf().encode()  # porte une colonne « Adresse », que caf-test n'autorise pas

    lecture = lire(octets, _convention(), aujourd_hui=AUJOURD_HUI, commune="59350")

    assert not lecture.accepte
    assert "« Adresse »" in (lecture.rapport.refus or "")
    assert "caf-test" in (lecture.rapport.refus or "")
    assert lecture.table.height == 0
