-- GLOB is case-sensitive, like a regex without /i
SELECT id, name FROM accounts
WHERE name GLOB '[A-C]*' AND name NOT GLOB '*Ltd*' AND name NOT GLOB '*Inc*'
  AND name GLOB '*Corp'
ORDER BY name, id;
