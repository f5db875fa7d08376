# Compares kash's CSV output with sqlite3's for tests/suites/sqlite_compare.sh.
#   awk -f compare.awk KASH.csv SQLITE.csv
# Prints nothing and exits 0 when they agree; otherwise prints the first
# differences (indented, at most MAXDIFF of them) and exits 1.
#
# Both files are parsed as RFC 4180 CSV (quoted fields may hold commas, quotes
# and newlines; a CR before a record's LF is dropped), so quoting style does
# not matter, only the field values. Two values are equal when
#   - they are the same text, or
#   - both are numbers (sqlite writes 3.0 and 1.0e+20 where kash writes 3 and
#     1e+20) within a relative tolerance of 1e-9 (absolute 1e-12 near zero),
#   - or they are the same truth value: kash writes true/false, sqlite 1/0.
# Null is an empty field in both. Dates and datetimes are compared as text:
# both write 2024-03-31 and "2024-03-31 14:05:00".
# The header (first record) must match exactly. sqlite3 prints no header for
# an empty result, so an empty sqlite output only requires kash to print a
# header and no rows.
# Plain POSIX awk (mawk on Debian).

BEGIN { MAXDIFF = 5; nf_file = 0; nrec[1] = 0; nrec[2] = 0 }

FNR == 1 {
    # (an empty file has no FNR == 1, hence FILENAME rather than counting)
    if (nf_file > 0 && inq) bad[nf_file] = "unterminated quoted field"
    nf_file = (FILENAME == ARGV[1]) ? 1 : 2
    nrec[nf_file] = 0
    inq = 0
}

{
    line = $0
    if (!inq) {
        sub(/\r$/, "", line)
        nrec[nf_file]++
        r = nrec[nf_file]
        nfield[nf_file, r] = 1
        cur = ""
    } else {
        # a newline inside a quoted field
        cur = cur "\n"
        sub(/\r$/, "", line)    # CRLF inside quotes: keep LF only (kash and sqlite agree on LF)
    }
    n = length(line)
    i = 1
    while (i <= n) {
        c = substr(line, i, 1)
        if (inq) {
            if (c == "\"") {
                if (substr(line, i + 1, 1) == "\"") { cur = cur "\""; i += 2; continue }
                inq = 0; i++; continue
            }
            # copy a run of ordinary characters at once
            j = index(substr(line, i), "\"")
            if (j == 0) { cur = cur substr(line, i); i = n + 1 } else { cur = cur substr(line, i, j - 1); i += j - 1 }
            continue
        }
        if (c == "\"") { inq = 1; i++; continue }
        if (c == ",") {
            field[nf_file, r, nfield[nf_file, r]] = cur
            nfield[nf_file, r]++
            cur = ""; i++; continue
        }
        j = match(substr(line, i), /[",]/)
        if (j == 0) { cur = cur substr(line, i); i = n + 1 } else { cur = cur substr(line, i, j - 1); i += j - 1 }
    }
    if (!inq) field[nf_file, r, nfield[nf_file, r]] = cur
}

function isnum(s) {
    return s ~ /^[-+]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][-+]?[0-9]+)?$/
}

function truth(s) {
    if (s == "true") return "1"
    if (s == "false") return "0"
    return s
}

function same(a, b,    x, y, d, m) {
    if (a == b) return 1
    a = truth(a); b = truth(b)
    if (a == b) return 1
    if (isnum(a) && isnum(b)) {
        x = a + 0; y = b + 0
        d = x - y; if (d < 0) d = -d
        m = x < 0 ? -x : x
        if (y < 0 ? -y > m : y > m) m = y < 0 ? -y : y
        return d <= 1e-9 * m || d <= 1e-12
    }
    return 0
}

function show(s) {
    gsub(/\n/, "\\n", s)
    if (length(s) > 60) s = substr(s, 1, 57) "..."
    return "[" s "]"
}

function diff(msg) {
    ndiff++
    if (ndiff <= MAXDIFF) print "    " msg
}

function joined(f, r,    k, s) {
    s = ""
    for (k = 1; k <= nfield[f, r]; k++) s = s (k > 1 ? "," : "") field[f, r, k]
    return s
}

function rowtext(f, r) {
    return show(joined(f, r))
}

END {
    if (nf_file > 0 && inq) bad[nf_file] = "unterminated quoted field"
    ndiff = 0
    if (bad[1] != "") diff("kash output: " bad[1])
    if (bad[2] != "") diff("sqlite output: " bad[2])
    if (nrec[2] == 0) {
        # sqlite3 prints no header for an empty result
        if (nrec[1] != 1) diff("sqlite: no rows; kash: " (nrec[1] == 0 ? "no output (not even a header)" : (nrec[1] - 1) " rows, first " rowtext(1, 2)))
        exit (ndiff > 0)
    }
    if (nrec[1] == 0) { diff("kash printed nothing; sqlite: header " rowtext(2, 1) " and " (nrec[2] - 1) " rows"); exit 1 }
    # header: exact
    if (joined(1, 1) != joined(2, 1)) diff("header: kash " rowtext(1, 1) " sqlite " rowtext(2, 1))
    if (nrec[1] != nrec[2]) diff("rows: kash " (nrec[1] - 1) ", sqlite " (nrec[2] - 1))
    nr = nrec[1] < nrec[2] ? nrec[1] : nrec[2]
    for (r = 2; r <= nr; r++) {
        if (nfield[1, r] != nfield[2, r]) {
            diff("row " (r - 1) ": kash " nfield[1, r] " fields " rowtext(1, r) ", sqlite " nfield[2, r] " " rowtext(2, r))
            continue
        }
        for (k = 1; k <= nfield[1, r]; k++)
            if (!same(field[1, r, k], field[2, r, k]))
                diff("row " (r - 1) " " field[1, 1, k] ": kash " show(field[1, r, k]) " sqlite " show(field[2, r, k]))
    }
    if (nrec[1] > nrec[2]) diff("first extra kash row: " rowtext(1, nrec[2] + 1))
    if (nrec[2] > nrec[1]) diff("first extra sqlite row: " rowtext(2, nrec[1] + 1))
    if (ndiff > MAXDIFF) print "    ... " (ndiff - MAXDIFF) " more differences"
    exit (ndiff > 0)
}
