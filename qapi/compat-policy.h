/*
 * qapi/compat-policy.h: how visitors treat deprecated and unstable members
 * and enum values (QEMU's -compat option), used by visit_policy_reject()
 * and visit_policy_skip().
 */
#ifndef QAPI_COMPAT_POLICY_H
#define QAPI_COMPAT_POLICY_H

#include <stdbool.h>
#include <stdint.h>

#include "qapi/error.h"

typedef enum CompatPolicyInput {
    COMPAT_POLICY_INPUT_ACCEPT,
    COMPAT_POLICY_INPUT_REJECT,
    COMPAT_POLICY_INPUT_CRASH,
    COMPAT_POLICY_INPUT__MAX,
} CompatPolicyInput;

typedef enum CompatPolicyOutput {
    COMPAT_POLICY_OUTPUT_ACCEPT,
    COMPAT_POLICY_OUTPUT_HIDE,
    COMPAT_POLICY_OUTPUT__MAX,
} CompatPolicyOutput;

typedef struct CompatPolicy {
    bool has_deprecated_input;
    CompatPolicyInput deprecated_input;
    bool has_deprecated_output;
    CompatPolicyOutput deprecated_output;
    bool has_unstable_input;
    CompatPolicyInput unstable_input;
    bool has_unstable_output;
    CompatPolicyOutput unstable_output;
} CompatPolicy;

/*
 * Return true if something with the special @features (bits of
 * 1u << QapiSpecialFeature) may be accepted as input under @policy. If the
 * policy rejects it, set @errp (class @error_class) to "Deprecated @kind
 * @name disabled by policy" (or "Unstable ...") and return false; if the
 * policy is "crash", abort().
 */
bool compat_policy_input_ok(uint64_t features, const CompatPolicy *policy,
                            ErrorClass error_class, const char *kind,
                            const char *name, Error **errp);

#endif /* QAPI_COMPAT_POLICY_H */
