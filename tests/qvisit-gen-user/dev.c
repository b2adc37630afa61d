/*
 * A program of a project outside qvisit: its state schema goes through
 * qvisit-gen by the Makefile block of docs/qvisit-gen.md; it encodes a
 * state in DER, decodes it and checks that the copy is equal.
 */
#include "qemu/osdep.h"
#include "qapi/error.h"
#include "visitors/ber-visitor.h"
#include "dev-qapi-types.h"
#include "dev-qapi-visit.h"

int main(void)
{
    DevState state = {
        .name = (char *)"dev0", .power = DEV_POWER_SUSPENDED,
        .regs = &(DevRegs){ .ctrl = 0x80000001u, .status = 7 },
        .serial = (char *)"SN-1",
    };
    DevState *in = &state;
    g_autoptr(DevState) copy = NULL;
    GByteArray *der = NULL;
    Visitor *v = ber_output_visitor_new(BER_MODE_DER, &der);

    visit_type_DevState(v, NULL, &in, &error_abort);
    visit_complete(v, &der);
    visit_free(v);
    v = ber_input_visitor_new(der->data, der->len, BER_MODE_DER);
    visit_type_DevState(v, NULL, &copy, &error_abort);
    visit_free(v);
    g_byte_array_unref(der);
    if (strcmp(copy->name, "dev0") || copy->power != DEV_POWER_SUSPENDED ||
        copy->regs->ctrl != 0x80000001u || copy->regs->status != 7 ||
        copy->has_irqs || strcmp(copy->serial, "SN-1")) {
        fprintf(stderr, "dev: the decoded state differs\n");
        return 1;
    }
    printf("dev: %s round-trips through DER\n", DevPower_str(copy->power));
    return 0;
}
