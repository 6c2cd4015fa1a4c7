"""Générateur de jeux d'essai synthétiques avec vérité terrain, pour régler et mesurer l'appariement.

Les identités sont entièrement fictives : noms et prénoms tirés de listes écrites ici avec des
poids qui imitent les fréquences réelles (quelques noms très courants, une longue traîne), adresses
dans des communes inventées (codes postaux en 99xxx, qui n'existent pas), établissements en 099.
Le jeu reproduit les difficultés réelles : fratries et jumeaux à la même adresse, enfants absents de
toute liste, élèves absents de la liste CAF, instruction déclarée, et les écarts de saisie entre la
CAF et l'école (accents, particules, noms composés, translittérations, fautes de frappe, dates).

Module pur : ni entrée-sortie ni journal. Même graine, mêmes paramètres : même jeu.
"""

from __future__ import annotations

import random
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import cache
from typing import Any

import numpy as np
import numpy.typing as npt
import polars as pl

from appariement.age import debut_obligation, est_soumis

__all__ = ["JeuSynthetique", "Taux", "generer"]

Entiers = npt.NDArray[np.int64]

# --- Listes de noms : ordonnées du plus au moins fréquent ; « A|B » = variantes d'écriture. ---

# fmt: off
NOMS: dict[str, tuple[str, ...]] = {
    "france": (
        "MARTIN", "BERNARD", "THOMAS", "PETIT", "ROBERT", "RICHARD", "DURAND", "DUBOIS", "MOREAU",
        "LAURENT", "SIMON", "MICHEL", "LEFEBVRE", "LEROY", "ROUX", "DAVID", "BERTRAND", "MOREL",
        "FOURNIER", "GIRARD", "BONNET", "DUPONT", "LAMBERT", "FONTAINE", "ROUSSEAU", "VINCENT", "MULLER",
        "LEFÈVRE", "FAURE", "ANDRÉ", "MERCIER", "BLANC", "GUÉRIN", "BOYER", "GARNIER", "CHEVALIER",
        "FRANÇOIS", "LEGRAND", "GAUTHIER", "PERRIN", "ROBIN", "CLÉMENT", "MORIN", "NICOLAS", "HENRY",
        "ROUSSEL", "MATHIEU", "GAUTIER", "MASSON", "MARCHAND", "DUVAL", "DENIS", "DUMONT", "MARIE",
        "LEMAIRE", "NOËL", "MEYER", "DUFOUR", "MEUNIER", "BRUN", "BLANCHARD", "GIRAUD", "JOLY", "RIVIÈRE",
        "LUCAS", "BRUNET", "GAILLARD", "BARBIER", "ARNAUD", "GÉRARD", "ROCHE", "RENARD", "SCHMITT", "ROY",
        "LEROUX", "COLIN", "VIDAL", "CARON", "PICARD", "ROGER", "FABRE", "AUBERT", "LEMOINE", "RENAUD",
        "DUMAS", "LACROIX", "OLIVIER", "PHILIPPE", "BOURGEOIS", "PIERRE", "BENOÎT", "REY", "LECLERC",
        "PAYET", "ROLLAND", "LECLERCQ", "GUILLAUME", "LECOMTE", "JEAN", "DUPUY", "GUILLOT", "HUBERT",
        "BERGER", "CARPENTIER", "DUPUIS", "MOULIN", "LOUIS", "DESCHAMPS", "HUET", "VASSEUR", "BOUCHER",
        "FLEURY", "ROYER", "KLEIN", "JACQUET", "ADAM", "PARIS", "POIRIER", "MARTY", "AUBRY", "GUYOT",
        "CARRÉ", "CHARLES", "RENAULT", "CHARPENTIER", "MÉNARD", "MAILLARD", "BARON", "BERTIN", "BAILLY",
        "HERVÉ", "SCHNEIDER", "LE GALL", "COLLET", "LÉGER", "BOUVIER", "JULIEN", "PRÉVOST", "MILLET",
        "PERROT", "DANIEL", "LE ROUX", "COUSIN", "GERMAIN", "BRETON", "BESSON", "LANGLOIS", "RÉMY",
        "LE GOFF", "PELLETIER", "LÉVÊQUE", "PERRIER", "LEBLANC", "BARRÉ", "LEBRUN", "MARCHAL", "WEBER",
        "MALLET", "HAMON", "BOULANGER", "JACOB", "MONNIER", "MICHAUD", "GUICHARD", "GILLET", "ÉTIENNE",
        "GRONDIN", "POULAIN", "TESSIER", "CHEVALLIER", "COLLIN", "CHAUVIN", "BOUCHET", "GAY", "LEMAÎTRE",
        "BÉNARD", "MARÉCHAL", "HUMBERT", "REYNAUD", "ANTOINE", "HOARAU", "PERRET", "BARTHÉLEMY", "CORDIER",
        "PICHON", "LEJEUNE", "GILBERT", "LAMY", "DELAUNAY", "PASQUIER", "CARLIER", "LAPORTE",
        "DE LA FONTAINE", "DU PONT", "LE BRIS", "DE SAINT-JEAN", "D'ARGENT", "LE MOAL", "DELMAS",
        "DE LA CROIX", "SAINT-MARTIN",
    ),
    "maghreb": (
        "BENALI|BEN ALI", "HADDAD", "BRAHIMI", "BENAMAR|BEN AMAR", "BOUZID", "MEZIANE", "CHÉRIF|CHERIFF",
        "BELKACEM", "AMRANI|EL AMRANI", "SAIDI|SAÏDI", "HAMIDI", "MANSOURI", "BOUAZIZ", "KHELIFI",
        "AIT ALI|AÏT ALI", "BENSAID|BEN SAID", "BELHADJ|BEL HADJ", "MESSAOUDI", "ZIANI", "TOUATI",
        "AIT AHMED", "EL IDRISSI|IDRISSI", "BENMOUSSA|BEN MOUSSA", "LAHLOU", "OUALI", "RAHMANI", "SLIMANI",
        "TAHRI", "KACI", "BENHAMOU", "ABDELLI", "NACERI", "BOUALEM", "FERHAT", "AZZOUZ", "CHAOUI",
        "BOUKHARI|BOUKHARY", "HAMDI", "BENYAHIA|BEN YAHIA", "GUERFI", "DJABALLAH", "BOUDJEMAA|BOUDJEMA",
        "EL MANSOURI", "AMMAR", "LAZREG", "MEDJAHED", "BOUCHAREB",
    ),
    "afrique_ouest": (
        "DIALLO", "TRAORÉ", "KONÉ", "DIOP", "COULIBALY|KOULIBALY", "CISSÉ|SISSE", "SYLLA", "CAMARA",
        "DIARRA", "KEITA|KEÏTA", "TOURÉ", "SOW", "NDIAYE|N'DIAYE", "FOFANA", "SANOGO", "KANTÉ", "DIAKITÉ",
        "BAMBA", "DEMBÉLÉ", "DIABATÉ", "SANGARÉ", "GUEYE", "FALL", "SECK", "SARR", "BA", "FAYE",
        "MBAYE|M'BAYE", "DIOUF", "KOUYATÉ", "SISSOKO", "DOUMBIA", "YAO", "KOUASSI", "KOFFI", "KONATÉ",
        "SAKO", "TANDIA", "DIAWARA", "SIDIBÉ", "BARRY", "SOUMARÉ", "GASSAMA", "NIANG",
    ),
    "portugal": (
        "DA SILVA", "DOS SANTOS", "FERREIRA", "PEREIRA", "RODRIGUES", "FERNANDES", "GONÇALVES", "GOMES",
        "LOPES", "MARQUES", "ALVES", "DE ALMEIDA|ALMEIDA", "RIBEIRO", "PINTO", "CARVALHO", "TEIXEIRA",
        "MOREIRA", "CORREIA", "MENDES", "SOARES", "VIEIRA", "MONTEIRO", "CARDOSO", "DE OLIVEIRA|OLIVEIRA",
        "DA COSTA|COSTA", "DE SOUSA|SOUSA", "MARTINS", "FONSECA", "MACHADO", "AZEVEDO", "NUNES",
        "DA SILVA PEREIRA", "DOS SANTOS FERREIRA", "D'ALMEIDA",
    ),
    "turquie": (
        "YILMAZ", "KAYA", "DEMIR", "ŞAHIN|SAHIN|CHAHINE", "ÇELIK|CELIK|TCHELIK", "YILDIZ", "YILDIRIM",
        "ÖZTÜRK|OZTURK|OEZTUERK", "AYDIN", "ÖZDEMIR|OZDEMIR", "ARSLAN", "DOĞAN|DOGAN", "KILIÇ|KILIC",
        "ASLAN", "ÇETIN|CETIN", "KARA", "KOÇ|KOC", "KURT", "ÖZKAN|OZKAN", "ŞIMŞEK|SIMSEK", "POLAT",
        "KORKMAZ", "ERDOĞAN|ERDOGAN", "AKTAŞ|AKTAS", "GÜNEŞ|GUNES", "TÜRK|TURK",
    ),
    "asie": (
        "NGUYEN|NGUYỄN", "TRAN|TRẦN", "LE|LÊ", "PHAM|PHẠM", "HOANG", "HUYNH", "PHAN", "VU|VÕ", "DANG", "BUI",
        "DO|ĐỖ", "HO", "NGO", "DUONG", "LY", "TRUONG", "CHEN", "WANG", "LI", "ZHANG", "LIU", "LIN",
        "HUANG", "ZHOU", "WU", "YANG", "XU", "TRINH", "LAM", "VO", "DINH",
    ),
    "europe": (
        "GARCIA", "MARTINEZ", "LOPEZ", "SANCHEZ", "FERNANDEZ", "RODRIGUEZ", "PEREZ", "GONZALEZ", "RUSSO",
        "ROSSI", "FERRARI", "ESPOSITO", "BIANCHI", "ROMANO", "KOWALSKI", "NOWAK", "WISNIEWSKI", "POPESCU",
        "IONESCU", "MÜLLER|MULLER|MUELLER", "VAN DEN BERG", "DE JONG", "SCHMIDT", "HERNANDEZ", "JIMENEZ",
        "MORENO", "RUIZ", "ALVAREZ", "DI STEFANO", "DE LUCA",
    ),
    "comores": (
        "MOHAMED|MOHAMMED", "ALI", "SAID|SAÏD", "ABDALLAH|ABDALLA|ABDULLAH", "ATTOUMANI", "MADI",
        "SOILIHI", "AHAMADA", "YOUSSOUF", "HAMIDOU", "ABDOU", "MZE", "IBRAHIM", "ASSANI", "COMBO",
    ),
}

# Fabrique de la longue traîne : la plupart des noms réels sont rares.
_TRAINE: dict[str, tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...]]] = {
    "france": (
        (
            "BEAU", "BEL", "BON", "BOIS", "BRU", "CHA", "CHAM", "COU", "DES", "DU", "FONT", "GRAND", "LA",
            "LE", "MAL", "MONT", "PRÉ", "ROCHE", "VAL", "VER", "VIL", "BER", "CAR", "MAR", "GAR", "LAN",
            "POU", "TOU", "RI", "MOU", "FER", "BAR", "CAS", "COR", "DEL", "GIR", "LAV", "MER", "PER",
            "SAL", "TER", "VAU", "BOUR", "CHAU", "CLA", "GOU", "JAU", "LOU", "NAU", "QUÉ",
        ),
        (
            "", "RI", "LA", "MO", "VE", "DI", "NO", "GA", "TE", "BOU", "CHE", "MAR", "SO", "TI", "PA", "GUE",
            "LI", "DOU", "VIL", "BER",
        ),
        (
            "CHAMP", "MONT", "LIN", "NIER", "TEAU", "VILLE", "ARD", "AUD", "EAU", "ET", "IER", "IN", "OT",
            "ON", "AULT", "ERON", "ESSE", "ILLON", "OUX", "AS", "ÈS", "ERIE", "OIS", "ANT", "EL", "ELLE",
            "ELIN", "ARDIER", "ONNET", "ASSE", "OLLE", "AND", "ERT", "IAU", "OUD",
        ),
    ),
    "maghreb": (
        (
            "BEN", "BOU", "AIT ", "EL ", "", "", "", "BEL",
        ),
        (
            "ZID", "AMAR", "SAID", "ALI", "HADJ", "KACEM", "MERAH", "CHIKH", "TALEB", "YAHIA", "AISSA",
            "SLIMAN", "ABBES", "RAHAL", "ZIANE", "MANSOUR", "NACER", "LARBI", "HAMOU", "MOKHTAR",
            "DJEBBAR", "KHALED", "HADDOU", "MAZOUZ", "AZIZ", "TAYEB", "HAMID", "MESSAOUD", "SALAH",
            "AMRANE", "BRAHIM", "GHERBI", "KADDOUR", "MEDJDOUB", "REZKI", "SAADI", "TOUMI", "ZERROUK",
            "ACHOUR", "BELAID", "CHABANE", "DAHMAN", "DERRADJ", "FERRAH", "GUEDDA", "HAMADOU", "KHERBACH",
            "LAKHDAR", "MAMMERI", "MEZIAN", "NAIT", "OUAMAR", "RABAH", "SAHRAOU", "SELLAM", "TIGHIL",
            "YOUCEF", "ZEMMOUR", "ZOUAOU", "AMGHAR", "BOUDJEL", "CHERGU", "DJERBI", "FODIL", "GHAZAL",
            "HAMMAD", "LAIB",
        ),
        (
            "", "I", "A", "IA", "OUI", "INE", "ANE", "ENE", "AT", "OUNE",
        ),
    ),
    "turquie": (
        (
            "KARA", "AK", "ÖZ", "GÜL", "YIL", "TAŞ", "DEMIR", "ER", "KOÇ", "ŞEN", "ALTIN", "AY", "GÖK",
            "BAŞ", "TOP", "YEŞIL", "KAYA", "ÇELIK", "DOĞAN", "AKIN",
        ),
        (
            "",
        ),
        (
            "", "OĞLU", "CAN", "DAĞ", "KAN", "TAŞ", "ER", "SOY", "TÜRK", "ÇI", "ALP",
        ),
    ),
    "europe": (
        (
            "KOWAL", "NOW", "WIS", "POP", "ION", "MAR", "ROS", "BIAN", "FER", "GAL", "MOR", "VAS",
        ),
        (
            "", "AN", "ES", "IN", "OV",
        ),
        (
            "SKI", "AK", "ESCU", "ELLI", "INI", "EZ", "ICH", "OVIC", "ENKO", "ETTI",
        ),
    ),
}

PRENOMS: dict[tuple[str, str], tuple[str, ...]] = {
    ("france", "M"): (
        "Gabriel", "Léo", "Raphaël", "Louis", "Arthur", "Jules", "Adam", "Lucas", "Hugo", "Maël|Mael",
        "Noah|Noa", "Liam", "Sacha|Sasha", "Paul", "Nathan", "Ethan|Éthan", "Tom", "Théo", "Enzo", "Timéo",
        "Nolan", "Aaron|Aron", "Mathis", "Gabin", "Louka|Luka", "Evan", "Maxime", "Alexandre", "Antoine",
        "Baptiste", "Clément", "Victor", "Valentin", "Axel", "Eliott|Elliot|Eliot", "Samuel", "Martin",
        "Robin", "Lenny", "Kylian|Kilian|Killian", "Mathéo|Matteo|Mattéo", "Noé", "Isaac", "Marius",
        "Léon", "Aurélien", "Thomas", "Romain", "Julien", "Quentin", "Kevin|Kévin", "Dylan", "Florian",
        "Jean-Baptiste", "Pierre-Louis", "Benjamin", "Simon", "Augustin", "Côme", "Malo", "Tiago",
        "Yanis|Yannis", "Ilan", "Naël", "Gaspard", "Oscar", "Lyam", "Ayden", "Charly", "Ruben", "Esteban",
        "Mathys", "Corentin", "Lucien", "Milo", "Nino", "Soan", "Swann", "Ezio", "Alexis", "Anatole",
        "Achille", "Émile", "Hector", "Joseph", "Basile", "Félix", "Léandre", "Timothée", "Matthieu",
        "Damien", "Bastien", "Lilian", "Loïc", "Erwan", "Titouan", "Owen", "Adrien", "Lorenzo", "Jean",
        "Charles", "Henri", "Pierre", "Vincent", "Tristan", "Mathias", "Nicolas", "Elouan", "Jonas",
        "Abel", "Kenzo", "Maxence", "Noam", "Nathanaël", "Célestin", "Marceau", "Gaël", "Sohan", "Eden",
        "Ulysse", "Aloïs", "Gabin-Louis", "Jean-Pierre", "Louis-Marie", "Paul-Antoine", "Yann", "Rémi",
    ),
    ("france", "F"): (
        "Jade", "Louise", "Emma", "Ambre", "Alice", "Rose", "Anna", "Alba", "Romy", "Mia", "Lina|Lyna",
        "Léa", "Chloé|Chloe|Cloé", "Inès|Ines", "Julia", "Mila", "Léna", "Agathe", "Zoé|Zoe", "Camille",
        "Manon", "Sarah|Sara", "Eva", "Lou", "Clémence", "Lola", "Jeanne", "Juliette", "Charlotte",
        "Adèle", "Lucie", "Clara", "Léonie", "Margaux|Margot", "Louna|Luna", "Elena", "Capucine", "Nina",
        "Romane", "Lilou", "Anaïs|Anais", "Océane", "Maëlys|Maélys|Maelys", "Marie", "Mathilde", "Pauline",
        "Laura", "Marine", "Justine", "Lisa", "Emmy", "Iris", "Victoire", "Héloïse", "Marie-Lou",
        "Anne-Sophie", "Apolline", "Gabrielle", "Maëlle", "Noémie", "Albane", "Lya", "Elsa", "Salomé",
        "Axelle", "Célia", "Alix", "Ninon", "Lise", "Thaïs", "Constance", "Céleste", "Olivia",
        "Valentine", "Victoria", "Éléonore", "Clémentine", "Léana", "Lana", "Élise", "Émilie", "Hanna",
        "Éloïse", "Maya", "Louane", "Charline", "Diane", "Joséphine", "Blanche", "Candice", "Anaëlle",
        "Enora", "Nola", "Solène", "Inaya", "Kiara", "Lila", "Lilia", "Suzanne", "Marion", "Morgane",
        "Cassandre", "Zélie", "Ophélie", "Faustine", "Louisa", "Naomi", "Mélina", "Alicia", "Garance",
        "Mathilda", "Marie-Ange", "Anne-Laure", "Marie-Jeanne", "Lou-Ann", "Gwenaëlle", "Maïwenn",
    ),
    ("maghreb", "M"): (
        "Mohamed|Mohammed|Muhammad|Mohammad|Mohamad|Mouhamed", "Adam", "Rayan|Rayane",
        "Ilyes|Ilyas|Ilies|Elias|Ilyès", "Youssef|Youcef|Yousef|Yusuf", "Ayoub", "Ismaël|Ismail|Ismaïl",
        "Amine", "Mehdi", "Bilal", "Sofiane|Soufiane|Sofian", "Hamza", "Nassim", "Anas", "Imrane|Imran",
        "Zakaria|Zakariya|Zacharia|Zakarya", "Omar|Oumar|Umar", "Karim", "Yassine|Yacine|Yassin|Yasin",
        "Walid", "Sami", "Naïm|Naim", "Abdelkader|Abd El Kader", "Abderrahmane|Abderahmane|Abdurrahman",
        "Samy", "Idris|Idriss", "Younes|Younès|Yunus", "Malik", "Nabil", "Ibrahim", "Souleyman", "Ali",
        "Amir", "Ryad|Riyad", "Selim|Sélim", "Wassim", "Ayman|Aymane", "Issam", "Adil", "Yahya", "Haroun",
        "Marwan|Merouane", "Anis", "Farès|Fares", "Aylan", "Kaïs|Kaïss|Kais", "Nazim", "Reda|Rida", "Lounis",
        "Massinissa", "Mounir", "Taha", "Zinedine|Zineddine", "Mohamed-Amine|Mohamed Amine", "Sofiane-Ali",
    ),
    ("maghreb", "F"): (
        "Inès|Ines", "Lina|Lyna", "Sarah|Sara", "Aïcha|Aicha|Aisha|Aïsha", "Yasmine|Yasmina|Jasmine",
        "Fatima|Fatma|Fatimah", "Meryem|Meriem|Maryam|Myriam", "Nour|Noor|Nur", "Aya", "Sofia|Sofiya",
        "Khadija|Khadidja|Kadija", "Hafsa", "Salma", "Amira", "Asma", "Naïla|Naila", "Imane|Iman",
        "Houda|Huda", "Leïla|Leila|Layla|Leyla", "Malak", "Assia|Asia", "Zineb|Zeinab|Zaynab", "Rania",
        "Jinane|Djinane", "Yousra|Yusra", "Hind", "Kenza", "Nesrine|Nesrin", "Sirine|Syrine",
        "Wassila|Ouassila", "Amel", "Dounia|Dunya", "Safia", "Hiba", "Maïssa|Maissa", "Manel", "Aïda",
        "Ikram", "Sana", "Soumaya|Soumeya", "Rim|Rym", "Chaïma|Chaima", "Nada", "Hajar|Hadjer", "Lamia",
        "Farah", "Amani", "Nawel", "Selma", "Mayssa", "Ilham", "Anissa", "Camelia", "Kahina",
    ),
    ("afrique_ouest", "M"): (
        "Mamadou|Mamadu", "Moussa", "Ibrahima", "Ousmane|Usman|Ousman", "Abdoulaye", "Amadou|Ahmadou",
        "Sékou|Sekou", "Boubacar|Aboubacar|Abubakar|Aboubakar", "Souleymane|Soulaymane|Souleimane",
        "Aliou", "Cheikh|Cheick", "Modibo", "Lamine", "Demba", "Issa", "Seydou", "Yaya", "Adama",
        "Bakary|Bakari", "Siaka", "Mohamed|Mohammed|Mouhamed", "Oumar|Omar", "Samba", "Kalidou", "Daouda",
        "Fodé", "Idrissa", "Ismaïla|Ismaila", "Moustapha|Mustapha", "Salif",
    ),
    ("afrique_ouest", "F"): (
        "Aminata", "Fatoumata|Fatimata|Fatoumatou", "Mariam|Mariama|Mariame", "Aïssatou|Aissatou",
        "Kadiatou|Kadidiatou|Khadiatou", "Hawa|Awa", "Oumou", "Djénéba|Dieneba|Djeneba", "Assa", "Bintou",
        "Ramatoulaye", "Nafi", "Salimata", "Koumba", "Fanta", "Maïmouna|Maimouna", "Coumba|Koumba",
        "Binta", "Dialika", "Sira", "Awa", "Ndeye|N'Deye", "Adja", "Safiatou",
    ),
    ("portugal", "M"): (
        "João|Joao", "Tiago|Thiago", "Pedro", "Rafael", "Diogo", "Rodrigo", "Miguel", "Gonçalo|Goncalo",
        "Ricardo", "Nuno", "David", "António|Antonio", "Bruno", "Fábio|Fabio", "Tomás|Tomas", "Duarte",
        "Rúben|Ruben", "Luís|Luis",
    ),
    ("portugal", "F"): (
        "Maria", "Beatriz", "Inês|Ines", "Ana", "Mariana", "Carolina", "Lara", "Leonor", "Matilde",
        "Sofia", "Catarina", "Rita", "Joana", "Bárbara|Barbara", "Diana", "Daniela",
    ),
    ("turquie", "M"): (
        "Yusuf|Youssouf", "Emir", "Mehmet|Mehmed", "Mustafa|Moustapha", "Ahmet|Ahmed|Ahmad", "Ali", "Efe",
        "Kerem", "Berat", "Enes", "Ömer|Omer", "Eymen", "Hüseyin|Huseyin|Hussein", "Burak", "Arda", "Emre",
        "Mert", "Kaan", "Batuhan", "Hasan|Hassan",
    ),
    ("turquie", "F"): (
        "Zeynep|Zeinep", "Elif", "Ecrin", "Azra", "Merve", "Büşra|Busra|Bouchra", "Asya", "Ela", "Defne",
        "Melek", "Esra", "Hatice|Hatidje", "Ayşe|Ayse", "Nisa", "Irem", "Sude", "Yağmur|Yagmur",
    ),
    ("asie", "M"): (
        "Minh", "Anh", "Khoa", "Duc|Đức", "Huy", "Long", "Nam", "Bao|Bảo", "Quang", "Tuan|Tuấn", "Thanh",
        "Hoang", "Kevin", "Hao", "Wei", "Jun", "Lucas", "Ethan",
    ),
    ("asie", "F"): (
        "Linh", "Thao|Thảo", "Ngoc|Ngọc", "Trang", "Mai", "Huong|Hương", "Lan", "Hoa", "Vy", "Nhu", "Anh",
        "Jessica", "Emma", "Chloé|Chloe", "Mei", "Lina",
    ),
    ("europe", "M"): (
        "Mateo|Matteo|Mattéo", "Lorenzo", "Alessandro", "Hugo", "Pablo", "Alejandro", "Jakub", "Filip",
        "Luca", "Andrei", "Stefan|Stéphane", "Daniel", "Marco", "Antonio",
    ),
    ("europe", "F"): (
        "Sofia|Sophia", "Giulia", "Lucia", "Martina", "Alba", "Julia", "Maja|Maya", "Zuzanna", "Elena",
        "Ioana", "Chiara", "Valentina", "Carla", "Paula",
    ),
    ("comores", "M"): (
        "Mohamed|Mohammed|Mouhamed", "Ali", "Said|Saïd", "Ahmed|Ahmad", "Ibrahim", "Youssouf|Youssoufa",
        "Abdallah|Abdullah", "Houssein|Hussein", "Nassim", "Anli", "Faïd|Faid", "Soilihi",
    ),
    ("comores", "F"): (
        "Fatima|Fatma", "Zaïnaba|Zainaba", "Anifa|Hanifa", "Nasma", "Roukia|Rokia", "Mariama|Mariame",
        "Anlia", "Faïza|Faiza", "Saïda|Saida", "Moinaécha|Moinaecha", "Amina",
    ),
}

# Prénoms des parents (allocataires), génération des années 1975–1995.
PRENOMS_ADULTES: dict[tuple[str, str], tuple[str, ...]] = {
    ("france", "F"): (
        "Nathalie", "Sandrine", "Stéphanie", "Céline", "Aurélie", "Émilie", "Julie", "Marie", "Élodie",
        "Sophie", "Virginie", "Laetitia", "Caroline", "Audrey", "Mélanie", "Karine", "Sabrina", "Jennifer",
        "Delphine", "Claire", "Vanessa", "Amandine", "Anne", "Isabelle",
    ),
    ("france", "M"): (
        "David", "Nicolas", "Sébastien", "Julien", "Christophe", "Stéphane", "Frédéric", "Olivier",
        "Cédric", "Guillaume", "Jérôme", "Mickaël", "Anthony", "Laurent", "Thomas", "Fabien",
    ),
    ("maghreb", "F"): (
        "Fatima", "Samira", "Nadia", "Karima", "Malika", "Naïma", "Souad", "Leïla", "Nora", "Sonia",
        "Farida", "Khadija", "Yamina", "Rachida", "Nadia", "Hanane",
    ),
    ("maghreb", "M"): (
        "Mohamed", "Karim", "Rachid", "Farid", "Saïd", "Mustapha", "Ali", "Abdelkader", "Nordine",
        "Mourad", "Hakim", "Samir",
    ),
}

# Paires de prénoms de jumeaux, volontairement proches : le cas le plus piégeux.
JUMEAUX: tuple[tuple[str, str], ...] = (
    ("Louis", "Louise"), ("Léo", "Léa"), ("Lucas", "Lucie"), ("Jules", "Julia"), ("Gabriel", "Gabrielle"),
    ("Adam", "Adèle"), ("Ilyes", "Inès"), ("Yanis", "Yasmine"), ("Mathis", "Mathilde"), ("Adam", "Aya"),
    ("Ethan", "Evan"), ("Nathan", "Noah"), ("Lina", "Léna"), ("Emma", "Eva"), ("Léna", "Léa"),
    ("Maëlys", "Maëlle"), ("Rayan", "Rania"), ("Amine", "Amina"), ("Hassan", "Houssein"), ("Awa", "Aminata"),
)

TYPES_VOIE: tuple[tuple[str, str], ...] = (
    ("RUE", "R"), ("AVENUE", "AV"), ("BOULEVARD", "BD"), ("IMPASSE", "IMP"), ("ALLÉE", "ALL"),
    ("CHEMIN", "CH"), ("PLACE", "PL"), ("ROUTE", "RTE"), ("RÉSIDENCE", "RES"), ("CITÉ", "CITE"),
)
NOMS_VOIE: tuple[str, ...] = (
    "des Lilas", "Victor Hugo", "de la Gare", "Jean Jaurès", "des Écoles", "du Moulin", "de la République",
    "Pasteur", "des Tilleuls", "du Stade", "des Acacias", "de l'Église", "Gambetta",
    "du Général de Gaulle", "des Peupliers", "de la Liberté", "Émile Zola", "des Roses", "du Château",
    "de la Paix", "Jules Ferry", "des Mimosas", "du Parc", "des Pins", "Louise Michel", "Aimé Césaire",
    "des Coquelicots", "de Verdun", "du 8 Mai 1945", "des Vignes", "de la Fontaine", "Simone Veil",
    "des Hirondelles", "du Lavoir", "des Cerisiers", "Nelson Mandela", "de la Mairie", "du Marché",
    "des Jardins", "du Canal", "des Bleuets", "Marie Curie", "de Provence", "du Bois Joli", "des Sources",
    "de la Forge", "du Pressoir",
)
# Communes inventées ; les codes postaux 99xxx n'existent pas en France.
COMMUNES: tuple[tuple[str, str], ...] = (
    ("99100", "VILLENEUVE-SUR-CELLULE"), ("99110", "SAINT-AUBIN-DES-LISTES"), ("99120", "MONTFICTIF"),
    ("99130", "LA ROCHE-AUX-ESSAIS"), ("99140", "BOURG-SYNTHÈSE"), ("99150", "PORT-FACTICE"),
    ("99160", "VAL-D'EXEMPLE"), ("99170", "BEAUCHAMP-LE-FEINT"), ("99180", "FONTAINE-MODÈLE"),
    ("99190", "SAINTE-MARIE-DU-TEST"), ("99200", "CHÂTEAU-MAQUETTE"), ("99210", "LES ÉPREUVES"),
    ("99220", "PLAINE-DU-SIMULÉ"), ("99230", "VILLARD-FANTÔME"), ("99240", "ROCHEFORT-IMAGINAIRE"),
    ("99250", "MARAIS-FICTIF"), ("99260", "CORBEIL-PROTOTYPE"), ("99270", "MONTAGNE-D'ESSAI"),
)
PARTICULES: tuple[str, ...] = (
    "DE LA ", "DE ", "DU ", "DES ", "LE ", "LA ", "D'", "DA ", "DOS ", "VAN DEN ", "VAN ", "DI ", "BEN ",
    "EL ", "AIT ", "AÏT ",
)
MODES_DECLARES: tuple[str, ...] = (
    "ief", "cned", "hors_contrat", "medico_social",
)
ORIGINES: tuple[tuple[str, float], ...] = (
    ("france", 0.6), ("maghreb", 0.16), ("afrique_ouest", 0.07), ("portugal", 0.05), ("turquie", 0.03),
    ("asie", 0.02), ("europe", 0.045), ("comores", 0.025),
)
# fmt: on
# Concentration des noms (exposant de Zipf de la liste de tête) et part de la longue traîne, réglées
# pour que les noms les plus portés restent sous ~0,5 % des enfants, comme en France (MARTIN ~0,3 %).
EXPOSANTS_NOMS = {
    "france": 0.7,
    "maghreb": 0.7,
    "afrique_ouest": 0.6,
    "portugal": 0.7,
    "turquie": 0.8,
    "asie": 0.9,
    "europe": 0.7,
    "comores": 0.8,
}  # fmt: skip
PARTS_TRAINE = {"france": 0.9, "maghreb": 0.85, "turquie": 0.6, "europe": 0.7}
CLAVIER: tuple[str, ...] = ("AZERTYUIOP", "QSDFGHJKLM", "WXCVBN")


@dataclass(frozen=True)
class Taux:
    """Proportions du jeu : population, puis fréquence de chaque type d'écart CAF / école."""

    absents: float = 0.015
    hors_caf: float = 0.15
    instruction_declaree: float = 0.01
    jumeaux: float = 0.017
    non_scolarises_16_18: float = 0.10
    ecarts: dict[str, float] = field(
        default_factory=lambda: {
            "tiret_espace": 0.30,  # parmi les noms ou prénoms composés
            "particule": 0.25,  # parmi les noms à particule
            "nom_compose_ordre": 0.15,  # parmi les doubles noms
            "nom_compose_partiel": 0.25,  # parmi les doubles noms
            "nom_usage": 0.02,
            "prenom_usuel": 0.01,
            "inversion": 0.004,
            "translitteration": 0.30,  # parmi les prénoms et noms qui ont des variantes
            "frappe": 0.02,
            "date_inversee": 0.004,
            "date_chiffre": 0.005,
            "date_jours": 0.004,
            "date_annee": 0.003,
            "date_manquante": 0.001,
            "sexe_manquant": 0.01,
            "sexe_faux": 0.002,
            "adresse_autre": 0.08,
        }
    )


@dataclass(frozen=True)
class JeuSynthetique:
    """Tables canoniques familles et inscrits, et la vérité attendue pour chaque ligne de familles.

    ``verite`` : id_famille, id_inscrit (la ligne d'inscrits qui est vraiment cet enfant, null s'il
    n'est sur aucune liste), statut attendu (apparie, instruction_declaree, non_apparie,
    hors_obligation — d'après la vraie date de naissance), jumeau (bool), ecarts (types d'écart
    introduits entre la CAF et l'école, séparés par des virgules, null si aucun).
    """

    familles: pl.DataFrame
    inscrits: pl.DataFrame
    verite: pl.DataFrame


@dataclass(frozen=True)
class _Liste:
    noms: list[str]
    poids: npt.NDArray[np.float64]


class _Repertoire:
    """Des listes de noms mises bout à bout : un nom tiré est un entier, la chaîne vient à la fin."""

    def __init__(self, listes: list[_Liste]) -> None:
        self.listes = listes
        self.decalages = np.cumsum([0, *(len(liste.noms) for liste in listes)])
        self.noms = pl.Series([nom for liste in listes for nom in liste.noms], dtype=pl.Utf8)
        self._index = {nom: i for i, nom in reversed(list(enumerate(self.noms)))}

    def tirer(self, rng: np.random.Generator, groupes: Entiers) -> Entiers:
        """Un nom par ligne, tiré dans la liste numéro ``groupes[ligne]``."""
        sortie = np.empty(len(groupes), dtype=np.int64)
        for groupe in np.unique(groupes):
            lignes = np.flatnonzero(groupes == groupe)
            liste = self.listes[groupe]
            tirage = rng.choice(len(liste.noms), size=len(lignes), p=liste.poids)
            sortie[lignes] = self.decalages[groupe] + tirage
        return sortie

    def index(self, nom: str) -> int:
        return self._index[nom]

    def groupe(self, index: int) -> int:
        return int(np.searchsorted(self.decalages, index, side="right")) - 1


def _zipf(n: int, exposant: float) -> npt.NDArray[np.float64]:
    poids = 1.0 / np.arange(1, n + 1, dtype=np.float64) ** exposant
    return poids / poids.sum()


def _liste(entrees: tuple[str, ...], exposant: float) -> _Liste:
    """Chaque entrée « A|B|C » donne ses variantes, la première étant la plus fréquente."""
    noms: list[str] = []
    poids: list[float] = []
    for entree, p in zip(entrees, _zipf(len(entrees), exposant), strict=True):
        variantes = entree.split("|")
        parts = _zipf(len(variantes), 1.6)
        for variante, q in zip(variantes, parts, strict=True):
            noms.append(variante)
            poids.append(p * q)
    tableau = np.array(poids)
    return _Liste(noms, tableau / tableau.sum())


def _liste_noms(origine: str) -> _Liste:
    tete = _liste(NOMS[origine], EXPOSANTS_NOMS[origine])
    if origine not in _TRAINE:
        return tete
    debuts, milieux, fins = _TRAINE[origine]
    combinaisons = {f"{d}{m}{f}".strip() for d in debuts for m in milieux for f in fins}
    # Trois voyelles de suite sonnent faux : on les écarte.
    traine = sorted(n for n in combinaisons - set(tete.noms) if not re.search("[AEIOUYÈÉ]{3}", n))
    part_traine = PARTS_TRAINE[origine]
    # Traîne plate mais irrégulière : des noms rares, aucun très courant.
    rng = np.random.default_rng(len(traine))
    poids_traine = rng.pareto(3.0, len(traine)) + 0.2
    poids = np.concatenate([tete.poids * (1 - part_traine), poids_traine / poids_traine.sum() * part_traine])
    return _Liste(tete.noms + traine, poids / poids.sum())


def _variantes(listes: list[tuple[str, ...]]) -> dict[str, tuple[str, ...]]:
    """Clé sans accent ni casse -> les écritures du même nom qui diffèrent par plus que l'accent."""
    groupes: dict[str, tuple[str, ...]] = {}
    for entrees in listes:
        for entree in entrees:
            variantes = tuple({_cle(v): v for v in entree.split("|")}.values())
            if len(variantes) > 1:
                for variante in variantes:
                    groupes[_cle(variante)] = variantes
    return groupes


@cache
def _cle(texte: str) -> str:
    """Majuscules sans accents, comme l'écrit la CAF (les listes n'ont que des lettres latines)."""
    decompose = unicodedata.normalize("NFD", texte.replace("Đ", "D").replace("đ", "d"))
    return decompose.encode("ascii", "ignore").decode("ascii").upper()


_ORIGINES = [origine for origine, _ in ORIGINES]
FRANCE = 0
SEXES = ("M", "F")
_NOMS = _Repertoire([_liste_noms(origine) for origine in _ORIGINES])
# Prénoms : groupe = 2 × origine + sexe (les prénoms de JUMEAUX sont tous dans ces listes).
_PRENOMS = _Repertoire([_liste(PRENOMS[(origine, sexe)], 0.55) for origine in _ORIGINES for sexe in SEXES])
# Parents : groupe = 2 × (0 France, 1 Maghreb) + sexe.
_ADULTES = _Repertoire([_liste(PRENOMS_ADULTES[(o, s)], 0.8) for o in ("france", "maghreb") for s in SEXES])
_VARIANTES_NOMS = _variantes(list(NOMS.values()))
_VARIANTES_PRENOMS = _variantes(list(PRENOMS.values()))


def _canoniques(repertoire: _Repertoire, variantes: dict[str, tuple[str, ...]]) -> Entiers:
    """Un même numéro pour toutes les écritures d'un nom (Sékou, Sekou ; Mamadou, Mamadu)."""
    cles = [_cle(variantes.get(_cle(nom), (nom,))[0]) for nom in repertoire.noms]
    return np.unique(np.array(cles), return_inverse=True)[1].astype(np.int64)


_CANON_PRENOMS = _canoniques(_PRENOMS, _VARIANTES_PRENOMS)


def _tirer_prenoms(rng: np.random.Generator, origines: Entiers, sexes: Entiers) -> Entiers:
    return _PRENOMS.tirer(rng, 2 * origines + sexes)


def _population(
    rng: np.random.Generator, nb: int, jour: date, premier_foyer: int, premier_enfant: int, taux: Taux
) -> pl.DataFrame:
    """``nb`` enfants de 0 à 18 ans, regroupés en foyers (même nom, même adresse)."""
    reference = np.datetime64(jour, "D").astype(np.int64)
    nb_foyers = max(8, int(nb / 1.3) + 8)
    tailles = rng.choice([1, 2, 3, 4, 5, 6], size=nb_foyers, p=[0.38, 0.36, 0.17, 0.06, 0.02, 0.01])
    foyer = np.repeat(np.arange(nb_foyers), tailles)
    debut = np.concatenate([[0], np.cumsum(tailles)[:-1]])
    rang = np.arange(len(foyer)) - debut[foyer]
    # Écarts entre naissances : 0 jour (ou 1) pour des jumeaux, sinon 10 mois à plusieurs années.
    ecart = 300 + rng.gamma(2.0, 420.0, size=len(foyer)).astype(np.int64)
    jumeau_du_precedent = (rang > 0) & (rng.random(len(foyer)) < taux.jumeaux)
    ecart = np.where(jumeau_du_precedent, (rng.random(len(foyer)) < 0.03).astype(np.int64), ecart)
    ecart[rang == 0] = 0
    cumul = np.cumsum(ecart)
    aine = reference - rng.integers(0, int(24 * 365.25), size=nb_foyers)
    naissance = aine[foyer] + cumul - cumul[debut[foyer]]
    jumeau = jumeau_du_precedent.copy()
    jumeau[:-1] |= jumeau_du_precedent[1:]
    garde = (naissance <= reference) & (naissance > reference - int(18 * 365.25))
    if garde.sum() < nb:
        return _population(rng, nb * 2, jour, premier_foyer, premier_enfant, taux).head(nb)
    lignes = np.flatnonzero(garde)[:nb]
    foyer, naissance, jumeau = foyer[lignes], naissance[lignes], jumeau[lignes]
    foyers_utiles = np.unique(foyer)
    n_foy = len(foyers_utiles)
    rang_foyer = np.searchsorted(foyers_utiles, foyer)

    origine_foyer = rng.choice(len(_ORIGINES), size=n_foy, p=[p for _, p in ORIGINES])
    nom_pere = _NOMS.tirer(rng, origine_foyer)
    nom_mere = _NOMS.tirer(rng, np.where(rng.random(n_foy) < 0.8, origine_foyer, FRANCE))
    # Nom transmis : du père, de la mère, ou double nom dans un ordre ou l'autre.
    transmission = rng.choice(4, size=n_foy, p=[0.85, 0.04, 0.09, 0.02])
    mere_allocataire = rng.random(n_foy) < 0.75
    maghreb = _ORIGINES.index("maghreb")
    prenom_alloc = _ADULTES.tirer(rng, 2 * (origine_foyer == maghreb) + np.where(mere_allocataire, 1, 0))
    nom_alloc = np.where(mere_allocataire & (rng.random(n_foy) < 0.5), nom_mere, nom_pere)

    # Adresses : un parc d'immeubles et de maisons, certains très peuplés.
    nb_adresses = max(50, n_foy // 2)
    adr_numero = 1 + (rng.pareto(1.2, nb_adresses) * 8).astype(np.int64) % 250
    adr_type = rng.choice(len(TYPES_VOIE), size=nb_adresses, p=_zipf(len(TYPES_VOIE), 1.3))
    adr_voie = rng.integers(0, len(NOMS_VOIE), size=nb_adresses)
    adr_commune = rng.choice(len(COMMUNES), size=nb_adresses, p=_zipf(len(COMMUNES), 1.0))
    poids_adresses = rng.pareto(1.5, nb_adresses) + 1.0
    adresse = rng.choice(nb_adresses, size=n_foy, p=poids_adresses / poids_adresses.sum())[rang_foyer]

    n = len(lignes)
    sexe = (rng.random(n) >= 0.512).astype(np.int64)
    origine_enfant = origine_foyer[rang_foyer]
    # Un enfant d'origine non française porte souvent un prénom courant en France.
    origine_p = np.where(rng.random(n) < 0.25, FRANCE, origine_enfant)
    prenom1 = _tirer_prenoms(rng, origine_p, sexe)
    for _ in range(6):  # deux enfants d'un même foyer ne portent pas le même prénom
        # Deux écritures d'un même prénom ne font pas deux prénoms de frères et sœurs.
        _, premiers = np.unique(foyer * len(_PRENOMS.noms) + _CANON_PRENOMS[prenom1], return_index=True)
        doublon = np.ones(n, dtype=bool)
        doublon[premiers] = False
        idx = np.flatnonzero(doublon)
        if len(idx) == 0:
            break
        prenom1[idx] = _tirer_prenoms(rng, origine_p[idx], sexe[idx])
    _nommer_jumeaux(rng, foyer, naissance, jumeau, sexe, prenom1)
    noms = _NOMS.noms
    prenoms = _PRENOMS.noms
    df = pl.DataFrame(
        {
            "foyer": (foyer + premier_foyer).astype(np.int64),
            "enfant": np.arange(premier_enfant, premier_enfant + n, dtype=np.int64),
            "nom_pere": noms.gather(nom_pere[rang_foyer]),
            "nom_mere": noms.gather(nom_mere[rang_foyer]),
            "transmission": transmission[rang_foyer],
            "a": prenoms.gather(prenom1),
            "b": prenoms.gather(_tirer_prenoms(rng, origine_p, sexe)),
            "c": prenoms.gather(_tirer_prenoms(rng, np.full(n, FRANCE), sexe)),
            "u": rng.random(n) < np.where(origine_enfant == FRANCE, 0.6, 0.25),
            "v": rng.random(n) < 0.35,
            "naissance": naissance,
            "sexe": pl.Series(SEXES).gather(sexe),
            "jumeau": jumeau,
            "nom_allocataire": noms.gather(nom_alloc[rang_foyer]),
            "prenom_allocataire": _ADULTES.noms.gather(prenom_alloc[rang_foyer]),
            "adr_numero": adr_numero[adresse],
            "adr_type": adr_type[adresse],
            "adr_voie": adr_voie[adresse],
            "adr_commune": adr_commune[adresse],
        }
    )
    pere, mere, a, b, c = (pl.col(x) for x in ("nom_pere", "nom_mere", "a", "b", "c"))
    deuxieme = pl.col("u") & (b != a)
    return df.with_columns(
        pl.when(pl.col("transmission") == 0)
        .then(pere)
        .when(pl.col("transmission") == 1)
        .then(mere)
        .when(pl.col("transmission") == 2)
        .then(pl.concat_str([pere, mere], separator=" "))
        .otherwise(pl.concat_str([mere, pere], separator=" "))
        .alias("nom"),
        (pl.col("transmission") >= 2).alias("double_nom"),
        pl.concat_str(
            [
                a,
                pl.when(deuxieme).then(pl.lit(" ") + b),
                pl.when(deuxieme & pl.col("v") & (c != a) & (c != b)).then(pl.lit(" ") + c),
            ],
            ignore_nulls=True,
        ).alias("prenoms"),
    ).drop("transmission", "a", "b", "c", "u", "v")


def _nommer_jumeaux(
    rng: np.random.Generator,
    foyer: Entiers,
    naissance: Entiers,
    jumeau: npt.NDArray[np.bool_],
    sexe: Entiers,
    prenom1: Entiers,
) -> None:
    """Un tiers des paires de jumeaux reçoit des prénoms presque identiques (Louis / Louise)."""
    idx = np.flatnonzero(jumeau[:-1] & jumeau[1:] & (foyer[:-1] == foyer[1:]))
    idx = idx[np.abs(naissance[idx] - naissance[idx + 1]) <= 1]
    idx = idx[rng.random(len(idx)) < 0.33]
    choix = rng.integers(0, len(JUMEAUX), size=len(idx))
    for i, c in zip(idx, choix, strict=True):
        for j, prenom in zip((i, i + 1), JUMEAUX[c], strict=True):
            prenom1[j] = _PRENOMS.index(prenom)
            sexe[j] = _PRENOMS.groupe(prenom1[j]) % 2


def _majuscules_sans_accents(colonne: str) -> pl.Expr:
    return pl.col(colonne).map_batches(_cles, return_dtype=pl.Utf8)


def _cles(serie: pl.Series) -> pl.Series:
    """``_cle`` sur toute une colonne ; les noms se répètent, on ne traite que les valeurs distinctes."""
    distincts = serie.unique()
    cles = (
        distincts.str.normalize("NFD")
        .str.replace_all(r"\p{Mn}", "")
        .str.replace_all("Đ", "D")
        .str.replace_all("đ", "d")
        .str.to_uppercase()
    )
    return serie.replace_strict(distincts, cles)


def _rendre(population: pl.DataFrame, rng: np.random.Generator) -> pl.DataFrame:
    """Écrit chaque enfant comme la CAF (colonnes ``caf_*``) et comme l'école (``eco_*``)."""
    n = population.height
    types = pl.Series([t for t, _ in TYPES_VOIE])
    abreges = pl.Series([a for _, a in TYPES_VOIE])
    voies = pl.Series(NOMS_VOIE)
    codes = pl.Series([c for c, _ in COMMUNES])
    communes = pl.Series([c for _, c in COMMUNES])
    df = population.with_columns(
        pl.Series("type_voie", types.gather(population["adr_type"])),
        pl.Series("abrege_voie", abreges.gather(population["adr_type"])),
        pl.Series("voie", voies.gather(population["adr_voie"])),
        pl.Series("code_postal", codes.gather(population["adr_commune"])),
        pl.Series("commune", communes.gather(population["adr_commune"])),
        pl.Series(
            "caf_commune", communes.map_elements(_cle, return_dtype=pl.Utf8).gather(population["adr_commune"])
        ),
        pl.Series("type_cle", types.map_elements(_cle, return_dtype=pl.Utf8).gather(population["adr_type"])),
        pl.Series("voie_cle", voies.map_elements(_cle, return_dtype=pl.Utf8).gather(population["adr_voie"])),
        pl.Series("u_accents", rng.random(n)),
        pl.Series("u_prenoms", rng.random(n)),
        pl.Series("u_casse", rng.random(n)),
        pl.Series("u_style", rng.integers(0, 3, n)),
        pl.Series("u_usage", rng.random(n)),
    )
    premier_prenom = pl.col("prenoms").str.split(" ").list.first()
    prenoms_ecole = pl.when(pl.col("u_prenoms") < 0.7).then(premier_prenom).otherwise(pl.col("prenoms"))
    adresse_ecole = (
        pl.when(pl.col("u_style") == 0)
        .then(
            pl.concat_str(
                [
                    pl.col("adr_numero").cast(pl.Utf8),
                    pl.lit(" "),
                    pl.col("type_voie").str.to_lowercase(),
                    pl.lit(" "),
                    pl.col("voie"),
                ]
            )
        )
        .when(pl.col("u_style") == 1)
        .then(
            pl.concat_str(
                [
                    pl.col("adr_numero").cast(pl.Utf8),
                    pl.lit(", "),
                    pl.col("type_voie"),
                    pl.lit(" "),
                    pl.col("voie"),
                ]
            ).str.to_uppercase()
        )
        .otherwise(
            pl.concat_str(
                [
                    pl.col("adr_numero").cast(pl.Utf8),
                    pl.lit(" "),
                    pl.col("abrege_voie"),
                    pl.lit(" "),
                    pl.col("voie"),
                ]
            ).str.to_uppercase()
        )
    )
    return df.with_columns(
        _majuscules_sans_accents("nom").alias("caf_nom"),
        _majuscules_sans_accents("prenoms").alias("caf_prenoms"),
        _majuscules_sans_accents("nom_allocataire").alias("caf_nom_allocataire"),
        _majuscules_sans_accents("prenom_allocataire").alias("caf_prenom_allocataire"),
        pl.concat_str([pl.col("adr_numero").cast(pl.Utf8), "type_cle", "voie_cle"], separator=" ").alias(
            "caf_adresse"
        ),
        pl.when(pl.col("u_accents") < 0.5)
        .then(pl.col("nom"))
        .otherwise(_majuscules_sans_accents("nom"))
        .alias("eco_nom"),
        pl.when(pl.col("u_casse") < 0.75)
        .then(prenoms_ecole)
        .otherwise(prenoms_ecole.str.to_uppercase())
        .alias("eco_prenoms"),
        # Nom d'usage à l'école : souvent le nom de la mère, quand il diffère.
        pl.when((pl.col("u_usage") < 0.04) & (pl.col("nom_mere") != pl.col("nom")))
        .then(pl.col("nom_mere"))
        .otherwise(None)
        .alias("eco_nom_usage"),
        adresse_ecole.alias("eco_adresse"),
        pl.col("naissance").alias("caf_naissance"),
        pl.col("naissance").alias("eco_naissance"),
        pl.col("sexe").alias("caf_sexe"),
        pl.col("sexe").alias("eco_sexe"),
        pl.col("code_postal").alias("eco_code_postal"),
        pl.col("commune").alias("eco_commune"),
    )


def _style(modele: str, valeur: str) -> str:
    """Écrit ``valeur`` comme est écrit ``modele`` (majuscules sans accents à la CAF, par exemple)."""
    if modele.isupper():
        return _cle(valeur) if modele.isascii() else valeur.upper()
    return valeur


def _frappe(texte: str, hasard: random.Random) -> str:
    if len(texte) < 3:
        return texte
    i = hasard.randrange(1, len(texte) - 1)
    geste = hasard.randrange(4)
    if geste == 0:  # touche voisine
        c = _cle(texte[i])
        for rangee in CLAVIER:
            j = rangee.find(c)
            if j >= 0:
                voisin = rangee[j - 1] if j > 0 and hasard.random() < 0.5 else rangee[(j + 1) % len(rangee)]
                voisin = voisin if texte[i].isupper() else voisin.lower()
                return texte[:i] + voisin + texte[i + 1 :]
        return texte[:i] + texte[i + 1 :]
    if geste == 1:  # lettre oubliée
        return texte[:i] + texte[i + 1 :]
    if geste == 2:  # lettre doublée
        return texte[:i] + texte[i] + texte[i:]
    i = max(i, 2)  # interversion, jamais avec l'initiale
    return texte[: i - 1] + texte[i] + texte[i - 1] + texte[i + 1 :]


def _date_decalee(jours: int | None, ecart: str, hasard: random.Random, jour: date) -> int | None:
    """Date déplacée selon ``ecart`` ; jamais après ``jour`` (un lecteur refuserait une naissance future)."""
    if jours is None:
        return None
    d = date(1970, 1, 1) + timedelta(days=int(jours))
    nouvelle: date | None = None
    if ecart == "date_inversee" and d.day <= 12 and d.day != d.month:
        nouvelle = date(d.year, d.day, d.month)
    elif ecart == "date_chiffre":
        for _ in range(4):
            position = hasard.randrange(3)
            chiffre = hasard.randrange(10)
            try:
                if position == 0:
                    nouvelle = d.replace(day=d.day // 10 * 10 + chiffre)
                elif position == 1:
                    nouvelle = d.replace(month=d.month // 10 * 10 + chiffre)
                else:
                    nouvelle = d.replace(year=d.year // 10 * 10 + chiffre)
            except ValueError:
                nouvelle = None
            if nouvelle is not None and d != nouvelle <= jour:
                break
    elif ecart == "date_jours":
        nouvelle = d + timedelta(days=hasard.choice([-5, -4, -3, -2, -1, 1, 2, 3, 4, 5]))
    elif ecart == "date_annee":
        annee = d.year + hasard.choice([-1, 1])
        nouvelle = d.replace(year=annee, day=28) if (d.month, d.day) == (2, 29) else d.replace(year=annee)
    if nouvelle is None or nouvelle == d or nouvelle > jour:
        return jours
    return (nouvelle - date(1970, 1, 1)).days


def _retirer_particule(nom: str, hasard: random.Random) -> str | None:
    cle = _cle(nom)
    for particule in PARTICULES:
        p = _cle(particule)
        if cle.startswith(p) and len(cle) > len(p) + 1:
            reste = nom[len(particule) :]
            colle = nom[: len(particule)].replace(" ", "").replace("'", "")
            return reste if hasard.random() < 0.6 else colle + reste
    return None


def _variante(texte: str, hasard: random.Random, variantes: dict[str, tuple[str, ...]]) -> str | None:
    """Remplace le premier mot qui a d'autres écritures par l'une d'elles."""
    mots = texte.split(" ")
    for i, mot in enumerate(mots):
        groupe = variantes.get(_cle(mot))
        if groupe:
            autres = [v for v in groupe if _cle(v) != _cle(mot)]
            mots[i] = _style(mot, hasard.choice(autres))
            return " ".join(mots)
    groupe = variantes.get(_cle(texte))
    if groupe:
        autres = [v for v in groupe if _cle(v) != _cle(texte)]
        return _style(texte, hasard.choice(autres))
    return None


EN_BLOC = ("date_manquante", "sexe_manquant", "sexe_faux", "adresse_autre")
COLONNES_ECARTS = (
    "caf_nom", "caf_prenoms", "caf_naissance",
    "eco_nom", "eco_nom_usage", "eco_prenoms", "eco_naissance",
    "nom_pere", "nom_mere", "double_nom",
)  # fmt: skip


def _ecarter(df: pl.DataFrame, jour: date, taux: Taux, rng: np.random.Generator, graine: int) -> pl.DataFrame:
    """Introduit les écarts de saisie entre la CAF et l'école ; note lesquels dans ``ecarts``."""
    n = df.height
    t = taux.ecarts
    compose = df["nom"].str.contains(r"[ \-']").to_numpy() | df["prenoms"].str.contains("-").to_numpy()
    particule = (
        df["caf_nom"]
        .str.contains("^(?:" + "|".join(_cle(p).replace(" ", r"\s") for p in PARTICULES) + ")")
        .to_numpy()
    )
    double = df["double_nom"].to_numpy()
    cles_prenoms = pl.Series(list(_VARIANTES_PRENOMS), dtype=pl.Utf8).implode()
    cles_noms = pl.Series(list(_VARIANTES_NOMS), dtype=pl.Utf8).implode()
    variantes = (
        df["caf_prenoms"].str.split(" ").list.eval(pl.element().is_in(cles_prenoms)).list.any()
        | df["caf_nom"].str.split(" ").list.eval(pl.element().is_in(cles_noms)).list.any()
        | df["caf_nom"].is_in(cles_noms)
    ).to_numpy()
    tirages: dict[str, npt.NDArray[np.bool_]] = {}
    for ecart, p in t.items():
        eligibles = {
            "tiret_espace": compose,
            "particule": particule,
            "nom_compose_ordre": double,
            "nom_compose_partiel": double,
            "translitteration": variantes,
        }.get(ecart, np.ones(n, dtype=bool))
        tirages[ecart] = eligibles & (rng.random(n) < p)
    cote_caf = rng.random(n) < 0.5
    une_par_une = {e: tire for e, tire in tirages.items() if e not in EN_BLOC}
    matrice = np.stack(list(une_par_une.values()), axis=1)
    touches = np.flatnonzero(matrice.any(axis=1))
    sous = df[touches].select(COLONNES_ECARTS).to_dict(as_series=False)
    hasard = random.Random(graine)
    noms = list(une_par_une)
    notes: list[str | None] = []
    for k, (tires, caf) in enumerate(zip(matrice[touches].tolist(), cote_caf[touches].tolist(), strict=True)):
        cote = "caf" if caf else "eco"
        faits = [
            e
            for e, tire in zip(noms, tires, strict=True)
            if tire and _appliquer(e, sous, k, cote, hasard, jour)
        ]
        notes.append(",".join(faits) or None)
    colonnes = [df[c].scatter(touches, pl.Series(sous[c], dtype=df[c].dtype)) for c in COLONNES_ECARTS]
    df = df.with_columns(*colonnes, pl.Series("ecarts", [None] * n, dtype=pl.Utf8).scatter(touches, notes))
    # Les écarts qui ne dépendent pas du texte s'appliquent en bloc.
    bloc = pl.DataFrame({e: tirages[e] for e in EN_BLOC}).with_columns(pl.Series("cote_caf", cote_caf))
    df = pl.concat([df, bloc], how="horizontal")
    faux = pl.when(pl.col("sexe") == "M").then(pl.lit("F")).otherwise(pl.lit("M"))
    # Famille qui a déménagé : l'école a l'adresse d'une autre ligne.
    ailleurs = rng.integers(0, n, n)
    autre = {c: df[c].gather(ailleurs) for c in ("eco_adresse", "eco_code_postal", "eco_commune")}
    return (
        df.with_columns(
            pl.when(pl.col("date_manquante"))
            .then(None)
            .otherwise(pl.col("caf_naissance"))
            .alias("caf_naissance"),
            pl.when(pl.col("sexe_manquant"))
            .then(None)
            .when(pl.col("sexe_faux") & pl.col("cote_caf"))
            .then(faux)
            .otherwise(pl.col("caf_sexe"))
            .alias("caf_sexe"),
            pl.when(pl.col("sexe_faux") & ~pl.col("cote_caf"))
            .then(faux)
            .otherwise(pl.col("eco_sexe"))
            .alias("eco_sexe"),
            *(
                pl.when(pl.col("adresse_autre")).then(valeurs).otherwise(pl.col(c)).alias(c)
                for c, valeurs in autre.items()
            ),
            pl.concat_str(
                [pl.col("ecarts"), *(pl.when(pl.col(e)).then(pl.lit(e)) for e in EN_BLOC)],
                separator=",",
                ignore_nulls=True,
            ).alias("ecarts"),
        )
        .with_columns(pl.when(pl.col("ecarts") == "").then(None).otherwise(pl.col("ecarts")).alias("ecarts"))
        .drop(*EN_BLOC, "cote_caf")
    )


def _appliquer(
    ecart: str, sous: dict[str, list[Any]], k: int, cote: str, hasard: random.Random, jour: date
) -> bool:
    """Applique un écart à la ligne ``k`` du côté ``cote`` ; faux s'il ne change rien."""
    nom, prenoms = f"{cote}_nom", f"{cote}_prenoms"
    if ecart == "inversion":
        sous[nom][k], sous[prenoms][k] = sous[prenoms][k], sous[nom][k]
        return True
    if ecart == "nom_usage":
        pere, mere = sous["nom_pere"][k], sous["nom_mere"][k]
        autre = mere if _cle(sous["caf_nom"][k]) != _cle(mere) else pere
        if hasard.random() < 0.7:
            sous["eco_nom_usage"][k] = autre
        return _remplacer(sous, "caf_nom", k, _cle(autre))
    if ecart.startswith("date_"):
        colonne = f"{cote}_naissance"
        return _remplacer(sous, colonne, k, _date_decalee(sous[colonne][k], ecart, hasard, jour))
    colonne, valeur = _ecart_de_texte(ecart, sous, k, nom, prenoms, hasard)
    return _remplacer(sous, colonne, k, valeur)


def _remplacer(sous: dict[str, list[Any]], colonne: str, k: int, valeur: Any) -> bool:
    if valeur is None or valeur == sous[colonne][k]:
        return False
    sous[colonne][k] = valeur
    return True


def _ecart_de_texte(
    ecart: str, sous: dict[str, list[Any]], k: int, nom: str, prenoms: str, hasard: random.Random
) -> tuple[str, str | None]:
    """La colonne touchée et sa nouvelle valeur (None : l'écart ne s'applique pas à cette ligne)."""
    valeur, mots = sous[nom][k], sous[prenoms][k]
    if ecart == "tiret_espace":
        if any(c in valeur for c in " -"):
            variantes = [
                valeur.replace(" ", "-").replace("'", " "),
                valeur.replace(" ", ""),
                valeur.replace("-", " "),
            ]
            return nom, hasard.choice(variantes)
        return prenoms, mots.replace("-", hasard.choice([" ", ""]), 1)
    if ecart == "particule":
        return nom, _retirer_particule(valeur, hasard)
    if ecart == "nom_compose_ordre":
        pere, mere = sous["nom_pere"][k], sous["nom_mere"][k]
        parties = (mere, pere) if _cle(valeur).startswith(_cle(pere)) else (pere, mere)
        return nom, _style(valeur, " ".join(parties))
    if ecart == "nom_compose_partiel":
        return nom, _style(valeur, sous["nom_pere"][k] if hasard.random() < 0.7 else sous["nom_mere"][k])
    if ecart == "prenom_usuel":
        tous = sous["caf_prenoms"][k].split(" ")
        return "eco_prenoms", _style(sous["eco_prenoms"][k], tous[1].title()) if len(tous) > 1 else None
    if ecart == "translitteration":
        nouveau = _variante(mots, hasard, _VARIANTES_PRENOMS)
        return (prenoms, nouveau) if nouveau else (nom, _variante(valeur, hasard, _VARIANTES_NOMS))
    if hasard.random() < 0.5:  # faute de frappe dans le nom ou le premier prénom
        return nom, _frappe(valeur, hasard)
    premier, _, reste = mots.partition(" ")
    return prenoms, " ".join(filter(None, (_frappe(premier, hasard), reste)))


def _situation(population: pl.DataFrame, jour: date, taux: Taux, rng: np.random.Generator) -> pl.DataFrame:
    """Qui est soumis, absent de toute liste, en instruction déclarée ou sur un registre d'école."""
    dates = population["naissance"].unique().sort()
    jours = [date(1970, 1, 1) + timedelta(days=int(j)) for j in dates]
    table = pl.DataFrame(
        {
            "naissance": dates,
            "soumis": [est_soumis(d, jour) for d in jours],
            "trop_jeune": [debut_obligation(d) > jour for d in jours],
        }
    )
    n = population.height
    df = population.join(table, on="naissance", how="left", maintain_order="left").with_columns(
        pl.Series("u_absent", rng.random(n)),
        pl.Series("u_declare", rng.random(n)),
        pl.Series("u_lycee", rng.random(n)),
    )
    absent = pl.col("soumis") & (pl.col("u_absent") < taux.absents)
    declare = pl.col("soumis") & ~absent & (pl.col("u_declare") < taux.instruction_declaree)
    # Après 16 ans, la plupart restent au lycée, sans obligation.
    ecole = (pl.col("soumis") & ~absent & ~declare) | (
        ~pl.col("soumis") & ~pl.col("trop_jeune") & (pl.col("u_lycee") >= taux.non_scolarises_16_18)
    )
    return df.with_columns(absent.alias("absent"), declare.alias("declare"), ecole.alias("ecole")).drop(
        "u_absent", "u_declare", "u_lycee"
    )


def _hors_caf(
    rng: np.random.Generator, nb: int, jour: date, premier_foyer: int, premier_enfant: int, taux: Taux
) -> pl.DataFrame:
    """Élèves dont la famille n'est pas sur la liste CAF (autre commune, pas d'allocation…)."""
    taille = int(nb * 1.4) + 20
    while True:
        pop = _situation(_population(rng, taille, jour, premier_foyer, premier_enfant, taux), jour, taux, rng)
        eleves = pop.filter(pl.col("ecole") | pl.col("declare"))
        if eleves.height >= nb:
            return eleves.head(nb)
        taille *= 2


def _identifiants(prefixe: str, n: int) -> pl.Expr:
    largeur = max(7, len(str(n)))
    return pl.concat_str([pl.lit(prefixe), pl.int_range(1, n + 1).cast(pl.Utf8).str.zfill(largeur)])


def generer(
    nb_enfants: int, *, graine: int = 0, date_reference: date, taux: Taux | None = None
) -> JeuSynthetique:
    """Un jeu de ``nb_enfants`` enfants sur la liste CAF, avec les registres scolaires et la vérité.

    Les registres contiennent les enfants scolarisés ou en instruction déclarée, plus
    ``taux.hors_caf`` d'élèves absents de la liste CAF ; ``taux.absents`` des enfants soumis ne
    sont sur aucune liste.
    """
    if nb_enfants < 1:
        raise ValueError("Le nombre d'enfants doit être au moins 1.")
    taux = taux or Taux()
    rng = np.random.default_rng(graine)
    caf = _situation(_population(rng, nb_enfants, date_reference, 0, 0, taux), date_reference, taux, rng)
    nb_eleves_caf = int(caf.select((pl.col("ecole") | pl.col("declare")).sum()).item())
    nb_hors_caf = round(nb_eleves_caf * taux.hors_caf / (1 - taux.hors_caf))
    premier_foyer = int(caf["foyer"].max()) + 1  # type: ignore[arg-type]
    autres = _hors_caf(rng, nb_hors_caf, date_reference, premier_foyer, nb_enfants, taux)
    tous = pl.concat(
        [caf.with_columns(pl.lit(True).alias("sur_caf")), autres.with_columns(pl.lit(False).alias("sur_caf"))]
    )
    tous = _ecarter(_rendre(tous, rng), date_reference, taux, rng, graine)
    return _assembler(tous, date_reference, rng)


def _assembler(tous: pl.DataFrame, jour: date, rng: np.random.Generator) -> JeuSynthetique:
    n = tous.height
    reference = np.datetime64(jour, "D").astype(np.int64)
    age = (reference - tous["naissance"].to_numpy()) / 365.25
    niveau = np.digitize(age, [6, 11, 15])
    numero_uai = tous["adr_commune"].to_numpy() * 100 + niveau * 20 + rng.integers(0, 20, n)
    lettres = np.array(list("ABCDEFGHJKLMNPRSTUVWXYZ"))
    tous = tous.with_columns(
        pl.Series("age", age),
        (
            pl.lit("099")
            + pl.Series(numero_uai).cast(pl.Utf8).str.zfill(4)
            + pl.Series(lettres[numero_uai % 23]).cast(pl.Utf8)
        ).alias("uai_ecole"),
        (
            pl.Series(rng.integers(0, 10**10, n)).cast(pl.Utf8).str.zfill(10)
            + pl.Series(lettres[rng.integers(0, 23, n)]).cast(pl.Utf8)
        ).alias("ine_tire"),
        pl.Series("mode_declare", rng.choice(MODES_DECLARES, size=n, p=[0.45, 0.25, 0.2, 0.1])),
        pl.Series("u_adresse_eco", rng.random(n)),
    )
    familles = tous.filter(pl.col("sur_caf"))
    familles = familles.with_columns(_identifiants("F", familles.height).alias("id"))
    # Les registres arrivent dans un ordre sans rapport avec la liste CAF.
    eleves = tous.filter(pl.col("ecole") | pl.col("declare")).select(
        "enfant", "declare", "age", "mode_declare", "u_adresse_eco", "ine_tire", "uai_ecole",
        pl.col("^eco_.*$"),
    )  # fmt: skip
    eleves = eleves[rng.permutation(eleves.height)].with_columns(
        _identifiants("I", eleves.height).alias("id")
    )
    mode = pl.when(pl.col("declare")).then(pl.col("mode_declare")).otherwise(pl.lit("ecole"))
    # ONDE donne souvent l'adresse, SIECLE plus rarement ; les listes déclarées toujours.
    avec_adresse = pl.col("declare") | (
        pl.col("u_adresse_eco") < pl.when(pl.col("age") < 11).then(0.85).otherwise(0.4)
    )
    inscrits = eleves.select(
        "id",
        pl.col("eco_nom").alias("nom"),
        pl.col("eco_nom_usage").alias("nom_usage"),
        pl.col("eco_prenoms").alias("prenoms"),
        pl.col("eco_naissance").cast(pl.Date).alias("date_naissance"),
        pl.col("eco_sexe").alias("sexe"),
        pl.when(mode == "ief").then(None).otherwise(pl.col("ine_tire")).alias("ine"),
        pl.when(mode.is_in(["ief", "cned"])).then(None).otherwise(pl.col("uai_ecole")).alias("uai"),
        pl.when(avec_adresse).then(pl.col("eco_adresse")).alias("adresse"),
        pl.when(avec_adresse).then(pl.col("eco_code_postal")).alias("code_postal"),
        pl.when(avec_adresse).then(pl.col("eco_commune")).alias("commune"),
        mode.alias("mode"),
    )
    lien = eleves.select("enfant", pl.col("id").alias("id_inscrit"))
    verite = familles.join(lien, on="enfant", how="left", maintain_order="left").select(
        pl.col("id").alias("id_famille"),
        "id_inscrit",
        pl.when(~pl.col("soumis"))
        .then(pl.lit("hors_obligation"))
        .when(pl.col("absent"))
        .then(pl.lit("non_apparie"))
        .when(pl.col("declare"))
        .then(pl.lit("instruction_declaree"))
        .otherwise(pl.lit("apparie"))
        .alias("statut"),
        "jumeau",
        "ecarts",
    )
    familles = familles.select(
        "id",
        pl.col("caf_nom").alias("nom"),
        pl.col("caf_prenoms").alias("prenoms"),
        pl.col("caf_naissance").cast(pl.Date).alias("date_naissance"),
        pl.col("caf_sexe").alias("sexe"),
        pl.col("caf_nom_allocataire").alias("nom_allocataire"),
        pl.col("caf_prenom_allocataire").alias("prenom_allocataire"),
        pl.col("caf_adresse").alias("adresse"),
        "code_postal",
        pl.col("caf_commune").alias("commune"),
    )
    return JeuSynthetique(familles=familles, inscrits=inscrits, verite=verite)
