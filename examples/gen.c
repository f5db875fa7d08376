/* gen.c: kash-gen, a deterministic sample-data generator shaped like a CRM
 * export (managers.csv, accounts.csv, interactions.csv; see
 * examples/README.md for the columns and distributions).
 *
 * Standalone C11 (plus mkdir() from POSIX), linked only with libm. The same
 * seed and sizes give byte-identical files: all randomness comes from
 * xoshiro256** streams seeded by splitmix64, one stream per file, so the
 * accounts do not change when only --interactions changes.
 *
 * Interactions come out in time order, like a real export. They are placed in
 * two passes over the same random stream: the first counts rows per day, the
 * second drops each row into its day's slot; then each day is radix-sorted by
 * second (stable, so ties stay in account order) and written. Memory is about
 * 8 bytes per interaction plus 48 per account. */
#ifndef _GNU_SOURCE
#define _POSIX_C_SOURCE 200809L
#endif

#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

#if defined(__GNUC__)
#define PREFETCH(p) __builtin_prefetch(p)
#else
#define PREFETCH(p) ((void)(p))
#endif
#define PREFETCH_AHEAD 16

/* No fused multiply-add: the bytes must not depend on the target either
 * (gcc in ISO C mode already does not contract). */
#if defined(__clang__)
#pragma STDC FP_CONTRACT OFF
#endif

/* ---------------------------------------------------------------- random */

typedef struct rng {
    uint64_t s[4];
} rng;

static uint64_t splitmix64(uint64_t *x)
{
    uint64_t z = (*x += 0x9e3779b97f4a7c15u);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
    return z ^ (z >> 31);
}

/* Independent stream STREAM of the generator for SEED. */
static void rng_seed(rng *r, uint64_t seed, uint64_t stream)
{
    uint64_t x = seed ^ (stream * 0xd1b54a32d192ed03u);
    for (int i = 0; i < 4; i++)
        r->s[i] = splitmix64(&x);
}

static inline uint64_t rotl(uint64_t x, int k)
{
    return (x << k) | (x >> (64 - k));
}

/* xoshiro256** */
static inline uint64_t rng_next(rng *r)
{
    uint64_t *s = r->s;
    uint64_t result = rotl(s[1] * 5, 7) * 9;
    uint64_t t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 45);
    return result;
}

/* Uniform in [0, 1). */
static inline double rng_unit(rng *r)
{
    return (double)(rng_next(r) >> 11) * 0x1.0p-53;
}

/* Uniform integer in [0, n) (Lemire's multiply; bias below 2^-32). */
static inline uint32_t rng_below(rng *r, uint32_t n)
{
    return (uint32_t)(((rng_next(r) >> 32) * (uint64_t)n) >> 32);
}

static inline int rng_chance(rng *r, double p)
{
    return rng_unit(r) < p;
}

static inline double rng_range(rng *r, double lo, double hi)
{
    return lo + (hi - lo) * rng_unit(r);
}

/* Standard normal (Box-Muller, one value per call). */
static double rng_normal(rng *r)
{
    double u1 = 1.0 - rng_unit(r); /* (0, 1] */
    double u2 = rng_unit(r);
    return sqrt(-2.0 * log(u1)) * cos(6.283185307179586 * u2);
}

/* Lognormal with mean 1. */
static double rng_lognormal1(rng *r, double sigma)
{
    return exp(sigma * rng_normal(r) - 0.5 * sigma * sigma);
}

/* Index drawn from cumulative integer weights CUM[0..N-1] (CUM[N-1] total). */
static unsigned pick_cum(rng *r, const unsigned *cum, unsigned n)
{
    uint32_t u = rng_below(r, cum[n - 1]);
    unsigned i = 0;
    while (cum[i] <= u)
        i++;
    return i;
}

/* Builds the cumulative form of weights W[0..N-1] into CUM. */
static void cumulate(const unsigned *w, unsigned *cum, unsigned n)
{
    unsigned t = 0;
    for (unsigned i = 0; i < n; i++)
        cum[i] = t += w[i];
}

/* ---------------------------------------------------------------- dates */

/* Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant). */
static long days_from_civil(long y, unsigned m, unsigned d)
{
    y -= m <= 2;
    long era = (y >= 0 ? y : y - 399) / 400;
    unsigned yoe = (unsigned)(y - era * 400);
    unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + (long)doe - 719468;
}

static void civil_from_days(long z, int *y, int *m, int *d)
{
    z += 719468;
    long era = (z >= 0 ? z : z - 146096) / 146097;
    unsigned doe = (unsigned)(z - era * 146097);
    unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    unsigned mp = (5 * doy + 2) / 153;
    *d = (int)(doy - (153 * mp + 2) / 5 + 1);
    *m = (int)(mp < 10 ? mp + 3 : mp - 9);
    *y = (int)(yoe + era * 400 + (*m <= 2));
}

/* Parses a strict YYYY-MM-DD (years 1900-9999). Returns 0 and sets *DAYS. */
static int parse_date(const char *s, long *days)
{
    static const unsigned mdays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    for (int i = 0; i < 10; i++) {
        if (i == 4 || i == 7 ? s[i] != '-' : (s[i] < '0' || s[i] > '9')) return -1;
    }
    if (s[10] != '\0') return -1;
    long y = strtol(s, NULL, 10);
    unsigned m = (unsigned)((s[5] - '0') * 10 + (s[6] - '0'));
    unsigned d = (unsigned)((s[8] - '0') * 10 + (s[9] - '0'));
    if (y < 1900 || m < 1 || m > 12 || d < 1 || d > mdays[m - 1]) return -1;
    int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    if (m == 2 && d == 29 && !leap) return -1;
    *days = days_from_civil(y, m, d);
    return 0;
}

/* ---------------------------------------------------------------- output */

#define OUT_CAP (1u << 20)
#define ROW_MAX 4096 /* no row we write is longer */

typedef struct out {
    FILE *f;
    char path[4096], tmp[4096 + 8];
    size_t len;
    char buf[OUT_CAP];
} out;

static void die_io(const char *what, const char *path)
{
    fprintf(stderr, "kash-gen: %s %s: %s\n", what, path, strerror(errno));
    exit(1);
}

/* Opens DIR/NAME for writing through NAME.tmp, renamed by out_close(). */
static out *out_open(const char *dir, const char *name)
{
    out *o = malloc(sizeof *o);
    if (!o) {
        fprintf(stderr, "kash-gen: out of memory\n");
        exit(1);
    }
    int n = snprintf(o->path, sizeof o->path, "%s/%s", dir, name);
    if (n < 0 || (size_t)n >= sizeof o->path) {
        fprintf(stderr, "kash-gen: path too long: %s\n", dir);
        exit(2);
    }
    snprintf(o->tmp, sizeof o->tmp, "%s.tmp", o->path);
    o->f = fopen(o->tmp, "wb");
    if (!o->f) die_io("cannot create", o->tmp);
    o->len = 0;
    return o;
}

static void out_flush(out *o)
{
    if (o->len && fwrite(o->buf, 1, o->len, o->f) != o->len) {
        int e = errno;
        remove(o->tmp);
        errno = e;
        die_io("cannot write", o->tmp);
    }
    o->len = 0;
}

/* Room for one row; the caller advances o->len past what it wrote. */
static inline char *out_row(out *o)
{
    if (o->len + ROW_MAX > OUT_CAP) out_flush(o);
    return o->buf + o->len;
}

static void out_close(out *o)
{
    out_flush(o);
    if (fclose(o->f) != 0) {
        remove(o->tmp);
        die_io("cannot write", o->tmp);
    }
    if (rename(o->tmp, o->path) != 0) {
        remove(o->tmp);
        die_io("cannot rename to", o->path);
    }
    free(o);
}

/* Formatting helpers: each writes at P and returns the end. */

static inline char *put_str(char *p, const char *s)
{
    size_t n = strlen(s);
    memcpy(p, s, n);
    return p + n;
}

static inline char *put_uint(char *p, uint64_t v)
{
    char t[24];
    int n = 0;
    do {
        t[n++] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    while (n)
        *p++ = t[--n];
    return p;
}

static inline char *put_uint_pad(char *p, uint64_t v, int width)
{
    for (int i = width - 1; i >= 0; i--) {
        p[i] = (char)('0' + v % 10);
        v /= 10;
    }
    return p + width;
}

/* X rounded to DEC (1 or 2) decimals, always with DEC digits after the point. */
static char *put_fixed(char *p, double x, int dec)
{
    long long scale = dec == 1 ? 10 : 100;
    long long v = llround(x * (double)scale);
    if (v < 0) {
        *p++ = '-';
        v = -v;
    }
    p = put_uint(p, (uint64_t)(v / scale));
    *p++ = '.';
    return put_uint_pad(p, (uint64_t)(v % scale), dec);
}

/* S as one CSV field, quoted per RFC 4180 when it holds , " CR or LF. */
static char *put_field(char *p, const char *s)
{
    if (!strpbrk(s, ",\"\r\n")) return put_str(p, s);
    *p++ = '"';
    for (; *s; s++) {
        if (*s == '"') *p++ = '"';
        *p++ = *s;
    }
    *p++ = '"';
    return p;
}

/* ---------------------------------------------------------------- word lists */

enum { EMEA, NA, APAC, LATAM, NREGIONS };
static const char *const region_name[NREGIONS] = {"EMEA", "NA", "APAC", "LATAM"};
/* Share of accounts per region, per mille. */
static const unsigned region_weight[NREGIONS] = {320, 400, 180, 100};

enum {
    HEALTHCARE,
    MANUFACTURING,
    RETAIL,
    FINANCE,
    SOFTWARE,
    LOGISTICS,
    ENERGY,
    EDUCATION,
    MEDIA,
    TELECOM,
    NINDUSTRIES
};
static const char *const industry_name[NINDUSTRIES] = {
    "Healthcare", "Manufacturing", "Retail",    "Finance", "Software",
    "Logistics",  "Energy",        "Education", "Media",   "Telecom"};
static const unsigned industry_weight[NINDUSTRIES] = {12, 14, 12, 11, 16, 9, 7, 6, 6, 7};
/* Words that end a company name of each industry. */
static const char *const industry_words[NINDUSTRIES][8] = {
    {"Health", "Healthcare", "Medical", "Care", "Clinics", "Pharma", "Biotech", "Diagnostics"},
    {"Manufacturing", "Industries", "Machining", "Fabrication", "Components", "Works", "Tooling",
     "Plastics"},
    {"Retail", "Stores", "Outfitters", "Market", "Goods", "Trading", "Supply", "Boutiques"},
    {"Capital", "Financial", "Partners", "Bank", "Investments", "Insurance", "Credit", "Advisors"},
    {"Software", "Systems", "Labs", "Digital", "Technologies", "Data", "Cloud", "Analytics"},
    {"Logistics", "Freight", "Shipping", "Transport", "Distribution", "Cargo", "Couriers",
     "Warehousing"},
    {"Energy", "Power", "Solar", "Utilities", "Petroleum", "Renewables", "Wind", "Grid"},
    {"Academy", "Learning", "Education", "Institute", "Schools", "Training", "College", "Tutoring"},
    {"Media", "Studios", "Publishing", "Broadcasting", "Entertainment", "Press", "Films", "Radio"},
    {"Telecom", "Networks", "Communications", "Wireless", "Connect", "Broadband", "Fiber",
     "Mobile"},
};

static const char *const adjectives[] = {
    "Blue",    "Red",      "Green",   "Silver",    "Golden",  "Northern", "Southern", "Eastern",
    "Western", "Pacific",  "Summit",  "Prime",     "Bright",  "Rapid",    "Global",   "United",
    "Royal",   "Pioneer",  "Apex",    "Evergreen", "Redwood", "Granite",  "Crystal",  "Vertex",
    "Coastal", "Keystone", "Liberty", "Harbor",    "Cedar",   "Iron",     "True",     "Clear"};
static const char *const nouns[] = {
    "Acme",   "Harbor", "River",  "Peak",    "Bridge",  "Stone",    "Field",   "Wave",
    "Oak",    "Falcon", "Arrow",  "Beacon",  "Crest",   "Forge",    "Horizon", "Lake",
    "Maple",  "Orbit",  "Pine",   "Quartz",  "Ridge",   "Sky",      "Star",    "Trail",
    "Valley", "Willow", "Anchor", "Compass", "Lantern", "Meridian", "Nova",    "Atlas"};
static const char *const cities[] = {
    "Denver", "Boston", "Austin", "Phoenix", "Portland", "Atlanta", "Dallas", "Chicago",
    "London", "Leeds",  "Dublin", "Lyon",    "Hamburg",  "Milan",   "Madrid", "Oslo",
    "Sydney", "Osaka",  "Pune",   "Manila",  "Auckland", "Lima",    "Bogotá", "Monterrey"};
/* Legal-form suffixes by region. */
static const char *const suffixes[NREGIONS][8] = {
    {"GmbH", "Ltd", "AG", "S.A.", "B.V.", "plc", "S.r.l.", "AB"},
    {"Inc", "LLC", "Corp", "Co", "Inc.", "LLC", "Group", "Holdings"},
    {"Pty Ltd", "Pte Ltd", "K.K.", "Ltd", "Co., Ltd.", "Pvt Ltd", "Limited", "Group"},
    {"S.A.", "Ltda", "S.A. de C.V.", "S.A.S.", "S.R.L.", "Ltda.", "S.A.C.", "Grupo"},
};

/* Person names by region (managers, and surnames in company names). */
static const char *const first_names[NREGIONS][30] = {
    {"Anna",       "Lukas", "Sophie", "Thomas",    "Emma",    "Jonas",     "Marie",  "Pierre",
     "Camille",    "Hugo",  "Léa",    "Chloé",     "Søren",   "Ingrid",    "Matteo", "Giulia",
     "Alessandro", "Sofia", "Jan",    "Katarzyna", "Oliver",  "Charlotte", "Henrik", "Astrid",
     "Björn",      "Zoë",   "Noah",   "Fatima",    "Youssef", "Amelia"},
    {"James",   "Mary",      "Robert", "Patricia", "Michael", "Jennifer", "David",       "Linda",
     "William", "Elizabeth", "Daniel", "Sarah",    "Matthew", "Jessica",  "Christopher", "Ashley",
     "Andrew",  "Emily",     "Joshua", "Megan",    "Kevin",   "Rachel",   "Brian",       "Lauren",
     "Tyler",   "Hannah",    "Marcus", "Keisha",   "Jamal",   "Priya"},
    {"Wei",      "Mei",   "Hiroshi", "Yuki",  "Sakura",  "Kenji",  "Ji-woo", "Min-jun",
     "Seo-yeon", "Arjun", "Ananya",  "Rahul", "Deepika", "Liam",   "Chloe",  "Jack",
     "Olivia",   "Siti",  "Ahmad",   "Linh",  "Minh",    "Haruto", "Aiko",   "Ravi",
     "Isla",     "Kai",   "Mia",     "Ethan", "Aarav",   "Hana"},
    {"José",      "María",     "Juan",  "Ana",      "Luis",   "Carmen",   "Carlos",   "Lucía",
     "Miguel",    "Valentina", "Diego", "Camila",   "Mateo",  "Isabella", "Santiago", "Gabriela",
     "João",      "Beatriz",   "Pedro", "Fernanda", "Rafael", "Mariana",  "Andrés",   "Paula",
     "Sebastián", "Daniela",   "Tomás", "Renata",   "Felipe", "Julieta"},
};
static const char *const last_names[NREGIONS][30] = {
    {"Müller",    "Schmidt",  "Schneider", "Fischer", "Weber",  "Dubois",    "Martin",  "Bernard",
     "Lefèvre",   "Rossi",    "Russo",     "Bianchi", "Jansen", "de Vries",  "Nielsen", "Andersson",
     "Johansson", "Kowalski", "Nowak",     "Novák",   "García", "Fernández", "López",   "Murphy",
     "O'Connor",  "Evans",    "Hughes",    "Dupont",  "Keller", "Lindqvist"},
    {"Smith",    "Johnson", "Williams", "Brown",  "Jones",   "Miller",  "Davis",    "Wilson",
     "Anderson", "Taylor",  "Thomas",   "Moore",  "Jackson", "Martin",  "Thompson", "White",
     "Harris",   "Clark",   "Lewis",    "Walker", "Hall",    "Young",   "Allen",    "King",
     "Wright",   "Patel",   "Nguyen",   "Kim",    "O'Brien", "Sullivan"},
    {"Wang",   "Li",       "Zhang",  "Chen",  "Liu",  "Tanaka",  "Suzuki", "Takahashi",
     "Sato",   "Watanabe", "Kim",    "Lee",   "Park", "Choi",    "Sharma", "Gupta",
     "Singh",  "Iyer",     "Tan",    "Lim",   "Ng",   "Wong",    "Nguyen", "Tran",
     "Santos", "Cruz",     "Murray", "Kelly", "Ito",  "Yamamoto"},
    {"González", "Rodríguez", "Pérez",    "Sánchez",   "Ramírez",  "Torres", "Flores", "Rivera",
     "Gómez",    "Díaz",      "Silva",    "Santos",    "Oliveira", "Souza",  "Lima",   "Costa",
     "Pereira",  "Almeida",   "Carvalho", "Ferreira",  "Herrera",  "Medina", "Castro", "Vargas",
     "Rojas",    "Morales",   "Ortiz",    "Gutiérrez", "Navarro",  "Mendoza"},
};

/* Surnames with diacritics, for company names, with an ASCII slug. */
typedef struct named {
    const char *name, *slug;
} named;
static const named accented_surnames[NREGIONS][8] = {
    {{"Müller", "mueller"},
     {"Schäfer", "schaefer"},
     {"Köhler", "koehler"},
     {"Lefèvre", "lefevre"},
     {"Nordström", "nordstrom"},
     {"Jørgensen", "jorgensen"},
     {"Dvořák", "dvorak"},
     {"Łukasiewicz", "lukasiewicz"}},
    {{"Beaulieu-Pérez", "beaulieuperez"},
     {"Gagné", "gagne"},
     {"Côté", "cote"},
     {"Lévesque", "levesque"},
     {"Núñez", "nunez"},
     {"Bérubé", "berube"},
     {"Gauthier", "gauthier"},
     {"Ménard", "menard"}},
    {{"Nguyễn", "nguyen"},
     {"Ōta", "ota"},
     {"Sōma", "soma"},
     {"Trần", "tran"},
     {"Phạm", "pham"},
     {"Kōno", "kono"},
     {"Lê", "le"},
     {"Ōkubo", "okubo"}},
    {{"Gonçalves", "goncalves"},
     {"Peñalosa", "penalosa"},
     {"Ibáñez", "ibanez"},
     {"Conceição", "conceicao"},
     {"Muñoz", "munoz"},
     {"Araújo", "araujo"},
     {"Gutiérrez", "gutierrez"},
     {"Simões", "simoes"}},
};

/* Whole company names used verbatim now and then (display-width and
 * UTF-8 cases), with the industry they imply. */
typedef struct showcase {
    const char *name, *slug;
    int region, industry;
} showcase;
static const showcase showcases[] = {
    {"Müller GmbH", "mueller", EMEA, MANUFACTURING},
    {"Société Générale Conseil", "sgconseil", EMEA, FINANCE},
    {"Zürcher Präzision AG", "zprazision", EMEA, MANUFACTURING},
    {"Éditions Lumière SARL", "editionslumiere", EMEA, MEDIA},
    {"Øresund Shipping ApS", "oresundshipping", EMEA, LOGISTICS},
    {"Bäckerei Köhler & Söhne KG", "baeckerei-koehler", EMEA, RETAIL},
    {"Québec Énergie Inc", "quebecenergie", NA, ENERGY},
    {"Café Olé Inc", "cafeole", NA, RETAIL},
    {"山田商事株式会社", "yamada-shoji", APAC, RETAIL},
    {"東京精密工業", "tokyo-seimitsu", APAC, MANUFACTURING},
    {"北京数据科技有限公司", "bjdata", APAC, SOFTWARE},
    {"서울 헬스케어", "seoulhealthcare", APAC, HEALTHCARE},
    {"São Paulo Distribuidora Ltda", "spdistribuidora", LATAM, LOGISTICS},
    {"Tecnología Andina S.A.S.", "tecandina", LATAM, SOFTWARE},
    {"Energía del Pacífico S.A.", "energiapacifico", LATAM, ENERGY},
    {"Clínica Señora de la Salud", "clinicasalud", LATAM, HEALTHCARE},
};

static const char *const tlds[NREGIONS][4] = {
    {"com", "de", "co.uk", "fr"},
    {"com", "com", "io", "ca"},
    {"com", "com.au", "co.jp", "in"},
    {"com", "com.br", "com.mx", "cl"},
};

/* ---------------------------------------------------------------- model */

enum { PROSPECT, ONBOARDING, ACTIVE, DEVELOPMENT, AT_RISK, CLOSED };
static const char *const stage_name[] = {"prospect",    "onboarding", "active",
                                         "development", "at_risk",    "closed"};

enum {
    K_ORDER,
    K_CALL,
    K_EMAIL,
    K_MEETING,
    K_TICKET,
    K_SURVEY,
    K_UPSELL,
    K_CROSS,
    K_RETURN,
    NKINDS
};
static const char *const kind_name[NKINDS] = {"order",  "call",   "email",      "meeting", "ticket",
                                              "survey", "upsell", "cross_sell", "return"};
/* Kind mix per mille: a healthy account, one at risk or about to churn, a prospect. */
static const unsigned kind_weight[3][NKINDS] = {
    {450, 140, 180, 70, 80, 40, 18, 15, 7},
    {340, 150, 190, 60, 160, 60, 5, 5, 30},
    {0, 400, 450, 150, 0, 0, 0, 0, 0},
};
enum { MIX_HEALTHY, MIX_RISK, MIX_PROSPECT };

/* NPS 0-10 and CSAT 1-5 answers per mille, healthy and at risk. */
static const unsigned nps_weight[2][11] = {
    {10, 10, 10, 20, 20, 40, 70, 140, 180, 240, 260},
    {50, 40, 50, 70, 80, 100, 110, 130, 120, 130, 120},
};
static const unsigned csat_weight[2][5] = {{40, 60, 130, 350, 420}, {150, 200, 250, 250, 150}};

/* Relative activity by month (Q4 busy, summer slow) and order size by month. */
static const double month_activity[12] = {0.95, 0.95, 1.05, 1.0,  1.0, 0.9,
                                          0.8,  0.75, 1.0,  1.15, 1.3, 1.25};
static const double month_amount[12] = {0.95, 0.95, 1.0, 1.0,  1.0, 0.95,
                                        0.9,  0.9,  1.0, 1.05, 1.2, 1.2};
/* Relative activity by hour of day. */
static const double hour_activity[24] = {0.02, 0.01, 0.01, 0.01, 0.02, 0.05, 0.15, 0.4,
                                         0.85, 1.0,  1.0,  1.0,  0.75, 0.9,  1.0,  1.0,
                                         0.95, 0.7,  0.4,  0.25, 0.18, 0.12, 0.08, 0.04};

/* Free-text notes by kind; some need CSV quoting on purpose. */
static const char *const notes[NKINDS][8] = {
    [K_ORDER] = {"Rush delivery", "Standing order", "Split shipment, 2 parts", "Reorder",
                 "Ship to new warehouse", "Paid by card", "Net 60 terms agreed", NULL},
    [K_CALL] = {"Left voicemail", "Discussed renewal terms", "Intro call with new CFO",
                "Follow-up on open invoice", "Asked about volume discounts, will send quote",
                "Customer said \"call back next quarter\"", "No answer", "Reviewed roadmap"},
    [K_EMAIL] = {"Sent proposal", "Re: pricing, Q3 plan", "Shared case study", "Renewal reminder",
                 "Sent onboarding guide", "Fwd: contract draft", "Newsletter reply", NULL},
    [K_MEETING] = {"Quarterly business review",
                   "QBR with CFO\nAction items: pricing review, new SLA", "On-site visit",
                   "Kick-off workshop", "Exec sponsor lunch",
                   "Demo of new module, positive feedback", "Réunion annuelle avec la direction",
                   NULL},
    [K_TICKET] = {"Login issue", "Invoice mismatch", "Printer says \"PC LOAD LETTER\"",
                  "API timeout, retried OK", "Data export failing", "Password reset",
                  "Shipment delayed\nCarrier: DHL", "Réclamation: délai de livraison"},
    /* Surveys: three happy comments, then three unhappy ones. */
    [K_SURVEY] = {"Great support!", "Would recommend", "\"Best vendor we have\"", "Too expensive",
                  "Onboarding was slow, but team was helpful", "Response times got worse", NULL,
                  NULL},
    [K_UPSELL] = {"Upgraded to Enterprise plan", "Added 50 seats", "Premium support, 12 months",
                  "Upgraded tier", NULL, NULL, NULL, NULL},
    [K_CROSS] = {"Added analytics module", "Bought training package", "Bundle: hardware + service",
                 "Added \"Insights\" add-on", NULL, NULL, NULL, NULL},
    [K_RETURN] = {"Damaged in transit", "Wrong item shipped", "Credit note issued, partial return",
                  "Customer changed mind", NULL, NULL, NULL, NULL},
};
/* Chance that an interaction of each kind has a note, per mille. */
static const unsigned note_chance[NKINDS] = {40, 300, 150, 450, 650, 200, 400, 400, 800};

typedef struct manager {
    int region;
    unsigned capacity;
    int active;
    double pull; /* how many accounts land with them, relative to capacity */
} manager;

typedef struct account {
    double revenue;
    float base;     /* mean order amount at the end of the window */
    float trend;    /* yearly log growth of order amounts */
    int32_t mgr;    /* manager index, -1 unassigned */
    int32_t closed; /* day index, -1 while a customer */
    int32_t ws, we; /* first and last day with interactions */
    uint8_t stage;
} account;

typedef struct opts {
    uint64_t seed;
    uint64_t accounts, managers, interactions;
    const char *out;
    long start, end; /* days since 1970-01-01, inclusive */
} opts;

typedef struct world {
    const opts *o;
    long ndays;
    char (*date)[11]; /* YYYY-MM-DD per day of the span */
    uint8_t *month;   /* 0-11 per day */
    double *cum;      /* cumulative activity: cum[d+1] - cum[d] = weight of day d */
    int32_t *guide;   /* guide[g]: the day holding activity g / guide_scale */
    size_t nguide;
    double guide_scale;
    uint8_t hour_lut[4096];
    int mid_w, aid_w; /* widths of the numeric part of ids */
    manager *mgrs;
    account *accts;
} world;

static void *xmalloc(size_t n)
{
    void *p = malloc(n ? n : 1);
    if (!p) {
        fprintf(stderr, "kash-gen: out of memory (%zu bytes)\n", n);
        exit(1);
    }
    return p;
}

static int digits(uint64_t v)
{
    int n = 1;
    while (v >= 10) {
        v /= 10;
        n++;
    }
    return n;
}

static inline char *put_mgr_id(const world *w, char *p, int32_t m)
{
    *p++ = 'm';
    return put_uint_pad(p, (uint64_t)m + 1, w->mid_w);
}

static inline char *put_acct_id(const world *w, char *p, uint64_t a)
{
    *p++ = 'A';
    *p++ = '-';
    return put_uint_pad(p, a + 1, w->aid_w);
}

/* Per-day tables: date strings, months, and activity weights (season,
 * weekends, the Christmas-to-New-Year lull). */
static void build_days(world *w)
{
    long n = w->ndays;
    w->date = xmalloc((size_t)n * sizeof *w->date);
    w->month = xmalloc((size_t)n);
    w->cum = xmalloc((size_t)(n + 1) * sizeof *w->cum);
    w->cum[0] = 0;
    for (long d = 0; d < n; d++) {
        long z = w->o->start + d;
        int y, m, dd;
        civil_from_days(z, &y, &m, &dd);
        char *p = put_uint_pad(w->date[d], (uint64_t)y, 4);
        *p++ = '-';
        p = put_uint_pad(p, (uint64_t)m, 2);
        *p++ = '-';
        p = put_uint_pad(p, (uint64_t)dd, 2);
        *p = '\0';
        w->month[d] = (uint8_t)(m - 1);
        int wday = (int)(((z % 7) + 11) % 7); /* 0 = Sunday; 1970-01-01 was a Thursday */
        double wt = month_activity[m - 1];
        if (wday == 0 || wday == 6) wt *= 0.15;
        if ((m == 12 && dd >= 24) || (m == 1 && dd == 1)) wt *= 0.2;
        w->cum[d + 1] = w->cum[d] + wt;
    }
    /* Guide table: day lookups start at most a day or so before the answer. */
    w->nguide = (size_t)n * 4;
    w->guide = xmalloc(w->nguide * sizeof *w->guide);
    w->guide_scale = (double)w->nguide / w->cum[n];
    long day = 0;
    for (size_t g = 0; g < w->nguide; g++) {
        double u = (double)g / w->guide_scale;
        while (day < n - 1 && w->cum[day + 1] <= u)
            day++;
        w->guide[g] = (int32_t)day;
    }

    double tot = 0, acc = 0;
    for (int h = 0; h < 24; h++)
        tot += hour_activity[h];
    int h = 0;
    for (int i = 0; i < 4096; i++) {
        double u = (i + 0.5) / 4096.0 * tot;
        while (h < 23 && acc + hour_activity[h] <= u)
            acc += hour_activity[h++];
        w->hour_lut[i] = (uint8_t)h;
    }
}

/* ---------------------------------------------------------------- managers */

static void gen_managers(world *w)
{
    size_t nm = (size_t)w->o->managers;
    rng r;
    rng_seed(&r, w->o->seed, 1);
    w->mgrs = xmalloc(nm * sizeof *w->mgrs);

    /* Managers per region in proportion to accounts (largest remainder),
     * at least one per region when there are enough, then shuffled. */
    size_t count[NREGIONS], given = 0;
    double frac[NREGIONS];
    for (int g = 0; g < NREGIONS; g++) {
        double q = (double)nm * region_weight[g] / 1000.0;
        count[g] = (size_t)q;
        frac[g] = q - (double)count[g];
        given += count[g];
    }
    while (given < nm) {
        int best = 0;
        for (int g = 1; g < NREGIONS; g++)
            if (frac[g] > frac[best]) best = g;
        count[best]++;
        frac[best] = -1;
        given++;
    }
    if (nm >= NREGIONS) {
        for (int g = 0; g < NREGIONS; g++) {
            if (count[g] == 0) {
                int big = 0;
                for (int k = 1; k < NREGIONS; k++)
                    if (count[k] > count[big]) big = k;
                count[big]--;
                count[g]++;
            }
        }
    }
    size_t k = 0;
    for (int g = 0; g < NREGIONS; g++)
        for (size_t i = 0; i < count[g]; i++)
            w->mgrs[k++].region = g;
    for (size_t i = nm; i > 1; i--) {
        size_t j = rng_below(&r, (uint32_t)i);
        int t = w->mgrs[i - 1].region;
        w->mgrs[i - 1].region = w->mgrs[j].region;
        w->mgrs[j].region = t;
    }

    /* Capacities 30-80, scaled so they add up to about 1.1 x accounts. */
    double rawsum = 0;
    unsigned *raw = xmalloc(nm * sizeof *raw);
    for (size_t i = 0; i < nm; i++)
        rawsum += raw[i] = 30 + rng_below(&r, 51);
    double scale = nm ? 1.1 * (double)w->o->accounts / rawsum : 0;
    for (size_t i = 0; i < nm; i++) {
        long c = lround(raw[i] * scale);
        w->mgrs[i].capacity = c < 1 ? 1 : (unsigned)c;
        w->mgrs[i].active = 1;
    }
    free(raw);

    /* About 5% inactive (left the company, still holding accounts). */
    size_t ninactive = (size_t)lround(0.05 * (double)nm);
    if (ninactive == 0 && nm >= 10) ninactive = 1;
    for (size_t i = 0; i < ninactive; i++) {
        size_t j;
        do
            j = rng_below(&r, (uint32_t)nm);
        while (!w->mgrs[j].active);
        w->mgrs[j].active = 0;
    }

    out *o = out_open(w->o->out, "managers.csv");
    char *p = out_row(o);
    p = put_str(p, "id,name,region,capacity,active\n");
    o->len = (size_t)(p - o->buf);
    uint8_t used[NREGIONS][30][30];
    memset(used, 0, sizeof used);
    for (size_t i = 0; i < nm; i++) {
        int g = w->mgrs[i].region;
        unsigned f, l;
        int tries = 0;
        do {
            f = rng_below(&r, 30);
            l = rng_below(&r, 30);
        } while (used[g][f][l] && ++tries < 50);
        used[g][f][l] = 1;
        char name[128];
        snprintf(name, sizeof name, "%s %s", first_names[g][f], last_names[g][l]);
        p = out_row(o);
        p = put_mgr_id(w, p, (int32_t)i);
        *p++ = ',';
        p = put_field(p, name);
        *p++ = ',';
        p = put_str(p, region_name[g]);
        *p++ = ',';
        p = put_uint(p, w->mgrs[i].capacity);
        *p++ = ',';
        p = put_str(p, w->mgrs[i].active ? "true\n" : "false\n");
        o->len = (size_t)(p - o->buf);
    }
    out_close(o);
    /* Books are uneven: some managers end up over capacity. */
    for (size_t i = 0; i < nm; i++)
        w->mgrs[i].pull = rng_lognormal1(&r, 0.35);
}

/* ---------------------------------------------------------------- accounts */

typedef struct ranked {
    double v;
    uint32_t i;
} ranked;

static int cmp_ranked_desc(const void *a, const void *b)
{
    const ranked *x = a, *y = b;
    if (x->v != y->v) return x->v < y->v ? 1 : -1;
    return (x->i > y->i) - (x->i < y->i);
}

/* Company name for an account of region G and industry *IND into NAME, and
 * an ASCII slug for its website into SLUG. May change *IND to fit the name. */
static void company_name(rng *r, int g, int *ind, char *name, size_t cap, char *slug, size_t scap)
{
    /* One draw per statement: C leaves the order in which function arguments
     * and operands are evaluated unspecified, and the bytes must not depend
     * on the compiler. */
    const char *word = industry_words[*ind][rng_below(r, 8)];
    const char *suf = suffixes[g][rng_below(r, 8)];
    const char *adj = adjectives[rng_below(r, COUNT(adjectives))];
    const char *noun = nouns[rng_below(r, COUNT(nouns))];
    const char *l1 = last_names[g][rng_below(r, 30)];
    const char *l2 = last_names[g][rng_below(r, 30)];
    double u = rng_unit(r);
    char stem[160];
    const char *slugsrc = NULL;
    if (u < 0.40) {
        snprintf(stem, sizeof stem, "%s %s %s", adj, noun, word);
        snprintf(name, cap, "%s %s", stem, suf);
    } else if (u < 0.60) {
        snprintf(stem, sizeof stem, "%s %s", l1, word);
        snprintf(name, cap, "%s %s", stem, suf);
    } else if (u < 0.70) {
        const char *city = cities[rng_below(r, COUNT(cities))];
        snprintf(stem, sizeof stem, "%s %s", city, word);
        snprintf(name, cap, "%s %s", stem, suf);
    } else if (u < 0.80) {
        snprintf(stem, sizeof stem, "%s & %s", l1, l2);
        snprintf(name, cap, "%s %s", stem, rng_chance(r, 0.5) ? suf : word);
    } else if (u < 0.85) {
        /* A comma inside the name: Smith, Jones & Co or Hall, Young & King */
        const char *l3 = rng_chance(r, 0.5) ? "Co" : last_names[g][rng_below(r, 30)];
        snprintf(stem, sizeof stem, "%s, %s & %s", l1, l2, l3);
        snprintf(name, cap, "%s", stem);
    } else if (u < 0.87) {
        /* Quotes inside the name, e.g. "Acme" Ltd */
        snprintf(stem, sizeof stem, "%s", noun);
        snprintf(name, cap, "\"%s\" %s", stem, suf);
    } else if (u < 0.895) {
        const named *s = &accented_surnames[g][rng_below(r, 8)];
        snprintf(name, cap, "%s %s %s", s->name, word, suf);
        snprintf(stem, sizeof stem, "%s%s", s->slug, word);
        slugsrc = stem;
    } else if (u < 0.905) {
        const showcase *s = &showcases[rng_below(r, COUNT(showcases))];
        snprintf(name, cap, "%s", s->name);
        *ind = s->industry;
        slugsrc = s->slug;
    } else {
        snprintf(stem, sizeof stem, "%s%s", noun, word);
        for (char *c = stem + 1; *c; c++) /* "Harbor" + "Data" -> "Harbordata" */
            if (*c >= 'A' && *c <= 'Z') *c = (char)(*c - 'A' + 'a');
        snprintf(name, cap, "%s %s", stem, suf);
    }
    if (!slugsrc) slugsrc = stem;
    /* ASCII letters and digits, lower-cased; U+00C0-U+00FF folded to ASCII
     * (González -> gonzalez); other characters dropped. */
    static const char latin1[] = "aaaaaaaceeeeiiiidnooooo ouuuuyts"
                                 "aaaaaaaceeeeiiiidnooooo ouuuuyty";
    size_t n = 0;
    for (const unsigned char *c = (const unsigned char *)slugsrc; *c && n + 1 < scap && n < 24;
         c++) {
        if ((*c >= 'a' && *c <= 'z') || (*c >= '0' && *c <= '9') || *c == '-')
            slug[n++] = (char)*c;
        else if (*c >= 'A' && *c <= 'Z')
            slug[n++] = (char)(*c - 'A' + 'a');
        else if (*c == 0xc3 && c[1] >= 0x80 && c[1] <= 0xbf) {
            char t = latin1[*++c - 0x80];
            if (t != ' ') slug[n++] = t;
        }
    }
    slug[n] = '\0';
}

/* Days index drawn so that later dates are likelier (density rising 3x
 * from the first to the last day). */
static long created_day(rng *r, long ndays)
{
    const double g = 2.0;
    double u = rng_unit(r);
    double x = (sqrt(1.0 + 2.0 * g * u * (1.0 + g / 2.0)) - 1.0) / g;
    long d = (long)(x * (double)ndays);
    return d >= ndays ? ndays - 1 : d;
}

static void gen_accounts(world *w)
{
    size_t na = (size_t)w->o->accounts, nm = (size_t)w->o->managers;
    long nd = w->ndays;
    rng r;
    w->accts = xmalloc(na * sizeof *w->accts);

    /* Revenue first (its own stream): Pareto, alpha 1.16, capped at 2B; a
     * third of the figures entered as round thousands. Ranks give tiers. */
    rng_seed(&r, w->o->seed, 2);
    ranked *byrev = xmalloc(na * sizeof *byrev);
    for (size_t i = 0; i < na; i++) {
        double v;
        do
            v = 10000.0 * pow(1.0 - rng_unit(&r), -1.0 / 1.16);
        while (v > 2e9);
        if (rng_chance(&r, 0.33)) v = 1000.0 * floor(v / 1000.0 + 0.5);
        v = floor(v * 100.0 + 0.5) / 100.0;
        w->accts[i].revenue = byrev[i].v = v;
        byrev[i].i = (uint32_t)i;
    }
    /* above[i]: how many accounts have a larger revenue than account i. */
    qsort(byrev, na, sizeof *byrev, cmp_ranked_desc);
    uint32_t *above = xmalloc(na * sizeof *above);
    for (size_t k = 0; k < na; k++)
        above[byrev[k].i] = k && byrev[k].v == byrev[k - 1].v ? above[byrev[k - 1].i] : (uint32_t)k;
    free(byrev);

    /* Managers grouped by region, one running sum of capacity x pull
     * (inactive ones count half): region g is mcum[rstart[g] ..
     * rstart[g+1]-1]. */
    double *mcum = xmalloc((nm + 1) * sizeof *mcum);
    int32_t *morder = xmalloc((nm + 1) * sizeof *morder);
    size_t rstart[NREGIONS + 1];
    size_t k = 0;
    double t = 0;
    for (int g = 0; g < NREGIONS; g++) {
        rstart[g] = k;
        for (size_t i = 0; i < nm; i++) {
            if (w->mgrs[i].region != g) continue;
            t += w->mgrs[i].capacity * w->mgrs[i].pull * (w->mgrs[i].active ? 1.0 : 0.5);
            mcum[k] = t;
            morder[k++] = (int32_t)i;
        }
    }
    rstart[NREGIONS] = k;

    rng_seed(&r, w->o->seed, 3);
    unsigned region_cum[NREGIONS], industry_cum[NINDUSTRIES];
    cumulate(region_weight, region_cum, NREGIONS);
    cumulate(industry_weight, industry_cum, NINDUSTRIES);

    out *o = out_open(w->o->out, "accounts.csv");
    char *p = out_row(o);
    p = put_str(p, "id,name,manager,tier,stage,industry,region,revenue,strategic,growth,cac,"
                   "created,closed,employees,website\n");
    o->len = (size_t)(p - o->buf);

    for (size_t i = 0; i < na; i++) {
        account *a = &w->accts[i];
        double rev = a->revenue;
        double top = (double)above[i] / (double)na; /* 0 = largest */
        int g = (int)pick_cum(&r, region_cum, NREGIONS);
        int ind = (int)pick_cum(&r, industry_cum, NINDUSTRIES);
        char name[256], slug[64];
        company_name(&r, g, &ind, name, sizeof name, slug, sizeof slug);

        double strategic = 10.0 * (0.6 * (1.0 - top) + 0.4 * rng_unit(&r));
        strategic += 0.8 * rng_normal(&r);
        strategic = fmin(10.0, fmax(0.0, strategic));
        double growth = 6.25 - 1.5 * (1.0 - top) + 2.0 * rng_normal(&r);
        growth = fmin(10.0, fmax(0.0, growth));

        /* Tier by revenue rank (top 10% I, next 25% II), with exceptions. */
        int tier = top < 0.10 ? 1 : top < 0.35 ? 2 : 3;
        double v = rng_unit(&r);
        if (strategic >= 8.5 && tier > 1 && v < 0.25)
            tier--;
        else if (v < 0.03)
            tier = tier == 1 ? 2 : tier - 1 + 2 * (int)rng_below(&r, 2);
        if (tier > 3) tier = 3;

        /* Created over the span, more recent years heavier; churn by tier. */
        long created = created_day(&r, nd);
        long closed = -1;
        double hazard = (tier == 1 ? 0.035 : tier == 2 ? 0.06 : 0.095) / 365.25;
        long life = 30 + (long)(-log(1.0 - rng_unit(&r)) / hazard);
        if (created + life < nd) closed = created + life;
        long age = nd - 1 - created;
        int stage;
        if (closed >= 0)
            stage = CLOSED;
        else if (age < 60)
            stage = rng_chance(&r, 0.75) ? PROSPECT : ONBOARDING;
        else if (age < 150)
            stage = rng_chance(&r, 0.6) ? ONBOARDING : rng_chance(&r, 0.75) ? ACTIVE : DEVELOPMENT;
        else if (rng_chance(&r, 0.11))
            stage = AT_RISK;
        else if (rng_chance(&r, growth >= 6.5 ? 0.5 : 0.12))
            stage = DEVELOPMENT;
        else
            stage = ACTIVE;
        if (rng_chance(&r, 0.015) || (stage == PROSPECT && rng_chance(&r, 0.5)))
            tier = 0; /* untiered */

        /* Manager: a few % unassigned; mostly one from the same region. */
        int32_t mgr = -1;
        if (nm && !rng_chance(&r, 0.03)) {
            size_t lo = 0, hi = nm;
            if (rstart[g + 1] > rstart[g] && rng_chance(&r, 0.9)) {
                lo = rstart[g];
                hi = rstart[g + 1];
            }
            double below = lo ? mcum[lo - 1] : 0;
            double u = below + rng_unit(&r) * (mcum[hi - 1] - below);
            while (lo < hi - 1) {
                size_t mid = lo + (hi - 1 - lo) / 2;
                if (mcum[mid] <= u)
                    lo = mid + 1;
                else
                    hi = mid + 1;
            }
            mgr = morder[lo];
        }

        double cac = 300.0 + 0.12 * pow(rev, 0.9) * rng_lognormal1(&r, 0.5);
        long employees = -1;
        if (!rng_chance(&r, 0.08)) {
            double e = 2.0 * pow(rev / 1000.0, 0.6) * rng_lognormal1(&r, 0.8);
            employees = e < 1 ? 1 : lround(e);
        }
        char website[128] = "";
        if (!rng_chance(&r, 0.12)) {
            const char *scheme = rng_chance(&r, 0.85) ? "https://www." : "http://";
            if (!slug[0]) snprintf(slug, sizeof slug, "acct%zu", i + 1);
            snprintf(website, sizeof website, "%s%s.%s", scheme, slug, tlds[g][rng_below(&r, 4)]);
        }

        /* Interaction window: at-risk accounts mostly went quiet a while ago. */
        a->mgr = mgr;
        a->closed = (int32_t)closed;
        a->stage = (uint8_t)stage;
        a->ws = (int32_t)created;
        a->we = (int32_t)(closed >= 0 ? closed : nd - 1);
        if (stage == AT_RISK && rng_chance(&r, 0.7)) {
            long we = nd - 1 - 45 - (long)rng_below(&r, 226);
            a->we = (int32_t)(we < created ? created : we);
        }
        a->trend = (float)((growth - 5.0) / 40.0 - (stage == AT_RISK ? 0.15 : 0.0));

        p = out_row(o);
        p = put_acct_id(w, p, i);
        *p++ = ',';
        p = put_field(p, name);
        *p++ = ',';
        if (mgr >= 0) p = put_mgr_id(w, p, mgr);
        *p++ = ',';
        if (tier) *p++ = (char)('0' + tier);
        *p++ = ',';
        p = put_str(p, stage_name[stage]);
        *p++ = ',';
        p = put_str(p, industry_name[ind]);
        *p++ = ',';
        p = put_str(p, region_name[g]);
        *p++ = ',';
        p = put_fixed(p, rev, 2);
        *p++ = ',';
        p = put_fixed(p, strategic, 1);
        *p++ = ',';
        p = put_fixed(p, growth, 1);
        *p++ = ',';
        p = put_fixed(p, cac, 2);
        *p++ = ',';
        p = put_str(p, w->date[created]);
        *p++ = ',';
        if (closed >= 0) p = put_str(p, w->date[closed]);
        *p++ = ',';
        if (employees >= 0) p = put_uint(p, (uint64_t)employees);
        *p++ = ',';
        p = put_field(p, website);
        *p++ = '\n';
        o->len = (size_t)(p - o->buf);
    }
    out_close(o);
    free(above);
    free(mcum);
    free(morder);
}

/* ---------------------------------------------------------------- interactions */

/* Day (index) and second of day of one interaction of account A. */
static inline void sample_slot(const world *w, rng *r, const account *a, long *day, uint32_t *sec)
{
    const double *cum = w->cum;
    double u = cum[a->ws] + rng_unit(r) * (cum[a->we + 1] - cum[a->ws]);
    size_t g = (size_t)(u * w->guide_scale);
    long d = w->guide[g < w->nguide ? g : w->nguide - 1];
    while (d < a->we && cum[d + 1] <= u)
        d++;
    *day = d;
    uint64_t x = rng_next(r);
    *sec = (uint32_t)w->hour_lut[x >> 52] * 3600u + (uint32_t)(((x & 0xffffffffu) * 3600u) >> 32);
}

/* Stable LSD radix sort of N keys by bytes FIRST..LAST (0 = least
 * significant), skipping bytes that are the same in every key. */
static void radix_sort(uint64_t *a, uint64_t *tmp, size_t n, int first, int last)
{
    if (n < 2) return;
    if (n < 48) {
        for (size_t i = 1; i < n; i++) {
            uint64_t v = a[i];
            uint64_t key = v >> (8 * first);
            size_t j = i;
            while (j > 0 && (a[j - 1] >> (8 * first)) > key) {
                a[j] = a[j - 1];
                j--;
            }
            a[j] = v;
        }
        return;
    }
    uint64_t *src = a, *dst = tmp;
    for (int b = first; b <= last; b++) {
        size_t cnt[256] = {0};
        int sh = 8 * b;
        for (size_t i = 0; i < n; i++)
            cnt[(src[i] >> sh) & 0xff]++;
        if (cnt[(src[0] >> sh) & 0xff] == n) continue;
        size_t pos = 0;
        for (int v = 0; v < 256; v++) {
            size_t c = cnt[v];
            cnt[v] = pos;
            pos += c;
        }
        for (size_t i = 0; i < n; i++)
            dst[cnt[(src[i] >> sh) & 0xff]++] = src[i];
        uint64_t *t = src;
        src = dst;
        dst = t;
    }
    if (src != a) memcpy(a, src, n * sizeof *a);
}

/* A note for an interaction of KIND; HAPPY picks the survey comments. */
static char *put_note(char *p, rng *r, int kind, int happy)
{
    if (kind == K_ORDER && rng_chance(r, 0.5)) {
        p = put_str(p, "PO ");
        return put_uint_pad(p, 4500000000u + rng_below(r, 1000000), 10);
    }
    if (kind == K_SURVEY) return put_field(p, notes[kind][(happy ? 0 : 3) + rng_below(r, 3)]);
    unsigned n = 0;
    while (n < 8 && notes[kind][n])
        n++;
    return put_field(p, notes[kind][rng_below(r, n)]);
}

/* Writes interactions.csv: places every interaction in time order (see the
 * top of the file), then draws each one's kind, amount, answers and note
 * from the account it belongs to. */
static void gen_interactions(world *w)
{
    size_t na = (size_t)w->o->accounts;
    size_t ni = (size_t)w->o->interactions;
    long nd = w->ndays;
    rng r;

    /* Expected activity per account: sqrt(revenue) x engagement x stage x
     * the activity inside its window. Counts by systematic sampling, so
     * they add up to exactly --interactions. */
    rng_seed(&r, w->o->seed, 4);
    double *wt = xmalloc(na * sizeof *wt);
    double total = 0;
    for (size_t i = 0; i < na; i++) {
        const account *a = &w->accts[i];
        double f = a->stage == PROSPECT ? 0.3 : a->stage == AT_RISK ? 0.7 : 1.0;
        wt[i] =
            sqrt(a->revenue) * rng_lognormal1(&r, 0.6) * f * (w->cum[a->we + 1] - w->cum[a->ws]);
        total += wt[i];
    }
    uint32_t *cnt = xmalloc(na * sizeof *cnt);
    double step = ni ? total / (double)ni : 0, u0 = rng_unit(&r) * step, c = 0;
    size_t prev = 0;
    for (size_t i = 0; i < na; i++) {
        c += wt[i];
        size_t k = 0;
        if (ni && c > u0) {
            double q = ceil((c - u0) / step);
            k = q > (double)ni ? ni : (size_t)q;
        }
        if (i == na - 1) k = ni;
        if (k < prev) k = prev;
        cnt[i] = (uint32_t)(k - prev);
        prev = k;
    }
    free(wt);

    /* Mean order amount such that a year of orders is about 85% of revenue. */
    for (size_t i = 0; i < na; i++) {
        account *a = &w->accts[i];
        double years = (double)(a->we - a->ws + 1) / 365.25;
        double share = kind_weight[a->stage == AT_RISK ? MIX_RISK : MIX_HEALTHY][K_ORDER] / 1000.0;
        double per_year = cnt[i] * share / years;
        a->base = (float)(0.85 * a->revenue / (per_year < 1 ? 1 : per_year));
    }

    /* Pass 1 counts rows per day; pass 2 replays the stream into slots. */
    size_t *start = xmalloc((size_t)(nd + 1) * sizeof *start);
    memset(start, 0, (size_t)(nd + 1) * sizeof *start);
    uint64_t *slot = xmalloc(ni * sizeof *slot);
    size_t maxday = 0;
    for (int pass = 1; pass <= 2; pass++) {
        rng_seed(&r, w->o->seed, 5);
        if (pass == 2) {
            size_t pos = 0;
            for (long d = 0; d <= nd; d++) {
                size_t n = start[d];
                start[d] = pos;
                pos += n;
                if (n > maxday) maxday = n;
            }
        }
        for (size_t i = 0; i < na; i++) {
            const account *a = &w->accts[i];
            for (uint32_t j = 0; j < cnt[i]; j++) {
                long day;
                uint32_t sec;
                sample_slot(w, &r, a, &day, &sec);
                if (pass == 1)
                    start[day]++;
                else
                    slot[start[day]++] = (uint64_t)sec << 32 | (uint64_t)i;
            }
        }
    }
    /* After pass 2, start[d] is where day d+1 begins. */
    free(cnt);

    unsigned kind_cum[3][NKINDS], nps_cum[2][11], csat_cum[2][5];
    for (int m = 0; m < 3; m++)
        cumulate(kind_weight[m], kind_cum[m], NKINDS);
    for (int m = 0; m < 2; m++) {
        cumulate(nps_weight[m], nps_cum[m], 11);
        cumulate(csat_weight[m], csat_cum[m], 5);
    }

    rng_seed(&r, w->o->seed, 6);
    uint64_t *tmp = xmalloc((maxday ? maxday : 1) * sizeof *tmp);
    out *o = out_open(w->o->out, "interactions.csv");
    char *p = out_row(o);
    p = put_str(p, "account,at,kind,manager,amount,nps,csat,note\n");
    o->len = (size_t)(p - o->buf);
    size_t begin = 0;
    for (long d = 0; d < nd; d++) {
        size_t end = start[d];
        radix_sort(slot + begin, tmp, end - begin, 4, 6);
        for (size_t s = begin; s < end; s++) {
            /* Rows in time order visit accounts at random: fetch ahead. */
            if (s + PREFETCH_AHEAD < end) PREFETCH(&w->accts[(uint32_t)slot[s + PREFETCH_AHEAD]]);
            uint32_t idx = (uint32_t)slot[s], sec = (uint32_t)(slot[s] >> 32);
            const account *a = &w->accts[idx];
            int risk = (a->stage == AT_RISK && d > a->we - 365) ||
                       (a->closed >= 0 && d >= a->closed - 150);
            int mix = a->stage == PROSPECT ? MIX_PROSPECT : risk ? MIX_RISK : MIX_HEALTHY;
            int kind = (int)pick_cum(&r, kind_cum[mix], NKINDS);

            p = out_row(o);
            p = put_acct_id(w, p, idx);
            *p++ = ',';
            memcpy(p, w->date[d], 10);
            p += 10;
            *p++ = ' ';
            p = put_uint_pad(p, sec / 3600, 2);
            *p++ = ':';
            p = put_uint_pad(p, sec / 60 % 60, 2);
            *p++ = ':';
            p = put_uint_pad(p, sec % 60, 2);
            *p++ = ',';
            p = put_str(p, kind_name[kind]);
            *p++ = ',';
            if (a->mgr >= 0) p = put_mgr_id(w, p, a->mgr);
            *p++ = ',';

            /* Amounts follow the account's trend towards its current size. */
            double amount = 0;
            int has_amount = 1;
            switch (kind) {
            case K_ORDER:
                amount = a->base * rng_lognormal1(&r, 0.6) * month_amount[w->month[d]];
                break;
            case K_UPSELL: amount = 0.08 * a->revenue * rng_lognormal1(&r, 0.5); break;
            case K_CROSS: amount = 0.05 * a->revenue * rng_lognormal1(&r, 0.5); break;
            case K_RETURN:
                amount = -a->base * rng_lognormal1(&r, 0.6);
                amount *= rng_range(&r, 0.2, 1.0);
                break;
            default: has_amount = 0;
            }
            if (has_amount) {
                amount *= exp(a->trend * (double)(d - a->we) / 365.25);
                if (amount > 0 && amount < 5)
                    amount = 5;
                else if (amount < 0 && amount > -5)
                    amount = -5;
                p = put_fixed(p, amount, 2);
            }
            *p++ = ',';
            int happy = 0;
            if (kind == K_SURVEY) {
                /* 50% NPS only, 30% CSAT only, 20% both */
                double u = rng_unit(&r);
                unsigned nps = 0, csat = 0;
                if (u < 0.5 || u >= 0.8) {
                    nps = pick_cum(&r, nps_cum[risk], 11);
                    p = put_uint(p, nps);
                }
                *p++ = ',';
                if (u >= 0.5) {
                    csat = 1 + pick_cum(&r, csat_cum[risk], 5);
                    p = put_uint(p, csat);
                }
                happy = u < 0.5 || u >= 0.8 ? nps >= 8 : csat >= 4;
            } else {
                *p++ = ',';
            }
            *p++ = ',';
            if (rng_below(&r, 1000) < note_chance[kind]) p = put_note(p, &r, kind, happy);
            *p++ = '\n';
            o->len = (size_t)(p - o->buf);
        }
        begin = end;
    }
    out_close(o);
    free(tmp);
    free(slot);
    free(start);
}

/* ---------------------------------------------------------------- main */

static void usage(FILE *f)
{
    fputs("usage: kash-gen [--seed N] [--accounts N] [--managers N] [--interactions N]\n"
          "                [--out DIR] [--start YYYY-MM-DD] [--end YYYY-MM-DD]\n"
          "\n"
          "Writes managers.csv, accounts.csv and interactions.csv into DIR: sample\n"
          "account-management data shaped like a CRM export, the same bytes for the\n"
          "same seed and sizes.\n"
          "\n"
          "  --seed N          random seed (default 42)\n"
          "  --accounts N      number of accounts (default 2000)\n"
          "  --managers N      number of account managers (default 40)\n"
          "  --interactions N  number of interactions (default 100000)\n"
          "  --out DIR         output directory, created if missing (default .)\n"
          "  --start DATE      first day of the data (default 2019-01-01)\n"
          "  --end DATE        last day of the data (default 2025-06-30)\n"
          "  --help            this text\n",
          f);
}

static void bad_arg(const char *fmt, const char *arg)
{
    fputs("kash-gen: ", stderr);
    fprintf(stderr, fmt, arg);
    fputs("\ntry 'kash-gen --help'\n", stderr);
    exit(2);
}

static uint64_t parse_count(const char *opt, const char *s, uint64_t lo, uint64_t hi)
{
    char *end;
    if (*s < '0' || *s > '9') bad_arg("%s needs a non-negative integer", opt);
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (*end != '\0') bad_arg("%s needs a non-negative integer", opt);
    if (errno == ERANGE || v < lo || v > hi) {
        fprintf(stderr, "kash-gen: %s must be between %llu and %llu\ntry 'kash-gen --help'\n", opt,
                (unsigned long long)lo, (unsigned long long)hi);
        exit(2);
    }
    return v;
}

static void parse_args(int argc, char **argv, opts *o)
{
    const char *start = "2019-01-01", *end = "2025-06-30";
    o->seed = 42;
    o->accounts = 2000;
    o->managers = 40;
    o->interactions = 100000;
    o->out = ".";
    for (int i = 1; i < argc; i++) {
        char *arg = argv[i];
        if (strcmp(arg, "--help") == 0 || strcmp(arg, "-h") == 0) {
            usage(stdout);
            exit(0);
        }
        if (strncmp(arg, "--", 2) != 0) bad_arg("unexpected argument '%s'", arg);
        /* --name value or --name=value */
        char name[32];
        const char *val;
        const char *eq = strchr(arg, '=');
        if (eq) {
            size_t n = (size_t)(eq - arg);
            if (n >= sizeof name) bad_arg("unknown option '%s'", arg);
            memcpy(name, arg, n);
            name[n] = '\0';
            val = eq + 1;
        } else {
            if (strlen(arg) >= sizeof name) bad_arg("unknown option '%s'", arg);
            strcpy(name, arg);
            val = NULL;
        }
        static const char *const known[] = {"--seed", "--accounts", "--managers", "--interactions",
                                            "--out",  "--start",    "--end"};
        size_t k = 0;
        while (k < COUNT(known) && strcmp(name, known[k]) != 0)
            k++;
        if (k == COUNT(known)) bad_arg("unknown option '%s'", arg);
        if (!val) {
            if (i + 1 >= argc) bad_arg("%s needs a value", name);
            val = argv[++i];
        }
        switch (k) {
        case 0: o->seed = parse_count(name, val, 0, UINT64_MAX); break;
        case 1: o->accounts = parse_count(name, val, 1, 100000000); break;
        case 2: o->managers = parse_count(name, val, 0, 1000000); break;
        case 3: o->interactions = parse_count(name, val, 0, 4000000000u); break;
        case 4:
            if (!*val) bad_arg("%s needs a directory", name);
            o->out = val;
            break;
        case 5: start = val; break;
        default: end = val; break;
        }
    }
    if (parse_date(start, &o->start) != 0)
        bad_arg("--start needs a date YYYY-MM-DD, not '%s'", start);
    if (parse_date(end, &o->end) != 0) bad_arg("--end needs a date YYYY-MM-DD, not '%s'", end);
    if (o->end < o->start) bad_arg("--end is before --start (%s)", end);
}

static double now_seconds(void)
{
    struct timespec ts;
    timespec_get(&ts, TIME_UTC);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
    opts o;
    parse_args(argc, argv, &o);
    double t0 = now_seconds();

    struct stat st;
    if (stat(o.out, &st) != 0) {
        if (mkdir(o.out, 0777) != 0) die_io("cannot create directory", o.out);
    } else if (!S_ISDIR(st.st_mode)) {
        fprintf(stderr, "kash-gen: %s is not a directory\n", o.out);
        return 2;
    }

    world w;
    memset(&w, 0, sizeof w);
    w.o = &o;
    w.ndays = o.end - o.start + 1;
    w.mid_w = digits(o.managers) < 2 ? 2 : digits(o.managers);
    w.aid_w = digits(o.accounts) < 6 ? 6 : digits(o.accounts);
    build_days(&w);
    gen_managers(&w);
    gen_accounts(&w);
    gen_interactions(&w);

    fprintf(stderr,
            "kash-gen: wrote %llu managers, %llu accounts, %llu interactions "
            "(seed %llu, %s..%s) to %s in %.2f s\n",
            (unsigned long long)o.managers, (unsigned long long)o.accounts,
            (unsigned long long)o.interactions, (unsigned long long)o.seed, w.date[0],
            w.date[w.ndays - 1], o.out, now_seconds() - t0);
    free(w.date);
    free(w.month);
    free(w.cum);
    free(w.guide);
    free(w.mgrs);
    free(w.accts);
    return 0;
}
