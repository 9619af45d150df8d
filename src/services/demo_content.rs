//! The demo congress's fictional content: the workshop titles of its second day, and the
//! people who register (names and the towns they come from).

pub(super) const FIRST_NAMES: [&str; 30] = [
    "Anna", "Ben", "Carla", "David", "Elif", "Felix", "Greta", "Hannes", "Ida", "Jan", "Kerstin",
    "Lars", "Mia", "Niklas", "Olga", "Pascal", "Queenie", "Rahel", "Sven", "Tanja", "Ugo", "Vera",
    "Wolfgang", "Xenia", "Yusuf", "Zoe", "Malte", "Leyla", "Jonas", "Birte",
];
pub(super) const LAST_NAMES: [&str; 25] = [
    "Albrecht", "Bauer", "Çelik", "Dietrich", "Engel", "Fischer", "Graf", "Hoffmann", "Iversen",
    "Jäger", "Krüger", "Lorenz", "Meier", "Nowak", "Ott", "Peters", "Quast", "Richter", "Schulz",
    "Thiele", "Ulrich", "Vogt", "Wagner", "Yilmaz", "Zimmer",
];
pub(super) const TOWNS: [&str; 12] = [
    "Stadt Lindenau",
    "Stadt Nordhafen",
    "Gemeinde Almtal",
    "Kreis Seewinkel",
    "Stadt Rheinfeld",
    "Stadt Weißenbach",
    "Landkreis Hügelland",
    "Stadt Südtal",
    "Gemeinde Bergheim",
    "Stadt Auenburg",
    "Markt Wiesental",
    "Stadt Donaueck",
];

/// Workshop titles of day 2, block 1 and block 2, with their track (index into TRACKS).
pub(super) const WORKSHOPS: [[(&str, usize); 11]; 2] = [
    [
        ("Urbane Datenplattformen in der Praxis", 0),
        ("Digitale Zwillinge für die Stadtplanung", 0),
        ("Open Data rechtssicher veröffentlichen", 4),
        ("Sensorik im Straßenraum", 1),
        ("Bürgerbeteiligung online und vor Ort", 2),
        ("KI in der Verwaltung – Chancen und Grenzen", 4),
        ("Smarte Parkraumbewirtschaftung", 1),
        ("Klimaanpassung mit Daten", 3),
        ("Kommunale Wärmeplanung digital", 3),
        ("Interkommunale Kooperation", 2),
        ("Beschaffung agil gestalten", 4),
    ],
    [
        ("Datenschutz by Design", 4),
        ("Mobilitätsstationen planen", 1),
        ("LoRaWAN-Netze betreiben", 0),
        ("Digitale Barrierefreiheit", 2),
        ("Stadtentwicklung mit Jugendlichen", 2),
        ("Open Source in Kommunen", 0),
        ("Smarte Straßenbeleuchtung", 3),
        ("Wirkung von Smart-City-Projekten messen", 2),
        ("Krisenresilienz und kritische Infrastruktur", 3),
        ("Change-Management in der Verwaltung", 4),
        ("Geschäftsmodelle für Datenplattformen", 0),
    ],
];
