"""qvisit-gen: C types and visitors, and ASN.1 modules, from QAPI schemas.

parser: the schema language (JSON with comments) into expressions;
schema: definitions, their checks, and the C names QEMU's qapi-gen uses;
cgen: the qapi-types and qapi-visit files; asn1: the ASN.1 module.
"""

VERSION = '0.1.0'
