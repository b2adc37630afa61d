#!/bin/sh
# libvnvram.so exports its public API (nvram.h, storage.h) and nothing
# else: the format, the copy protocol, crypto and CRC-32C are internal.
set -e
lib="${top_builddir:-.}/.libs/libvnvram.so"
if [ ! -e "$lib" ]; then
    echo "SKIP: no shared $lib (static build)"
    exit 77
fi
syms=$(nm -D --defined-only "$lib" | awk '$2 ~ /^[TDRBW]$/ { print $3 }' |
       grep -v '^_' || true)
# the list the library is linked with (nvram/local.mk), not a copy of it
public=$(sed -n 's/^VNVRAM_PUBLIC_SYMBOLS = //p' "${top_srcdir:-.}/nvram/local.mk" |
         sed 's/\$\$$/$/')
[ -n "$public" ] || { echo "FAIL: no VNVRAM_PUBLIC_SYMBOLS in nvram/local.mk"; exit 1; }
bad=$(printf '%s\n' "$syms" | grep -Ev "$public" || true)
for must in nvram_setup nvram_read_data nvram_image_inspect nvram_storage_open_file; do
    printf '%s\n' "$syms" | grep -qx "$must" || { echo "FAIL: $must not exported"; exit 1; }
done
for never in nvram_layout_read nvram_entry_scan nvram_seal nvram_crc32c nvram_copy_parse; do
    if printf '%s\n' "$syms" | grep -qx "$never"; then
        echo "FAIL: internal $never is exported"; exit 1
    fi
done
if [ -n "$bad" ]; then
    echo "FAIL: exported beyond the public API:"; printf '%s\n' "$bad"; exit 1
fi
echo "PASS: $(printf '%s\n' "$syms" | wc -l) public symbols, no internals"
