/* arena.h: bump allocator that owns one statement's tokens, AST and temporaries.
 *
 * Memory from arena_alloc() lives until arena_reset() or arena_free(); nothing
 * is freed one piece at a time. Allocation failure aborts the process with a
 * message (the only sane reaction for an interactive tool out of memory). */
#ifndef KASH_ARENA_H
#define KASH_ARENA_H

#include <stddef.h>

typedef struct arena_block arena_block;

typedef struct arena {
    arena_block *head; /* newest block first; owned */
    size_t used;       /* bytes handed out of head */
} arena;

void arena_init(arena *a);
/* Returns SIZE bytes aligned for any type; never NULL. */
void *arena_alloc(arena *a, size_t size);
/* Returns a zeroed allocation of N elements of SIZE bytes. */
void *arena_calloc(arena *a, size_t n, size_t size);
/* Returns a NUL-terminated copy of the LEN bytes at S. */
char *arena_strndup(arena *a, const char *s, size_t len);
char *arena_printf(arena *a, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Frees everything but the first block, for reuse by the next statement. */
void arena_reset(arena *a);
void arena_free(arena *a);

/* xmalloc and friends: abort with a message on failure. */
void *xmalloc(size_t size);
void *xcalloc(size_t n, size_t size);
void *xrealloc(void *p, size_t size);
/* Advises the kernel to back the big buffer P of N bytes with huge pages (a
 * table read or written at random: one TLB entry per 2 MB). A no-op for small
 * buffers and where unsupported. */
void mem_huge(void *p, size_t n);
char *xstrdup(const char *s);

#endif
