// The answers of kash, sqlite3 and DuckDB in one canonical form, and their
// comparison (tests/bench/run.sh):
//
//   node answers.mjs norm [--sort] [--unpivot] IN OUT
//   node answers.mjs same A B
//
// norm rewrites an engine's CSV answer:
// - every field that reads as a number is written as the shortest text of
//   that number (3.0 → 3, 1.0e+20 → 1e+20), since the engines print numbers
//   differently; null is an empty field in all three; quoting is redone, only
//   where a field needs it;
// - --unpivot turns kash's wide retention table (cohort, size, p0 … pN,
//   complete) into the long form the SQL engines return: one row
//   cohort,size,k,n per non-empty, non-zero cell (an answer without a p0
//   column is left as it is);
// - --sort sorts the rows after the header (for answers whose row order the
//   query does not define, or defines differently per engine, such as the
//   place of null among group keys).
// same compares two normalised answers field by field: equal text, or numbers
// within a relative 1e-9 (the engines add floats in different orders). It
// prints the first differing rows and exits 1 when they differ.
import fs from 'node:fs';

function parse(text) {
    const rows = [];
    let row = [], field = '', i = 0, quoted = false;
    while (i < text.length) {
        const c = text[i];
        if (quoted) {
            if (c === '"' && text[i + 1] === '"') { field += '"'; i += 2; continue; }
            if (c === '"') { quoted = false; i++; continue; }
            field += c; i++; continue;
        }
        if (c === '"' && field === '') { quoted = true; i++; continue; }
        if (c === ',') { row.push(field); field = ''; i++; continue; }
        if (c === '\r' && text[i + 1] === '\n') { i++; continue; }
        if (c === '\n') { row.push(field); rows.push(row); row = []; field = ''; i++; continue; }
        field += c; i++;
    }
    if (field !== '' || row.length) { row.push(field); rows.push(row); }
    return rows;
}

const NUMBER = /^[-+]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][-+]?[0-9]+)?$/;

function value(s) {
    return NUMBER.test(s) ? String(Number(s)) : s;
}

function quote(s) {
    return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

function unpivot(rows) {
    const [header, ...body] = rows;
    const at = (name) => header.indexOf(name);
    const out = [['cohort', 'size', 'k', 'n']];
    for (const r of body) {
        header.forEach((name, j) => {
            const m = /^p([0-9]+)$/.exec(name);
            if (m && r[j] !== '' && Number(r[j]) !== 0) out.push([r[at('cohort')], r[at('size')], m[1], r[j]]);
        });
    }
    return out;
}

function norm(args) {
    const flags = new Set(args.filter((a) => a.startsWith('--')));
    const [inPath, outPath] = args.filter((a) => !a.startsWith('--'));
    let rows = parse(fs.readFileSync(inPath, 'utf8'));
    if (flags.has('--unpivot') && rows.length && rows[0].includes('p0')) rows = unpivot(rows);
    let lines = rows.map((r) => r.map((f) => quote(value(f))).join(','));
    if (flags.has('--sort') && lines.length) lines = [lines[0], ...lines.slice(1).sort()];
    fs.writeFileSync(outPath, lines.map((l) => l + '\n').join(''));
}

function close(a, b) {
    if (a === b) return true;
    if (!NUMBER.test(a) || !NUMBER.test(b)) return false;
    const x = Number(a), y = Number(b);
    return Math.abs(x - y) <= 1e-9 * Math.max(Math.abs(x), Math.abs(y), 1e-3);
}

function same(pathA, pathB) {
    const a = parse(fs.readFileSync(pathA, 'utf8'));
    const b = parse(fs.readFileSync(pathB, 'utf8'));
    const shown = [];
    for (let i = 0; i < Math.max(a.length, b.length); i++) {
        const ra = a[i] || [], rb = b[i] || [];
        if (ra.length === rb.length && ra.every((f, j) => close(f, rb[j]))) continue;
        if (shown.length < 10) shown.push(`    line ${i + 1}:\n      - ${ra.map(quote).join(',')}\n      + ${rb.map(quote).join(',')}`);
        else { shown.push('    …'); break; }
    }
    if (a.length !== b.length) shown.unshift(`    ${a.length} lines (-) against ${b.length} (+)`);
    if (shown.length === 0) return 0;
    console.log(shown.join('\n'));
    return 1;
}

const [command, ...args] = process.argv.slice(2);
if (command === 'norm' && args.filter((a) => !a.startsWith('--')).length === 2) norm(args);
else if (command === 'same' && args.length === 2) process.exit(same(args[0], args[1]));
else {
    console.error('usage: node answers.mjs norm [--sort] [--unpivot] IN OUT | same A B');
    process.exit(2);
}
