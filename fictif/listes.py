"""Les listes dont on tire les identités fictives : noms, prénoms, voies, communes inventées.

Noms et prénoms sont ordonnés du plus au moins fréquent ; « A|B » donne les variantes d'écriture
d'un même nom. Codes postaux en 99xxx, qui n'existent pas en France.
"""

from __future__ import annotations

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
TRAINE: dict[str, tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...]]] = {
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
