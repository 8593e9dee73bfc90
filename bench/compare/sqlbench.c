/*
 * bench compare's sqlite workload (bench/compare/cmpbench.c runs it): Debian's static libsqlite3 on a
 * database file in /tmp: a bulk insert in one transaction, an index, then range queries over it, whose
 * answers are checked. "quick" as the argument makes it smaller. Exits 0 when every step worked.
 * The database uses sqlite's "unix-none" file layer (no POSIX advisory locks: one process uses it).
 */
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char *DB = "/tmp/sqlbench.db";
static sqlite3 *db;

static void die(const char *what)
{
    fprintf(stderr, "sqlbench: %s: %s\n", what, db ? sqlite3_errmsg(db) : "no database");
    exit(1);
}

static void exec(const char *sql)
{
    char *err = NULL;
    if (sqlite3_exec(db, sql, NULL, NULL, &err) != SQLITE_OK) {
        fprintf(stderr, "sqlbench: %s: %s\n", sql, err ? err : "failed");
        exit(1);
    }
}

int main(int argc, char **argv)
{
    int rows = argc > 1 && strcmp(argv[1], "quick") == 0 ? 500 : 5000, queries = rows / 10;
    sqlite3_stmt *ins, *q;
    unsigned seed = 1;
    static unsigned keys[5000];

    unlink(DB);
    if (sqlite3_open_v2(DB, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, "unix-none") != SQLITE_OK)
        die("open /tmp/sqlbench.db");
    exec("CREATE TABLE t (id INTEGER PRIMARY KEY, k INTEGER, v TEXT)");
    exec("BEGIN");
    if (sqlite3_prepare_v2(db, "INSERT INTO t (k, v) VALUES (?, ?)", -1, &ins, NULL) != SQLITE_OK)
        die("prepare insert");
    for (int i = 0; i < rows; i++) {
        char text[64];
        seed = seed * 1103515245u + 12345u;
        keys[i] = (seed >> 8) % 100000;
        snprintf(text, sizeof(text), "row %d key %u", i, keys[i]);
        sqlite3_bind_int(ins, 1, (int)keys[i]);
        sqlite3_bind_text(ins, 2, text, -1, SQLITE_TRANSIENT);
        if (sqlite3_step(ins) != SQLITE_DONE)
            die("insert");
        sqlite3_reset(ins);
    }
    sqlite3_finalize(ins);
    exec("COMMIT");
    exec("CREATE INDEX t_k ON t (k)");
    if (sqlite3_prepare_v2(db, "SELECT count(*) FROM t WHERE k BETWEEN ? AND ?", -1, &q, NULL) != SQLITE_OK)
        die("prepare query");
    for (int i = 0; i < queries; i++) {
        int lo = (i * 7919) % 100000, hi = lo + 1000, want = 0;
        for (int r = 0; r < rows; r++)
            want += (int)keys[r] >= lo && (int)keys[r] <= hi;
        sqlite3_bind_int(q, 1, lo);
        sqlite3_bind_int(q, 2, hi);
        if (sqlite3_step(q) != SQLITE_ROW)
            die("query");
        if (sqlite3_column_int(q, 0) != want) {
            fprintf(stderr, "sqlbench: the query for %d..%d counted %d rows, not %d\n", lo, hi,
                    sqlite3_column_int(q, 0), want);
            return 1;
        }
        sqlite3_reset(q);
    }
    sqlite3_finalize(q);
    if (sqlite3_close(db) != SQLITE_OK)
        die("close");
    unlink(DB);
    return 0;
}
