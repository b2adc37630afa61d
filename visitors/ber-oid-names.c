/*
 * visitors/ber-oid-names.c: OID names (see ber-oid-names.h).
 */
#include "config.h"

#include <errno.h>
#include <glib.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "visitors/ber-codec.h"
#include "visitors/ber-oid-names.h"

/*
 * Well-known arcs, the ones certificates, PKCS #5/#7/#12, CMS and OCSP
 * are made of, sorted by strcmp() for the binary search below.
 */
static const struct {
    const char *oid;
    const char *name;
} builtin[] = {
    { "0.9.2342.19200300.100.1.1", "userId" },
    { "0.9.2342.19200300.100.1.25", "domainComponent" },
    { "1.2.840.10040.4.1", "dsa" },
    { "1.2.840.10040.4.3", "dsaWithSHA1" },
    { "1.2.840.10045.2.1", "ecPublicKey" },
    { "1.2.840.10045.3.1.7", "prime256v1" },
    { "1.2.840.10045.4.1", "ecdsaWithSHA1" },
    { "1.2.840.10045.4.3.2", "ecdsaWithSHA256" },
    { "1.2.840.10045.4.3.3", "ecdsaWithSHA384" },
    { "1.2.840.10045.4.3.4", "ecdsaWithSHA512" },
    { "1.2.840.113549.1.1.1", "rsaEncryption" },
    { "1.2.840.113549.1.1.10", "rsassaPss" },
    { "1.2.840.113549.1.1.11", "sha256WithRSAEncryption" },
    { "1.2.840.113549.1.1.12", "sha384WithRSAEncryption" },
    { "1.2.840.113549.1.1.13", "sha512WithRSAEncryption" },
    { "1.2.840.113549.1.1.4", "md5WithRSAEncryption" },
    { "1.2.840.113549.1.1.5", "sha1WithRSAEncryption" },
    { "1.2.840.113549.1.1.7", "rsaOAEP" },
    { "1.2.840.113549.1.1.8", "mgf1" },
    { "1.2.840.113549.1.12.10.1.1", "keyBag" },
    { "1.2.840.113549.1.12.10.1.2", "pkcs8ShroudedKeyBag" },
    { "1.2.840.113549.1.12.10.1.3", "certBag" },
    { "1.2.840.113549.1.5.12", "pkcs5PBKDF2" },
    { "1.2.840.113549.1.5.13", "pkcs5PBES2" },
    { "1.2.840.113549.1.7.1", "data" },
    { "1.2.840.113549.1.7.2", "signedData" },
    { "1.2.840.113549.1.7.3", "envelopedData" },
    { "1.2.840.113549.1.7.5", "digestedData" },
    { "1.2.840.113549.1.7.6", "encryptedData" },
    { "1.2.840.113549.1.9.1", "emailAddress" },
    { "1.2.840.113549.1.9.14", "extensionRequest" },
    { "1.2.840.113549.1.9.15", "smimeCapabilities" },
    { "1.2.840.113549.1.9.16.1.4", "tstInfo" },
    { "1.2.840.113549.1.9.20", "friendlyName" },
    { "1.2.840.113549.1.9.21", "localKeyID" },
    { "1.2.840.113549.1.9.22.1", "x509Certificate" },
    { "1.2.840.113549.1.9.3", "contentType" },
    { "1.2.840.113549.1.9.4", "messageDigest" },
    { "1.2.840.113549.1.9.5", "signingTime" },
    { "1.2.840.113549.2.5", "md5" },
    { "1.2.840.113549.2.7", "hmacWithSHA1" },
    { "1.2.840.113549.2.9", "hmacWithSHA256" },
    { "1.2.840.113549.3.7", "des-ede3-cbc" },
    { "1.3.101.110", "X25519" },
    { "1.3.101.112", "Ed25519" },
    { "1.3.101.113", "Ed448" },
    { "1.3.132.0.34", "secp384r1" },
    { "1.3.132.0.35", "secp521r1" },
    { "1.3.14.3.2.26", "sha1" },
    { "1.3.6.1.4.1.11129.2.4.2", "ctPrecertificateSCTs" },
    { "1.3.6.1.4.1.311.20.2", "msCertificateTemplateName" },
    { "1.3.6.1.4.1.311.21.1", "msCaVersion" },
    { "1.3.6.1.4.1.311.60.2.1.1", "jurisdictionLocalityName" },
    { "1.3.6.1.4.1.311.60.2.1.2", "jurisdictionStateOrProvinceName" },
    { "1.3.6.1.4.1.311.60.2.1.3", "jurisdictionCountryName" },
    { "1.3.6.1.5.5.7.1.1", "authorityInfoAccess" },
    { "1.3.6.1.5.5.7.2.1", "cps" },
    { "1.3.6.1.5.5.7.2.2", "unotice" },
    { "1.3.6.1.5.5.7.3.1", "serverAuth" },
    { "1.3.6.1.5.5.7.3.2", "clientAuth" },
    { "1.3.6.1.5.5.7.3.3", "codeSigning" },
    { "1.3.6.1.5.5.7.3.4", "emailProtection" },
    { "1.3.6.1.5.5.7.3.8", "timeStamping" },
    { "1.3.6.1.5.5.7.3.9", "OCSPSigning" },
    { "1.3.6.1.5.5.7.48.1", "ocsp" },
    { "1.3.6.1.5.5.7.48.1.1", "ocspBasic" },
    { "1.3.6.1.5.5.7.48.1.2", "ocspNonce" },
    { "1.3.6.1.5.5.7.48.2", "caIssuers" },
    { "2.16.840.1.101.3.4.1.2", "aes128-CBC" },
    { "2.16.840.1.101.3.4.1.22", "aes192-CBC" },
    { "2.16.840.1.101.3.4.1.42", "aes256-CBC" },
    { "2.16.840.1.101.3.4.1.46", "aes256-GCM" },
    { "2.16.840.1.101.3.4.1.6", "aes128-GCM" },
    { "2.16.840.1.101.3.4.2.1", "sha256" },
    { "2.16.840.1.101.3.4.2.2", "sha384" },
    { "2.16.840.1.101.3.4.2.3", "sha512" },
    { "2.16.840.1.101.3.4.2.4", "sha224" },
    { "2.16.840.1.101.3.4.3.2", "dsaWithSHA256" },
    { "2.16.840.1.113730.1.1", "netscapeCertType" },
    { "2.16.840.1.113730.1.13", "netscapeComment" },
    { "2.23.140.1.1", "ev-guidelines" },
    { "2.23.140.1.2.1", "domain-validated" },
    { "2.23.140.1.2.2", "organization-validated" },
    { "2.5.29.14", "subjectKeyIdentifier" },
    { "2.5.29.15", "keyUsage" },
    { "2.5.29.17", "subjectAltName" },
    { "2.5.29.18", "issuerAltName" },
    { "2.5.29.19", "basicConstraints" },
    { "2.5.29.20", "cRLNumber" },
    { "2.5.29.21", "cRLReason" },
    { "2.5.29.30", "nameConstraints" },
    { "2.5.29.31", "cRLDistributionPoints" },
    { "2.5.29.32", "certificatePolicies" },
    { "2.5.29.32.0", "anyPolicy" },
    { "2.5.29.33", "policyMappings" },
    { "2.5.29.35", "authorityKeyIdentifier" },
    { "2.5.29.36", "policyConstraints" },
    { "2.5.29.37", "extKeyUsage" },
    { "2.5.4.10", "organizationName" },
    { "2.5.4.11", "organizationalUnitName" },
    { "2.5.4.12", "title" },
    { "2.5.4.15", "businessCategory" },
    { "2.5.4.17", "postalCode" },
    { "2.5.4.3", "commonName" },
    { "2.5.4.4", "surname" },
    { "2.5.4.42", "givenName" },
    { "2.5.4.46", "dnQualifier" },
    { "2.5.4.5", "serialNumber" },
    { "2.5.4.6", "countryName" },
    { "2.5.4.7", "localityName" },
    { "2.5.4.8", "stateOrProvinceName" },
    { "2.5.4.9", "streetAddress" },
    { "2.5.4.97", "organizationIdentifier" },
};

struct BEROidTable {
    GHashTable *names;          /* dotted OID -> name, both owned */
};

BEROidTable *ber_oid_table_new(void)
{
    BEROidTable *t = g_new0(BEROidTable, 1);

    t->names = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
    return t;
}

void ber_oid_table_free(BEROidTable *t)
{
    if (t) {
        g_hash_table_destroy(t->names);
        g_free(t);
    }
}

size_t ber_oid_table_size(const BEROidTable *t)
{
    return t ? g_hash_table_size(t->names) : 0;
}

size_t ber_oid_builtin_size(void)
{
    return G_N_ELEMENTS(builtin);
}

static const char *builtin_name(const char *dotted)
{
    size_t lo = 0, hi = G_N_ELEMENTS(builtin);

    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = strcmp(builtin[mid].oid, dotted);

        if (c == 0) {
            return builtin[mid].name;
        }
        if (c < 0) {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    return NULL;
}

const char *ber_oid_name(const BEROidTable *t, const char *dotted)
{
    const char *name = t ? g_hash_table_lookup(t->names, dotted) : NULL;

    return name ? name : builtin_name(dotted);
}

/*
 * The dotted form of the OID text @s: decimal arcs "2 5 4 3", or hex
 * octets "06 03 55 04 03" (the old dumpasn1.cfg form, told apart by its
 * first token, since no OID starts with arc 06). NULL if malformed.
 */
static char *parse_oid(const char *s)
{
    gchar *copy = g_strstrip(g_strdup(s));
    gchar **tok = g_strsplit_set(copy, " \t", -1);
    GString *out = g_string_new(NULL);
    gchar **p;
    bool ok = true;
    size_t n = 0;

    for (p = tok; *p; p++) {
        if (**p) {
            n++;
        }
    }
    if (n >= 2 && tok[0][0] == '0' && tok[0][1] == '6' && !tok[0][2]) {
        /* 06 len content...: decode the content */
        uint8_t buf[256];
        size_t len = 0, pos = 0;

        for (p = tok; *p && ok; p++) {
            char *end;
            unsigned long v;

            if (!**p) {
                continue;
            }
            v = strtoul(*p, &end, 16);
            ok = *end == 0 && v <= 0xff && strlen(*p) == 2 &&
                 len < sizeof(buf);
            if (ok) {
                buf[len++] = (uint8_t)v;
            }
        }
        ok = ok && len >= 3 && buf[1] == len - 2;
        while (ok && pos < len - 2) {
            uint64_t v;

            ok = ber_decode_oid_subid(buf + 2, len - 2, &pos, &v) == BER_OK;
            if (ok && out->len == 0) {
                unsigned arc = v < 40 ? 0 : v < 80 ? 1 : 2;

                g_string_append_printf(out, "%u.%" G_GUINT64_FORMAT, arc,
                                       v - arc * 40);
            } else if (ok) {
                g_string_append_printf(out, ".%" G_GUINT64_FORMAT, v);
            }
        }
    } else {
        for (p = tok; *p && ok; p++) {
            if (!**p) {
                continue;
            }
            ok = strspn(*p, "0123456789") == strlen(*p) && strlen(*p) <= 20;
            if (ok) {
                g_string_append_printf(out, "%s%s", out->len ? "." : "", *p);
            }
        }
        ok = ok && n >= 2;
    }
    g_strfreev(tok);
    g_free(copy);
    if (!ok) {
        g_string_free(out, TRUE);
        return NULL;
    }
    return g_string_free(out, FALSE);
}

bool ber_oid_table_load(BEROidTable *t, const char *path, size_t *count,
                        Error **errp)
{
    FILE *fp = fopen(path, "r");
    char line[1024];
    char *pending = NULL;           /* dotted OID awaiting its Description */
    size_t lineno = 0, names = 0;
    bool ok = true;

    if (!fp) {
        error_setg_errno(errp, errno, "%s", path);
        return false;
    }
    while (fgets(line, sizeof(line), fp)) {
        char *eq, *key, *value;

        lineno++;
        key = g_strstrip(line);
        if (!*key || *key == '#') {
            continue;
        }
        eq = strchr(key, '=');
        if (!eq) {
            continue;
        }
        *eq = 0;
        value = g_strstrip(eq + 1);
        g_strstrip(key);
        if (!g_ascii_strcasecmp(key, "OID")) {
            g_free(pending);
            pending = parse_oid(value);
            if (!pending) {
                error_setg(errp, "%s:%zu: malformed OID '%s'", path, lineno,
                           value);
                ok = false;
                break;
            }
        } else if (!g_ascii_strcasecmp(key, "Description") && pending &&
                   *value) {
            g_hash_table_replace(t->names, pending, g_strdup(value));
            pending = NULL;
            names++;
        }
    }
    if (ok && ferror(fp)) {
        error_setg_errno(errp, errno, "%s: read error", path);
        ok = false;
    }
    g_free(pending);
    fclose(fp);
    if (count) {
        *count = names;
    }
    return ok;
}
