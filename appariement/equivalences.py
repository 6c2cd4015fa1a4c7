"""Variantes de translittération d'un même prénom (ou nom), ramenées à une forme canonique.

Chaque ligne : forme canonique, puis ses variantes, toutes déjà normalisées (majuscules sans accent).
La clé phonétique rapproche déjà beaucoup de graphies ; cette table couvre celles qu'elle ne
rapproche pas (voyelles différentes, lettres ajoutées).
"""

from __future__ import annotations

_VARIANTES: tuple[tuple[str, ...], ...] = (
    (
        "MOHAMED",
        "MOHAMMED",
        "MOHAMMAD",
        "MOHAMAD",
        "MUHAMMAD",
        "MUHAMMED",
        "MUHAMED",
        "MOUHAMED",
        "MOUHAMMED",
        "MOUHAMMAD",
        "MOHAMET",
        "MOHAMMET",
        "MAHAMAT",
        "MOHAMEDE",
    ),
    ("AICHA", "AISHA", "AYCHA", "AYSHA", "AICHATOU"),
    ("YOUSSEF", "YOUCEF", "YOUSEF", "YUSUF", "YOUSSOUF", "YOUSOUF", "YOUSSOUFA", "YUSSUF", "JUSSUF"),
    ("FATIMA", "FATMA", "FATEMA", "FATIMAH"),
    ("FATOUMATA", "FATOUMA", "FATOUMATOU", "FATIMATA", "FATIMATOU"),
    ("ZEINAB", "ZINEB", "ZAINAB", "ZEYNAB", "ZAYNAB", "ZINAB"),
    ("YOUNES", "YOUNESS", "YUNUS", "YOUNOUS", "YOUNESSE"),
    ("DJENEBA", "DIENEBA", "DJENABOU", "DJENEBOU"),
    ("HANIFA", "ANIFA", "HANIFFA"),
    ("KHADIJA", "KHADIDJA", "KADIJA", "KADIDJA", "KHADIDIA", "KHADIDJAH"),
    ("ABDELKADER", "ABDELKADIR", "ABDELQADER", "ABDELKHADER"),
    ("ABDERRAHMANE", "ABDERRAHMAN", "ABDERAHMANE", "ABDERRAMANE", "ABDERAHMAN", "ABDOURAHMANE"),
    ("BRAHIM", "IBRAHIM", "EBRAHIM", "IBRAHEEM"),
    ("ISMAEL", "ISMAIL", "ISMAHEL", "ISMAILA", "SMAIL"),
    ("SOULEYMANE", "SOULEIMANE", "SULEYMAN", "SOULEMANE", "SOLEYMANE", "SULEIMAN", "SLIMANE"),
    ("OUSMANE", "OUSMAN", "USMAN", "OSMANE", "OTHMANE", "OTMANE", "OSMAN", "OUTHMANE"),
    ("AMINATA", "AMINATOU", "AMINETOU"),
    ("MARIAM", "MARYAM", "MERIEM", "MERYEM", "MARIEM", "MARYEM", "MIRIAM", "MYRIAM"),
    ("YASMINE", "YASMIN", "YASMINA", "JASMINE"),
    ("ILYES", "ILIES", "ILYAS", "ILIAS", "ILYASS", "ILIASS", "ELYAS", "ELIAS"),
    ("RAYAN", "RAYANE", "RAYANN", "RAYEN", "RAIANE"),
    ("SOFIANE", "SOUFIANE", "SOFIAN", "SOUFYANE", "SOFYANE", "SUFIAN"),
    ("ZAKARIA", "ZAKARIYA", "ZAKARYA", "ZACHARIA", "ZAKARIYYA", "ZAKARIAE"),
    ("MEHDI", "MAHDI", "MEHDY"),
    ("WALID", "OUALID", "WALLID"),
    ("HOUSSEM", "HOUSSAM", "HOSSAM", "HUSSAM"),
    ("HOUSSINE", "HUSSEIN", "HOUSSEIN", "HUSEYIN", "HOCINE"),
    ("HASSAN", "HASAN", "HACENE"),
    ("NOUR", "NOOR", "NUR"),
    ("SAMI", "SAMY"),
    ("AMIR", "EMIR"),
    ("SALMA", "SELMA"),
    ("LEILA", "LEYLA", "LAILA", "LAYLA", "LEILLA"),
    ("NADIA", "NADJA"),
    ("KARIM", "KARIME", "KERIM"),
    ("YANIS", "YANNIS", "IANIS", "YANNICE"),
    ("ADAM", "ADEM", "ADAME"),
    ("ABDALLAH", "ABDELLAH", "ABDULLAH", "ABDOULAYE", "ABDULAYE"),
    ("MAMADOU", "MAMADU", "MAMMADOU"),
    ("MOUSSA", "MUSA", "MOUSA"),
    ("AHMED", "AHMAD", "AHMET"),
    ("MUSTAPHA", "MUSTAFA", "MOUSTAPHA", "MOUSTAFA"),
    ("CHAIMA", "CHAYMA", "SHAIMA", "CHAIMAA"),
    ("INES", "INESS", "YNES"),
)

CANONIQUE: dict[str, str] = {
    variante: groupe[0] for groupe in _VARIANTES for variante in groupe[1:] if variante != groupe[0]
}
