-- Organizer addresses are stored case-folded: the login form and the team form look them up
-- lowercased, so an account created as "Anna@example.org" could never log in. An address whose
-- lowercase form another account holds already is left as it was (two accounts would collide).
UPDATE organizers
SET email = lower(email)
WHERE email <> lower(email)
  AND lower(email) NOT IN (SELECT email FROM organizers);
