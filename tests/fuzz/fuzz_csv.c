/* fuzz_csv.c: the CSV reader on arbitrary bytes, with error resynchronisation. */
#include <stdint.h>
#include <stdlib.h>

#include "csv.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    for (int pass = 0; pass < 2; pass++) {
        csv_reader *r = csv_open_mem((const char *)data, size, pass ? '\t' : ',');
        csv_field *f;
        int n, rc;
        size_t guard = 0;
        while ((rc = csv_next(r, &f, &n)) != 0 && guard++ < size + 2) {
            if (rc < 0) {
                uint32_t line, col;
                csv_error(r, &line, &col);
                continue;
            }
            size_t sum = 0;
            for (int i = 0; i < n; i++)
                for (uint32_t k = 0; k < f[i].len; k++) sum += (unsigned char)f[i].s[k];
            if (sum == 1) __asm__ volatile("");
        }
        if (guard > size + 1) abort(); /* more records than bytes: a loop */
        csv_close(r);
    }
    return 0;
}
