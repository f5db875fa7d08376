// DuckDB side of the kash benchmark (tests/bench/run.sh), through the
// @duckdb/node-api package. Times are taken in-process with performance.now()
// around the statements alone (node's start-up and the opening of the database
// are outside them), one line per timed run on standard output, in seconds.
//
//   node duck.mjs query DB SQL OUT RUNS
//       one connection; SQL once as a warm-up, then RUNS timed runs; the
//       answer of the last run goes to OUT as CSV
//   node duck.mjs import DB SQL RUNS CHECK OUT
//       warm-up + RUNS runs, each into a new database file DB (removed first):
//       timed from opening the new file to the end of SQL (which ends in a
//       CHECKPOINT); then the answer of CHECK on the last database goes to OUT
//   node duck.mjs reassign SRC SCRATCH SQL RUNS CHECK OUT
//       warm-up + RUNS runs, each on a fresh copy SCRATCH of SRC (the copy and
//       the opening are not timed), timing SQL; CHECK's answer after the last
//       run goes to OUT
//   node duck.mjs startup DB SQL OUT
//       open DB, run SQL, write its answer to OUT (run.sh times the process)
//
// A SQL file may hold several statements, each ending with ';' at the end of a
// line; every statement that returns columns adds its header and rows to the
// CSV answer, as the sqlite3 shell does with -csv -header.
import fs from 'node:fs';
import { performance } from 'node:perf_hooks';
import { DuckDBInstance, ResultReturnType } from '@duckdb/node-api';

function statements(path) {
    const text = fs.readFileSync(path, 'utf8')
        .split('\n')
        .filter((line) => !/^\s*--/.test(line))
        .join('\n');
    return text.split(/;[ \t]*(?:\n|$)/).map((s) => s.trim()).filter((s) => s !== '');
}

function csvField(v) {
    if (v === null || v === undefined) return '';
    const s = String(v);  // numbers, bigints, booleans, DuckDB date/timestamp values
    return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

// Runs every statement; returns the CSV text of those that return columns.
async function runAll(conn, stmts) {
    let out = '';
    for (const sql of stmts) {
        const reader = await conn.runAndReadAll(sql);
        if (reader.returnType !== ResultReturnType.QUERY_RESULT) continue;  // not a query
        const names = reader.columnNames();
        out += names.map(csvField).join(',') + '\n';
        for (const row of reader.getRows()) out += row.map(csvField).join(',') + '\n';
    }
    return out;
}

async function timed(conn, stmts) {
    const t0 = performance.now();
    const out = await runAll(conn, stmts);
    return { seconds: (performance.now() - t0) / 1000, out };
}

function removeDb(path) {
    for (const p of [path, `${path}.wal`]) fs.rmSync(p, { force: true });
}

async function open(path) {
    const instance = await DuckDBInstance.create(path);
    return { instance, conn: await instance.connect() };
}

function close(db) {
    db.conn.closeSync();
    db.instance.closeSync();
}

const [mode, ...args] = process.argv.slice(2);
const times = [];

if (mode === 'query') {
    const [db, sql, out, runs] = args;
    const stmts = statements(sql);
    const d = await open(db);
    await runAll(d.conn, stmts);  // warm-up
    let last = '';
    for (let i = 0; i < Number(runs); i++) {
        const r = await timed(d.conn, stmts);
        times.push(r.seconds);
        last = r.out;
    }
    fs.writeFileSync(out, last);
    close(d);
} else if (mode === 'import') {
    const [db, sql, runs, check, out] = args;
    const stmts = statements(sql);
    for (let i = 0; i <= Number(runs); i++) {
        removeDb(db);
        const t0 = performance.now();
        const d = await open(db);
        await runAll(d.conn, stmts);
        const seconds = (performance.now() - t0) / 1000;
        if (i > 0) times.push(seconds);  // run 0 is the warm-up
        if (i === Number(runs)) fs.writeFileSync(out, await runAll(d.conn, statements(check)));
        close(d);
    }
} else if (mode === 'reassign') {
    const [src, scratch, sql, runs, check, out] = args;
    const stmts = statements(sql);
    for (let i = 0; i <= Number(runs); i++) {
        removeDb(scratch);
        fs.copyFileSync(src, scratch);
        const d = await open(scratch);
        const r = await timed(d.conn, stmts);
        if (i > 0) times.push(r.seconds);
        if (i === Number(runs)) fs.writeFileSync(out, await runAll(d.conn, statements(check)));
        close(d);
    }
} else if (mode === 'startup') {
    const [db, sql, out] = args;
    const d = await open(db);
    fs.writeFileSync(out, await runAll(d.conn, statements(sql)));
    close(d);
} else {
    console.error('usage: node duck.mjs query|import|reassign|startup ARGS… (see the comment at the top)');
    process.exit(2);
}
for (const t of times) console.log(t.toFixed(6));
