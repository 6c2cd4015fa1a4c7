"""Réglages du moteur : seuils et paramètres, en bits (log2 du rapport de vraisemblance)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Reglages:
    """Seuils et paramètres du moteur (scores en bits : log2 du rapport de vraisemblance)."""

    seuil_apparie: float = 6.0
    # Une date approchée (pas exacte) est aussi le portrait d'un homonyme né à quelques jours ou un
    # an d'écart : il faut alors plus de preuves pour lier sans revue.
    supplement_date_approchee: float = 4.0
    # Sauf quand l'école, sans adresse, est de celles qu'on fréquente d'ordinaire depuis ce code postal
    # (poids au moins ``ecole_habituelle``) et que nom, prénom et sexe concordent : un homonyme devrait
    # alors être du même quartier, né à quelques jours d'écart ; ce supplément suffit.
    supplement_date_ecole_habituelle: float = 2.0
    ecole_habituelle: float = 1.0
    # De même pour un nom seulement proche ou différent (nom d'usage, faute… ou autre famille).
    supplement_nom_approche: float = 2.0
    # Probabilité au-dessus de laquelle la fiche pourrait être celle d'un frère, d'une sœur ou d'un jumeau
    # (``fratrie``) : jamais de lien sans revue.
    risque_fratrie: float = 0.01
    seuil_revue: float = -4.0
    marge: float = 6.0
    nb_candidats: int = 3
    part_inscrits: float = 0.98
    taille_min_estimation: int = 400
    paires_hasard: int = 200_000
    ajustement_frequence_max: float = 5.0
    # Quand l'école ne confirme pas l'adresse : l'établissement accueille-t-il d'ordinaire des enfants du
    # code postal de la famille ? Appris sur les liens sûrs du même appel, borné à ± cette valeur.
    ecole_poids_max: float = 6.0
    ecole_lissage: float = 10.0
    # En dessous de -ecole_veto bits (part du code postal au plus le quart de l'attendu), jamais de
    # lien sans revue…
    ecole_veto: float = 2.0
    # … sauf si ce veto enverrait en revue, à lui seul, plus que la part de fausses alertes admise
    # (0,3 % de la liste, et au moins ecole_veto_min enfants) d'enfants liés sans aucun autre doute :
    # dans cette commune, beaucoup d'enfants vont alors à l'école loin de chez eux (privé, options,
    # secteurs larges), et l'établissement ne pèse plus que par son poids.
    ecole_veto_part_max: float = 0.003
    ecole_veto_min: int = 20
    graine: int = 0
    # Apprentissage des retours de revue (``apprentissage``). Un motif de niveaux n'a d'avis qu'après
    # ``retours_min`` retours ; sa part de « même enfant » suit une loi bêta d'a priori
    # ``retours_a_priori`` (même, pas le même) ; confirmé si sa borne basse, au niveau de confiance
    # ``retours_confiance``, atteint ``retours_p_meme`` ; démenti si sa borne haute reste sous
    # ``retours_p_pas_meme``.
    retours_min: int = 10
    retours_a_priori: tuple[float, float] = (1.0, 1.0)
    retours_confiance: float = 0.95
    retours_p_meme: float = 0.95
    retours_p_pas_meme: float = 0.10
    # Dans l'EM, les liens confirmés ne pèsent pas plus que cette part des liens estimés (biais des
    # paires revues, voir ``modele.estimer``) ; sans EM, force de l'a priori de Dirichlet sur m.
    retours_part_em: float = 0.05
    retours_force_dirichlet: float = 200.0
