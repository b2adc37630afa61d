/*
 * tpm/vtpm-names.c: names of TPM 2.0 command and response codes for the
 * log (TPM 2.0 Library, Part 2: TPM_CC and TPM_RC).
 */
#include "config.h"

#include <stddef.h>

#include "tpm/vtpm-names.h"

/* TPM_CC values, sorted, so the name is found by binary search. */
static const struct { uint32_t cc; const char *name; } cc_names[] = {
    { 0x11f, "TPM2_CC_NV_UndefineSpaceSpecial" },
    { 0x120, "TPM2_CC_EvictControl" },
    { 0x121, "TPM2_CC_HierarchyControl" },
    { 0x122, "TPM2_CC_NV_UndefineSpace" },
    { 0x124, "TPM2_CC_ChangeEPS" },
    { 0x125, "TPM2_CC_ChangePPS" },
    { 0x126, "TPM2_CC_Clear" },
    { 0x127, "TPM2_CC_ClearControl" },
    { 0x128, "TPM2_CC_ClockSet" },
    { 0x129, "TPM2_CC_HierarchyChangeAuth" },
    { 0x12a, "TPM2_CC_NV_DefineSpace" },
    { 0x12b, "TPM2_CC_PCR_Allocate" },
    { 0x12c, "TPM2_CC_PCR_SetAuthPolicy" },
    { 0x12d, "TPM2_CC_PP_Commands" },
    { 0x12e, "TPM2_CC_SetPrimaryPolicy" },
    { 0x12f, "TPM2_CC_FieldUpgradeStart" },
    { 0x130, "TPM2_CC_ClockRateAdjust" },
    { 0x131, "TPM2_CC_CreatePrimary" },
    { 0x132, "TPM2_CC_NV_GlobalWriteLock" },
    { 0x133, "TPM2_CC_GetCommandAuditDigest" },
    { 0x134, "TPM2_CC_NV_Increment" },
    { 0x135, "TPM2_CC_NV_SetBits" },
    { 0x136, "TPM2_CC_NV_Extend" },
    { 0x137, "TPM2_CC_NV_Write" },
    { 0x138, "TPM2_CC_NV_WriteLock" },
    { 0x139, "TPM2_CC_DictionaryAttackLockReset" },
    { 0x13a, "TPM2_CC_DictionaryAttackParameters" },
    { 0x13b, "TPM2_CC_NV_ChangeAuth" },
    { 0x13c, "TPM2_CC_PCR_Event" },
    { 0x13d, "TPM2_CC_PCR_Reset" },
    { 0x13e, "TPM2_CC_SequenceComplete" },
    { 0x13f, "TPM2_CC_SetAlgorithmSet" },
    { 0x140, "TPM2_CC_SetCommandCodeAuditStatus" },
    { 0x141, "TPM2_CC_FieldUpgradeData" },
    { 0x142, "TPM2_CC_IncrementalSelfTest" },
    { 0x143, "TPM2_CC_SelfTest" },
    { 0x144, "TPM2_CC_Startup" },
    { 0x145, "TPM2_CC_Shutdown" },
    { 0x146, "TPM2_CC_StirRandom" },
    { 0x147, "TPM2_CC_ActivateCredential" },
    { 0x148, "TPM2_CC_Certify" },
    { 0x149, "TPM2_CC_PolicyNV" },
    { 0x14a, "TPM2_CC_CertifyCreation" },
    { 0x14b, "TPM2_CC_Duplicate" },
    { 0x14c, "TPM2_CC_GetTime" },
    { 0x14d, "TPM2_CC_GetSessionAuditDigest" },
    { 0x14e, "TPM2_CC_NV_Read" },
    { 0x14f, "TPM2_CC_NV_ReadLock" },
    { 0x150, "TPM2_CC_ObjectChangeAuth" },
    { 0x151, "TPM2_CC_PolicySecret" },
    { 0x152, "TPM2_CC_Rewrap" },
    { 0x153, "TPM2_CC_Create" },
    { 0x154, "TPM2_CC_ECDH_ZGen" },
    { 0x155, "TPM2_CC_HMAC" },
    { 0x156, "TPM2_CC_Import" },
    { 0x157, "TPM2_CC_Load" },
    { 0x158, "TPM2_CC_Quote" },
    { 0x159, "TPM2_CC_RSA_Decrypt" },
    { 0x15b, "TPM2_CC_HMAC_Start" },
    { 0x15c, "TPM2_CC_SequenceUpdate" },
    { 0x15d, "TPM2_CC_Sign" },
    { 0x15e, "TPM2_CC_Unseal" },
    { 0x160, "TPM2_CC_PolicySigned" },
    { 0x161, "TPM2_CC_ContextLoad" },
    { 0x162, "TPM2_CC_ContextSave" },
    { 0x163, "TPM2_CC_ECDH_KeyGen" },
    { 0x164, "TPM2_CC_EncryptDecrypt" },
    { 0x165, "TPM2_CC_FlushContext" },
    { 0x167, "TPM2_CC_LoadExternal" },
    { 0x168, "TPM2_CC_MakeCredential" },
    { 0x169, "TPM2_CC_NV_ReadPublic" },
    { 0x16a, "TPM2_CC_PolicyAuthorize" },
    { 0x16b, "TPM2_CC_PolicyAuthValue" },
    { 0x16c, "TPM2_CC_PolicyCommandCode" },
    { 0x16d, "TPM2_CC_PolicyCounterTimer" },
    { 0x16e, "TPM2_CC_PolicyCpHash" },
    { 0x16f, "TPM2_CC_PolicyLocality" },
    { 0x170, "TPM2_CC_PolicyNameHash" },
    { 0x171, "TPM2_CC_PolicyOR" },
    { 0x172, "TPM2_CC_PolicyTicket" },
    { 0x173, "TPM2_CC_ReadPublic" },
    { 0x174, "TPM2_CC_RSA_Encrypt" },
    { 0x176, "TPM2_CC_StartAuthSession" },
    { 0x177, "TPM2_CC_VerifySignature" },
    { 0x178, "TPM2_CC_ECC_Parameters" },
    { 0x179, "TPM2_CC_FirmwareRead" },
    { 0x17a, "TPM2_CC_GetCapability" },
    { 0x17b, "TPM2_CC_GetRandom" },
    { 0x17c, "TPM2_CC_GetTestResult" },
    { 0x17d, "TPM2_CC_Hash" },
    { 0x17e, "TPM2_CC_PCR_Read" },
    { 0x17f, "TPM2_CC_PolicyPCR" },
    { 0x180, "TPM2_CC_PolicyRestart" },
    { 0x181, "TPM2_CC_ReadClock" },
    { 0x182, "TPM2_CC_PCR_Extend" },
    { 0x183, "TPM2_CC_PCR_SetAuthValue" },
    { 0x184, "TPM2_CC_NV_Certify" },
    { 0x185, "TPM2_CC_EventSequenceComplete" },
    { 0x186, "TPM2_CC_HashSequenceStart" },
    { 0x187, "TPM2_CC_PolicyPhysicalPresence" },
    { 0x188, "TPM2_CC_PolicyDuplicationSelect" },
    { 0x189, "TPM2_CC_PolicyGetDigest" },
    { 0x18a, "TPM2_CC_TestParms" },
    { 0x18b, "TPM2_CC_Commit" },
    { 0x18c, "TPM2_CC_PolicyPassword" },
    { 0x18d, "TPM2_CC_ZGen_2Phase" },
    { 0x18e, "TPM2_CC_EC_Ephemeral" },
    { 0x18f, "TPM2_CC_PolicyNvWritten" },
    { 0x190, "TPM2_CC_PolicyTemplate" },
    { 0x191, "TPM2_CC_CreateLoaded" },
    { 0x192, "TPM2_CC_PolicyAuthorizeNV" },
    { 0x193, "TPM2_CC_EncryptDecrypt2" },
    { 0x194, "TPM2_CC_AC_GetCapability" },
    { 0x195, "TPM2_CC_AC_Send" },
    { 0x196, "TPM2_CC_Policy_AC_SendSelect" },
    { 0x197, "TPM2_CC_CertifyX509" },
    { 0x198, "TPM2_CC_ACT_SetTimeout" },
    { 0x199, "TPM2_CC_ECC_Encrypt" },
    { 0x19a, "TPM2_CC_ECC_Decrypt" },
};

const char *vtpm_cc_name(uint32_t cc)
{
    size_t lo = 0, hi = sizeof(cc_names) / sizeof(cc_names[0]);

    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;

        if (cc_names[mid].cc == cc) {
            return cc_names[mid].name;
        }
        if (cc_names[mid].cc < cc) {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    return NULL;
}

const char *vtpm_rc_name(uint32_t rc)
{
    /* Format-zero codes that a log reader meets most; others by number. */
    switch (rc) {
    case 0x000: return "TPM2_RC_SUCCESS";
    case 0x01e: return "TPM2_RC_BAD_TAG";
    case 0x100: return "TPM2_RC_INITIALIZE";
    case 0x101: return "TPM2_RC_FAILURE";
    case 0x103: return "TPM2_RC_SEQUENCE";
    case 0x143: return "TPM2_RC_COMMAND_CODE";
    case 0x142: return "TPM2_RC_COMMAND_SIZE";
    case 0x146: return "TPM2_RC_NV_RANGE";
    case 0x147: return "TPM2_RC_NV_SIZE";
    case 0x148: return "TPM2_RC_NV_LOCKED";
    case 0x149: return "TPM2_RC_NV_AUTHORIZATION";
    case 0x14a: return "TPM2_RC_NV_UNINITIALIZED";
    case 0x14b: return "TPM2_RC_NV_SPACE";
    case 0x14c: return "TPM2_RC_NV_DEFINED";
    case 0x908: return "TPM2_RC_YIELDED";
    case 0x909: return "TPM2_RC_CANCELED";
    case 0x920: return "TPM2_RC_NV_RATE";
    case 0x921: return "TPM2_RC_LOCKOUT";
    case 0x922: return "TPM2_RC_RETRY";
    case 0x923: return "TPM2_RC_NV_UNAVAILABLE";
    case 0x902: return "TPM2_RC_OBJECT_MEMORY";
    case 0x903: return "TPM2_RC_SESSION_MEMORY";
    case 0x901: return "TPM2_RC_CONTEXT_GAP";
    }
    return NULL;
}
