/*
 * bench/devstate.c: builders and checkers of the WORKLOAD.md values of the
 * W1 and W2 records (their types and visitors are generated from
 * bench/devstate.json).
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <glib.h>

#include "bench/bench.h"

/*** The WORKLOAD.md values ***/

#define DEVSTATE_ID 0xC0FFEEu
#define DEVSTATE_COUNTER (-1234567890123LL)
#define DEVSTATE_NAME "tpm-crb-0"

static Entry entry_value(unsigned i)
{
    Entry e = {
        .addr = 0xfed40000ull + i * 0x1000ull,
        .len = 4096 + i,
        .flags = (uint16_t)(i * 3),
        .prio = (int8_t)-(int)i,
    };
    return e;
}

DevState *devstate_build(size_t blob_len)
{
    DevState *s = g_new0(DevState, 1);
    EntryList **tail = &s->entries;

    s->id = DEVSTATE_ID;
    s->counter = DEVSTATE_COUNTER;
    s->enabled = true;
    s->name = g_strdup(DEVSTATE_NAME);
    for (unsigned i = 0; i < DEVSTATE_REGS_LEN; i++) {
        s->regs[i] = (uint8_t)(i * 7);
    }
    for (unsigned i = 0; i < DEVSTATE_N_ENTRIES; i++) {
        EntryList *node = g_new0(EntryList, 1);

        node->value = g_new(Entry, 1);
        *node->value = entry_value(i);
        *tail = node;
        tail = &node->next;
    }
    s->blob = g_malloc(blob_len ? blob_len : 1);
    s->blob_len = blob_len;
    for (size_t i = 0; i < blob_len; i++) {
        s->blob[i] = (uint8_t)((i * 31 + 7) & 0xff);
    }
    return s;
}

const char *devstate_check(const DevState *s, size_t blob_len)
{
    const EntryList *node;
    unsigned i;

    if (!s) {
        return "no record";
    }
    if (s->id != DEVSTATE_ID) {
        return "id";
    }
    if (s->counter != DEVSTATE_COUNTER) {
        return "counter";
    }
    if (s->enabled != true) {
        return "enabled";
    }
    if (!s->name || strcmp(s->name, DEVSTATE_NAME) != 0) {
        return "name";
    }
    for (i = 0; i < DEVSTATE_REGS_LEN; i++) {
        if (s->regs[i] != (uint8_t)(i * 7)) {
            return "regs";
        }
    }
    for (i = 0, node = s->entries; node; node = node->next, i++) {
        Entry e = entry_value(i);

        if (i >= DEVSTATE_N_ENTRIES || !node->value) {
            return "entries (count)";
        }
        if (node->value->addr != e.addr || node->value->len != e.len ||
            node->value->flags != e.flags || node->value->prio != e.prio) {
            return "entries (values)";
        }
    }
    if (i != DEVSTATE_N_ENTRIES) {
        return "entries (count)";
    }
    if (s->blob_len != blob_len || !s->blob) {
        return "blob (length)";
    }
    for (size_t k = 0; k < blob_len; k++) {
        if (s->blob[k] != (uint8_t)((k * 31 + 7) & 0xff)) {
            return "blob (contents)";
        }
    }
    return NULL;
}

void devstate_free_plain(DevState *s)
{
    EntryList *node, *next;

    if (!s) {
        return;
    }
    for (node = s->entries; node; node = next) {
        next = node->next;
        free(node->value);
        free(node);
    }
    free(s->name);
    free(s->blob);
    free(s);
}

static Item item_value(size_t i, char label[9])
{
    Item it = {
        /* spread over 1..8 content octets so integer widths vary */
        .num = (int64_t)((uint64_t)i * 0x9E3779B97F4A7C15ull) >>
               (int)((i % 8) * 8),
        .flag = (i & 1) != 0,
        .label = label,
    };

    snprintf(label, 9, "%08zx", i & 0xffffffffu);
    return it;
}

ItemList *itemlist_build(size_t n)
{
    ItemList *head = NULL, **tail = &head;
    char label[9];

    for (size_t i = 0; i < n; i++) {
        ItemList *node = g_new0(ItemList, 1);

        node->value = g_new(Item, 1);
        *node->value = item_value(i, label);
        node->value->label = g_strdup(label);
        *tail = node;
        tail = &node->next;
    }
    return head;
}

const char *itemlist_check(const ItemList *list, size_t n)
{
    size_t i = 0;
    char label[9];

    for (; list; list = list->next, i++) {
        Item want;

        if (i >= n || !list->value) {
            return "items (count)";
        }
        want = item_value(i, label);
        if (list->value->num != want.num || list->value->flag != want.flag ||
            !list->value->label || strcmp(list->value->label, label) != 0) {
            return "items (values)";
        }
    }
    return i == n ? NULL : "items (count)";
}
