#!/bin/bash
# tests/test-vtpm-kill-nbd.sh: test-vtpm-kill.sh with vtpm's state in a
# qcow2 image served by qemu-nbd (--tpmstate backend-uri=nbd+unix://...),
# qemu-nbd killed too in every other round. 40 rounds unless
# VTPM_KILL_ROUNDS says otherwise.
VTPM_KILL_BACKEND=nbd VTPM_KILL_ROUNDS=${VTPM_KILL_ROUNDS:-40} \
    exec bash "${top_srcdir:-.}/tests/test-vtpm-kill.sh"
