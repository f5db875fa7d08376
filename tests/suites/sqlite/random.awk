# Random queries for tests/suites/sqlite_compare.sh: N pairs of a kash
# statement and the same question in SQL, over the suite's data (kash-gen
# values: tiers 1-3, four regions, six stages, ten industries). Each pair is
# printed as two lines, "kash<TAB>STATEMENT" and "sql<TAB>QUERY".
#
#   awk -v seed=1 -v n=120 -f random.awk
#
# Conditions are and/or/not trees of comparisons, between, in-lists and null
# tests on typed fields (and periods of `at`), with SQL's three-valued logic
# on both sides; the query shapes are count, group by with aggregates and
# top-N, arithmetic in select and groups filtered and paged over accounts,
# and group by over interactions (conditions on their account's fields too).

function pick(list,    a, k) {
    k = split(list, a, "|")
    return a[int(rand() * k) + 1]
}

# A literal for field F: sets KL (kash) and SL (SQL).
function literal(f,    x, d) {
    if (f == "tier") { KL = SL = pick("1|2|3"); return }
    if (f == "employees") { KL = SL = pick("5|50|223|1000"); return }
    if (f == "revenue") {
        x = pick("0|1000|50000|146924.69|250000|1500000")
        KL = x == "50000" ? "50k" : x == "1500000" ? "1.5M" : x
        SL = x
        return
    }
    if (f == "strategic" || f == "growth") { KL = SL = sprintf("%.1f", rand() * 10); return }
    if (f == "cac") { KL = SL = pick("500|2000|4955.67"); return }
    if (f == "region") { x = pick("NA|EMEA|APAC|LATAM|Mars"); KL = "\"" x "\""; SL = "'" x "'"; return }
    if (f == "stage") {
        x = pick("active|closed|development|at_risk|onboarding|prospect")
        KL = "\"" x "\""; SL = "'" x "'"; return
    }
    if (f == "industry") {
        x = pick("Software|Finance|Healthcare|Retail|Energy|Media|M")
        KL = "\"" x "\""; SL = "'" x "'"; return
    }
    if (f == "kind") {
        x = pick("order|call|email|meeting|ticket|survey|upsell|cross_sell|return")
        KL = "\"" x "\""; SL = "'" x "'"; return
    }
    if (f == "manager") { x = pick("m1|m7|m12|m30|m99"); KL = "\"" x "\""; SL = "'" x "'"; return }
    if (f == "amount") { KL = SL = pick("0|100|999.99|5000|20000"); return }
    if (f == "nps") { KL = SL = pick("0|6|7|8|9|10"); return }
    if (f == "csat") { KL = SL = pick("1|3|4|5"); return }
    if (f == "at") {
        d = sprintf("%04d-%02d-%02d", 2019 + int(rand() * 7), 1 + int(rand() * 12), 1 + int(rand() * 28))
        if (rand() < 0.5) { KL = d; SL = "'" d " 00:00:00'"; return }
        x = sprintf("%02d:%02d:%02d", int(rand() * 24), int(rand() * 60), int(rand() * 60))
        KL = d "T" x; SL = "'" d " " x "'"; return
    }
    if (f == "created" || f == "closed") {
        d = sprintf("%04d-%02d-%02d", 2018 + int(rand() * 8), 1 + int(rand() * 12), 1 + int(rand() * 28))
        KL = d; SL = "'" d "'"; return
    }
}

function field() {
    if (ENT == "interactions")
        return pick("kind|manager|amount|nps|csat|at|at|account.tier|account.region|account.revenue")
    return pick("tier|revenue|strategic|growth|cac|employees|region|stage|industry|created|closed")
}

# One comparison: sets KC and SC.
# The SQL of field F: interactions' own as i.F, their account's as a.F.
function sqlname(f) {
    if (ENT != "interactions") return f
    return f ~ /^account\./ ? "a." substr(f, 9) : "i." f
}

function atom(    f, sf, lf, op, k, klo, slo, i, kl, sl) {
    f = field()
    sf = sqlname(f)
    lf = f
    sub(/^account\./, "", lf)
    k = int(rand() * 10)
    if (f == "at" && k < 2) { # a period: a quarter or a month of a year
        i = 2019 + int(rand() * 7)
        if (rand() < 0.5) {
            k = 1 + int(rand() * 4)
            KC = "at in " i "-Q" k
            SC = sprintf("(i.at >= '%d-%02d-01' AND i.at < '%d-%02d-01')", i, 3 * k - 2,
                         k == 4 ? i + 1 : i, k == 4 ? 1 : 3 * k + 1)
        } else {
            k = 1 + int(rand() * 12)
            KC = sprintf("at in %d-%02d", i, k)
            SC = sprintf("(i.at >= '%d-%02d-01' AND i.at < '%d-%02d-01')", i, k,
                         k == 12 ? i + 1 : i, k == 12 ? 1 : k + 1)
        }
        return
    }
    if (k < 5) {
        op = pick("=|!=|<|<=|>|>=")
        literal(lf)
        KC = f " " op " " KL
        SC = sf " " (op == "!=" ? "<>" : op) " " SL
    } else if (k < 6) {
        literal(lf); klo = KL; slo = SL
        literal(lf) # bounds the wrong way round are a case too: nothing is between them
        i = rand() < 0.3 ? " not" : ""
        KC = f i " between " klo " and " KL
        SC = sf (i ? " NOT" : "") " BETWEEN " slo " AND " SL
    } else if (k < 8) {
        literal(lf); kl = KL; sl = SL
        for (i = 0; i < 2; i++) { literal(lf); kl = kl ", " KL; sl = sl ", " SL }
        i = rand() < 0.3
        KC = f (i ? " not" : "") " in (" kl ")"
        SC = sf (i ? " NOT" : "") " IN (" sl ")"
    } else {
        i = rand() < 0.5
        KC = f " is " (i ? "not " : "") "null"
        SC = sf " IS " (i ? "NOT " : "") "NULL"
    }
}

# A condition of DEPTH levels at most: sets KC and SC.
function cond(depth,    k, kl, sl, op) {
    k = rand()
    if (depth == 0 || k < 0.35) { atom(); return }
    if (k < 0.45) {
        cond(depth - 1)
        KC = "not (" KC ")"; SC = "NOT (" SC ")"
        return
    }
    cond(depth - 1); kl = KC; sl = SC
    cond(depth - 1)
    op = rand() < 0.6 ? "and" : "or"
    KC = "(" kl " " op " " KC ")"
    SC = "(" sl " " toupper(op) " " SC ")"
}

BEGIN {
    srand(seed)
    for (q = 0; q < n; q++) {
        shape = int(rand() * 6)
        ENT = shape == 3 ? "interactions" : "accounts"
        cond(2)
        if (shape == 5) { # two keys, a condition on the groups, their order, a page of them
            k1 = pick("tier|region|stage")
            k2 = pick("industry|manager")
            x = pick("0|3|10|40")
            lim = pick("5|10|100")
            off = pick("0|2")
            print "kash\taccounts where " KC " | group by " k1 ", " k2 \
                " agg count() as n, sum(revenue) as s | where n > " x " | sort s desc, " k1 ", " k2 \
                " | limit " lim " offset " off ";"
            print "sql\tSELECT " k1 ", " k2 ", count(*) AS n, sum(revenue) AS s FROM accounts WHERE " SC \
                " GROUP BY " k1 ", " k2 " HAVING count(*) > " x " ORDER BY s DESC NULLS LAST, " k1 \
                " NULLS LAST, " k2 " NULLS LAST LIMIT " lim " OFFSET " off ";"
        } else if (shape == 4) { # expressions: kash's / is always num, SQL's needs a real operand
            k = int(rand() * 12)
            split("revenue * 2 + strategic|revenue / 1000|tier * 10 - employees|employees / tier|" \
                  "abs(growth - 5)|round(revenue / 7, 2)|coalesce(closed, created)|employees % 7|" \
                  "-revenue|cac / 0|length(name)|lower(industry)", ke, "|")
            split("revenue * 2 + strategic|revenue / 1000|tier * 10 - employees|employees * 1.0 / tier|" \
                  "abs(growth - 5)|round(revenue / 7, 2)|coalesce(closed, created)|employees % 7|" \
                  "-revenue|cac / 0|length(name)|lower(industry)", se, "|")
            print "kash\taccounts where " KC " | select id, " ke[k + 1] " as x | sort id | limit 50;"
            print "sql\tSELECT id, " se[k + 1] " AS x FROM accounts WHERE " SC " ORDER BY id LIMIT 50;"
        } else if (shape == 3) {
            key = pick("kind|manager|nps|csat")
            print "kash\tinteractions where " KC " | group by " key \
                " agg count() as n, sum(amount) as s, avg(nps) as a, min(at) as lo, max(at) as hi;"
            print "sql\tSELECT i." key " AS " key ", count(*) AS n, sum(i.amount) AS s, avg(i.nps) AS a," \
                " min(i.at) AS lo, max(i.at) AS hi FROM interactions i LEFT JOIN accounts a" \
                " ON a.id = i.account WHERE " SC " GROUP BY i." key " ORDER BY i." key " NULLS LAST;"
        } else if (shape == 0) {
            print "kash\taccounts where " KC " | count;"
            print "sql\tSELECT count(*) AS count FROM accounts WHERE " SC ";"
        } else if (shape == 1) {
            key = pick("tier|region|stage|industry|manager")
            f = pick("revenue|strategic|growth|tier|employees")
            print "kash\taccounts where " KC " | group by " key \
                " agg count() as n, count(" f ") as nf, sum(" f ") as s, min(" f ") as lo, max(" f \
                ") as hi, avg(" f ") as a;"
            print "sql\tSELECT " key ", count(*) AS n, count(" f ") AS nf, sum(" f ") AS s, min(" f \
                ") AS lo, max(" f ") AS hi, avg(" f ") AS a FROM accounts WHERE " SC \
                " GROUP BY " key " ORDER BY " key " NULLS LAST;"
        } else {
            f = pick("revenue|strategic|growth|cac|employees|created|closed|name")
            dir = rand() < 0.5 ? "desc" : "asc"
            lim = pick("1|5|20|100")
            print "kash\taccounts where " KC " | sort " f " " dir ", id | limit " lim \
                " | select id, " f ";"
            print "sql\tSELECT id, " f " FROM accounts WHERE " SC " ORDER BY " f " " toupper(dir) \
                " NULLS LAST, id LIMIT " lim ";"
        }
    }
}
