SELECT account, kind, note FROM interactions
ORDER BY upper(note) DESC NULLS LAST, account, at LIMIT 40 OFFSET 5;
