/*
 * Counts the guest instructions QEMU executes: the whole run, the instructions of
 * regions between two addresses, and (optionally) every translation block's
 * executions, for a breakdown by function. bench/device loads it into
 * qemu-system-arm (-plugin insn_count.so,ARG,...) and reads what it writes.
 *
 * Arguments (QEMU 7.2 passes them as "key=value" strings):
 *   out=PATH      write the results there (default: QEMU's log, stderr)
 *   region=NAME:START:END[:END...]
 *                 count the instructions from an execution of START up to (not
 *                 including) the next execution of any END, again each time START
 *                 comes after an END; addresses in hex. A function's first
 *                 instruction as START and the instructions after its call sites as
 *                 END give one count per call, callees, interrupts and waits included.
 *                 At most 8 regions of at most 8 ENDs.
 *   profile=PATH  write one line per translation block: its executions and the
 *                 addresses of its instructions, in hex
 *   count=tb|insn tb (default): one inline add per executed block; insn: one per
 *                 executed instruction, slower: a second copy of the plugin loaded
 *                 so into the same run must agree on every count
 *
 * Output: "total N", then "region NAME N1 N2 ..." (one count per START..END
 * completed, in order; an END never reached leaves its region's last count out).
 *
 * Why exact: QEMU runs a block's inline adds before its first instruction, and
 * interrupts are taken between blocks, so the running total counts every instruction
 * of a block once the block starts. A callback on the instruction at index i of a
 * block of n then knows that exactly n - i of the counted instructions are not yet
 * executed. One vCPU only (the Cortex-M boards have one): the counters are plain.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "qemu_plugin_api.h"

QEMU_PLUGIN_EXPORT int qemu_plugin_version = QEMU_PLUGIN_VERSION;

#define MAX_REGIONS 8
#define MAX_ENDS 8
#define NAME_MAX_LEN 31

enum role { ROLE_START = 0, ROLE_END = 1 };

/* A callback's userdata packs the region, the role and the block's instructions not
 * yet executed when the callback runs; a block holds at most 512 instructions. */
#define UD_REGION_BITS 4u
#define UD_ROLE_BIT (1u << UD_REGION_BITS)
#define UD_LEFT_SHIFT 8u

typedef struct {
    char name[NAME_MAX_LEN + 1];
    uint64_t start;
    uint64_t ends[MAX_ENDS];
    size_t n_ends;
    bool active;
    uint64_t begun_at;
    uint64_t *counts;
    size_t n_counts;
    size_t cap_counts;
} region;

/* One translation of a block, for the profile: its counter must stay where it is. */
typedef struct block {
    struct block *next;
    uint64_t executions;
    size_t n_insns;
    uint64_t vaddr[];
} block;

static uint64_t executed;
static region regions[MAX_REGIONS];
static size_t n_regions;
static bool count_each_insn;
static const char *out_path;
static const char *profile_path;
static block *blocks;
static bool out_of_memory;

static void on_region_point(unsigned int vcpu_index, void *userdata)
{
    uintptr_t ud = (uintptr_t)userdata;
    region *r = &regions[ud & ((1u << UD_REGION_BITS) - 1u)];
    uint64_t before = executed - (uint64_t)(ud >> UD_LEFT_SHIFT);
    (void)vcpu_index;

    if ((ud & UD_ROLE_BIT) == 0) {
        if (!r->active) {
            r->active = true;
            r->begun_at = before;
        }
        return;
    }
    if (!r->active) {
        return;
    }
    r->active = false;
    if (r->n_counts == r->cap_counts) {
        size_t cap = r->cap_counts == 0 ? 16 : r->cap_counts * 2;
        uint64_t *grown = realloc(r->counts, cap * sizeof *grown);
        if (grown == NULL) {
            out_of_memory = true;
            return;
        }
        r->counts = grown;
        r->cap_counts = cap;
    }
    r->counts[r->n_counts++] = before - r->begun_at;
}

static void watch_regions(struct qemu_plugin_insn *insn, uint64_t vaddr, size_t left)
{
    size_t i, e;
    for (i = 0; i < n_regions; i++) {
        uintptr_t base = (uintptr_t)i | ((uintptr_t)left << UD_LEFT_SHIFT);
        if (regions[i].start == vaddr) {
            qemu_plugin_register_vcpu_insn_exec_cb(insn, on_region_point, QEMU_PLUGIN_CB_NO_REGS,
                                                   (void *)(base | ROLE_START));
        }
        for (e = 0; e < regions[i].n_ends; e++) {
            if (regions[i].ends[e] == vaddr) {
                qemu_plugin_register_vcpu_insn_exec_cb(insn, on_region_point, QEMU_PLUGIN_CB_NO_REGS,
                                                       (void *)(base | UD_ROLE_BIT));
                break;
            }
        }
    }
}

static void on_translate(qemu_plugin_id_t id, struct qemu_plugin_tb *tb)
{
    size_t n = qemu_plugin_tb_n_insns(tb);
    block *b = NULL;
    size_t i;
    (void)id;

    if (profile_path != NULL) {
        b = malloc(sizeof *b + n * sizeof b->vaddr[0]);
        if (b == NULL) {
            out_of_memory = true;
        } else {
            b->executions = 0;
            b->n_insns = n;
            b->next = blocks;
            blocks = b;
            qemu_plugin_register_vcpu_tb_exec_inline(tb, QEMU_PLUGIN_INLINE_ADD_U64, &b->executions, 1);
        }
    }
    if (!count_each_insn) {
        qemu_plugin_register_vcpu_tb_exec_inline(tb, QEMU_PLUGIN_INLINE_ADD_U64, &executed, (uint64_t)n);
    }
    for (i = 0; i < n; i++) {
        struct qemu_plugin_insn *insn = qemu_plugin_tb_get_insn(tb, i);
        uint64_t vaddr = qemu_plugin_insn_vaddr(insn);
        if (b != NULL) {
            b->vaddr[i] = vaddr;
        }
        if (count_each_insn) {
            /* Whether this add runs before or after the region's callback moves the
             * START and the END reading alike: their difference stays exact. */
            qemu_plugin_register_vcpu_insn_exec_inline(insn, QEMU_PLUGIN_INLINE_ADD_U64, &executed, 1);
            watch_regions(insn, vaddr, 0);
        } else {
            watch_regions(insn, vaddr, n - i);
        }
    }
}

static void write_profile(void)
{
    FILE *f = fopen(profile_path, "w");
    const block *b;
    if (f == NULL) {
        fprintf(stderr, "insn_count: cannot write %s\n", profile_path);
        return;
    }
    for (b = blocks; b != NULL; b = b->next) {
        size_t i;
        if (b->executions == 0) {
            continue;
        }
        fprintf(f, "%llu", (unsigned long long)b->executions);
        for (i = 0; i < b->n_insns; i++) {
            fprintf(f, " %llx", (unsigned long long)b->vaddr[i]);
        }
        fputc('\n', f);
    }
    fclose(f);
}

/* Appends text to the results; returns false when it no longer fits. */
static bool append(char *buf, size_t size, size_t *used, const char *text)
{
    size_t n = strlen(text);
    if (*used + n >= size) {
        return false;
    }
    memcpy(buf + *used, text, n + 1);
    *used += n;
    return true;
}

static void on_exit_qemu(qemu_plugin_id_t id, void *userdata)
{
    static char results[65536];
    char line[64];
    size_t used = 0;
    bool fits;
    size_t i, k;
    (void)id;
    (void)userdata;

    snprintf(line, sizeof line, "total %llu\n", (unsigned long long)executed);
    fits = append(results, sizeof results, &used, line);
    for (i = 0; i < n_regions && fits; i++) {
        fits = append(results, sizeof results, &used, "region ") &&
               append(results, sizeof results, &used, regions[i].name);
        for (k = 0; k < regions[i].n_counts && fits; k++) {
            snprintf(line, sizeof line, " %llu", (unsigned long long)regions[i].counts[k]);
            fits = append(results, sizeof results, &used, line);
        }
        fits = fits && append(results, sizeof results, &used, "\n");
    }
    if (!fits || out_of_memory) {
        /* A result cut short must not pass for a whole one. */
        snprintf(results, sizeof results, "error %s\n", out_of_memory ? "out of memory" : "results too long");
    }
    if (out_path != NULL) {
        FILE *f = fopen(out_path, "w");
        if (f == NULL || fputs(results, f) == EOF || fclose(f) != 0) {
            fprintf(stderr, "insn_count: cannot write %s\n", out_path);
        }
    } else {
        qemu_plugin_outs(results);
    }
    if (profile_path != NULL) {
        write_profile();
    }
}

static bool parse_hex(const char *text, const char **end, uint64_t *value)
{
    char *stop;
    unsigned long long v;
    if (text[0] == '0' && (text[1] == 'x' || text[1] == 'X')) {
        text += 2;
    }
    if (*text == '\0' || *text == ':') {
        return false;
    }
    v = strtoull(text, &stop, 16);
    if (*stop != '\0' && *stop != ':') {
        return false;
    }
    *value = (uint64_t)v;
    *end = stop;
    return true;
}

/* NAME:START:END[:END...] */
static bool parse_region(const char *spec)
{
    region *r;
    const char *colon = strchr(spec, ':');
    const char *at;
    size_t name_len;

    if (n_regions == MAX_REGIONS || colon == NULL) {
        return false;
    }
    name_len = (size_t)(colon - spec);
    if (name_len == 0 || name_len > NAME_MAX_LEN) {
        return false;
    }
    r = &regions[n_regions];
    memcpy(r->name, spec, name_len);
    r->name[name_len] = '\0';
    if (!parse_hex(colon + 1, &at, &r->start) || *at != ':') {
        return false;
    }
    while (*at == ':') {
        if (r->n_ends == MAX_ENDS || !parse_hex(at + 1, &at, &r->ends[r->n_ends])) {
            return false;
        }
        r->n_ends++;
    }
    n_regions++;
    return true;
}

static const char *value_of(const char *arg, const char *key)
{
    size_t n = strlen(key);
    return strncmp(arg, key, n) == 0 && arg[n] == '=' ? arg + n + 1 : NULL;
}

QEMU_PLUGIN_EXPORT int qemu_plugin_install(qemu_plugin_id_t id, const qemu_info_t *info, int argc, char **argv)
{
    int i;
    const char *v;

    if (info->system_emulation && info->mode.system.max_vcpus > 1) {
        fprintf(stderr, "insn_count: one vCPU only (its counters are not atomic)\n");
        return -1;
    }
    for (i = 0; i < argc; i++) {
        if ((v = value_of(argv[i], "out")) != NULL && *v != '\0') {
            out_path = v;
        } else if ((v = value_of(argv[i], "profile")) != NULL && *v != '\0') {
            profile_path = v;
        } else if ((v = value_of(argv[i], "region")) != NULL) {
            if (!parse_region(v)) {
                fprintf(stderr, "insn_count: bad region %s (NAME:START:END[:END...], hex, at most %d)\n", v,
                        MAX_REGIONS);
                return -1;
            }
        } else if ((v = value_of(argv[i], "count")) != NULL && (strcmp(v, "tb") == 0 || strcmp(v, "insn") == 0)) {
            count_each_insn = strcmp(v, "insn") == 0;
        } else {
            fprintf(stderr, "insn_count: unknown argument %s\n", argv[i]);
            return -1;
        }
    }
    qemu_plugin_register_vcpu_tb_trans_cb(id, on_translate);
    qemu_plugin_register_atexit_cb(id, on_exit_qemu, NULL);
    return 0;
}
