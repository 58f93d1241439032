/*
 * libFuzzer harness: the capability reference data loader (capinfo_load), which validates
 * assets/capabilities.json completely. The data ships with caplab, but an installation or a
 * CAPLAB_DATA directory may hold a damaged copy: it must be refused with an error that names
 * the file, never crash. A loaded file has one entry per capability the kernel knows.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "caps.h"
#include "capinfo.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char path[64];

static void remove_file(void)
{
    unlink(path);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc, (void)argv;
    const char *base = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp";
    snprintf(path, sizeof path, "%s/caplab-fuzz-capinfo.XXXXXX", base);
    int fd = mkstemp(path);
    if (fd < 0)
        abort();
    close(fd);
    atexit(remove_file);
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    FILE *f = fopen(path, "wb");
    if (!f)
        abort();
    fwrite(data, 1, size, f);
    fclose(f);
    struct capinfo *info = NULL;
    struct err e = {0};
    if (capinfo_load(path, &info, &e) == 0) {
        if (capinfo_count(info) != caps_last() + 1)
            abort();
        for (unsigned cap = 0; cap <= caps_last(); cap++) {
            const struct capinfo_entry *en = capinfo_get(info, cap);
            if (!en || en->cap != cap || !en->name || !en->governs)
                abort();
        }
        capinfo_free(info);
    } else if (strstr(e.msg, path) == NULL) {
        fprintf(stderr, "fuzz_capinfo: error does not name the file: %s\n", e.msg);
        abort();
    }
    return 0;
}
