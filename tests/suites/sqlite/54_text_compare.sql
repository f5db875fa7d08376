SELECT id, name FROM accounts
WHERE name >= 'M' AND name < 'N' OR name > 'Z'
ORDER BY name DESC, id;
