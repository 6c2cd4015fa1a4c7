"""Point d'entrée de l'enfant : ``python -I -m service.travailleur.enfant --memoire=… --cpu=… …``.

Dans cet ordre : mettre la sortie standard à l'abri, se confiner (avant tout module lourd et avant
d'avoir lu un octet de la demande), refuser si une protection obligatoire manque, lire la demande
sur stdin, faire tourner la chaîne, écrire la réponse sur la sortie mise à l'abri.
Rien n'est écrit sur disque ; les erreurs ne portent aucune valeur lue dans les fichiers.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from typing import BinaryIO

from service.travailleur.confinement import (
    PROTECTIONS,
    EtatProtections,
    LimitesProcessus,
    confiner,
    memoire_crete,
)
from service.travailleur.protocole import SIGNATURE_REPONSE, ReponseEnfant, ecrire_message

#: Une erreur survenue au-delà de cette part du plafond de mémoire est attribuée au manque de mémoire
#: (polars et les décodeurs ne lèvent pas toujours MemoryError quand une allocation échoue).
_PART_PLAFOND = 0.9


def analyser_arguments(arguments: list[str]) -> argparse.Namespace:
    analyseur = argparse.ArgumentParser(prog="service.travailleur.enfant", add_help=False)
    analyseur.add_argument("--memoire", type=int, required=True)
    analyseur.add_argument("--cpu", type=int, required=True)
    analyseur.add_argument("--fichiers", type=int, required=True)
    analyseur.add_argument("--obligatoires", default=",".join(PROTECTIONS))
    analyseur.add_argument("--parent", type=int, default=None)
    return analyseur.parse_args(arguments)


def proteger_sortie() -> BinaryIO:
    """Garde pour la réponse un double privé de stdout, et renvoie le descripteur 1 vers stderr.

    Ainsi un avertissement imprimé par une bibliothèque ne peut pas corrompre la réponse.
    """
    sortie = os.fdopen(os.dup(1), "wb")
    os.dup2(2, 1)
    return sortie


def se_confiner(arguments: argparse.Namespace) -> tuple[EtatProtections, list[str]]:
    """Applique les protections ; rend leur état et la liste des obligatoires qui manquent."""
    etat = confiner(
        LimitesProcessus(memoire=arguments.memoire, cpu=arguments.cpu, fichiers=arguments.fichiers),
        parent=arguments.parent,
    )
    obligatoires = [nom for nom in arguments.obligatoires.split(",") if nom]
    return etat, etat.manquantes(obligatoires)


def repondre(sortie: BinaryIO, reponse: ReponseEnfant) -> None:
    sortie.write(ecrire_message(SIGNATURE_REPONSE, [reponse.model_dump_json().encode()]))
    sortie.flush()


def refus_protections(etat: EtatProtections, manquantes: list[str]) -> ReponseEnfant:
    details = "; ".join(f"{nom} : {etat.raisons.get(nom, 'inactive')}" for nom in manquantes)
    return ReponseEnfant(
        statut="refuse",
        motif=(
            f"travail refusé : protection obligatoire absente ({details}). Faites tourner le travailleur "
            "sur un noyau qui la permet, ou retirez-la de CELLULE_TRAVAILLEUR_PROTECTIONS_OBLIGATOIRES "
            "en connaissance de cause"
        ),
        protections=etat.actives,
        raisons_protections=etat.raisons,
    )


def main() -> int:
    arguments = analyser_arguments(sys.argv[1:])
    sortie = proteger_sortie()
    etat, manquantes = se_confiner(arguments)
    if manquantes:
        repondre(sortie, refus_protections(etat, manquantes))
        return 0
    try:
        debut = time.perf_counter()
        # Import tardif : polars et les décodeurs ne se chargent qu'une fois le confinement en place.
        from service.travailleur.chaine import traiter

        imports = round(time.perf_counter() - debut, 4)
        reponse = traiter(sys.stdin.buffer.read(), etat)
        reponse = reponse.model_copy(update={"durees": {"imports": imports, **reponse.durees}})
    except Exception as erreur:
        if isinstance(erreur, MemoryError) or (memoire_crete() or 0) >= _PART_PLAFOND * arguments.memoire:
            motif = "memoire"
        else:
            # Le type seul : le texte d'une exception peut citer une valeur lue dans un fichier.
            motif = f"erreur interne du travailleur ({type(erreur).__name__})"
        reponse = ReponseEnfant(statut="echec", motif=motif, protections=etat.actives)
    pic = memoire_crete()
    reponse = reponse.model_copy(update={"memoire_crete_mio": pic // (1024 * 1024) if pic else None})
    repondre(sortie, reponse)
    return 0


if __name__ == "__main__":
    sys.exit(main())
