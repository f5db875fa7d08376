/* lex.h: the tokens of the kash language.
 *
 * The lexer hands out tokens as {kind, offset, length} slices of the source
 * and allocates nothing. Keywords are not tokens of their own: they are
 * TK_IDENT tokens that the parser recognises case-insensitively with
 * lex_is(), so that most keywords remain usable as field names. A handful of
 * words are reserved (see lex_reserved()) and must be backticked to be used
 * as identifiers.
 *
 * A '/' always lexes as TK_SLASH; where the grammar expects an operand the
 * parser calls lex_regex() to rescan it as a regex literal. */
#ifndef KASH_LEX_H
#define KASH_LEX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "diag.h"
#include "value.h"

/* Token kinds. lex_token_names[] in lex.c is in the same order: keep them together. */
typedef enum tkind {
    TK_EOF,
    TK_ERROR,    /* the lexer recorded a diag */
    TK_IDENT,    /* name or keyword: [A-Za-z_][A-Za-z0-9_]* */
    TK_QIDENT,   /* `back quoted`; `` inside is a literal backtick */
    TK_VAR,      /* $name */
    TK_INT,      /* 1500, 2M (integral after the suffix) */
    TK_NUM,      /* 2.5, 1e6, 1.5k */
    TK_PERCENT,  /* 90%, 12.5% */
    TK_STRING,   /* "..." or '...' with backslash escapes */
    TK_REGEX,    /* /pattern/flags, only from lex_regex() */
    TK_DATE,     /* 2024-03-31 */
    TK_DATETIME, /* 2024-03-31T14:05:00, 2024-03-31T14:05 */
    TK_PERIOD,   /* 2024-Q1, 2024-03, 2024-W05 */
    TK_DURATION, /* 90d, 12w, 6mo, 2q, 1y */
    TK_SEMI,     /* ; */
    TK_COMMA,    /* , */
    TK_DOT,      /* . */
    TK_LPAREN,   /* ( */
    TK_RPAREN,   /* ) */
    TK_PIPE,     /* | */
    TK_EQ,       /* = or == */
    TK_NE,       /* != or <> */
    TK_LT,       /* < */
    TK_LE,       /* <= */
    TK_GT,       /* > */
    TK_GE,       /* >= */
    TK_MATCH,    /* ~ */
    TK_NMATCH,   /* !~ */
    TK_PLUS,     /* + */
    TK_MINUS,    /* - */
    TK_STAR,     /* * */
    TK_SLASH,    /* / */
    TK_MOD,      /* % (as an operator) */
    TK_CONCAT,   /* || */
    TK_NKINDS
} tkind;

extern const char *const lex_token_names[TK_NKINDS];

typedef struct token {
    uint16_t kind; /* tkind */
    uint32_t off;  /* byte offset in the source */
    uint32_t len;  /* byte length */
} token;

typedef struct lexer {
    const char *src; /* not owned; must outlive the lexer's tokens */
    size_t len;
    size_t pos; /* next byte to scan */
    diag *err;  /* where errors go; not owned */
} lexer;

void lex_init(lexer *lx, const char *src, size_t len, diag *err);
/* Scans the next token after whitespace and -- comments. Returns its kind;
 * TK_ERROR after recording a diag (unterminated string, bad character,
 * malformed number, invalid UTF-8 outside strings). */
int lex_next(lexer *lx, token *tok);
/* Rescans TOK, a TK_SLASH just returned by lex_next(), as a regex literal
 * /pattern/flags (flags from "imsx"; a '\/' inside stays in the pattern as
 * written). Updates TOK and the lexer's position; TK_ERROR when unterminated
 * or a flag is unknown. */
int lex_regex(lexer *lx, token *tok);

/* True for the kinds of token that end an operand without being words:
 * literals, quoted identifiers, variables, ')'. After one, '/' divides. */
bool lex_ends_operand(int kind);

/* True when TOK is an identifier equal to KW, ignoring ASCII case. */
bool lex_is(const lexer *lx, const token *tok, const char *kw);
/* True for reserved words (and or not in is null true false between case
 * when then else end today now), ignoring case. */
bool lex_reserved(const char *s, size_t len);

/* ---- literal values (the token must be of the kind named) ---- */

/* TK_INT, TK_NUM, TK_PERCENT: the number with its suffix applied (k = 1e3,
 * M = 1e6, B = 1e9; % divides by 100). TK_INT gives T_INT, others T_NUM. */
value lex_number(const lexer *lx, const token *tok);
/* TK_DATE, TK_DATETIME, TK_PERIOD, TK_DURATION: the value. */
value lex_temporal(const lexer *lx, const token *tok);
/* TK_STRING: writes the unescaped text to OUT (at least tok->len bytes)
 * and returns its length. Escapes: \n \t \r \0 \\ \' \" \/ \xHH \uXXXX. */
size_t lex_string(const lexer *lx, const token *tok, char *out);
/* TK_QIDENT: the name without backticks, `` unescaped; returns its length. */
size_t lex_qident(const lexer *lx, const token *tok, char *out);
/* TK_REGEX: pattern slice and flags (bitmask of LEX_RE_*). */
enum { LEX_RE_I = 1, LEX_RE_M = 2, LEX_RE_S = 4, LEX_RE_X = 8 };
void lex_regex_parts(const lexer *lx, const token *tok, const char **pat, size_t *patlen,
                     unsigned *flags);

#endif
