/*
 * qapi/compat-policy.h: how visitors treat deprecated and unstable members
 * and enum values (QEMU's -compat option), used by visit_policy_reject()
 * and visit_policy_skip().
 */
#ifndef QAPI_COMPAT_POLICY_H
#define QAPI_COMPAT_POLICY_H

#include <stdbool.h>

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

#endif /* QAPI_COMPAT_POLICY_H */
