/* lex.c: the kash tokenizer; see lex.h and spec §3.
 *
 * The lexer looks ahead only through at(), which answers -1 past the end,
 * and reads directly only spans it has already bounded, so it never reads
 * beyond src + len; it allocates nothing and stops at the first error it
 * meets in a token. The rules, including the details the spec leaves open:
 *
 * Layout. Spaces, tabs, CR, LF, FF and VT separate tokens; "--" starts a
 * comment to the end of the line (its bytes are not checked). A UTF-8 byte
 * order mark at offset 0 is skipped. Anything else that starts no token is
 * "unexpected character 'X'" (control bytes shown as '\xHH', other code
 * points with their U+ number); a byte that starts no valid UTF-8 sequence
 * (overlong, surrogate, above U+10FFFF, truncated) is "invalid UTF-8".
 *
 * Names. [A-Za-z_][A-Za-z0-9_]* is TK_IDENT; keywords are identifiers.
 * `...` is TK_QIDENT: `` stands for one backtick; it must be non-empty, end
 * on the line where it starts and hold valid UTF-8 without control
 * characters. $ must be followed by an identifier ($1 is an error).
 *
 * Numbers. digits [. digits] [e|E [+|-] digits] [k|K|M|B]: TK_INT without a
 * fraction or exponent (the suffix applied: 2M = 2000000; int64 overflow is
 * "integer literal out of range"), else TK_NUM (correctly rounded; "number
 * literal out of range" when infinite, "number literal too long" beyond 400
 * digits). A '.' not followed by a digit is not part of the number (1.x is
 * 1 . x); .5 is not a number. There are no negative literals: -5 is '-' 5.
 * Digits then d, w, mo, q or y (lower case) are a TK_DURATION of that many
 * days, weeks, months, quarters or years. A number immediately followed by
 * '%' is TK_PERCENT (value / 100) unless the '%' is followed by a digit, a
 * letter, '_', '(', '$', '.' or '`': then the '%' is TK_MOD (10%3, a%b).
 * A number, duration, date or period that runs into further identifier
 * characters (12abc, 1_000, 90days, 1e, 1m) is an error for the whole run.
 *
 * Dates. Exactly four digits then '-' then: Q and one digit 1-4 is a
 * quarter; W and two digits (01 to the year's last ISO week, 52 or 53) an
 * ISO week ("invalid period" otherwise; q and w are accepted too); exactly
 * two digits 01-12 not followed by '-' a month period ("invalid period"
 * otherwise: 2024-13); MM-DD a date (the day must exist: "invalid date", as
 * for a bad month or a missing day). A
 * date directly followed by T (or t) must continue with HH:MM or HH:MM:SS,
 * seconds optionally with a fraction that is dropped, 00:00 to 23:59:59
 * ("invalid time" otherwise). When the four digits and '-' are followed by
 * anything else (2024-1, 2024-123, 2024-x) they are an integer and a minus.
 * Spaces always separate: 2024 - 03 is three tokens.
 *
 * Strings. "..." or '...', over several lines if need be. The closing quote
 * is found first (a backslash skips the next byte), so a missing quote is
 * "unterminated string" at the opening quote even when the text also holds
 * a bad escape. Escapes: \n \t \r \0 \\ \' \" \/, \xHH for 00-7F only (a
 * string is UTF-8 text), \uXXXX for any code point but a surrogate, with
 * \uD8xx\uDCxx pairs combined. Raw bytes must be valid UTF-8 ("invalid UTF-8
 * in string"); raw control characters, NUL included, are allowed.
 *
 * Regex. lex_regex() rescans a TK_SLASH: the pattern runs to the next '/'
 * that no backslash escapes (a backslash escapes the byte after it) and is
 * kept verbatim (\/ stays \/, which PCRE2 reads as '/'); '/' inside a
 * character class must be escaped too. A newline or the end of input before
 * the closing '/' is "unterminated regex"; the pattern must be valid UTF-8.
 * Any identifier characters after it are flags, each one of i m s x
 * (repeats allowed; "unknown regex flag 'g'" otherwise).
 *
 * Operators. = and == are TK_EQ; != and <> TK_NE; a lone '!' is an
 * unexpected character. Longest match otherwise: <= >= !~. */
#include "lex.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* clang-format off */
/* Names used in messages ("expected ';' but found identifier"), indexed by
 * tkind: the entries follow the enum in lex.h one for one. */
const char *const lex_token_names[TK_NKINDS] = {
    [TK_EOF] = "end of input",
    [TK_ERROR] = "invalid token",
    [TK_IDENT] = "identifier",
    [TK_QIDENT] = "quoted identifier",
    [TK_VAR] = "variable",
    [TK_INT] = "integer",
    [TK_NUM] = "number",
    [TK_PERCENT] = "percentage",
    [TK_STRING] = "string",
    [TK_REGEX] = "regex",
    [TK_DATE] = "date",
    [TK_DATETIME] = "datetime",
    [TK_PERIOD] = "period",
    [TK_DURATION] = "duration",
    [TK_SEMI] = "';'",
    [TK_COMMA] = "','",
    [TK_DOT] = "'.'",
    [TK_LPAREN] = "'('",
    [TK_RPAREN] = "')'",
    [TK_PIPE] = "'|'",
    [TK_EQ] = "'='",
    [TK_NE] = "'!='",
    [TK_LT] = "'<'",
    [TK_LE] = "'<='",
    [TK_GT] = "'>'",
    [TK_GE] = "'>='",
    [TK_MATCH] = "'~'",
    [TK_NMATCH] = "'!~'",
    [TK_PLUS] = "'+'",
    [TK_MINUS] = "'-'",
    [TK_STAR] = "'*'",
    [TK_SLASH] = "'/'",
    [TK_MOD] = "'%'",
    [TK_CONCAT] = "'||'",
};
/* clang-format on */

enum { NUM_DIGITS_MAX = 400 }; /* longest mantissa of a TK_NUM, in digits */

/* Outcome of converting a numeric token. */
enum { NV_OK, NV_RANGE, NV_LONG };

/* ---- characters ---- */

/* The byte at I, or -1 at and past the end. */
static int at(const lexer *lx, size_t i)
{
    return i < lx->len ? (unsigned char)lx->src[i] : -1;
}

static bool is_digit(int c)
{
    return c >= '0' && c <= '9';
}
static bool is_alpha(int c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}
static bool is_ident_start(int c)
{
    return is_alpha(c) || c == '_';
}
static bool is_ident_char(int c)
{
    return is_ident_start(c) || is_digit(c);
}

static bool is_space(int c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

static bool is_hex(int c)
{
    return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

static int hex_val(int c)
{
    return is_digit(c) ? c - '0' : (c | 0x20) - 'a' + 10;
}

static size_t skip_digits(const lexer *lx, size_t i)
{
    while (is_digit(at(lx, i)))
        i++;
    return i;
}

static size_t skip_ident_chars(const lexer *lx, size_t i)
{
    while (is_ident_char(at(lx, i)))
        i++;
    return i;
}

/* The value of the N decimal digits at S (callers have checked them). */
static int digits_val(const char *s, size_t n)
{
    int v = 0;
    for (size_t i = 0; i < n; i++)
        v = v * 10 + (s[i] - '0');
    return v;
}

/* Length of the valid UTF-8 sequence at S[0..N) with its code point in *CP;
 * 0 when it is not one (overlong, surrogate, above U+10FFFF, truncated). */
static size_t utf8_decode(const char *str, size_t n, uint32_t *cp)
{
    const unsigned char *s = (const unsigned char *)str;
    if (n == 0) return 0;
    uint32_t v = s[0], min;
    size_t len;
    if (v < 0x80) {
        *cp = v;
        return 1;
    } else if (v >= 0xC2 && v <= 0xDF) {
        len = 2;
        v &= 0x1F;
        min = 0x80;
    } else if (v >= 0xE0 && v <= 0xEF) {
        len = 3;
        v &= 0x0F;
        min = 0x800;
    } else if (v >= 0xF0 && v <= 0xF4) {
        len = 4;
        v &= 0x07;
        min = 0x10000;
    } else {
        return 0;
    }
    if (n < len) return 0;
    for (size_t i = 1; i < len; i++) {
        if ((s[i] & 0xC0) != 0x80) return 0;
        v = v << 6 | (s[i] & 0x3F);
    }
    if (v < min || v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF)) return 0;
    *cp = v;
    return len;
}

/* Writes code point CP (valid, not a surrogate) as UTF-8; returns its length. */
static size_t utf8_encode(uint32_t cp, char *out)
{
    if (cp < 0x80) {
        out[0] = (char)cp;
        return 1;
    }
    if (cp < 0x800) {
        out[0] = (char)(0xC0 | cp >> 6);
        out[1] = (char)(0x80 | (cp & 0x3F));
        return 2;
    }
    if (cp < 0x10000) {
        out[0] = (char)(0xE0 | cp >> 12);
        out[1] = (char)(0x80 | (cp >> 6 & 0x3F));
        out[2] = (char)(0x80 | (cp & 0x3F));
        return 3;
    }
    out[0] = (char)(0xF0 | cp >> 18);
    out[1] = (char)(0x80 | (cp >> 12 & 0x3F));
    out[2] = (char)(0x80 | (cp >> 6 & 0x3F));
    out[3] = (char)(0x80 | (cp & 0x3F));
    return 4;
}

/* Code points that would be invisible or disturb the terminal if echoed in a
 * message: C1 controls, soft hyphen, zero-width and bidi formatting marks. */
static bool is_invisible(uint32_t cp)
{
    return cp < 0xA0 || cp == 0xAD || (cp >= 0x200B && cp <= 0x200F) ||
           (cp >= 0x2028 && cp <= 0x202E) || (cp >= 0x2060 && cp <= 0x206F) || cp == 0xFEFF ||
           (cp >= 0xFFF9 && cp <= 0xFFFB);
}

/* ---- tokens and errors ---- */

/* Makes TOK the token [START, END) of KIND and moves past it. */
static int emit(lexer *lx, token *tok, int kind, size_t start, size_t end)
{
    tok->kind = (uint16_t)kind;
    tok->off = (uint32_t)start;
    tok->len = (uint32_t)(end - start);
    lx->pos = end;
    return kind;
}

/* Records a syntax error at [OFF, OFF+LEN) (the first one wins), makes TOK the
 * TK_ERROR token there and resumes scanning at RESUME, past the bad text. */
__attribute__((format(printf, 6, 7))) static int fail(lexer *lx, token *tok, size_t off, size_t len,
                                                      size_t resume, const char *fmt, ...)
{
    char msg[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    if (lx->err) diag_set(lx->err, DIAG_SYNTAX, off, len, "%s", msg);
    tok->kind = TK_ERROR;
    tok->off = (uint32_t)off;
    tok->len = (uint32_t)len;
    lx->pos = resume > lx->len ? lx->len : resume;
    return TK_ERROR;
}

/* ---- calendar checks ---- */

static bool is_leap(int64_t y)
{
    return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static int days_in_month(int64_t y, int m)
{
    static const int dim[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    return m == 2 && is_leap(y) ? 29 : dim[m - 1];
}

/* 0 = Monday ... 6 = Sunday; 1970-01-01 was a Thursday. */
static int weekday(int64_t days)
{
    int64_t w = (days + 3) % 7;
    return (int)(w < 0 ? w + 7 : w);
}

/* ISO weeks in year Y: 53 when it starts on a Thursday, or on a Wednesday in
 * a leap year; 52 otherwise. */
static int iso_weeks(int64_t y)
{
    int wd = weekday(days_from_civil(y, 1, 1));
    return wd == 3 || (wd == 2 && is_leap(y)) ? 53 : 52;
}

/* ---- layout ---- */

/* Skips whitespace and -- comments, and a byte order mark at the very start. */
static void skip_space(lexer *lx)
{
    if (lx->pos == 0 && at(lx, 0) == 0xEF && at(lx, 1) == 0xBB && at(lx, 2) == 0xBF) lx->pos = 3;
    for (;;) {
        int c = at(lx, lx->pos);
        if (is_space(c)) {
            lx->pos++;
        } else if (c == '-' && at(lx, lx->pos + 1) == '-') {
            while (lx->pos < lx->len && lx->src[lx->pos] != '\n')
                lx->pos++;
        } else {
            return;
        }
    }
}

/* ---- token families ---- */

/* name -> [A-Za-z_][A-Za-z0-9_]* */
static int scan_ident(lexer *lx, token *tok)
{
    return emit(lx, tok, TK_IDENT, lx->pos, skip_ident_chars(lx, lx->pos + 1));
}

/* qident -> '`' { char | '``' } '`', on one line, not empty. */
static int scan_qident(lexer *lx, token *tok)
{
    size_t start = lx->pos, i = start + 1;
    for (;;) {
        int c = at(lx, i);
        if (c < 0 || c == '\n' || c == '\r')
            return fail(lx, tok, start, 1, i, "unterminated quoted identifier");
        if (c == '`') {
            if (at(lx, i + 1) != '`') break;
            i++;
        }
        i++;
    }
    size_t end = i + 1;
    if (i == start + 1) return fail(lx, tok, start, 2, end, "empty quoted identifier");
    for (size_t j = start + 1; j < i;) {
        int c = at(lx, j);
        uint32_t cp;
        size_t n = 1;
        if (c < 0x20 || c == 0x7F)
            return fail(lx, tok, j, 1, end, "control character in quoted identifier");
        if (c >= 0x80 && !(n = utf8_decode(lx->src + j, i - j, &cp)))
            return fail(lx, tok, j, 1, end, "invalid UTF-8 in quoted identifier");
        j += n;
    }
    return emit(lx, tok, TK_QIDENT, start, end);
}

/* variable -> '$' name */
static int scan_var(lexer *lx, token *tok)
{
    size_t start = lx->pos;
    if (!is_ident_start(at(lx, start + 1))) {
        size_t end = skip_ident_chars(lx, start + 1);
        return fail(lx, tok, start, end - start, end, "expected a variable name after '$'");
    }
    return emit(lx, tok, TK_VAR, start, skip_ident_chars(lx, start + 2));
}

/* Converts the text of a TK_INT, TK_NUM or TK_PERCENT token (as scanned by
 * scan_number) to its value. TK_NUM and TK_PERCENT go through strtod() with
 * the fraction folded into the exponent ("1.5k" is read as "15e2"), which
 * rounds once, correctly, and does not depend on the locale's decimal point. */
static int number_value(const char *s, size_t n, int kind, value *out)
{
    size_t i = 0;
    while (i < n && is_digit(s[i]))
        i++;
    size_t int_end = i, frac_start = i, frac_end = i;
    if (i < n && s[i] == '.') {
        frac_start = ++i;
        while (i < n && is_digit(s[i]))
            i++;
        frac_end = i;
    }
    long e10 = 0; /* saturates: strtod() sees 0 or infinity either way */
    if (i < n && (s[i] == 'e' || s[i] == 'E')) {
        bool neg = false;
        i++;
        if (i < n && (s[i] == '+' || s[i] == '-')) neg = s[i++] == '-';
        for (; i < n && is_digit(s[i]); i++)
            if (e10 < 1000000) e10 = e10 * 10 + (s[i] - '0');
        if (neg) e10 = -e10;
    }
    int sfx = 0;
    if (i < n) {
        switch (s[i]) {
        case 'k':
        case 'K': sfx = 3; break;
        case 'M': sfx = 6; break;
        case 'B': sfx = 9; break;
        }
    }

    if (kind == TK_INT) {
        int64_t v = 0, mul = sfx == 0 ? 1 : sfx == 3 ? 1000 : sfx == 6 ? 1000000 : 1000000000;
        for (size_t j = 0; j < int_end; j++) {
            int d = s[j] - '0';
            if (v > (INT64_MAX - d) / 10) return NV_RANGE;
            v = v * 10 + d;
        }
        if (v > INT64_MAX / mul) return NV_RANGE;
        *out = v_int(v * mul);
        return NV_OK;
    }

    size_t frac_len = frac_end - frac_start;
    if (int_end + frac_len > NUM_DIGITS_MAX) return NV_LONG;
    char buf[NUM_DIGITS_MAX + 32];
    memcpy(buf, s, int_end);
    memcpy(buf + int_end, s + frac_start, frac_len);
    e10 += sfx - (long)frac_len - (kind == TK_PERCENT ? 2 : 0);
    snprintf(buf + int_end + frac_len, 32, "e%ld", e10);
    double d = strtod(buf, NULL);
    if (isinf(d)) return NV_RANGE;
    *out = v_num(d);
    return NV_OK;
}

/* The unit of the duration suffix at S[0..N), with its length in *LEN; -1 if none. */
static int duration_unit(const char *s, size_t n, size_t *len)
{
    *len = 1;
    if (n == 0) return -1;
    switch (s[0]) {
    case 'd': return U_DAY;
    case 'w': return U_WEEK;
    case 'q': return U_QUARTER;
    case 'y': return U_YEAR;
    case 'm': *len = 2; return n >= 2 && s[1] == 'o' ? U_MONTH : -1;
    }
    return -1;
}

/* Converts the text of a TK_DURATION token: digits then the unit. */
static int duration_value(const char *s, size_t n, value *out)
{
    int64_t v = 0;
    size_t i = 0, ulen;
    for (; i < n && is_digit(s[i]); i++) {
        int d = s[i] - '0';
        if (v > (INT64_MAX - d) / 10) return NV_RANGE;
        v = v * 10 + d;
    }
    int unit = duration_unit(s + i, n - i, &ulen);
    if (unit < 0) return NV_RANGE;
    *out = (value){.type = T_DURATION, .unit = (uint8_t)unit, .i = v};
    return NV_OK;
}

/* time -> 'T' HH ':' MM [':' SS ['.' digits]] after the date that ends at T.
 * START is where the date began: the token is the whole datetime. */
static int scan_time(lexer *lx, token *tok, size_t start, size_t t)
{
    const char *s = lx->src;
    size_t i = t + 1;
    int hh = 0, mm = 0, ss = 0;
    bool ok = is_digit(at(lx, i)) && is_digit(at(lx, i + 1)) && at(lx, i + 2) == ':' &&
              is_digit(at(lx, i + 3)) && is_digit(at(lx, i + 4));
    if (ok) {
        hh = digits_val(s + i, 2);
        mm = digits_val(s + i + 3, 2);
        i += 5;
        if (at(lx, i) == ':') {
            ok = is_digit(at(lx, i + 1)) && is_digit(at(lx, i + 2));
            if (ok) ss = digits_val(s + i + 1, 2);
            i += 3;
            if (ok && at(lx, i) == '.' && is_digit(at(lx, i + 1))) i = skip_digits(lx, i + 1);
        } else if (at(lx, i) == '.' && is_digit(at(lx, i + 1))) {
            ok = false; /* a fraction needs seconds */
        }
    }
    int c = at(lx, i);
    if (!ok || hh > 23 || mm > 59 || ss > 59 || is_ident_char(c) || c == ':') {
        size_t end = t + 1;
        while (is_ident_char(at(lx, end)) || at(lx, end) == ':' || at(lx, end) == '.')
            end++;
        return fail(lx, tok, start, end - start, end, "invalid time");
    }
    return emit(lx, tok, TK_DATETIME, start, i);
}

/* The forms that start with a four-digit year and '-' at START:
 *   period -> YYYY '-' ('Q' D | 'W' DD | MM)    date -> YYYY '-' MM '-' DD [time]
 * Returns -1, having consumed nothing, when the text is none of them (the
 * caller then lexes an integer and the '-' is a minus). */
static int scan_temporal(lexer *lx, token *tok, size_t start)
{
    const char *s = lx->src;
    int64_t y = digits_val(s + start, 4);
    size_t i = start + 5;
    int c = at(lx, i);

    if ((c == 'Q' || c == 'q' || c == 'W' || c == 'w') && is_digit(at(lx, i + 1))) {
        bool week = c == 'W' || c == 'w';
        size_t e = skip_digits(lx, i + 1), nd = e - (i + 1);
        int n = nd <= 2 ? digits_val(s + i + 1, nd) : 0;
        bool ok = week ? nd == 2 && n >= 1 && n <= iso_weeks(y) : nd == 1 && n >= 1 && n <= 4;
        if (!ok || is_ident_char(at(lx, e))) {
            size_t end = skip_ident_chars(lx, e);
            return fail(lx, tok, start, end - start, end, "invalid period");
        }
        return emit(lx, tok, TK_PERIOD, start, e);
    }
    if (!is_digit(c)) return -1;
    size_t e = skip_digits(lx, i);
    if (e - i != 2) return -1;
    int m = digits_val(s + i, 2);

    if (at(lx, e) != '-') { /* a month period */
        if (m < 1 || m > 12 || is_ident_char(at(lx, e))) {
            size_t end = skip_ident_chars(lx, e);
            return fail(lx, tok, start, end - start, end, "invalid period");
        }
        return emit(lx, tok, TK_PERIOD, start, e);
    }

    size_t d0 = e + 1, de = skip_digits(lx, d0);
    int d = de - d0 == 2 ? digits_val(s + d0, 2) : 0;
    c = at(lx, de);
    if (m < 1 || m > 12 || d < 1 || d > days_in_month(y, m) ||
        (is_ident_char(c) && c != 'T' && c != 't')) {
        size_t end = c == 'T' || c == 't' ? de : skip_ident_chars(lx, de);
        return fail(lx, tok, start, end - start, end, "invalid date");
    }
    if (c == 'T' || c == 't') return scan_time(lx, tok, start, de);
    return emit(lx, tok, TK_DATE, start, de);
}

/* Whether C after "number%" makes the '%' the modulo operator. */
static bool mod_follows(int c)
{
    return is_ident_char(c) || c == '(' || c == '$' || c == '.' || c == '`';
}

/* number -> digits ['.' digits] [exponent] [k|K|M|B] ['%'] | digits unit,
 * or a date or period when the digits are a year. */
static int scan_number(lexer *lx, token *tok)
{
    size_t start = lx->pos;
    size_t i = skip_digits(lx, start);
    if (i - start == 4 && at(lx, i) == '-') {
        int k = scan_temporal(lx, tok, start);
        if (k >= 0) return k;
    }

    int kind = TK_INT;
    if (at(lx, i) == '.' && is_digit(at(lx, i + 1))) {
        kind = TK_NUM;
        i = skip_digits(lx, i + 1);
    }
    if (at(lx, i) == 'e' || at(lx, i) == 'E') {
        size_t j = i + 1;
        if (at(lx, j) == '+' || at(lx, j) == '-') j++;
        if (is_digit(at(lx, j))) {
            kind = TK_NUM;
            i = skip_digits(lx, j);
        }
    }

    size_t ulen;
    if (kind == TK_INT && i < lx->len && duration_unit(lx->src + i, lx->len - i, &ulen) >= 0 &&
        !is_ident_char(at(lx, i + ulen))) {
        kind = TK_DURATION;
        i += ulen;
    } else {
        int c = at(lx, i);
        if (c == 'k' || c == 'K' || c == 'M' || c == 'B') i++;
    }
    if (is_ident_char(at(lx, i))) {
        size_t end = skip_ident_chars(lx, i);
        return fail(lx, tok, start, end - start, end, "malformed number");
    }
    if (kind != TK_DURATION && at(lx, i) == '%' && !mod_follows(at(lx, i + 1))) {
        kind = TK_PERCENT;
        i++;
    }

    value v;
    const char *s = lx->src + start;
    int r = kind == TK_DURATION ? duration_value(s, i - start, &v)
                                : number_value(s, i - start, kind, &v);
    if (r == NV_LONG) return fail(lx, tok, start, i - start, i, "number literal too long");
    if (r == NV_RANGE)
        return fail(lx, tok, start, i - start, i,
                    kind == TK_INT        ? "integer literal out of range"
                    : kind == TK_DURATION ? "duration out of range"
                                          : "number literal out of range");
    return emit(lx, tok, kind, start, i);
}

/* Decodes the escape at S[0..N) (S[0] is the backslash) into *CP; returns the
 * bytes it takes, 0 when it is not a valid escape. */
static size_t decode_escape(const char *s, size_t n, uint32_t *cp)
{
    if (n < 2) return 0;
    switch (s[1]) {
    case 'n': *cp = '\n'; return 2;
    case 't': *cp = '\t'; return 2;
    case 'r': *cp = '\r'; return 2;
    case '0': *cp = 0; return 2;
    case '\\':
    case '\'':
    case '"':
    case '/': *cp = (unsigned char)s[1]; return 2;
    case 'x':
        if (n < 4 || !is_hex(s[2]) || !is_hex(s[3])) return 0;
        *cp = (uint32_t)(hex_val(s[2]) << 4 | hex_val(s[3]));
        return *cp < 0x80 ? 4 : 0;
    case 'u': {
        uint32_t v = 0;
        if (n < 6) return 0;
        for (int k = 2; k < 6; k++) {
            if (!is_hex(s[k])) return 0;
            v = v << 4 | (uint32_t)hex_val(s[k]);
        }
        if (v >= 0xDC00 && v <= 0xDFFF) return 0;
        if (v < 0xD800 || v > 0xDBFF) {
            *cp = v;
            return 6;
        }
        uint32_t lo = 0;
        if (n < 12 || s[6] != '\\' || s[7] != 'u') return 0;
        for (int k = 8; k < 12; k++) {
            if (!is_hex(s[k])) return 0;
            lo = lo << 4 | (uint32_t)hex_val(s[k]);
        }
        if (lo < 0xDC00 || lo > 0xDFFF) return 0;
        *cp = 0x10000 + ((v - 0xD800) << 10) + (lo - 0xDC00);
        return 12;
    }
    }
    return 0;
}

/* string -> '"' { char | escape } '"' | "'" { char | escape } "'" */
static int scan_string(lexer *lx, token *tok)
{
    size_t start = lx->pos, i = start + 1;
    int q = at(lx, start);
    for (;;) {
        int c = at(lx, i);
        if (c < 0) return fail(lx, tok, start, 1, lx->len, "unterminated string");
        if (c == q) break;
        i += c == '\\' ? 2 : 1;
    }
    size_t end = i + 1;
    for (size_t j = start + 1; j < i;) {
        int c = at(lx, j);
        uint32_t cp;
        size_t n = 1;
        if (c == '\\') {
            if (!(n = decode_escape(lx->src + j, i - j, &cp))) {
                int e = at(lx, j + 1);
                if (e == 'x')
                    return fail(lx, tok, j, 2, end,
                                "invalid escape '\\x' in string (two hex digits 00-7F expected)");
                if (e == 'u')
                    return fail(lx, tok, j, 2, end,
                                "invalid escape '\\u' in string (four hex digits expected, "
                                "not an unpaired surrogate)");
                if (e > 0x20 && e < 0x7F)
                    return fail(lx, tok, j, 2, end, "invalid escape '\\%c' in string", e);
                return fail(lx, tok, j, 1, end, "invalid escape in string");
            }
        } else if (c >= 0x80 && !(n = utf8_decode(lx->src + j, i - j, &cp))) {
            return fail(lx, tok, j, 1, end, "invalid UTF-8 in string");
        }
        j += n;
    }
    return emit(lx, tok, TK_STRING, start, end);
}

/* Operators and punctuation; -1 when the byte at POS starts none. */
static int scan_operator(lexer *lx, token *tok)
{
    size_t start = lx->pos, n = 1;
    int c = at(lx, start), d = at(lx, start + 1), kind;
    switch (c) {
    case ';': kind = TK_SEMI; break;
    case ',': kind = TK_COMMA; break;
    case '.': kind = TK_DOT; break;
    case '(': kind = TK_LPAREN; break;
    case ')': kind = TK_RPAREN; break;
    case '|':
        kind = d == '|' ? TK_CONCAT : TK_PIPE;
        n = d == '|' ? 2 : 1;
        break;
    case '~': kind = TK_MATCH; break;
    case '+': kind = TK_PLUS; break;
    case '-': kind = TK_MINUS; break;
    case '*': kind = TK_STAR; break;
    case '/': kind = TK_SLASH; break;
    case '%': kind = TK_MOD; break;
    case '=':
        kind = TK_EQ;
        n = d == '=' ? 2 : 1;
        break;
    case '!':
        if (d != '=' && d != '~') return -1;
        kind = d == '=' ? TK_NE : TK_NMATCH;
        n = 2;
        break;
    case '<':
        kind = d == '=' ? TK_LE : d == '>' ? TK_NE : TK_LT;
        n = kind == TK_LT ? 1 : 2;
        break;
    case '>':
        kind = d == '=' ? TK_GE : TK_GT;
        n = kind == TK_GT ? 1 : 2;
        break;
    default: return -1;
    }
    return emit(lx, tok, kind, start, start + n);
}

/* A byte that starts no token: an unexpected character or invalid UTF-8. */
static int scan_bad_char(lexer *lx, token *tok)
{
    size_t start = lx->pos;
    int c = at(lx, start);
    uint32_t cp;
    if (c >= 0x80) {
        size_t n = utf8_decode(lx->src + start, lx->len - start, &cp);
        if (n == 0) return fail(lx, tok, start, 1, start + 1, "invalid UTF-8");
        if (is_invisible(cp))
            return fail(lx, tok, start, n, start + n, "unexpected character U+%04X", (unsigned)cp);
        return fail(lx, tok, start, n, start + n, "unexpected character '%.*s' (U+%04X)", (int)n,
                    lx->src + start, (unsigned)cp);
    }
    if (c < 0x20 || c == 0x7F)
        return fail(lx, tok, start, 1, start + 1, "unexpected character '\\x%02X'", c);
    return fail(lx, tok, start, 1, start + 1, "unexpected character '%c'", c);
}

/* ---- public ---- */

void lex_init(lexer *lx, const char *src, size_t len, diag *err)
{
    lx->src = src;
    lx->len = src ? len : 0;
    lx->pos = 0;
    lx->err = err;
}

int lex_next(lexer *lx, token *tok)
{
    if (lx->len > UINT32_MAX) return fail(lx, tok, 0, 0, lx->len, "input too long");
    skip_space(lx);
    int c = at(lx, lx->pos);
    if (c < 0) return emit(lx, tok, TK_EOF, lx->len, lx->len);
    if (is_ident_start(c)) return scan_ident(lx, tok);
    if (is_digit(c)) return scan_number(lx, tok);
    if (c == '"' || c == '\'') return scan_string(lx, tok);
    if (c == '`') return scan_qident(lx, tok);
    if (c == '$') return scan_var(lx, tok);
    int k = scan_operator(lx, tok);
    return k >= 0 ? k : scan_bad_char(lx, tok);
}

/* regex -> '/' { char | '\' char } '/' { 'i' | 'm' | 's' | 'x' }
 * Scanning restarts at TOK, so a token the parser peeked after it is dropped. */
int lex_regex(lexer *lx, token *tok)
{
    size_t start = tok->off;
    if (tok->kind != TK_SLASH || at(lx, start) != '/')
        return fail(lx, tok, start, tok->len, start + tok->len, "expected a regex");
    size_t i = start + 1;
    for (;;) {
        int c = at(lx, i);
        uint32_t cp;
        if (c < 0 || c == '\n' || c == '\r')
            return fail(lx, tok, start, 1, i, "unterminated regex");
        if (c == '/') break;
        if (c == '\\') {
            /* The escaped byte is checked like any other, unless it is one
             * that would otherwise end the pattern or start an escape. */
            int d = at(lx, i + 1);
            i += d == '/' || d == '\\' ? 2 : 1;
        } else if (c >= 0x80) {
            size_t n = utf8_decode(lx->src + i, lx->len - i, &cp);
            if (n == 0) return fail(lx, tok, i, 1, i + 1, "invalid UTF-8 in regex");
            i += n;
        } else {
            i++;
        }
    }
    for (i++; is_ident_char(at(lx, i)); i++) {
        int c = at(lx, i);
        if (c != 'i' && c != 'm' && c != 's' && c != 'x')
            return fail(lx, tok, i, 1, skip_ident_chars(lx, i), "unknown regex flag '%c'", c);
    }
    return emit(lx, tok, TK_REGEX, start, i);
}

/* ASCII case-insensitive equality of N bytes. */
static bool ascii_ieq(const char *a, const char *b, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        unsigned char x = (unsigned char)a[i], y = (unsigned char)b[i];
        if (x >= 'A' && x <= 'Z') x += 'a' - 'A';
        if (y >= 'A' && y <= 'Z') y += 'a' - 'A';
        if (x != y) return false;
    }
    return true;
}

bool lex_is(const lexer *lx, const token *tok, const char *kw)
{
    size_t n = strlen(kw);
    return tok->kind == TK_IDENT && tok->len == n && ascii_ieq(lx->src + tok->off, kw, n);
}

bool lex_reserved(const char *s, size_t len)
{
    static const char *const words[] = {"and",  "or",    "not",     "in",   "is",   "null",
                                        "true", "false", "between", "case", "when", "then",
                                        "else", "end",   "today",   "now"};
    for (size_t i = 0; i < sizeof words / sizeof words[0]; i++)
        if (strlen(words[i]) == len && ascii_ieq(s, words[i], len)) return true;
    return false;
}

value lex_number(const lexer *lx, const token *tok)
{
    value v = v_null();
    if (tok->kind != TK_INT && tok->kind != TK_NUM && tok->kind != TK_PERCENT) return v;
    if (number_value(lx->src + tok->off, tok->len, tok->kind, &v) != NV_OK) return v_null();
    return v;
}

/* The period [START, END) of kind KIND. */
static value make_period(int kind, int64_t start, int64_t end)
{
    return (value){.type = T_PERIOD, .unit = (uint8_t)kind, .p = {(int32_t)start, (int32_t)end}};
}

value lex_temporal(const lexer *lx, const token *tok)
{
    const char *s = lx->src + tok->off;
    size_t n = tok->len;
    value v = v_null();
    if (tok->kind == TK_DURATION) {
        duration_value(s, n, &v);
        return v;
    }
    if (n < 7 || (tok->kind != TK_DATE && tok->kind != TK_DATETIME && tok->kind != TK_PERIOD))
        return v;
    int64_t y = digits_val(s, 4);
    if (tok->kind == TK_PERIOD && (s[5] == 'Q' || s[5] == 'q')) {
        int q = digits_val(s + 6, 1);
        return make_period(U_QUARTER, days_from_civil(y, 3 * q - 2, 1),
                           q == 4 ? days_from_civil(y + 1, 1, 1)
                                  : days_from_civil(y, 3 * q + 1, 1));
    }
    if (tok->kind == TK_PERIOD && (s[5] == 'W' || s[5] == 'w')) {
        /* Week 1 is the one holding January 4th. */
        int64_t jan4 = days_from_civil(y, 1, 4);
        int64_t first = jan4 - weekday(jan4) + 7 * (int64_t)(digits_val(s + 6, n - 6) - 1);
        return make_period(U_WEEK, first, first + 7);
    }
    if (tok->kind == TK_PERIOD) {
        int m = digits_val(s + 5, 2);
        return make_period(U_MONTH, days_from_civil(y, m, 1),
                           m == 12 ? days_from_civil(y + 1, 1, 1) : days_from_civil(y, m + 1, 1));
    }
    if (n < 10) return v;
    int64_t days = days_from_civil(y, digits_val(s + 5, 2), digits_val(s + 8, 2));
    if (tok->kind == TK_DATE) return v_date(days);
    if (n < 16) return v;
    int64_t secs = days * 86400 + digits_val(s + 11, 2) * 3600 + digits_val(s + 14, 2) * 60;
    if (n >= 19 && s[16] == ':') secs += digits_val(s + 17, 2);
    return v_datetime(secs);
}

size_t lex_string(const lexer *lx, const token *tok, char *out)
{
    if (tok->kind != TK_STRING || tok->len < 2) return 0;
    const char *s = lx->src + tok->off + 1;
    size_t n = tok->len - 2, o = 0;
    for (size_t j = 0; j < n;) {
        uint32_t cp;
        size_t k;
        if (s[j] == '\\' && (k = decode_escape(s + j, n - j, &cp))) {
            o += utf8_encode(cp, out + o);
            j += k;
        } else {
            out[o++] = s[j++];
        }
    }
    return o;
}

size_t lex_qident(const lexer *lx, const token *tok, char *out)
{
    if (tok->kind != TK_QIDENT || tok->len < 2) return 0;
    const char *s = lx->src + tok->off + 1;
    size_t n = tok->len - 2, o = 0;
    for (size_t j = 0; j < n; j++) {
        out[o++] = s[j];
        if (s[j] == '`') j++;
    }
    return o;
}

void lex_regex_parts(const lexer *lx, const token *tok, const char **pat, size_t *patlen,
                     unsigned *flags)
{
    const char *s = lx->src + tok->off;
    *pat = s;
    *patlen = 0;
    *flags = 0;
    if (tok->kind != TK_REGEX || tok->len < 2) return;
    /* Flags hold no '/': the last one closes the pattern. */
    size_t close = tok->len - 1;
    while (close > 0 && s[close] != '/')
        close--;
    *pat = s + 1;
    *patlen = close > 0 ? close - 1 : 0;
    for (size_t j = close + 1; j < tok->len; j++) {
        switch (s[j]) {
        case 'i': *flags |= LEX_RE_I; break;
        case 'm': *flags |= LEX_RE_M; break;
        case 's': *flags |= LEX_RE_S; break;
        case 'x': *flags |= LEX_RE_X; break;
        }
    }
}

bool lex_ends_operand(int kind)
{
    switch (kind) {
    case TK_QIDENT:
    case TK_VAR:
    case TK_INT:
    case TK_NUM:
    case TK_PERCENT:
    case TK_STRING:
    case TK_REGEX:
    case TK_DATE:
    case TK_DATETIME:
    case TK_PERIOD:
    case TK_DURATION:
    case TK_RPAREN: return true;
    default: return false;
    }
}
