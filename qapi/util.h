/*
 * qapi/util.h: enum lookup tables and list helpers, as QEMU's include/qapi/util.h.
 */
#ifndef QAPI_UTIL_H
#define QAPI_UTIL_H

#include <stdbool.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct Error Error;

/* Special features of a member or enum value (bits of QEnumLookup.features). */
typedef enum {
    QAPI_DEPRECATED,
    QAPI_UNSTABLE,
} QapiSpecialFeature;

/*
 * The names of an enum's values: array[i] is the name of value i, for
 * 0 <= i < size. features, when non-NULL, gives each value's special
 * features as a bit set of (1u << QapiSpecialFeature).
 */
typedef struct QEnumLookup {
    const char *const *array;
    const uint64_t *const features;
    const int size;
} QEnumLookup;

/* Return the name of @val; @val must be in range (asserted). */
const char *qapi_enum_lookup(const QEnumLookup *lookup, int val);

/*
 * Return the value named @buf, or @def if @buf is NULL. If @buf names no
 * value, set @errp ("Parameter ... does not accept value ...") and return @def.
 */
int qapi_enum_parse(const QEnumLookup *lookup, const char *buf,
                    int def, Error **errp);

/* Return true if @s is "on"/"yes"/"true"/"y" (*@obj = true) or "off"/"no"/"false"/"n". */
bool qapi_bool_parse(const char *name, const char *value, bool *obj,
                     Error **errp);

/*
 * Return the length of the QAPI name at the start of @str: an optional
 * downstream prefix "__RFQDN_" (letters, digits, '-' and '.'), then a
 * letter followed by letters, digits, '-' and '_'. Return -1 if @str does
 * not start with one or, when @complete, if anything follows it.
 */
int parse_qapi_name(const char *str, bool complete);

/* Prepend @element to the QAPI list @list (a pointer to its head). */
#define QAPI_LIST_PREPEND(list, element) do {       \
    typeof(list) _tmp = g_malloc(sizeof(*(list)));  \
    _tmp->value = (element);                        \
    _tmp->next = (list);                            \
    (list) = _tmp;                                  \
} while (0)

/*
 * Append @element after the list tail @tail, a pointer to the "next" field
 * of the last element (start with &head), and move @tail forward.
 */
#define QAPI_LIST_APPEND(tail, element) do {        \
    *(tail) = g_malloc0(sizeof(**(tail)));          \
    (*(tail))->value = (element);                   \
    (tail) = &(*(tail))->next;                      \
} while (0)

/* The length of a QAPI list. */
#define QAPI_LIST_LENGTH(list)                                  \
    ({                                                          \
        size_t _len = 0;                                        \
        typeof_strip_qual(list) _tail;                          \
        for (_tail = list; _tail != NULL; _tail = _tail->next) { \
            _len++;                                             \
        }                                                       \
        _len;                                                   \
    })

#ifndef typeof_strip_qual
#define typeof_strip_qual(expr) typeof(expr)
#endif

#ifdef __cplusplus
}
#endif

#endif /* QAPI_UTIL_H */
