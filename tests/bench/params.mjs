// Picks the data-dependent parameters of the benchmark workloads from the
// generated CSV files themselves, so that no engine chooses its own inputs:
//
//   node params.mjs DATA_DIR > params.env
//
// Prints KEY=VALUE lines (run.sh puts VALUE in place of {{KEY}} in the
// workload files):
//   ACCOUNT        the account with the most interactions (ties: lowest id),
//                  for the history workload
//   FROM_MANAGERS  the 10 managers holding the most accounts (ties: lowest id),
//                  as a quoted list: 'm25', 'm36', …
//   TO_MANAGERS    the 10 active managers holding the fewest accounts (ties:
//                  lowest id), not among FROM_MANAGERS, in id order (the
//                  order round-robin deals in)
//   TARGETS        the same as SQL VALUES rows numbered from 0: (0, 'm04'), …
//   MOVED          how many accounts the reassign workload moves:
//                  min(100000, accounts of FROM_MANAGERS)
import fs from 'node:fs';

// Calls onRecord(fields) for every record of an RFC 4180 file, header
// included. Reads the file in chunks; a small state machine handles quoted
// fields (commas, doubled quotes, line breaks) across chunk boundaries.
function eachRecord(path, onRecord) {
    const PLAIN = 0, QUOTED = 1, QUOTE_IN_QUOTED = 2;
    const fd = fs.openSync(path, 'r');
    const buf = Buffer.alloc(1 << 22);
    let fields = [], field = '', state = PLAIN, n;
    const endRecord = () => {
        if (fields.length > 1 || fields[0] !== '') onRecord(fields);  // skip blank lines
        fields = [];
    };
    while ((n = fs.readSync(fd, buf, 0, buf.length, null)) > 0) {
        const s = buf.toString('latin1', 0, n);  // separators are ASCII: bytes are enough
        let start = 0;
        for (let i = 0; i < n; i++) {
            const c = s.charCodeAt(i);
            if (state === QUOTED) {
                if (c === 34) { field += s.slice(start, i); state = QUOTE_IN_QUOTED; }
                continue;
            }
            if (state === QUOTE_IN_QUOTED) {
                if (c === 34) { field += '"'; start = i + 1; state = QUOTED; continue; }
                state = PLAIN;
                start = i;
            }
            if (c === 34 && field === '' && start === i) { state = QUOTED; start = i + 1; }
            else if (c === 44) { fields.push(field + s.slice(start, i)); field = ''; start = i + 1; }
            else if (c === 10 || c === 13) {
                fields.push(field + s.slice(start, i)); field = ''; start = i + 1;
                endRecord();
            }
        }
        if (state !== QUOTE_IN_QUOTED) field += s.slice(start, n);
    }
    if (field !== '' || fields.length) { fields.push(field); endRecord(); }
    fs.closeSync(fd);
}

function column(header, name, path) {
    const i = header.indexOf(name);
    if (i < 0) throw new Error(`${path}: no column '${name}'`);
    return i;
}

// Counts the records of a CSV file by the value of one column.
function countBy(path, name) {
    const counts = new Map();
    let col = -1;
    eachRecord(path, (r) => {
        if (col < 0) { col = column(r, name, path); return; }
        const v = r[col];
        if (v !== '') counts.set(v, (counts.get(v) || 0) + 1);
    });
    return counts;
}

const byte = (a, b) => (a < b ? -1 : a > b ? 1 : 0);  // kash orders ids by bytes
const dir = process.argv[2];
if (!dir) {
    console.error('usage: node params.mjs DATA_DIR');
    process.exit(2);
}

const active = new Map();  // manager id -> active (null counts as active, as in kash)
{
    let h = null;
    eachRecord(`${dir}/managers.csv`, (r) => {
        if (!h) { h = { id: column(r, 'id', 'managers.csv'), active: column(r, 'active', 'managers.csv') }; return; }
        active.set(r[h.id], r[h.active].toLowerCase() !== 'false');
    });
}
const held = countBy(`${dir}/accounts.csv`, 'manager');
for (const id of active.keys()) if (!held.has(id)) held.set(id, 0);
const perAccount = countBy(`${dir}/interactions.csv`, 'account');

const busiest = [...perAccount].sort((a, b) => b[1] - a[1] || byte(a[0], b[0]))[0];
const most = [...held].sort((a, b) => b[1] - a[1] || byte(a[0], b[0])).slice(0, 10);
const from = new Set(most.map(([id]) => id));
const fewest = [...held]
    .filter(([id]) => active.get(id) === true && !from.has(id))
    .sort((a, b) => a[1] - b[1] || byte(a[0], b[0]))
    .slice(0, 10);
if (!busiest || most.length < 10 || fewest.length < 10) {
    console.error(`params.mjs: the data in ${dir} is too small (need 20 managers, 10 of them active, and interactions)`);
    process.exit(1);
}
const ids = (pairs) => pairs.map(([id]) => id).sort(byte);
const list = (pairs) => ids(pairs).map((id) => `'${id}'`).join(', ');
const moved = Math.min(100000, most.reduce((s, [, n]) => s + n, 0));
console.log(`ACCOUNT=${busiest[0]}`);
console.log(`FROM_MANAGERS=${list(most)}`);
console.log(`TO_MANAGERS=${list(fewest)}`);
console.log(`TARGETS=${ids(fewest).map((id, k) => `(${k}, '${id}')`).join(', ')}`);
console.log(`MOVED=${moved}`);
