"""Small, made-up-but-plausible lists for the demo borough.

Names are common given names and surnames of the communities of an outer
London borough; streets and postcode districts are in the style of a west
London borough (TW3, TW4, TW5, TW7, TW8, TW13, TW14, W4). Every generated
person is fictional: names, dates of birth and addresses are combined at
random. All text is encodable in Windows-1252 (some demo CSVs use it).
"""

from __future__ import annotations

#: Naming groups: (weight, male first names, female first names, surnames).
GROUPS: dict[str, tuple[float, list[str], list[str], list[str]]] = {
    "british": (40, [
        "James", "John", "David", "Michael", "Paul", "Mark", "Andrew", "Richard", "Peter", "Stephen",
        "Robert", "Christopher", "Daniel", "Thomas", "Matthew", "Anthony", "Steven", "Gary", "Kevin",
        "Jack", "Harry", "George", "Oliver", "Charlie", "Alfie", "Joshua", "William", "Samuel",
        "Ryan", "Liam", "Connor", "Sean", "Patrick", "Brian", "Kenneth", "Raymond", "Terence",
        "Derek", "Leslie", "Ronald", "Dennis", "Albert", "Frank", "Arthur", "Noah", "Leo",
    ], [
        "Sarah", "Emma", "Claire", "Lisa", "Karen", "Susan", "Julie", "Helen", "Nicola", "Rachel",
        "Jennifer", "Margaret", "Patricia", "Elizabeth", "Catherine", "Joan", "Dorothy", "Jean",
        "Barbara", "Sheila", "Maureen", "Pauline", "Christine", "Linda", "Hannah", "Jessica",
        "Sophie", "Chloe", "Amelia", "Olivia", "Emily", "Grace", "Lily", "Ella", "Mia", "Ruby",
        "Zoë", "Siân", "Bethan", "Niamh", "Siobhan", "Kerry", "Louise", "Victoria", "Charlotte",
    ], [
        "Smith", "Jones", "Williams", "Brown", "Taylor", "Davies", "Evans", "Wilson", "Thomas",
        "Roberts", "Johnson", "Walker", "Wright", "Robinson", "Thompson", "White", "Hughes",
        "Edwards", "Green", "Hall", "Wood", "Harris", "Lewis", "Martin", "Jackson", "Clarke",
        "Turner", "Hill", "Scott", "Cooper", "Morris", "Ward", "Moore", "King", "Watson", "Baker",
        "Harrison", "Morgan", "Young", "Allen", "Mitchell", "Phillips", "Bell", "Parker", "Collins",
        "O'Brien", "O'Connor", "Murphy", "Kelly", "McDonald", "Fitzgerald", "Doherty", "Lynch",
        "Smith-Jones", "Bennett", "Cox", "Shaw", "Holmes", "Price", "Griffiths", "Marshall",
    ]),
    "punjabi": (14, [
        "Gurpreet", "Harjit", "Jaspal", "Kuldip", "Manjit", "Sukhdev", "Baljit", "Amarjit", "Harpreet",
        "Jasvir", "Parminder", "Ranjit", "Satnam", "Tejinder", "Arjun", "Harman", "Jaskaran", "Karan",
        "Ravinder", "Sandeep", "Gurdeep", "Inderjit", "Balwinder", "Avtar",
    ], [
        "Harjinder", "Jasbir", "Kulwinder", "Manpreet", "Navdeep", "Parmjit", "Rajinder", "Sukhjit",
        "Amandeep", "Baljinder", "Gurpreet", "Harpreet", "Jaspreet", "Kiranjit", "Simran", "Navneet",
        "Rupinder", "Surinder", "Charanjit", "Jasleen", "Amrit", "Gurleen",
    ], [
        "Singh", "Kaur", "Gill", "Sandhu", "Dhillon", "Grewal", "Bains", "Sidhu", "Johal", "Virdi",
        "Sahota", "Bhogal", "Kang", "Mann", "Atwal", "Chahal", "Rai", "Sangha", "Basra", "Dhaliwal",
    ]),
    "gujarati_hindi": (10, [
        "Rajesh", "Sanjay", "Vijay", "Amit", "Nilesh", "Dinesh", "Ramesh", "Suresh", "Mahesh", "Hitesh",
        "Ashok", "Pradeep", "Rahul", "Rohan", "Vikram", "Anil", "Deepak", "Kiran", "Nikhil", "Jayesh",
    ], [
        "Priya", "Anjali", "Sunita", "Neha", "Pooja", "Meera", "Asha", "Geeta", "Rekha", "Shanti",
        "Hema", "Kavita", "Nisha", "Ritu", "Sonal", "Bhavna", "Hetal", "Jyoti", "Leela", "Divya",
    ], [
        "Patel", "Shah", "Mistry", "Desai", "Joshi", "Mehta", "Sharma", "Chauhan", "Parmar", "Solanki",
        "Pandya", "Thakkar", "Kumar", "Gupta", "Verma", "Nair", "Pillai", "Iyer", "Rao", "Varma",
    ]),
    "muslim": (14, [
        "Mohammed", "Muhammad", "Ahmed", "Ali", "Hassan", "Hussain", "Imran", "Tariq", "Bilal", "Usman",
        "Omar", "Yusuf", "Ibrahim", "Zain", "Hamza", "Faisal", "Khalid", "Abdul", "Rashid", "Shahid",
        "Abdirahman", "Mustafa", "Ayaan", "Adam",
    ], [
        "Fatima", "Aisha", "Ayesha", "Zainab", "Maryam", "Amina", "Khadija", "Nadia", "Samina", "Shazia",
        "Rukhsana", "Nasreen", "Farzana", "Sadia", "Hafsa", "Safiya", "Yasmin", "Ruqayyah", "Hodan",
        "Sumaya", "Iqra", "Hana",
    ], [
        "Khan", "Ahmed", "Ali", "Hussain", "Begum", "Rahman", "Islam", "Uddin", "Mohamed", "Shah",
        "Iqbal", "Malik", "Butt", "Akhtar", "Qureshi", "Chaudhry", "Mahmood", "Aziz", "Farah", "Warsame",
        "Abdi", "Hassan", "Bibi", "Miah",
    ]),
    "european": (12, [
        "Piotr", "Tomasz", "Krzysztof", "Pawel", "Marek", "Andrei", "Ion", "Mihai", "Florin", "Bogdan",
        "João", "Pedro", "Tiago", "Luís", "José", "Marco", "Luca", "Giorgos", "Nikos", "Dimitar",
    ], [
        "Anna", "Katarzyna", "Magdalena", "Agnieszka", "Joanna", "Elena", "Maria", "Ioana", "Andreea",
        "Mihaela", "Ana", "Inês", "Beatriz", "Giulia", "Francesca", "Renée", "Zofia", "Natalia",
    ], [
        "Nowak", "Kowalski", "Wojcik", "Kaminski", "Lewandowski", "Zielinski", "Popescu", "Ionescu",
        "Popa", "Dumitru", "Stan", "Silva", "Santos", "Ferreira", "Pereira", "Costa", "Rossi",
        "Russo", "Papadopoulos", "Petrov", "Nuñez", "García",
    ]),
    "african_caribbean": (10, [
        "Emmanuel", "Samuel", "Daniel", "Kwame", "Kofi", "Chinedu", "Oluwaseun", "Tunde", "Femi",
        "Joseph", "Isaac", "Marcus", "Tyrone", "Andre", "Jermaine", "Delroy", "Winston", "Desmond",
    ], [
        "Grace", "Blessing", "Chioma", "Adaeze", "Funmilayo", "Abena", "Ama", "Esther", "Comfort",
        "Precious", "Shanice", "Keisha", "Tanisha", "Marcia", "Beverley", "Hyacinth", "Joy", "Faith",
    ], [
        "Okafor", "Adeyemi", "Mensah", "Boateng", "Osei", "Okoye", "Adebayo", "Owusu", "Asante",
        "Eze", "Campbell", "Brown", "Williams", "Francis", "Richards", "Grant", "Henry", "Reid",
    ]),
}

#: Spelling variants a different system may hold for the same person.
FIRST_NAME_VARIANTS: dict[str, list[str]] = {
    "Mohammed": ["Muhammad", "Mohammad", "Mohamed"], "Muhammad": ["Mohammed", "Muhammed"],
    "Catherine": ["Katherine", "Kathryn"], "Stephen": ["Steven"], "Steven": ["Stephen"],
    "Sean": ["Shaun"], "Zoë": ["Zoe"], "Siân": ["Sian"], "Luís": ["Luis"], "José": ["Jose"],
    "João": ["Joao"], "Inês": ["Ines"], "Renée": ["Renee"], "Ayesha": ["Aisha"], "Aisha": ["Ayesha"],
    "Yusuf": ["Yousuf", "Yousef"], "Gurpreet": ["Gurprit"], "Sarah": ["Sara"], "Jennifer": ["Jenny"],
    "Elizabeth": ["Liz", "Beth"], "Margaret": ["Maggie"], "Christopher": ["Chris"],
    "Michael": ["Mike"], "Daniel": ["Danny", "Dan"], "Robert": ["Bob", "Rob"], "William": ["Bill"],
    "Anthony": ["Tony"], "Kenneth": ["Ken"], "Patricia": ["Pat"], "Thomas": ["Tom"],
    "Victoria": ["Vicky"], "Nicola": ["Nicky"], "Samuel": ["Sam"], "Joshua": ["Josh"],
    "Matthew": ["Matt"], "Richard": ["Rich"], "Andrew": ["Andy"], "Oluwaseun": ["Seun"],
    "Abdirahman": ["Abdi Rahman"], "Mustafa": ["Mustapha"], "Zainab": ["Zaynab"],
}

SURNAME_VARIANTS: dict[str, list[str]] = {
    "O'Brien": ["OBrien", "O Brien"], "O'Connor": ["OConnor", "O Connor"],
    "McDonald": ["MacDonald", "Mc Donald"], "Smith-Jones": ["Smith Jones", "Jones"],
    "Chaudhry": ["Choudhury", "Chaudhary"], "Mohamed": ["Mohammed"], "Hussain": ["Hussein"],
    "Nuñez": ["Nunez"], "García": ["Garcia"], "Wojcik": ["Wojcick"], "Iqbal": ["Iqbaal"],
    "Clarke": ["Clark"], "Begum": ["Begam"],
}

#: Postcode districts of the demo borough: district -> (area, post town).
DISTRICTS: dict[str, tuple[str, str]] = {
    "TW3": ("Hounslow", "Hounslow"),
    "TW4": ("Hounslow West", "Hounslow"),
    "TW5": ("Heston", "Hounslow"),
    "TW7": ("Isleworth", "Isleworth"),
    "TW8": ("Brentford", "Brentford"),
    "TW13": ("Hanworth", "Feltham"),
    "TW14": ("Bedfont", "Feltham"),
    "W4": ("Chiswick", "London"),
}
#: Relative number of homes per district.
DISTRICT_WEIGHTS = {"TW3": 16, "TW4": 14, "TW5": 12, "TW7": 14, "TW8": 9, "TW13": 14, "TW14": 11, "W4": 10}

#: Temporary accommodation outside the borough (hotels, B&Bs, annexes): district -> area, town.
TA_DISTRICTS: dict[str, tuple[str, str]] = {
    "UB3": ("Hayes", "Hayes"), "UB7": ("West Drayton", "West Drayton"), "SL3": ("Langley", "Slough"),
    "TW6": ("Heathrow", "Hounslow"), "W5": ("Ealing", "London"), "UB1": ("Southall", "Southall"),
    "TW15": ("Ashford", "Ashford"), "HA0": ("Wembley", "Wembley"),
}

STREET_STEMS = [
    "Bath", "Staines", "Great West", "London", "Lampton", "Wellington", "Whitton", "Hanworth",
    "Bedfont", "Cranford", "Heston", "Vicarage Farm", "Spring Grove", "Worton", "Twickenham",
    "Church", "Station", "High", "Park", "Victoria", "Albert", "Kingsley", "Martindale", "Beavers",
    "Hibernia", "Bulstrode", "Inwood", "Lampton Park", "Grove", "Manor", "Elm", "Oak", "Cedar",
    "Willow", "Chestnut", "Sutton", "Harlington", "Bell", "Hatton", "Feltham Hill", "Cambridge",
    "Grosvenor", "Wolsey", "Ashford", "Raleigh", "Thornbury", "Gresham", "Burns", "Tennyson",
    "Shelley", "Milton", "Chaucer", "Wordsworth", "Kipling", "Dickens", "Brunel", "Turner",
    "Constable", "Gainsborough", "Hogarth", "Turnham Green", "Chiswick High", "Devonshire",
    "Sutton Court", "Wellesley", "Jersey", "Syon", "Busch", "Ferry", "Butts", "Boston Manor",
    "Windmill", "Northumberland", "Percy", "Hartington", "Esher", "Kingston", "Sandringham",
]
STREET_SUFFIXES = ["Road", "Road", "Road", "Avenue", "Close", "Gardens", "Lane", "Way", "Drive",
                   "Crescent", "Street", "Place", "Court", "Grove"]
BLOCK_NAMES = ["Nelson House", "Kingfisher Court", "Heron Court", "Lampton House", "Treaty Centre Flats",
               "Cavendish House", "Brook House", "Riverside Court", "Albany Court", "Regent House",
               "Mercury House", "Cranford House", "Chaucer House", "Oriel Court", "Phoenix Court"]
TA_NAMES = ["Airport Lodge", "Bath Road Hotel", "Heathrow Guest House", "Station B&B", "Park Lodge",
            "Grand Lodge Hotel", "Ealing Guest House", "Sipson Annexe", "Colnbrook House", "Hayes Court",
            "Beacon Hostel", "Cranford Hostel", "Ashford Lodge", "Southall Guest House", "Wembley Inn"]

TITLES_MALE = ["Mr", "Mr", "Mr", "Mr", "Dr"]
TITLES_FEMALE = ["Mrs", "Ms", "Miss", "Mrs", "Ms"]

#: HMRC-valid National Insurance prefixes used for demo numbers.
NI_PREFIXES = ["AB", "AE", "CE", "EH", "GY", "HJ", "JA", "JK", "KL", "LM", "MA", "NA", "NP", "PA",
               "RE", "SR", "SZ", "TM", "WL", "WP", "YK", "ZA", "ZS"]
