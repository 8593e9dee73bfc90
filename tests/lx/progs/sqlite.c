/*
 * Debian's libsqlite3.a (linked statically) running SQL on files in /tmp: a table of a few thousand rows
 * inserted in one transaction, an index, queries that use it; then the same in WAL mode, whose
 * wal-index is the -shm file, mapped shared. Prints what the queries return.
 */
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int row(void *label, int n, char **values, char **names)
{
    printf("%s:", (const char *)label);
    for (int i = 0; i < n; i++)
        printf(" %s=%s", names[i], values[i] ? values[i] : "NULL");
    printf("\n");
    return 0;
}

static int run(sqlite3 *db, const char *label, const char *sql)
{
    char *err = NULL;
    if (sqlite3_exec(db, sql, row, (void *)label, &err) != SQLITE_OK) {
        printf("%s: error: %s\n", label, err);
        sqlite3_free(err);
        return 1;
    }
    return 0;
}

static int workload(const char *path, const char *mode)
{
    sqlite3 *db;
    sqlite3_stmt *ins;
    char sql[256];
    int bad = 0;

    unlink(path);
    if (sqlite3_open(path, &db) != SQLITE_OK) {
        printf("%s: open: %s\n", mode, sqlite3_errmsg(db));
        return 1;
    }
    if (strcmp(mode, "wal") == 0)
        bad |= run(db, "mode", "PRAGMA journal_mode=WAL;");
    else
        bad |= run(db, "mode", "PRAGMA journal_mode;");
    bad |= run(db, "create", "CREATE TABLE t(id INTEGER PRIMARY KEY, k INTEGER, name TEXT, v REAL);"
                             "CREATE INDEX t_k ON t(k);");
    bad |= run(db, "begin", "BEGIN");
    sqlite3_prepare_v2(db, "INSERT INTO t(k, name, v) VALUES(?, ?, ?)", -1, &ins, NULL);
    for (int i = 0; i < 5000; i++) {
        snprintf(sql, sizeof(sql), "name-%05d-%s", i, i % 3 ? "x" : "three");
        sqlite3_bind_int(ins, 1, (i * 7919) % 1000);
        sqlite3_bind_text(ins, 2, sql, -1, SQLITE_TRANSIENT);
        sqlite3_bind_double(ins, 3, i / 8.0);
        if (sqlite3_step(ins) != SQLITE_DONE)
            bad = 1;
        sqlite3_reset(ins);
    }
    sqlite3_finalize(ins);
    bad |= run(db, "commit", "COMMIT");
    bad |= run(db, "count", "SELECT count(*) AS n, sum(k) AS sk, round(sum(v), 3) AS sv FROM t");
    bad |= run(db, "plan", "EXPLAIN QUERY PLAN SELECT name FROM t WHERE k = 123");
    bad |= run(db, "by-index", "SELECT id, name FROM t WHERE k = 123 ORDER BY id");
    bad |= run(db, "range", "SELECT k, count(*) AS c FROM t WHERE k BETWEEN 10 AND 14 GROUP BY k");
    bad |= run(db, "like", "SELECT count(*) AS threes FROM t WHERE name LIKE '%three'");
    bad |= run(db, "update", "UPDATE t SET v = -v WHERE k < 5; SELECT changes() AS changed");
    bad |= run(db, "delete", "DELETE FROM t WHERE id % 2 = 0; SELECT count(*) AS left FROM t");
    bad |= run(db, "check", "PRAGMA integrity_check");
    sqlite3_close(db);
    if (sqlite3_open(path, &db) != SQLITE_OK)
        return 1;
    if (strcmp(mode, "wal") == 0) /* a WAL database opened again: still in WAL mode */
        bad |= run(db, "mode", "PRAGMA journal_mode;");
    bad |= run(db, "reopened", "SELECT count(*) AS n, max(id) AS top FROM t");
    sqlite3_close(db);
    unlink(path);
    return bad;
}

int main(void)
{
    char path[64];
    int bad = 0;

    setvbuf(stdout, NULL, _IONBF, 0);
    printf("sqlite %s\n", sqlite3_libversion());
    snprintf(path, sizeof(path), "/tmp/lx-sqlite-%d.db", (int)getpid());
    bad |= workload(path, "delete");
    bad |= workload(path, "wal");
    return bad;
}
