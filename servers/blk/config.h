/*
 * What the root server tells a disk server about the disks it serves: one read-only page ("blk-config")
 * written by the root server from the manifest's /disks, which the disk server trusts (its clients
 * cannot write it). Each disk's rings and data are in the shared region "disk:NAME"; the client signals
 * the server's "events" notification with the disk's bit.
 */
#ifndef BLK_CONFIG_H
#define BLK_CONFIG_H

#include <stdint.h>

#define BLK_CONFIG_MAGIC 0x4746434b4c425850ull /* "PXBLKCFG" */
#define BLK_CONFIG_MAX_DISKS 8

struct blk_config_disk {
    char name[16];
    uint32_t bit;  /* the client's signal sets this bit of "events" */
    uint32_t thin; /* 1: thin-provisioned */
    uint32_t read_only;
    uint32_t device;  /* which of the server's devices its region is on (0: the first disk) */
    uint64_t base;    /* first sector of its region on the physical disk */
    uint64_t region;  /* sectors of the region */
    uint64_t sectors; /* sectors the client sees */
};

struct blk_config {
    uint64_t magic;
    uint32_t ndisks;
    uint32_t reserved;
    struct blk_config_disk disks[BLK_CONFIG_MAX_DISKS];
};

#endif
