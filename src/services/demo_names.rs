//! The fictional people of the demo congress: names and the towns they come from.

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
