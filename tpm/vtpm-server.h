/*
 * tpm/vtpm-server.h: vtpm's sockets: the TPM data channel (--server) and
 * the control channel (--ctrl), served by one thread in arrival order.
 *
 * Data channel: a stream of TPM commands, each framed by the size in its
 * own header; the response is written after the command (and the commit
 * of the state it changed) is done. A header whose size is below 10 or
 * over the buffer size, or a command that does not arrive whole within
 * VTPM_SERVER_READ_TIMEOUT_MS, gets a TPM_RC_COMMAND_SIZE response and
 * its connection is closed; nothing of it reaches the TPM. A client that
 * disconnects mid-command is dropped the same way. The data channel can
 * also be a socket passed with CMD_SET_DATAFD (QEMU's way).
 */
#ifndef TPM_VTPM_SERVER_H
#define TPM_VTPM_SERVER_H

#include <stdbool.h>
#include <stdint.h>

#include "qapi/error.h"

/* How long the rest of a started command or control request may take. */
#define VTPM_SERVER_READ_TIMEOUT_MS 2000

#include "tpm/vtpm-options.h"

typedef struct VTPMServer VTPMServer;

/*
 * Block SIGTERM, SIGINT and SIGHUP in the calling thread, so that threads
 * created later (the image's worker) inherit the mask and the server
 * receives them through its signalfd. Call first thing in main().
 */
void vtpm_server_block_signals(void);

/*
 * Create and bind the listening sockets of @data (may be type NONE: only
 * SET_DATAFD then) and @ctrl (may be NONE). A stale Unix socket file is
 * replaced. Returns NULL with @errp set.
 */
VTPMServer *vtpm_server_new(const VTPMEndpoint *data,
                            const VTPMEndpoint *ctrl, bool has_key,
                            Error **errp);

/*
 * Serve until CMD_SHUTDOWN or SIGTERM/SIGINT/SIGHUP. Bad input on either
 * channel is answered and logged; the server keeps serving. Returns
 * false only if polling itself fails.
 */
bool vtpm_server_run(VTPMServer *s, Error **errp);

/* Close every socket and remove the Unix socket files. NULL-safe. */
void vtpm_server_free(VTPMServer *s);

#endif /* TPM_VTPM_SERVER_H */
