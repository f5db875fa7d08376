SELECT id, employees FROM accounts
ORDER BY employees NULLS LAST, id LIMIT 12 OFFSET 2735;
