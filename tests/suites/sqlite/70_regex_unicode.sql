SELECT id, name FROM accounts
WHERE length(name) BETWEEN 1 AND 12
   OR instr(name, 'é') OR instr(name, 'É') OR instr(name, 'ł') OR instr(name, 'Ł')
ORDER BY id;
