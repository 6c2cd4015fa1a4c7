"""Installation des tables et des déclencheurs, idempotente, appelable depuis une migration Alembic.

Les déclencheurs font de la base elle-même la gardienne de l'ajout seul :
- aucune entrée, aucun point de contrôle, aucune purge ne peut être modifié ;
- une entrée ne peut être supprimée que si son segment mensuel figure dans ``audit_purge`` ;
- une purge n'est acceptée que pour le plus ancien segment restant, vieux de plus de
  ``RETENTION_MIN_MOIS`` mois selon l'horloge de la base, bornes exactes, et dont la dernière
  entrée est attestée par un point de contrôle signé ;
- le compteur d'écritures (``audit_verrou``) ne recule jamais, n'avance que d'un à la fois, et sa
  ligne ne peut pas être supprimée.
Un attaquant qui supprime d'abord les déclencheurs peut tout réécrire : c'est la vérification
(chaîne + points de contrôle signés) qui le révèle.
"""

# Le DDL n'interpole que des constantes de ce module, jamais une donnée : pas d'injection possible.
# ruff: noqa: S608

from __future__ import annotations

import sqlalchemy as sa

from audit.tables import journal, metadata, purges, verrou

RETENTION_MIN_MOIS = 6
RETENTION_MAX_MOIS = 36

_SANS_MODIFICATION = "journal d''audit : modification ou suppression interdite (ajout seul)"
_SUPPRESSION = "journal d''audit : suppression interdite hors purge d''un segment expiré"
_PURGE_RECENTE = f"purge refusée : segment de moins de {RETENTION_MIN_MOIS} mois"
_PURGE_ORDRE = "purge refusée : un segment plus ancien reste à purger d''abord"
_PURGE_BORNES = "purge refusée : bornes du segment inexactes"
_PURGE_NON_ATTESTEE = "purge refusée : dernière entrée du segment sans point de contrôle signé"
_COMPTEUR = "journal d''audit : le compteur d''écritures ne recule pas et ne se supprime pas"

_TABLES_PROTEGEES = ("audit_journal", "audit_point_de_controle", "audit_purge")


def _sqlite() -> list[str]:
    instructions: list[str] = []
    for table in _TABLES_PROTEGEES:
        instructions += [
            f"DROP TRIGGER IF EXISTS {table}_sans_modification",
            f"CREATE TRIGGER {table}_sans_modification BEFORE UPDATE ON {table} "
            f"BEGIN SELECT RAISE(ABORT, '{_SANS_MODIFICATION}'); END",
        ]
    for table in ("audit_point_de_controle", "audit_purge"):
        instructions += [
            f"DROP TRIGGER IF EXISTS {table}_sans_suppression",
            f"CREATE TRIGGER {table}_sans_suppression BEFORE DELETE ON {table} "
            f"BEGIN SELECT RAISE(ABORT, '{_SANS_MODIFICATION}'); END",
        ]
    instructions += [
        "DROP TRIGGER IF EXISTS audit_journal_suppression",
        "CREATE TRIGGER audit_journal_suppression BEFORE DELETE ON audit_journal "
        "WHEN NOT EXISTS (SELECT 1 FROM audit_purge WHERE segment = OLD.segment) "
        f"BEGIN SELECT RAISE(ABORT, '{_SUPPRESSION}'); END",
        "DROP TRIGGER IF EXISTS audit_verrou_compteur",
        "CREATE TRIGGER audit_verrou_compteur BEFORE UPDATE ON audit_verrou WHEN NEW.id IS NOT OLD.id "
        "OR NEW.ecritures < OLD.ecritures OR NEW.ecritures > OLD.ecritures + 1 "
        f"BEGIN SELECT RAISE(ABORT, '{_COMPTEUR}'); END",
        "DROP TRIGGER IF EXISTS audit_verrou_sans_suppression",
        "CREATE TRIGGER audit_verrou_sans_suppression BEFORE DELETE ON audit_verrou "
        f"BEGIN SELECT RAISE(ABORT, '{_COMPTEUR}'); END",
        "DROP TRIGGER IF EXISTS audit_purge_controlee",
        f"""CREATE TRIGGER audit_purge_controlee BEFORE INSERT ON audit_purge BEGIN
            SELECT RAISE(ABORT, '{_PURGE_RECENTE}') WHERE NEW.segment >=
                strftime('%Y-%m', 'now', 'start of month', '-{RETENTION_MIN_MOIS} months');
            SELECT RAISE(ABORT, '{_PURGE_ORDRE}')
                WHERE EXISTS (SELECT 1 FROM audit_journal WHERE segment < NEW.segment);
            SELECT RAISE(ABORT, '{_PURGE_BORNES}') WHERE
                NEW.derniere_sequence IS NOT (SELECT max(sequence) FROM audit_journal
                                              WHERE segment = NEW.segment)
                OR NEW.premiere_sequence IS NOT (SELECT min(sequence) FROM audit_journal
                                                 WHERE segment = NEW.segment)
                OR NEW.entrees IS NOT (SELECT count(*) FROM audit_journal WHERE segment = NEW.segment);
            SELECT RAISE(ABORT, '{_PURGE_NON_ATTESTEE}') WHERE NOT EXISTS (
                SELECT 1 FROM audit_journal j JOIN audit_point_de_controle p
                    ON p.taille = j.sequence AND p.tete = j.hachage
                WHERE j.sequence = NEW.derniere_sequence AND j.hachage = NEW.tete);
        END""",
    ]
    return instructions


def _postgresql() -> list[str]:
    instructions = [
        f"""CREATE OR REPLACE FUNCTION audit_refuser() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            RAISE EXCEPTION USING MESSAGE = '{_SANS_MODIFICATION}', ERRCODE = 'insufficient_privilege';
        END $$""",
        f"""CREATE OR REPLACE FUNCTION audit_journal_suppression() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            IF NOT EXISTS (SELECT 1 FROM audit_purge WHERE segment = OLD.segment) THEN
                RAISE EXCEPTION USING MESSAGE = '{_SUPPRESSION}', ERRCODE = 'insufficient_privilege';
            END IF;
            RETURN OLD;
        END $$""",
        f"""CREATE OR REPLACE FUNCTION audit_verrou_compteur() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            IF NEW.id IS DISTINCT FROM OLD.id OR NEW.ecritures < OLD.ecritures
               OR NEW.ecritures > OLD.ecritures + 1 THEN
                RAISE EXCEPTION USING MESSAGE = '{_COMPTEUR}', ERRCODE = 'insufficient_privilege';
            END IF;
            RETURN NEW;
        END $$""",
        f"""CREATE OR REPLACE FUNCTION audit_purge_controlee() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            IF NEW.segment >= to_char(date_trunc('month', now() AT TIME ZONE 'UTC')
                                      - interval '{RETENTION_MIN_MOIS} months', 'YYYY-MM') THEN
                RAISE EXCEPTION USING MESSAGE = '{_PURGE_RECENTE}', ERRCODE = 'insufficient_privilege';
            END IF;
            IF EXISTS (SELECT 1 FROM audit_journal WHERE segment < NEW.segment) THEN
                RAISE EXCEPTION USING MESSAGE = '{_PURGE_ORDRE}', ERRCODE = 'insufficient_privilege';
            END IF;
            IF NEW.derniere_sequence IS DISTINCT FROM
                   (SELECT max(sequence) FROM audit_journal WHERE segment = NEW.segment)
               OR NEW.premiere_sequence IS DISTINCT FROM
                   (SELECT min(sequence) FROM audit_journal WHERE segment = NEW.segment)
               OR NEW.entrees IS DISTINCT FROM
                   (SELECT count(*) FROM audit_journal WHERE segment = NEW.segment) THEN
                RAISE EXCEPTION USING MESSAGE = '{_PURGE_BORNES}', ERRCODE = 'insufficient_privilege';
            END IF;
            IF NOT EXISTS (SELECT 1 FROM audit_journal j JOIN audit_point_de_controle p
                               ON p.taille = j.sequence AND p.tete = j.hachage
                           WHERE j.sequence = NEW.derniere_sequence AND j.hachage = NEW.tete) THEN
                RAISE EXCEPTION USING MESSAGE = '{_PURGE_NON_ATTESTEE}', ERRCODE = 'insufficient_privilege';
            END IF;
            RETURN NEW;
        END $$""",
    ]
    for table in _TABLES_PROTEGEES:
        suppression = "audit_journal_suppression" if table == "audit_journal" else "audit_refuser"
        instructions += [
            f"DROP TRIGGER IF EXISTS {table}_sans_modification ON {table}",
            f"CREATE TRIGGER {table}_sans_modification BEFORE UPDATE ON {table} "
            "FOR EACH ROW EXECUTE FUNCTION audit_refuser()",
            f"DROP TRIGGER IF EXISTS {table}_suppression ON {table}",
            f"CREATE TRIGGER {table}_suppression BEFORE DELETE ON {table} "
            f"FOR EACH ROW EXECUTE FUNCTION {suppression}()",
            # TRUNCATE ne déclenche pas les déclencheurs de ligne : il faut le refuser à part.
            f"DROP TRIGGER IF EXISTS {table}_sans_troncature ON {table}",
            f"CREATE TRIGGER {table}_sans_troncature BEFORE TRUNCATE ON {table} "
            "FOR EACH STATEMENT EXECUTE FUNCTION audit_refuser()",
        ]
    instructions += [
        "DROP TRIGGER IF EXISTS audit_verrou_compteur ON audit_verrou",
        "CREATE TRIGGER audit_verrou_compteur BEFORE UPDATE ON audit_verrou "
        "FOR EACH ROW EXECUTE FUNCTION audit_verrou_compteur()",
        "DROP TRIGGER IF EXISTS audit_verrou_suppression ON audit_verrou",
        "CREATE TRIGGER audit_verrou_suppression BEFORE DELETE ON audit_verrou "
        "FOR EACH ROW EXECUTE FUNCTION audit_refuser()",
        "DROP TRIGGER IF EXISTS audit_verrou_sans_troncature ON audit_verrou",
        "CREATE TRIGGER audit_verrou_sans_troncature BEFORE TRUNCATE ON audit_verrou "
        "FOR EACH STATEMENT EXECUTE FUNCTION audit_refuser()",
        "DROP TRIGGER IF EXISTS audit_purge_controlee ON audit_purge",
        "CREATE TRIGGER audit_purge_controlee BEFORE INSERT ON audit_purge "
        "FOR EACH ROW EXECUTE FUNCTION audit_purge_controlee()",
    ]
    return instructions


def _declencheurs(connexion: sa.Connection) -> list[str]:
    dialecte = connexion.dialect.name
    if dialecte == "sqlite":
        return _sqlite()
    if dialecte == "postgresql":
        return _postgresql()
    raise ValueError(
        f"Base « {dialecte} » non prise en charge par le journal d'audit : SQLite ou PostgreSQL."
    )


def installer(connexion: sa.Connection) -> None:
    """Crée (ou complète) les tables du journal et (ré)installe ses déclencheurs.

    Idempotente ; s'exécute dans la transaction de ``connexion`` (``op.get_bind()`` dans Alembic).
    """
    instructions = _declencheurs(connexion)
    metadata.create_all(connexion, checkfirst=True)
    for instruction in instructions:
        connexion.exec_driver_sql(instruction)
    if connexion.execute(sa.select(verrou.c.id).where(verrou.c.id == 1)).first() is None:
        connexion.execute(sa.insert(verrou).values(id=1, ecritures=0))


def recaler_compteur(connexion: sa.Connection) -> None:
    """Aligne le compteur d'écritures sur le numéro de la dernière entrée (ou de la dernière purge).

    Pour une base écrite avant que le compteur ne compte que les entrées (il comptait aussi les
    points de contrôle) : à lancer une fois, puis ``installer``, qui remet le déclencheur retiré
    ici (il empêche le compteur de reculer). L'état du journal à ce moment-là est pris pour point
    de départ.
    """
    sur_table = " ON audit_verrou" if connexion.dialect.name == "postgresql" else ""
    connexion.exec_driver_sql(f"DROP TRIGGER IF EXISTS audit_verrou_compteur{sur_table}")
    derniere = connexion.execute(sa.select(sa.func.max(journal.c.sequence))).scalar()
    if derniere is None:
        derniere = connexion.execute(sa.select(sa.func.max(purges.c.derniere_sequence))).scalar()
    connexion.execute(sa.update(verrou).where(verrou.c.id == 1).values(ecritures=int(derniere or 0)))


def desinstaller(connexion: sa.Connection) -> None:
    """Retire tables et déclencheurs (retour arrière d'une migration) : le journal est perdu."""
    if connexion.dialect.name == "postgresql":
        for table in _TABLES_PROTEGEES:
            connexion.exec_driver_sql(f"DROP TABLE IF EXISTS {table} CASCADE")
        connexion.exec_driver_sql("DROP TABLE IF EXISTS audit_verrou CASCADE")
        for fonction in (
            "audit_refuser",
            "audit_journal_suppression",
            "audit_purge_controlee",
            "audit_verrou_compteur",
        ):
            connexion.exec_driver_sql(f"DROP FUNCTION IF EXISTS {fonction}()")
    metadata.drop_all(connexion, checkfirst=True)


def est_installe(connexion: sa.Connection) -> bool:
    """Vrai si les tables du journal existent dans la base de ``connexion``."""
    inspection = sa.inspect(connexion)
    return all(inspection.has_table(table.name) for table in metadata.sorted_tables)
