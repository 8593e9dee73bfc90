/*
 * Unit tests for the manifest validator (servers/root/manifest.c).
 *
 * Every blob is built here with libfdt's sequential-write API (no dtc), in a static 8-byte aligned buffer.
 * The helpers open the root with the right 'compatible', and a task with its three required properties,
 * so each test only writes what it is about. A valid manifest with every property checks every parsed
 * field; the rejections check the exact error line. Truncated, corrupted and garbage blobs are parsed from
 * heap copies of exactly their size, so ASan sees any read past the end.
 */
#include "cunit_tap.h"
#include <CUnit/CUnit.h>
#include <libfdt.h>
#include <manifest.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define BLOB_SIZE 32768

static uint64_t blob_store[BLOB_SIZE / 8];
static void *const blob = blob_store;
static struct manifest man;
static char err[256];
static const struct manifest_limits default_limits = {262144, 32768};
static const uint8_t program_bytes[] = {0x7f, 'E', 'L', 'F'};

/* ---- Building blobs ---- */

#define SW(call) CU_ASSERT_EQUAL_FATAL((call), 0)

static void begin_node(const char *name) { SW(fdt_begin_node(blob, name)); }
static void end_node(void) { SW(fdt_end_node(blob)); }
static void str(const char *name, const char *value) { SW(fdt_property_string(blob, name, value)); }
static void u32(const char *name, uint32_t value) { SW(fdt_property_u32(blob, name, value)); }
static void flag(const char *name) { SW(fdt_property(blob, name, NULL, 0)); }
static void bytes(const char *name, const void *value, int len) { SW(fdt_property(blob, name, value, len)); }

static void cells(const char *name, const uint32_t *v, size_t n)
{
    fdt32_t be[64];

    CU_ASSERT_FATAL(n <= 64);
    for (size_t i = 0; i < n; i++)
        be[i] = cpu_to_fdt32(v[i]);
    bytes(name, be, (int)(n * sizeof(be[0])));
}

#define CELLS(name, ...)                                                                                     \
    cells(name, (const uint32_t[]){__VA_ARGS__}, sizeof((const uint32_t[]){__VA_ARGS__}) / sizeof(uint32_t))

/* Starts a blob with the root node open; with_compatible: its 'compatible' property first. */
static void begin_blob_raw(bool with_compatible)
{
    memset(blob_store, 0, sizeof(blob_store));
    SW(fdt_create(blob, BLOB_SIZE));
    SW(fdt_finish_reservemap(blob));
    begin_node("");
    if (with_compatible)
        str("compatible", "proteus,system");
}

static void begin_blob(void) { begin_blob_raw(true); }

/* Closes the root node and finishes the blob. */
static void end_blob(void)
{
    end_node();
    SW(fdt_finish(blob));
}

/* Opens task `name` with its required properties. */
static void begin_task(const char *name, uint32_t memory_kib, uint32_t kernel_memory_kib)
{
    begin_node(name);
    bytes("program", program_bytes, sizeof(program_bytes));
    u32("memory-kib", memory_kib);
    u32("kernel-memory-kib", kernel_memory_kib);
}

/* A blob whose only task /tasks/hello is left open for the test's own properties. */
static void begin_one_task(void)
{
    begin_blob();
    begin_node("tasks");
    begin_task("hello", 1024, 256);
}

static void end_one_task(void)
{
    end_node();
    end_node();
    end_blob();
}

/* Tasks a and b, and /channels/c left open after 'from' = a, 'to' = b. */
static void begin_channel(void)
{
    begin_blob();
    begin_node("tasks");
    begin_task("a", 1024, 256);
    end_node();
    begin_task("b", 1024, 256);
    end_node();
    end_node();
    begin_node("channels");
    begin_node("c");
    str("from", "a");
    str("to", "b");
}

static void end_channel(void)
{
    end_node();
    end_node();
    end_blob();
}

/* ---- Parsing ---- */

static int parse_with(const struct manifest_limits *lim)
{
    memset(err, 'x', sizeof(err));
    return manifest_parse(blob, fdt_totalsize(blob), lim, &man, err, sizeof(err));
}

static bool parse_ok(void)
{
    int rc = parse_with(&default_limits);

    if (rc == 0 && err[0] == '\0')
        return true;
    printf("# expected success, got rc %d: %s\n", rc, err);
    return false;
}

static bool parse_fails_with(const char *expected)
{
    int rc = parse_with(&default_limits);

    if (rc == -1 && strcmp(err, expected) == 0)
        return true;
    printf("# expected: %s\n#      got: rc %d: %.*s\n", expected, rc, (int)sizeof(err) - 1, err);
    return false;
}

#define EXPECT_OK() CU_ASSERT(parse_ok())
#define EXPECT_ERR(msg) CU_ASSERT(parse_fails_with(msg))

/* Parses size bytes copied to the heap, so ASan catches any read past them; returns manifest_parse's result.
 */
static int parse_copy(const void *data, size_t size)
{
    void *copy = malloc(size ? size : 1);
    int rc;

    CU_ASSERT_PTR_NOT_NULL_FATAL(copy);
    memcpy(copy, data, size);
    memset(err, 'x', sizeof(err));
    rc = manifest_parse(copy, size, &default_limits, &man, err, sizeof(err));
    free(copy);
    return rc;
}

/* ---- Valid manifests ---- */

static void build_full(void)
{
    begin_blob();
    str("model", "Proteus demo");
    begin_node("tasks");
    begin_task("console", 1024, 256);
    u32("priority", 20);
    CELLS("ioports", 0x3f8, 8, 0x2f8, 8);
    CELLS("irqs", 4, 0, 3, 3);
    str("console", "console");
    flag("console-server");
    end_node();
    begin_task("net-0", 2048, 512);
    CELLS("mmio", 0x0, 0xfeb00000, 0x0, 0x1000, 0x1, 0x0, 0x0, 0x200000);
    CELLS("irqs", 11, 1);
    str("restart", "on-failure");
    u32("restart-limit", 7);
    u32("restart-backoff-ms", 250);
    str("console", "net");
    u32("phandle", 1);
    end_node();
    end_node();
    begin_node("channels");
    begin_node("net-to-console");
    str("from", "net-0");
    str("to", "console");
    flag("endpoint");
    flag("notification");
    u32("shared-memory-kib", 16);
    end_node();
    begin_node("console-to-net");
    str("to", "net-0");
    str("from", "console");
    flag("notification");
    end_node();
    end_node();
    end_blob();
}

static void check_full_console(const struct manifest_task *c)
{
    CU_ASSERT_STRING_EQUAL(c->name, "console");
    CU_ASSERT_STRING_EQUAL(c->path, "/tasks/console");
    CU_ASSERT_STRING_EQUAL(c->console, "console");
    CU_ASSERT_EQUAL(c->program_size, 4);
    CU_ASSERT((const char *)c->program > (const char *)blob &&
              (const char *)c->program < (const char *)blob + fdt_totalsize(blob));
    CU_ASSERT(c->program && memcmp(c->program, program_bytes, 4) == 0);
    CU_ASSERT_EQUAL(c->memory_kib, 1024);
    CU_ASSERT_EQUAL(c->kernel_memory_kib, 256);
    CU_ASSERT_EQUAL(c->priority, 20);
    CU_ASSERT_EQUAL(c->nioports, 2);
    CU_ASSERT(c->ioports[0].base == 0x3f8 && c->ioports[0].size == 8);
    CU_ASSERT(c->ioports[1].base == 0x2f8 && c->ioports[1].size == 8);
    CU_ASSERT_EQUAL(c->nirqs, 2);
    CU_ASSERT(c->irqs[0].line == 4 && c->irqs[0].flags == 0);
    CU_ASSERT(c->irqs[1].line == 3 && c->irqs[1].flags == (MANIFEST_IRQ_LEVEL | MANIFEST_IRQ_ACTIVE_LOW));
    CU_ASSERT_EQUAL(c->nmmio, 0);
    CU_ASSERT_EQUAL(c->restart, MANIFEST_RESTART_NEVER);
    CU_ASSERT_EQUAL(c->restart_limit, 3);
    CU_ASSERT_EQUAL(c->restart_backoff_ms, 100);
    CU_ASSERT(c->console_server);
}

static void check_full_net(const struct manifest_task *n)
{
    CU_ASSERT_STRING_EQUAL(n->name, "net-0");
    CU_ASSERT_STRING_EQUAL(n->path, "/tasks/net-0");
    CU_ASSERT_STRING_EQUAL(n->console, "net");
    CU_ASSERT_EQUAL(n->program_size, 4);
    CU_ASSERT_EQUAL(n->memory_kib, 2048);
    CU_ASSERT_EQUAL(n->kernel_memory_kib, 512);
    CU_ASSERT_EQUAL(n->priority, 16);
    CU_ASSERT_EQUAL(n->nioports, 0);
    CU_ASSERT_EQUAL(n->nirqs, 1);
    CU_ASSERT(n->irqs[0].line == 11 && n->irqs[0].flags == MANIFEST_IRQ_LEVEL);
    CU_ASSERT_EQUAL(n->nmmio, 2);
    CU_ASSERT(n->mmio[0].base == 0xfeb00000 && n->mmio[0].size == 0x1000);
    CU_ASSERT(n->mmio[1].base == 0x100000000ull && n->mmio[1].size == 0x200000);
    CU_ASSERT_EQUAL(n->restart, MANIFEST_RESTART_ON_FAILURE);
    CU_ASSERT_EQUAL(n->restart_limit, 7);
    CU_ASSERT_EQUAL(n->restart_backoff_ms, 250);
    CU_ASSERT(!n->console_server);
}

static void test_full(void)
{
    const struct manifest_channel *ch = &man.channels[0];

    build_full();
    EXPECT_OK();
    CU_ASSERT_STRING_EQUAL(man.model, "Proteus demo");
    CU_ASSERT_EQUAL(man.ntasks, 2);
    CU_ASSERT_EQUAL(man.nchannels, 2);
    CU_ASSERT_EQUAL(man.console_server, 0);
    check_full_console(&man.tasks[0]);
    check_full_net(&man.tasks[1]);

    CU_ASSERT_STRING_EQUAL(ch->name, "net-to-console");
    CU_ASSERT_STRING_EQUAL(ch->path, "/channels/net-to-console");
    CU_ASSERT(ch->from == 1 && ch->to == 0);
    CU_ASSERT(ch->endpoint && ch->notification);
    CU_ASSERT_EQUAL(ch->shared_memory_kib, 16);
    ch = &man.channels[1];
    CU_ASSERT_STRING_EQUAL(ch->name, "console-to-net");
    CU_ASSERT_STRING_EQUAL(ch->path, "/channels/console-to-net");
    CU_ASSERT(ch->from == 0 && ch->to == 1);
    CU_ASSERT(!ch->endpoint && ch->notification);
    CU_ASSERT_EQUAL(ch->shared_memory_kib, 0);
}

static void test_defaults(void)
{
    const struct manifest_task *t = &man.tasks[0];

    begin_one_task();
    end_one_task();
    EXPECT_OK();
    CU_ASSERT_STRING_EQUAL(man.model, "");
    CU_ASSERT_EQUAL(man.ntasks, 1);
    CU_ASSERT_EQUAL(man.nchannels, 0);
    CU_ASSERT_EQUAL(man.console_server, -1);
    CU_ASSERT_STRING_EQUAL(t->name, "hello");
    CU_ASSERT_STRING_EQUAL(t->path, "/tasks/hello");
    CU_ASSERT_STRING_EQUAL(t->console, "");
    CU_ASSERT_EQUAL(t->priority, 16);
    CU_ASSERT(t->nioports == 0 && t->nirqs == 0 && t->nmmio == 0);
    CU_ASSERT_EQUAL(t->restart, MANIFEST_RESTART_NEVER);
    CU_ASSERT_EQUAL(t->restart_limit, 3);
    CU_ASSERT_EQUAL(t->restart_backoff_ms, 100);
    CU_ASSERT(!t->console_server);
}

/* The edges of every range are accepted, and so are the largest lists. */
static void test_limits_accepted(void)
{
    char name[8];

    begin_one_task();
    u32("priority", 30);
    u32("restart-limit", 100);
    u32("restart-backoff-ms", 60000);
    CELLS("ioports", 0, 1, 1, 1, 2, 1, 3, 1, 4, 1, 5, 1, 6, 1, 0xffff, 1);
    CELLS("irqs", 0, 0, 1, 1, 2, 2, 3, 3, 20, 0, 21, 0, 22, 0, 23, 0);
    CELLS("mmio", 0, 0, 0, 0x1000, 0, 0x1000, 0, 0x1000, 0, 0x2000, 0, 0x1000, 0, 0x3000, 0, 0x1000, 0,
          0x4000, 0, 0x1000, 0, 0x5000, 0, 0x1000, 0, 0x6000, 0, 0x1000, 0xffffffff, 0xfffff000, 0, 0x1000);
    end_one_task();
    EXPECT_OK();
    CU_ASSERT(man.tasks[0].nioports == 8 && man.tasks[0].nirqs == 8 && man.tasks[0].nmmio == 8);
    CU_ASSERT_EQUAL(man.tasks[0].mmio[7].base, 0xfffffffffffff000ull);

    begin_blob();
    begin_node("tasks");
    for (int i = 0; i < MANIFEST_MAX_TASKS; i++) {
        snprintf(name, sizeof(name), "t%d", i);
        begin_task(name, 1, 64);
        end_node();
    }
    end_node();
    begin_node("channels");
    for (int i = 0; i < MANIFEST_MAX_CHANNELS; i++) {
        snprintf(name, sizeof(name), "c%d", i);
        begin_node(name);
        str("from", "t0");
        str("to", "t15");
        flag("endpoint");
        end_node();
    }
    end_node();
    end_blob();
    EXPECT_OK();
    CU_ASSERT_EQUAL(man.ntasks, MANIFEST_MAX_TASKS);
    CU_ASSERT_EQUAL(man.nchannels, MANIFEST_MAX_CHANNELS);
    CU_ASSERT_STRING_EQUAL(man.tasks[15].path, "/tasks/t15");
}

/* phandle and linux,phandle are accepted on every node; an empty /channels is fine. */
static void test_phandles_ignored(void)
{
    begin_blob();
    u32("phandle", 1);
    u32("linux,phandle", 1);
    begin_node("tasks");
    u32("phandle", 2);
    begin_task("a", 1024, 256);
    u32("linux,phandle", 3);
    u32("phandle", 3);
    end_node();
    begin_task("b", 1024, 256);
    end_node();
    end_node();
    begin_node("channels");
    u32("phandle", 4);
    begin_node("c");
    u32("phandle", 5);
    str("from", "a");
    str("to", "b");
    flag("endpoint");
    end_node();
    end_node();
    end_blob();
    EXPECT_OK();

    begin_one_task();
    end_node();
    end_node();
    begin_node("channels");
    end_node();
    end_blob();
    EXPECT_OK();
    CU_ASSERT_EQUAL(man.nchannels, 0);
}

/* Adjacent ranges do not overlap; the same line may not be shared but neighbouring lines may. */
static void test_adjacent_grants(void)
{
    begin_blob();
    begin_node("tasks");
    begin_task("a", 1024, 256);
    CELLS("ioports", 0x3f8, 8);
    CELLS("mmio", 0, 0xfeb00000, 0, 0x1000);
    CELLS("irqs", 4, 0);
    end_node();
    begin_task("b", 1024, 256);
    CELLS("ioports", 0x3f0, 8, 0x400, 1);
    CELLS("mmio", 0, 0xfeaff000, 0, 0x1000, 0, 0xfeb01000, 0, 0x1000);
    CELLS("irqs", 3, 0, 5, 0);
    end_node();
    end_node();
    end_blob();
    EXPECT_OK();
}

/* Budgets: an exact fit passes, one KiB more fails; channels' shared memory counts as user memory. */
static void test_budgets(void)
{
    struct manifest_limits exact = {2048 + 16, 512}, tight_user = {2048 + 15, 512},
                           tight_kernel = {4096, 511};

    begin_channel();
    u32("shared-memory-kib", 16);
    end_channel();
    CU_ASSERT_EQUAL(parse_with(&exact), 0);
    CU_ASSERT_EQUAL(parse_with(NULL), 0);
    CU_ASSERT_EQUAL(parse_with(&tight_user), -1);
    CU_ASSERT_STRING_EQUAL(err, "/tasks: memory budgets total 2064 KiB but only 2063 KiB are available");
    CU_ASSERT_EQUAL(parse_with(&tight_kernel), -1);
    CU_ASSERT_STRING_EQUAL(err, "/tasks: kernel memory budgets total 512 KiB but only 511 KiB are available");

    begin_blob();
    begin_node("tasks");
    begin_task("a", 200000, 256);
    end_node();
    begin_task("b", 100000, 256);
    end_node();
    end_node();
    end_blob();
    {
        struct manifest_limits lim = {250000, 32768};
        CU_ASSERT_EQUAL(parse_with(&lim), -1);
        CU_ASSERT_STRING_EQUAL(err,
                               "/tasks: memory budgets total 300000 KiB but only 250000 KiB are available");
    }
}

/* ---- Invalid blobs ---- */

static void test_garbage(void)
{
    static const char text[] = "this is not a device tree, just some text that is long enough";
    char small[8];

    CU_ASSERT_EQUAL(parse_copy(text, sizeof(text)), -1);
    CU_ASSERT_STRING_EQUAL(err, "/: not a valid device tree (FDT_ERR_BADMAGIC)");
    CU_ASSERT_EQUAL(parse_copy(text, 0), -1);
    CU_ASSERT_STRING_EQUAL(err, "/: not a valid device tree (FDT_ERR_TRUNCATED)");
    CU_ASSERT_EQUAL(manifest_parse(NULL, 100, &default_limits, &man, err, sizeof(err)), -1);
    CU_ASSERT_STRING_EQUAL(err, "/: not a valid device tree (FDT_ERR_TRUNCATED)");

    /* A short error buffer gets a cut but terminated message; no buffer at all is fine too. */
    CU_ASSERT_EQUAL(manifest_parse(text, sizeof(text), &default_limits, &man, small, sizeof(small)), -1);
    CU_ASSERT_STRING_EQUAL(small, "/: not ");
    CU_ASSERT_EQUAL(manifest_parse(text, sizeof(text), &default_limits, &man, NULL, 0), -1);

    /* Random bytes behind a valid magic number. */
    srand(1);
    for (int round = 0; round < 200; round++) {
        uint8_t junk[256];
        for (size_t i = 0; i < sizeof(junk); i++)
            junk[i] = (uint8_t)rand();
        memcpy(junk, "\xd0\x0d\xfe\xed", 4);
        CU_ASSERT_EQUAL(parse_copy(junk, sizeof(junk)), -1);
        CU_ASSERT_EQUAL(strncmp(err, "/: not a valid device tree (", 28), 0);
    }
}

/* Every prefix of a valid blob is rejected (the header's totalsize is larger than the buffer). */
static void test_truncated(void)
{
    size_t total;

    build_full();
    total = fdt_totalsize(blob);
    CU_ASSERT_EQUAL(parse_copy(blob, total), 0);
    CU_ASSERT_EQUAL(parse_copy(blob, total + 100 > BLOB_SIZE ? total : total + 100), 0);
    for (size_t n = 0; n < total; n++) {
        CU_ASSERT_EQUAL(parse_copy(blob, n), -1);
        CU_ASSERT_STRING_EQUAL(err, "/: not a valid device tree (FDT_ERR_TRUNCATED)");
    }
}

/* Each byte of a valid blob in turn set to 0xff, 0x00 or 0x80: parsed or rejected, never a bad read. */
static void test_corrupted(void)
{
    static const uint8_t values[] = {0xff, 0x00, 0x80};
    static uint8_t copy[BLOB_SIZE];
    size_t total;
    unsigned failures = 0;

    build_full();
    total = fdt_totalsize(blob);
    for (size_t i = 0; i < total; i++) {
        for (size_t v = 0; v < sizeof(values); v++) {
            memcpy(copy, blob, total);
            copy[i] = values[v];
            int rc = parse_copy(copy, total);
            CU_ASSERT(rc == 0 || rc == -1);
            CU_ASSERT(rc == 0 ? err[0] == '\0' : (err[0] == '/' && memchr(err, '\0', sizeof(err)) != NULL));
            failures += rc != 0;
        }
    }
    CU_ASSERT(failures > total / 2);
}

/* A header that libfdt rejects: bad magic, an unsupported version, a misaligned blob. */
static void test_bad_header(void)
{
    static uint64_t copy_store[BLOB_SIZE / 8 + 1];
    uint8_t *copy = (uint8_t *)copy_store;
    size_t total;

    build_full();
    total = fdt_totalsize(blob);
    memcpy(copy, blob, total);
    copy[0] = 0;
    CU_ASSERT_EQUAL(parse_copy(copy, total), -1);
    CU_ASSERT_STRING_EQUAL(err, "/: not a valid device tree (FDT_ERR_BADMAGIC)");
    memcpy(copy, blob, total);
    fdt_set_version(copy, 99);
    fdt_set_last_comp_version(copy, 99);
    CU_ASSERT_EQUAL(parse_copy(copy, total), -1);
    CU_ASSERT_STRING_EQUAL(err, "/: not a valid device tree (FDT_ERR_BADVERSION)");

    /* libfdt wants the blob 8-byte aligned. */
    memcpy(copy + 4, blob, total);
    CU_ASSERT_EQUAL(manifest_parse(copy + 4, total, &default_limits, &man, err, sizeof(err)), -1);
    CU_ASSERT_STRING_EQUAL(err, "/: not a valid device tree (FDT_ERR_ALIGNMENT)");
}

/* ---- The root node ---- */

static void test_root_compatible(void)
{
    begin_blob_raw(false);
    begin_node("tasks");
    begin_task("hello", 1024, 256);
    end_one_task();
    EXPECT_ERR("/: missing property 'compatible'");

    begin_blob_raw(false);
    str("compatible", "proteus,other");
    end_blob();
    EXPECT_ERR("/: compatible must be \"proteus,system\"");

    begin_blob_raw(false);
    bytes("compatible", "proteus,system\0extra", 21);
    end_blob();
    EXPECT_ERR("/: compatible must be \"proteus,system\"");

    begin_blob_raw(false);
    bytes("compatible", "proteus,system", 14); /* no NUL */
    end_blob();
    EXPECT_ERR("/: compatible must be \"proteus,system\"");
}

static void test_root_unknown(void)
{
    begin_blob();
    str("foo", "bar");
    end_blob();
    EXPECT_ERR("/: unknown property 'foo'");

    begin_one_task();
    end_node();
    end_node();
    begin_node("bogus");
    end_node();
    end_blob();
    EXPECT_ERR("/bogus: unknown node");

    begin_blob();
    begin_node("tasks@0");
    end_node();
    end_blob();
    EXPECT_ERR("/tasks@0: unknown node");
}

static void test_root_model(void)
{
    begin_blob(); /* properties come before subnodes, so the error comes before "missing node 'tasks'" */
    str("model", "0123456789012345678901234567890123456789012345678901234567890123"); /* 64 characters */
    end_blob();
    EXPECT_ERR("/: 'model' is longer than 63 characters");

    begin_blob();
    u32("model", 7);
    end_blob();
    EXPECT_ERR("/: 'model' must be a string");

    begin_blob();
    bytes("model", "a\0b", 4);
    end_blob();
    EXPECT_ERR("/: 'model' must be a string");
}

static void test_root_tasks(void)
{
    char name[8];

    begin_blob();
    end_blob();
    EXPECT_ERR("/: missing node 'tasks'");

    begin_blob();
    begin_node("tasks");
    end_node();
    end_blob();
    EXPECT_ERR("/tasks: no tasks");

    begin_blob();
    begin_node("tasks");
    str("x", "y");
    end_node();
    end_blob();
    EXPECT_ERR("/tasks: unknown property 'x'");

    begin_blob();
    begin_node("tasks");
    for (int i = 0; i <= MANIFEST_MAX_TASKS; i++) {
        snprintf(name, sizeof(name), "t%d", i);
        begin_task(name, 1, 64);
        end_node();
    }
    end_node();
    end_blob();
    EXPECT_ERR("/tasks: more than 16 tasks");
}

/* Two nodes or properties of one name: dtc merges them, but a blob built by hand may have them. */
static void test_duplicates(void)
{
    begin_one_task();
    end_node();
    end_node();
    begin_node("tasks");
    end_node();
    end_blob();
    EXPECT_ERR("/tasks: duplicate node");

    begin_blob();
    begin_node("tasks");
    begin_task("a", 1, 64);
    end_node();
    begin_task("a", 1, 64);
    end_node();
    end_node();
    end_blob();
    EXPECT_ERR("/tasks/a: duplicate node");

    begin_one_task();
    u32("memory-kib", 5);
    end_one_task();
    EXPECT_ERR("/tasks/hello: duplicate property 'memory-kib'");
}

/* ---- Tasks ---- */

static void test_task_names(void)
{
    static const char *const bad[] = {"Hello", "1abc",     "-abc", "a_b", "abcdefghijklmnop",
                                      "con@1", "tab\tname"};
    static const char *const shown[] = {"Hello", "1abc",    "-abc", "a_b", "abcdefghijklmnop",
                                        "con@1", "tab?name"};
    char expected[160];

    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        begin_blob();
        begin_node("tasks");
        begin_task(bad[i], 1024, 256);
        end_one_task();
        snprintf(expected, sizeof(expected),
                 "/tasks/%s: bad name (1..15 characters of a-z, 0-9 and '-', starting with a letter)",
                 shown[i]);
        EXPECT_ERR(expected);
    }
    begin_blob();
    begin_node("tasks");
    begin_task("abcdefghijklmn5", 1024, 256); /* 15 characters */
    end_one_task();
    EXPECT_OK();
    CU_ASSERT_STRING_EQUAL(man.tasks[0].path, "/tasks/abcdefghijklmn5");
}

static void test_task_missing(void)
{
    static const char *const props[] = {"program", "memory-kib", "kernel-memory-kib"};
    char expected[80];

    for (int missing = 0; missing < 3; missing++) {
        begin_blob();
        begin_node("tasks");
        begin_node("hello");
        if (missing != 0)
            bytes("program", program_bytes, 4);
        if (missing != 1)
            u32("memory-kib", 1024);
        if (missing != 2)
            u32("kernel-memory-kib", 256);
        end_one_task();
        snprintf(expected, sizeof(expected), "/tasks/hello: missing property '%s'", props[missing]);
        EXPECT_ERR(expected);
    }
}

static void test_task_program_empty(void)
{
    begin_blob();
    begin_node("tasks");
    begin_node("hello");
    flag("program");
    u32("memory-kib", 1024);
    u32("kernel-memory-kib", 256);
    end_one_task();
    EXPECT_ERR("/tasks/hello: 'program' is empty");
}

static void test_task_unknown(void)
{
    begin_one_task();
    u32("memry-kib", 1);
    end_one_task();
    EXPECT_ERR("/tasks/hello: unknown property 'memry-kib'");

    begin_one_task();
    begin_node("extra");
    end_node();
    end_one_task();
    EXPECT_ERR("/tasks/hello/extra: unknown node");
}

static void test_task_cell_length(void)
{
    begin_one_task();
    CELLS("priority", 1, 2);
    end_one_task();
    EXPECT_ERR("/tasks/hello: 'priority' must be one 32-bit cell");

    begin_one_task();
    flag("restart-limit");
    end_one_task();
    EXPECT_ERR("/tasks/hello: 'restart-limit' must be one 32-bit cell");

    begin_blob();
    begin_node("tasks");
    begin_node("hello");
    bytes("program", program_bytes, 4);
    bytes("memory-kib", "\0\0\4", 3);
    end_one_task();
    EXPECT_ERR("/tasks/hello: 'memory-kib' must be one 32-bit cell");
}

static void test_task_ranges(void)
{
    static const struct {
        const char *prop;
        uint32_t value;
        const char *expected;
    } cases[] = {
        {"priority", 40, "/tasks/hello: 'priority' 40 is out of range 1..30"},
        {"priority", 0, "/tasks/hello: 'priority' 0 is out of range 1..30"},
        {"restart-limit", 0, "/tasks/hello: 'restart-limit' 0 is out of range 1..100"},
        {"restart-limit", 101, "/tasks/hello: 'restart-limit' 101 is out of range 1..100"},
        {"restart-backoff-ms", 60001, "/tasks/hello: 'restart-backoff-ms' 60001 is out of range 1..60000"},
        {"restart-backoff-ms", 0, "/tasks/hello: 'restart-backoff-ms' 0 is out of range 1..60000"},
    };

    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        begin_one_task();
        u32(cases[i].prop, cases[i].value);
        end_one_task();
        EXPECT_ERR(cases[i].expected);
    }

    begin_blob();
    begin_node("tasks");
    begin_task("hello", 0, 256);
    end_one_task();
    EXPECT_ERR("/tasks/hello: 'memory-kib' 0 must be at least 1");

    begin_blob();
    begin_node("tasks");
    begin_task("hello", 1024, 63);
    end_one_task();
    EXPECT_ERR("/tasks/hello: 'kernel-memory-kib' 63 must be at least 64");
}

static void test_task_ioports(void)
{
    begin_one_task();
    CELLS("ioports", 0x3f8);
    end_one_task();
    EXPECT_ERR("/tasks/hello: 'ioports' must be (first, count) pairs");

    begin_one_task();
    flag("ioports");
    end_one_task();
    EXPECT_ERR("/tasks/hello: 'ioports' must be (first, count) pairs");

    begin_one_task();
    CELLS("ioports", 0xfff8, 16);
    end_one_task();
    EXPECT_ERR("/tasks/hello: I/O ports 0xfff8+16 run past 0xffff");

    begin_one_task();
    CELLS("ioports", 0xffffffff, 0xffffffff);
    end_one_task();
    EXPECT_ERR("/tasks/hello: I/O ports 0xffffffff+4294967295 run past 0xffff");

    begin_one_task();
    CELLS("ioports", 0x60, 0);
    end_one_task();
    EXPECT_ERR("/tasks/hello: I/O ports 0x60+0 is an empty range");

    begin_one_task();
    CELLS("ioports", 0, 1, 1, 1, 2, 1, 3, 1, 4, 1, 5, 1, 6, 1, 7, 1, 8, 1);
    end_one_task();
    EXPECT_ERR("/tasks/hello: more than 8 I/O port ranges");
}

static void test_task_irqs(void)
{
    begin_one_task();
    CELLS("irqs", 30, 0);
    end_one_task();
    EXPECT_ERR("/tasks/hello: irq 30 does not exist (lines 0..23)");

    begin_one_task();
    CELLS("irqs", 4, 7);
    end_one_task();
    EXPECT_ERR("/tasks/hello: irq 4 has bad flags 7");

    begin_one_task();
    CELLS("irqs", 4, 0, 5);
    end_one_task();
    EXPECT_ERR("/tasks/hello: 'irqs' must be (line, flags) pairs");

    begin_one_task();
    CELLS("irqs", 0, 0, 1, 0, 2, 0, 3, 0, 4, 0, 5, 0, 6, 0, 7, 0, 8, 0);
    end_one_task();
    EXPECT_ERR("/tasks/hello: more than 8 irqs");
}

static void test_task_mmio(void)
{
    begin_one_task();
    CELLS("mmio", 0, 0xfeb00010, 0, 0x1000);
    end_one_task();
    EXPECT_ERR("/tasks/hello: mmio 0xfeb00010+0x1000 is not page aligned");

    begin_one_task();
    CELLS("mmio", 0, 0xfeb00000, 0, 0x1001);
    end_one_task();
    EXPECT_ERR("/tasks/hello: mmio 0xfeb00000+0x1001 is not page aligned");

    begin_one_task();
    CELLS("mmio", 0, 0xfeb00000, 0, 0);
    end_one_task();
    EXPECT_ERR("/tasks/hello: mmio 0xfeb00000+0x0 is an empty range");

    begin_one_task();
    CELLS("mmio", 0xffffffff, 0xfffff000, 0, 0x2000);
    end_one_task();
    EXPECT_ERR("/tasks/hello: mmio 0xfffffffffffff000+0x2000 wraps around the address space");

    begin_one_task();
    CELLS("mmio", 0xfeb00000, 0x1000); /* one cell each: 8 bytes */
    end_one_task();
    EXPECT_ERR("/tasks/hello: 'mmio' must be (address, size) pairs of 2-cell values");

    begin_one_task();
    CELLS("mmio", 0, 0x0000, 0, 0x1000, 0, 0x1000, 0, 0x1000, 0, 0x2000, 0, 0x1000, 0, 0x3000, 0, 0x1000, 0,
          0x4000, 0, 0x1000, 0, 0x5000, 0, 0x1000, 0, 0x6000, 0, 0x1000, 0, 0x7000, 0, 0x1000, 0, 0x8000, 0,
          0x1000);
    end_one_task();
    EXPECT_ERR("/tasks/hello: more than 8 mmio ranges");
}

static void test_task_restart(void)
{
    begin_one_task();
    str("restart", "always");
    end_one_task();
    EXPECT_ERR("/tasks/hello: 'restart' must be \"never\" or \"on-failure\"");

    begin_one_task();
    u32("restart", 1);
    end_one_task();
    EXPECT_ERR("/tasks/hello: 'restart' must be a string");

    begin_one_task();
    str("restart", "never");
    end_one_task();
    EXPECT_OK();
    CU_ASSERT_EQUAL(man.tasks[0].restart, MANIFEST_RESTART_NEVER);
    CU_ASSERT_EQUAL(man.tasks[0].restart_reset_ms, 0);

    begin_one_task();
    str("restart", "on-failure");
    u32("restart-reset-ms", 3600000);
    end_one_task();
    EXPECT_OK();
    CU_ASSERT_EQUAL(man.tasks[0].restart_reset_ms, 3600000);

    begin_one_task();
    u32("restart-reset-ms", 0);
    end_one_task();
    EXPECT_ERR("/tasks/hello: 'restart-reset-ms' 0 is out of range 1..3600000");
}

/* Fault injection: the root's chaos-* properties and the tasks' chaos-victim go together. */
static void test_chaos(void)
{
    begin_blob();
    u32("chaos-kills", 100);
    u32("chaos-interval-ms", 50);
    u32("chaos-seed", 7);
    begin_node("tasks");
    begin_task("hello", 1024, 256);
    flag("chaos-victim");
    end_one_task();
    EXPECT_OK();
    CU_ASSERT(man.chaos_kills == 100 && man.chaos_interval_ms == 50 && man.chaos_seed == 7);
    CU_ASSERT(man.tasks[0].chaos_victim);

    begin_one_task();
    end_one_task();
    EXPECT_OK();
    CU_ASSERT(man.chaos_kills == 0 && !man.tasks[0].chaos_victim);

    begin_blob();
    u32("chaos-kills", 100);
    begin_node("tasks");
    begin_task("hello", 1024, 256);
    end_one_task();
    EXPECT_ERR("/: 'chaos-kills' but no task is a 'chaos-victim'");

    begin_one_task();
    flag("chaos-victim");
    end_one_task();
    EXPECT_ERR("/tasks/hello: 'chaos-victim' but the root node has no 'chaos-kills'");

    begin_blob();
    u32("chaos-seed", 3);
    begin_node("tasks");
    begin_task("hello", 1024, 256);
    end_one_task();
    EXPECT_ERR("/: 'chaos-interval-ms' and 'chaos-seed' need 'chaos-kills'");

    begin_blob();
    u32("chaos-kills", 0);
    begin_node("tasks");
    begin_task("hello", 1024, 256);
    end_one_task();
    EXPECT_ERR("/: 'chaos-kills' 0 is out of range 1..1000000");
}

static void test_task_console_props(void)
{
    begin_one_task();
    str("console", "Hello");
    flag("console-server");
    end_one_task();
    EXPECT_ERR("/tasks/hello: 'console' is a bad name (1..15 characters of a-z, 0-9 and '-', starting with a "
               "letter)");

    begin_one_task();
    flag("console");
    end_one_task();
    EXPECT_ERR("/tasks/hello: 'console' must be a string");

    begin_one_task();
    u32("console-server", 1);
    end_one_task();
    EXPECT_ERR("/tasks/hello: 'console-server' must be empty (a boolean)");
}

/* ---- Channels ---- */

static void test_channel_refs(void)
{
    begin_channel();
    str("x", "y");
    end_channel();
    EXPECT_ERR("/channels/c: unknown property 'x'");

    begin_blob();
    begin_node("tasks");
    begin_task("ping", 1024, 256);
    end_node();
    end_node();
    begin_node("channels");
    begin_node("c");
    str("from", "ping");
    str("to", "pong");
    flag("endpoint");
    end_channel();
    EXPECT_ERR("/channels/c: 'to' names no task 'pong'");

    begin_blob();
    begin_node("tasks");
    begin_task("ping", 1024, 256);
    end_node();
    end_node();
    begin_node("channels");
    begin_node("c");
    str("from", "ping");
    str("to", "ping");
    flag("endpoint");
    end_channel();
    EXPECT_ERR("/channels/c: 'from' and 'to' are the same task");

    begin_blob();
    begin_node("tasks");
    begin_task("ping", 1024, 256);
    end_node();
    end_node();
    begin_node("channels");
    begin_node("c");
    str("to", "ping");
    flag("endpoint");
    end_channel();
    EXPECT_ERR("/channels/c: missing property 'from'");
}

static void test_channel_kinds(void)
{
    begin_channel();
    end_channel();
    EXPECT_ERR("/channels/c: no endpoint, notification or shared memory");

    begin_channel();
    u32("shared-memory-kib", 0);
    end_channel();
    EXPECT_ERR("/channels/c: 'shared-memory-kib' 0 is out of range 1..65536");

    begin_channel();
    u32("shared-memory-kib", 65537);
    end_channel();
    EXPECT_ERR("/channels/c: 'shared-memory-kib' 65537 is out of range 1..65536");

    begin_channel();
    u32("endpoint", 1);
    end_channel();
    EXPECT_ERR("/channels/c: 'endpoint' must be empty (a boolean)");

    begin_channel();
    flag("notification");
    begin_node("sub");
    end_node();
    end_channel();
    EXPECT_ERR("/channels/c/sub: unknown node");
}

static void test_channel_names(void)
{
    char name[8];

    begin_channel();
    flag("endpoint");
    end_node();
    begin_node("c");
    str("from", "b");
    str("to", "a");
    flag("endpoint");
    end_channel();
    EXPECT_ERR("/channels/c: duplicate node");

    begin_one_task();
    end_node();
    end_node();
    begin_node("channels");
    begin_node("Bad");
    end_channel();
    EXPECT_ERR("/channels/Bad: bad name (1..15 characters of a-z, 0-9 and '-', starting with a letter)");

    begin_blob();
    begin_node("tasks");
    begin_task("a", 1, 64);
    end_node();
    begin_task("b", 1, 64);
    end_node();
    end_node();
    begin_node("channels");
    for (int i = 0; i <= MANIFEST_MAX_CHANNELS; i++) {
        snprintf(name, sizeof(name), "c%d", i);
        begin_node(name);
        str("from", "a");
        str("to", "b");
        flag("endpoint");
        end_node();
    }
    end_node();
    end_blob();
    EXPECT_ERR("/channels: more than 32 channels");
}

/* ---- Checks across tasks ---- */

/* Builds tasks a and b; each gets one list-valued property (name, cells) when name is not NULL. */
static void two_tasks(const char *a_prop, const uint32_t *a_cells, size_t a_n, const char *b_prop,
                      const uint32_t *b_cells, size_t b_n)
{
    begin_blob();
    begin_node("tasks");
    begin_task("a", 1024, 256);
    if (a_prop)
        cells(a_prop, a_cells, a_n);
    end_node();
    begin_task("b", 1024, 256);
    if (b_prop)
        cells(b_prop, b_cells, b_n);
    end_node();
    end_node();
    end_blob();
}

static void test_irq_conflicts(void)
{
    two_tasks("irqs", (const uint32_t[]){11, 0}, 2, "irqs", (const uint32_t[]){5, 0, 11, 1}, 4);
    EXPECT_ERR("/tasks/b: irq 11 already granted to /tasks/a");

    two_tasks(NULL, NULL, 0, "irqs", (const uint32_t[]){5, 0, 5, 1}, 4);
    EXPECT_ERR("/tasks/b: irq 5 already granted to /tasks/b");
}

static void test_ioport_conflicts(void)
{
    two_tasks("ioports", (const uint32_t[]){0x3f8, 8}, 2, "ioports", (const uint32_t[]){0x3f0, 9}, 2);
    EXPECT_ERR("/tasks/b: I/O ports 0x3f0-0x3f8 overlap ports granted to /tasks/a");

    two_tasks("ioports", (const uint32_t[]){0x3f8, 8}, 2, "ioports", (const uint32_t[]){0x3f8, 8}, 2);
    EXPECT_ERR("/tasks/b: I/O ports 0x3f8-0x3ff overlap ports granted to /tasks/a");

    two_tasks("ioports", (const uint32_t[]){0x3f8, 8, 0x3fc, 1}, 4, NULL, NULL, 0);
    EXPECT_ERR("/tasks/a: I/O ports 0x3fc-0x3fc overlap ports granted to /tasks/a");
}

static void test_mmio_conflicts(void)
{
    two_tasks("mmio", (const uint32_t[]){0, 0xfeb00000, 0, 0x2000}, 4, "mmio",
              (const uint32_t[]){0, 0xfeb01000, 0, 0x1000}, 4);
    EXPECT_ERR("/tasks/b: mmio 0xfeb01000-0xfeb01fff overlaps mmio granted to /tasks/a");

    two_tasks(NULL, NULL, 0, "mmio", (const uint32_t[]){0, 0xfeb00000, 0, 0x1000, 0, 0xfea00000, 0, 0x101000},
              8);
    EXPECT_ERR("/tasks/b: mmio 0xfea00000-0xfeb00fff overlaps mmio granted to /tasks/b");
}

static void test_consoles(void)
{
    begin_blob();
    begin_node("tasks");
    begin_task("a", 1024, 256);
    str("console", "hello");
    flag("console-server");
    end_node();
    begin_task("b", 1024, 256);
    str("console", "hello");
    end_node();
    end_node();
    end_blob();
    EXPECT_ERR("/tasks/b: console 'hello' is also the console of /tasks/a");

    begin_blob();
    begin_node("tasks");
    begin_task("a", 1024, 256);
    flag("console-server");
    end_node();
    begin_task("b", 1024, 256);
    flag("console-server");
    end_node();
    end_node();
    end_blob();
    EXPECT_ERR("/tasks/b: a second console server (the first is /tasks/a)");

    begin_one_task();
    str("console", "hello");
    end_one_task();
    EXPECT_ERR("/tasks/hello: has a console but no task is the console server");

    /* The server may come after the tasks that have consoles. */
    begin_blob();
    begin_node("tasks");
    begin_task("a", 1024, 256);
    str("console", "a");
    end_node();
    begin_task("b", 1024, 256);
    flag("console-server");
    end_node();
    end_node();
    end_blob();
    EXPECT_OK();
    CU_ASSERT_EQUAL(man.console_server, 1);
}

/* The first error wins, in the documented order: root, tasks, channels, then the global checks. */
static void test_error_order(void)
{
    /* A bad task comes before a bad channel, and both before a conflict between tasks. */
    begin_blob();
    begin_node("tasks");
    begin_task("a", 1024, 256);
    CELLS("irqs", 4, 0);
    end_node();
    begin_task("b", 1024, 256);
    CELLS("irqs", 4, 0);
    u32("priority", 99);
    end_node();
    end_node();
    begin_node("channels");
    begin_node("c");
    str("from", "a");
    str("to", "a");
    end_node();
    end_node();
    end_blob();
    EXPECT_ERR("/tasks/b: 'priority' 99 is out of range 1..30");

    /* Properties in blob order, before the missing ones. */
    begin_blob();
    begin_node("tasks");
    begin_node("hello");
    u32("priority", 99);
    end_one_task();
    EXPECT_ERR("/tasks/hello: 'priority' 99 is out of range 1..30");
}

static const CU_TestInfo manifest_tests[] = {
    {"full", test_full},
    {"defaults", test_defaults},
    {"limits_accepted", test_limits_accepted},
    {"phandles_ignored", test_phandles_ignored},
    {"adjacent_grants", test_adjacent_grants},
    {"budgets", test_budgets},
    {"garbage", test_garbage},
    {"truncated", test_truncated},
    {"corrupted", test_corrupted},
    {"bad_header", test_bad_header},
    {"root_compatible", test_root_compatible},
    {"root_unknown", test_root_unknown},
    {"root_model", test_root_model},
    {"root_tasks", test_root_tasks},
    {"duplicates", test_duplicates},
    {"task_names", test_task_names},
    {"task_missing", test_task_missing},
    {"task_program_empty", test_task_program_empty},
    {"task_unknown", test_task_unknown},
    {"task_cell_length", test_task_cell_length},
    {"task_ranges", test_task_ranges},
    {"task_ioports", test_task_ioports},
    {"task_irqs", test_task_irqs},
    {"task_mmio", test_task_mmio},
    {"task_restart", test_task_restart},
    {"chaos", test_chaos},
    {"task_console_props", test_task_console_props},
    {"channel_refs", test_channel_refs},
    {"channel_kinds", test_channel_kinds},
    {"channel_names", test_channel_names},
    {"irq_conflicts", test_irq_conflicts},
    {"ioport_conflicts", test_ioport_conflicts},
    {"mmio_conflicts", test_mmio_conflicts},
    {"consoles", test_consoles},
    {"error_order", test_error_order},
    CU_TEST_INFO_NULL,
};

void register_manifest_suite(void) { cunit_tap_add_suite("manifest", manifest_tests); }
